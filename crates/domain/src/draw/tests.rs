//! Unit tests of the internals; behaviour of the whole draw is tested in
//! tests/draw.rs and tests/draw_python.rs.

use super::codec::{iso_date, utc_seconds};
use super::ticket::select;
use super::*;

fn code(n: u32) -> UsccKey {
    format!("91120104{n:010}").parse().unwrap()
}

#[test]
fn uscc_key_syntax() {
    assert!("91120104MA05K1L23X".parse::<UsccKey>().is_ok());
    for bad in [
        "",
        "91120104MA05K1L23",
        "91120104MA05K1L23XX",
        "91120104ma05k1l23x",
        "91120104MA05K1L23I",
        "91120104MA05K1L2OX",
        "91120104MA05K1L23Z",
        "911201０4MA05K1L23X",
    ] {
        assert!(bad.parse::<UsccKey>().is_err(), "{bad}");
    }
    let k = code(7);
    assert_eq!(serde_json::to_string(&k).unwrap(), "\"911201040000000007\"");
    assert_eq!(serde_json::from_str::<UsccKey>("\"911201040000000007\"").unwrap(), k);
}

#[test]
fn hash_hex_is_strict() {
    let h = Hash256([0xab; 32]);
    assert_eq!(Hash256::from_hex(&h.to_hex()), Ok(h));
    assert!(Hash256::from_hex(&h.to_hex().to_uppercase()).is_err());
    assert!(Hash256::from_hex(&h.to_hex()[1..]).is_err());
    assert!(serde_json::from_str::<Hash256>("\"00\"").is_err());
}

#[test]
fn time_and_date_formats_are_strict() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct T {
        #[serde(with = "utc_seconds")]
        t: chrono::DateTime<chrono::Utc>,
        #[serde(with = "iso_date")]
        d: chrono::NaiveDate,
    }
    let ok = r#"{"t":"2024-03-04T08:00:00Z","d":"2024-03-31"}"#;
    let t: T = serde_json::from_str(ok).unwrap();
    assert_eq!(serde_json::to_string(&t).unwrap(), ok);
    for bad in [
        r#"{"t":"2024-03-04T08:00:00.5Z","d":"2024-03-31"}"#,
        r#"{"t":"2024-03-04T08:00:00+00:00","d":"2024-03-31"}"#,
        r#"{"t":"2024-3-04T08:00:00Z","d":"2024-03-31"}"#,
        r#"{"t":"2024-03-04T08:00:00Z","d":"2024-3-31"}"#,
        r#"{"t":"2024-03-04T08:00:00Z","d":"20240331"}"#,
    ] {
        assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
    }
}

#[test]
fn builder_sorts_interns_and_remaps_labels() {
    let p =
        Pool::from_candidates([(code(3), 1, "D"), (code(1), 2, "B"), (code(2), 3, "D"), (code(0), 1, "A")]).unwrap();
    assert_eq!(p.strata(), ["A", "B", "D"]);
    let got: Vec<_> = p.iter().map(|c| (c.uscc, c.weight, c.stratum)).collect();
    assert_eq!(got, [(code(0), 1, "A"), (code(1), 2, "B"), (code(2), 3, "D"), (code(3), 1, "D")]);
    assert_eq!(p.stratum_stats(), [(1, 1), (1, 2), (2, 4)]);
    assert_eq!(p.position(&code(2)), Some(2));
    let too_many = (0..=MAX_STRATA as u32).map(|i| (code(i), 1, format!("s{i}")));
    assert_eq!(Pool::from_candidates(too_many), Err(DrawError::TooManyStrata));
}

#[test]
fn pool_json_round_trip_and_strict_order() {
    let p = Pool::from_candidates([(code(2), 1, "B"), (code(1), 5, "A")]).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(
        json,
        r#"[{"uscc":"911201040000000001","weight":5,"stratum":"A"},{"uscc":"911201040000000002","weight":1,"stratum":"B"}]"#
    );
    assert_eq!(serde_json::from_str::<Pool>(&json).unwrap(), p);
    let swapped = r#"[{"uscc":"911201040000000002","weight":1,"stratum":"B"},{"uscc":"911201040000000001","weight":5,"stratum":"A"}]"#;
    let e = serde_json::from_str::<Pool>(swapped).unwrap_err().to_string();
    assert!(e.starts_with("pool[1]: entries must be strictly increasing"), "{e}");
    let heavy = r#"[{"uscc":"911201040000000001","weight":5000000000,"stratum":"A"}]"#;
    let e = serde_json::from_str::<Pool>(heavy).unwrap_err().to_string();
    assert!(e.starts_with("pool[0]: ") && e.contains("5000000000"), "{e}");
}

#[test]
fn top_k_selection_matches_a_full_sort() {
    let p = Pool::from_candidates((0..5000).map(|i| (code(i), 1 + i % 3, ["A", "B"][(i % 2) as usize]))).unwrap();
    let seed = Hash256([3; 32]);
    let key = TicketKey::new(&seed);
    for ks in [[0u64, 1], [1, 0], [17, 2500], [2500, 2500], [1200, 1300]] {
        for threads in [1, 4] {
            let got = select(&p, &seed, &ks, threads);
            for (s, &k) in ks.iter().enumerate() {
                let mut all: Vec<_> = p
                    .entries()
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.stratum_index() == s)
                    .map(|(i, e)| (key.ticket(&e.uscc, e.weight), i as u32))
                    .collect();
                all.sort();
                all.truncate(k as usize);
                assert_eq!(got[s], all, "k = {k}, threads = {threads}");
            }
        }
    }
}

#[test]
fn ticket_of_weight_w_is_the_minimum_of_w_hashes() {
    let seed = Hash256([9; 32]);
    let u = code(42);
    let t: Vec<Hash256> = (1..=8).map(|w| ticket(&seed, &u, w)).collect();
    assert!(t.windows(2).all(|w| w[1] <= w[0]), "tickets can only fall as weight grows");
    assert_eq!(ticket(&seed, &u, 0), Hash256([0xff; 32]));
}

#[test]
fn verify_error_names_pool_entries() {
    let bad = br#"{"pool": [}"#;
    assert_eq!(verify_json(bad).unwrap_err().field(), None);
    let e = VerifyError::Mismatch { field: "seed".into(), recorded: "a".into(), recomputed: "b".into() };
    assert_eq!(e.to_string(), "seed: 与重新计算结果不符 (mismatch): 记录值 recorded a, 重算值 recomputed b");
}
