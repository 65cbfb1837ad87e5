//! The verifiable draw: golden vectors, byte layouts, properties, statistics, bad
//! input and tampering. Regenerate the golden records (only after a deliberate
//! change of algorithm version) with `JIANGUAN_BLESS=1 cargo test --test draw`.

#[path = "draw_golden/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use jianguan_domain::draw::*;
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::*;

fn lp(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn golden_file(name: &str) -> String {
    std::fs::read_to_string(golden_dir().join(format!("{name}.json"))).unwrap()
}

// ---------------------------------------------------------------- golden vectors

#[test]
fn golden_records_are_byte_exact() {
    for (name, input) in golden_inputs() {
        let outcome = run_draw(&input).unwrap();
        let json = outcome.record.to_json_pretty() + "\n";
        let path = golden_dir().join(format!("{name}.json"));
        if std::env::var_os("JIANGUAN_BLESS").is_some() {
            std::fs::write(&path, &json).unwrap();
        }
        assert_eq!(golden_file(name), json, "golden record {name} changed");
        let parsed = verify_json(json.as_bytes()).unwrap();
        assert_eq!(parsed, outcome.record);
        assert_eq!(outcome.record.commit_hash, outcome.commit.hash());
        assert_eq!(commit(&input.spec).unwrap(), outcome.commit);
    }
}

#[test]
fn golden_vectors_literal() {
    let r = run_draw(&golden_basic()).unwrap().record;
    assert_eq!(r.pool_hash.to_hex(), GOLDEN_BASIC_POOL_HASH);
    assert_eq!(r.seed.to_hex(), GOLDEN_BASIC_SEED);
    let a: Vec<(String, String)> = r.winners["A"].iter().map(|w| (w.uscc.to_string(), w.ticket.to_hex())).collect();
    let want: Vec<(String, String)> =
        GOLDEN_BASIC_WINNERS_A.iter().map(|(u, t)| (u.to_string(), t.to_string())).collect();
    assert_eq!(a, want);
    assert_eq!(r.cutoff["A"].unwrap().to_hex(), GOLDEN_BASIC_WINNERS_A[1].1);
    assert_eq!(r.cutoff["unclassified"], None);
}

const GOLDEN_BASIC_POOL_HASH: &str = "65955dfdc2edbec3d2b2cfdf3e811aaa6659ee9404ab0db30cd4fe2a68d9b4d6";
const GOLDEN_BASIC_SEED: &str = "72eb4b876a0ce98884da7f51359962e0eee4b4eb314483931a42ef4259175675";
const GOLDEN_BASIC_WINNERS_A: [(&str, &str); 2] = [
    ("91120104BX57D00039", "453d35e40908f2d08854980e7b68702c29a8403f10a9b7222433cc96b1853574"),
    ("91120104J5P4R00052", "6a384eca78b004e7e81113f5db0dea73d39f41dfe5419c350c264d5430fc52bb"),
];

// ------------------------------------------- byte layouts, as docs/draw-record.md

/// The worked example of docs/draw-record.md §4, value for value.
#[test]
fn documented_worked_example() {
    let u = |s: &str| s.parse::<UsccKey>().unwrap();
    let (u1, u2, u3) = (u("911201040000000001"), u("911201040000000002"), u("911201040000000003"));
    let pool = Pool::from_candidates([(u3, 1, "B"), (u2, 2, "A"), (u1, 1, "A")]).unwrap();
    let pool_hash = pool.hash();
    assert_eq!(pool_hash.to_hex(), "7bea5418c18984ce7b309f6d464201c9ba476d36bc79d684961e52f40f4497d1");
    let seed = derive_seed("DEMO-1", &pool_hash, "3047.79");
    assert_eq!(seed.to_hex(), "db9c2148864c9b078cbc2a14fbed22b75f308e7c5e2f65b8c5674c76a1fa403c");
    let tickets = [
        (u1, 1, "f3166b1629a94d3edbed6981d6ac58ba6c4499f785478f1d335f719176be32db"),
        (u2, 2, "1d9b28d88f668e88cc0a88fd6908cf0aacbb540ab02aa12df996b5f7b4a15bee"),
        (u3, 1, "61d298edad9a78e93719edb989a6ad2dd861b57b422365b424f6b35be8ee9615"),
    ];
    for (uscc, w, hex) in tickets {
        assert_eq!(ticket(&seed, &uscc, w).to_hex(), hex);
    }
    let k = BTreeMap::from([("A".to_string(), 1), ("B".to_string(), 1)]);
    let w = select_winners(&pool, &seed, &k, DrawOptions::default()).unwrap();
    assert_eq!((w["A"][0].uscc, w["B"][0].uscc), (u2, u3));
    let iseed = inspector_seed(&seed, &u2);
    assert_eq!(iseed.to_hex(), "3ae18f7e7515b248b0f567049e11cae9bb76bc2b3ed0a78f662924cb6601193b");
    let it = |c: &str| inspector_ticket(&iseed, c).to_hex();
    assert_eq!(it("TJ-0001"), "535fcaff731b052965ab6fb9379aaa054553428c2359b07e121928b5967df522");
    assert_eq!(it("TJ-0002"), "a8e838c548d85047ef0261e8c302b6547ab78d98439de45cb1ec51d460cbe04a");
    assert_eq!(it("TJ-0003"), "01087e54ea3050be9d2c1dba0cd1295fc6cb1524c1617a470c1b58f7b130fc92");
}

#[test]
fn pool_hash_layout() {
    let (u1, u2) = (uscc(1), uscc(2));
    let p = Pool::from_candidates([(u2, 7, "B"), (u1, 1, "A")]).unwrap();
    let (first, second) = if u1 < u2 { ((u1, 1, "A"), (u2, 7, "B")) } else { ((u2, 7, "B"), (u1, 1, "A")) };
    let mut leaf = Vec::new();
    for (u, w, s) in [first, second] {
        lp(&mut leaf, u.as_str().as_bytes());
        leaf.extend_from_slice(&(w as u32).to_be_bytes());
        lp(&mut leaf, s.as_bytes());
    }
    let mut b = Vec::new();
    lp(&mut b, b"jianguan-draw-pool/1");
    b.extend_from_slice(&2u64.to_be_bytes());
    b.extend_from_slice(&sha(&leaf));
    assert_eq!(p.hash().0, sha(&b));
}

/// Leaves hold POOL_CHUNK entries; the value does not depend on the thread count.
#[test]
fn pool_hash_leaves() {
    let n = POOL_CHUNK as u64 * 2 + 5;
    let p = Pool::from_candidates((0..n).map(|i| (uscc(i), 1 + (i % 7) as u32, "A"))).unwrap();
    let mut leaves = Vec::new();
    for chunk in p.entries().chunks(POOL_CHUNK) {
        let mut leaf = Vec::new();
        for e in chunk {
            lp(&mut leaf, e.uscc.as_str().as_bytes());
            leaf.extend_from_slice(&e.weight.to_be_bytes());
            lp(&mut leaf, b"A");
        }
        leaves.extend_from_slice(&sha(&leaf));
    }
    assert_eq!(leaves.len(), 3 * 32);
    let mut b = Vec::new();
    lp(&mut b, b"jianguan-draw-pool/1");
    b.extend_from_slice(&n.to_be_bytes());
    b.extend_from_slice(&leaves);
    let want = Hash256(sha(&b));
    for threads in [1, 2, 3, 0] {
        assert_eq!(p.hash_with_threads(threads), want);
    }
}

#[test]
fn seed_and_ticket_layout() {
    let pool_hash = Hash256([0x11; 32]);
    let mut b = Vec::new();
    lp(&mut b, b"jianguan-draw-seed/1");
    lp(&mut b, "抽取-1".as_bytes());
    lp(&mut b, &[0x11; 32]);
    lp(&mut b, b"3047.79");
    let seed = derive_seed("抽取-1", &pool_hash, "3047.79");
    assert_eq!(seed.0, sha(&b));

    let u = uscc(5);
    let mut block = b"jianguan-draw-ticket/1".to_vec();
    block.resize(32, 0);
    block.extend_from_slice(&seed.0);
    assert_eq!(ticket_key_block(&seed).to_vec(), block);
    let mut hashes = Vec::new();
    for j in 0u32..3 {
        let mut m = block.clone();
        lp(&mut m, u.as_str().as_bytes());
        m.extend_from_slice(&j.to_be_bytes());
        hashes.push(sha(&m));
    }
    assert_eq!(ticket(&seed, &u, 1).0, hashes[0]);
    assert_eq!(ticket(&seed, &u, 3).0, *hashes.iter().min().unwrap());
}

#[test]
fn inspector_and_roster_layout() {
    let seed = Hash256([7; 32]);
    let u = uscc(9);
    let mut b = Vec::new();
    lp(&mut b, b"jianguan-draw-inspector/1");
    lp(&mut b, &[7; 32]);
    lp(&mut b, u.as_str().as_bytes());
    let iseed = inspector_seed(&seed, &u);
    assert_eq!(iseed.0, sha(&b));
    let mut m = iseed.0.to_vec();
    lp(&mut m, "执法-0001".as_bytes());
    assert_eq!(inspector_ticket(&iseed, "执法-0001").0, sha(&m));

    let mut i = inspector("C1", "张三", SCJ, &["X1", "X2"]);
    i.recusals = vec![u];
    i.prior_assignments = 5;
    let mut b = Vec::new();
    lp(&mut b, b"jianguan-draw-roster/1");
    b.extend_from_slice(&1u32.to_be_bytes());
    for f in ["C1", "张三", SCJ] {
        lp(&mut b, f.as_bytes());
    }
    b.extend_from_slice(&2u32.to_be_bytes());
    lp(&mut b, b"X1");
    lp(&mut b, b"X2");
    lp(&mut b, b"2021-01-01");
    lp(&mut b, b"2026-12-31");
    b.push(1);
    b.extend_from_slice(&5u32.to_be_bytes());
    b.extend_from_slice(&1u32.to_be_bytes());
    lp(&mut b, u.as_str().as_bytes());
    assert_eq!(roster_hash(&[i]).0, sha(&b));
}

#[test]
fn commit_is_canonical_json_without_personal_data() {
    let input = golden_basic();
    let c = commit(&input.spec).unwrap();
    let json = c.canonical_json();
    assert_eq!(c.hash().0, sha(json.as_bytes()));
    assert!(json.starts_with(r#"{"algorithm":"jianguan-draw/1","draw_id":"2024-SCJ-T-003-D1","#));
    assert!(!json.contains("张伟") && !json.contains("12010420210001"));
    assert!(!json.contains(&uscc(0).to_string()), "the commit lists no entity");
    let back: DrawCommit = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    assert_eq!(c.strata["A"], StratumSummary { size: 6, total_weight: 6, k: 2 });
    assert_eq!(c.strata["unclassified"].k, 0);
}

/// The commit shown in docs/draw-record.md §2.8 is the real one.
#[test]
fn documented_commit_example() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/draw-record.md")).unwrap();
    let line = doc.lines().find(|l| l.starts_with(r#"{"algorithm":"#)).expect("commit example in the docs");
    assert_eq!(line, commit(&golden_entities_only().spec).unwrap().canonical_json());
}

// ------------------------------------------------------------------ properties

fn record_json(input: &DrawInput) -> String {
    run_draw(input).unwrap().record.to_json_pretty()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn shuffling_inputs_changes_nothing(seed in 0u64..1_000_000, perm_seed in any::<u64>()) {
        let input = random_input(seed);
        let mut shuffled = input.clone();
        let mut cands: Vec<(UsccKey, u32, String)> =
            input.spec.pool.iter().map(|c| (c.uscc, c.weight, c.stratum.to_owned())).collect();
        let mut rng = Rng(perm_seed);
        for i in (1..cands.len()).rev() {
            cands.swap(i, rng.below(i as u64 + 1) as usize);
        }
        shuffled.spec.pool = Arc::new(Pool::from_candidates(cands).unwrap());
        for i in (1..shuffled.spec.roster.len()).rev() {
            shuffled.spec.roster.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for x in &mut shuffled.spec.roster {
            x.items.reverse();
            x.recusals.reverse();
        }
        shuffled.spec.parameters.item_codes.reverse();
        if let Some(p) = &mut shuffled.spec.parameters.inspection {
            p.departments.reverse();
        }
        prop_assert_eq!(record_json(&input), record_json(&shuffled));
    }

    #[test]
    fn random_records_verify(seed in any::<u64>()) {
        let r = run_draw(&random_input(seed)).unwrap().record;
        prop_assert_eq!(verify_json(r.to_json_pretty().as_bytes()), Ok(r));
    }
}

/// For a fixed seed a ticket depends on nothing but (seed, uscc, weight): adding or
/// removing one entity changes no other ticket, and removing a non-winner or adding
/// an entity above the cut-off leaves the winners as they were. (A real draw binds
/// the pool through the seed, so a changed pool is a different draw; this property
/// is what lets anyone check any one entity in isolation.)
#[test]
fn adding_or_removing_an_entity_changes_no_other_ticket() {
    let list: Vec<_> = (0..300).map(|i| (uscc(i), 1 + (i % 4) as u32, "A")).collect();
    let seed = Hash256(sha(b"fixed"));
    let all = |p: &Pool| {
        let k = BTreeMap::from([("A".to_string(), p.len() as u64)]);
        let w = select_winners(p, &seed, &k, DrawOptions::default()).unwrap();
        w["A"].iter().map(|w| (w.uscc, w.ticket)).collect::<BTreeMap<_, _>>()
    };
    let full = Pool::from_candidates(list.iter().copied()).unwrap();
    let t_full = all(&full);
    for drop in [0usize, 77, 299] {
        let smaller =
            Pool::from_candidates(list.iter().enumerate().filter(|&(i, _)| i != drop).map(|(_, e)| *e)).unwrap();
        let t_small = all(&smaller);
        assert_eq!(t_small.len(), 299);
        for (u, t) in &t_small {
            assert_eq!(t_full[u], *t);
            let e = list.iter().find(|e| e.0 == *u).unwrap();
            assert_eq!(ticket(&seed, u, e.1), *t);
        }
    }
    let k = BTreeMap::from([("A".to_string(), 30u64)]);
    let winners = select_winners(&full, &seed, &k, DrawOptions::default()).unwrap();
    let cutoff = winners["A"].last().unwrap().ticket;
    let loser = list.iter().find(|e| winners["A"].iter().all(|w| w.uscc != e.0)).unwrap();
    let without = Pool::from_candidates(list.iter().filter(|e| e.0 != loser.0).copied()).unwrap();
    assert_eq!(select_winners(&without, &seed, &k, DrawOptions::default()).unwrap(), winners);
    let extra = (1000..).map(|i| (uscc(i), 1, "A")).find(|e| ticket(&seed, &e.0, 1) > cutoff).unwrap();
    let with = Pool::from_candidates(list.iter().copied().chain([extra])).unwrap();
    assert_eq!(select_winners(&with, &seed, &k, DrawOptions::default()).unwrap(), winners);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let list: Vec<_> =
        (0..150_000u64).map(|i| (uscc(i), 1 + (i % 3) as u32, ["A", "B", "C"][(i % 3) as usize])).collect();
    let p = Pool::from_candidates(list).unwrap();
    let seed = Hash256(sha(b"threads"));
    let k: BTreeMap<String, u64> =
        [("A", 700u64), ("B", 1), ("C", 5000)].iter().map(|(l, k)| (l.to_string(), *k)).collect();
    let one = select_winners(&p, &seed, &k, DrawOptions { threads: 1 }).unwrap();
    for threads in [2, 3, 7] {
        assert_eq!(select_winners(&p, &seed, &k, DrawOptions { threads }).unwrap(), one);
    }
    // And the bounded heaps agree with a full sort.
    let mut a: Vec<(Hash256, UsccKey)> =
        p.iter().filter(|c| c.stratum == "A").map(|c| (ticket(&seed, &c.uscc, c.weight), c.uscc)).collect();
    a.sort();
    let want: Vec<Winner> = a[..700].iter().map(|&(ticket, uscc)| Winner { uscc, ticket }).collect();
    assert_eq!(one["A"], want);
}

// ------------------------------------------------------------------ statistics

/// Over 10,000 draws of k = 2 from weights 1,1,2,2,3,3 the drawn pairs follow the
/// exact distribution of successive weighted sampling without replacement. The
/// pair counts are multinomial, so Pearson's statistic over the 15 pairs is
/// chi-square with 14 degrees of freedom; the inclusion frequency of each entity is
/// checked against its exact probability with a binomial z-score (inclusions of
/// different entities are dependent, so they are not pooled into one chi-square).
#[test]
fn inclusion_frequencies_match_theory() {
    let weights = [1u32, 1, 2, 2, 3, 3];
    let list: Vec<_> = weights.iter().enumerate().map(|(i, &w)| (uscc(500 + i as u64), w, "A")).collect();
    let mut parameters = params(quotas(&[("A", Quota::Count(2))]), None);
    parameters.item_codes = vec!["X".into()];
    let mut input = input(spec(pool(&list), parameters), "");
    let index: BTreeMap<UsccKey, usize> = list.iter().enumerate().map(|(i, e)| (e.0, i)).collect();

    const N: usize = 10_000;
    let mut pairs: BTreeMap<(usize, usize), usize> =
        (0..6).flat_map(|i| (i + 1..6).map(move |j| ((i, j), 0))).collect();
    for s in 0..N {
        input.entropy_value = format!("chi-square-{s}");
        let r = run_draw(&input).unwrap().record;
        let w = &r.winners["A"];
        let (a, b) = (index[&w[0].uscc], index[&w[1].uscc]);
        *pairs.get_mut(&(a.min(b), a.max(b))).unwrap() += 1;
    }

    let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    let p = |i: usize| f64::from(weights[i]) / total;
    let pair_p = |i: usize, j: usize| {
        p(i) * f64::from(weights[j]) / (total - f64::from(weights[i]))
            + p(j) * f64::from(weights[i]) / (total - f64::from(weights[j]))
    };
    let mut chi2 = 0.0;
    let mut incl_p = [0.0f64; 6];
    let mut incl_n = [0usize; 6];
    let mut sum_p = 0.0;
    for (&(i, j), &n) in &pairs {
        let e = pair_p(i, j) * N as f64;
        chi2 += (n as f64 - e).powi(2) / e;
        sum_p += pair_p(i, j);
        for x in [i, j] {
            incl_p[x] += pair_p(i, j);
            incl_n[x] += n;
        }
    }
    assert!((sum_p - 1.0).abs() < 1e-12);
    // chi-square(14) at 0.999: 36.123.
    assert!(chi2 < 36.123, "pair chi-square {chi2:.2} ≥ 36.123");
    for i in 0..6 {
        let e = incl_p[i] * N as f64;
        let z = (incl_n[i] as f64 - e) / (e * (1.0 - incl_p[i])).sqrt();
        // Two-sided 0.9999 per entity, about 0.9994 for all six.
        assert!(z.abs() < 3.891, "entity {i}: {} vs {e:.1} (z = {z:.2})", incl_n[i]);
    }
}

// ------------------------------------------------------------------- bad input

#[test]
fn empty_pool_is_refused() {
    let s = spec(Arc::new(Pool::default()), params(quotas(&[("A", Quota::Count(1))]), None));
    let e = commit(&s).unwrap_err();
    assert_eq!(e, DrawError::EmptyPool);
    assert!(e.to_string().contains("候选名录为空"));
}

#[test]
fn k_larger_than_the_pool_is_refused() {
    let list: Vec<_> = (0..5).map(|i| (uscc(i), 1, "A")).collect();
    let s = spec(pool(&list), params(quotas(&[("A", Quota::Count(6))]), None));
    let e = commit(&s).unwrap_err();
    assert_eq!(e, DrawError::QuotaExceedsStratum { stratum: "A".into(), k: 6, size: 5 });
    assert!(e.to_string().contains("抽取数量 6 超过候选对象数 5"), "{e}");
    let s = spec(pool(&list), params(quotas(&[("A", Quota::Count(1)), ("B", Quota::Count(1))]), None));
    assert!(matches!(commit(&s), Err(DrawError::QuotaExceedsStratum { k: 1, size: 0, .. })));
    let s = spec(pool(&list), params(quotas(&[("B", Quota::Count(0))]), None));
    assert_eq!(commit(&s).unwrap_err(), DrawError::MissingQuota { stratum: "A".into() });
    let s = spec(pool(&list), params(quotas(&[("A", Quota::Count(0))]), None));
    assert_eq!(commit(&s).unwrap_err(), DrawError::NothingToDraw);
}

#[test]
fn bad_candidates_are_refused() {
    let u = uscc(1);
    assert!(matches!(Pool::from_candidates([(u, 0, "A")]), Err(DrawError::InvalidWeight { weight: 0, .. })));
    assert!(matches!(Pool::from_candidates([(u, MAX_WEIGHT + 1, "A")]), Err(DrawError::InvalidWeight { .. })));
    assert_eq!(
        Pool::from_candidates([(u, 1, "A"), (uscc(2), 1, "A"), (u, 2, "B")]),
        Err(DrawError::DuplicateUscc { uscc: u })
    );
    assert!(matches!(Pool::from_candidates([(u, 1, "A B")]), Err(DrawError::InvalidStratum { .. })));
    assert!(matches!("91120104MA05XXXXXI".parse::<UsccKey>(), Err(DrawError::InvalidUscc { .. })));
    assert!("91120104MA05XXXXX".parse::<UsccKey>().is_err());
}

#[test]
fn per_mille_rounds_up_and_never_exceeds_the_stratum() {
    let cases = [(10, 1, 1), (1000, 50, 50), (1001, 50, 51), (7, 0, 0), (7, 1000, 7), (0, 500, 0), (3, 999, 3)];
    for (n, p, k) in cases {
        assert_eq!(Quota::PerMille(p).resolve("A", n), Ok(k), "n={n} p={p}");
    }
    assert!(Quota::PerMille(1001).resolve("A", 10).is_err());
}

#[test]
fn weight_rules() {
    let r = WeightRules {
        base: ClassWeights { a: 1, b: 2, c: 3, d: 5, unclassified: 2 },
        commitment_approval: FlagRule { multiply: 2, add: 0 },
        observation_period: FlagRule { multiply: 1, add: 1 },
    };
    r.validate().unwrap();
    let both = WeightFlags { commitment_approval: true, observation_period: true };
    assert_eq!(r.weight(RiskClass::D, WeightFlags::default()), Ok(5));
    assert_eq!(r.weight(RiskClass::C, both), Ok(7));
    assert_eq!(RiskClass::Unclassified.label(), "unclassified");
    let too_big = WeightRules { commitment_approval: FlagRule { multiply: 500, add: 0 }, ..r };
    assert!(too_big.validate().is_err());
    assert!(WeightRules { base: ClassWeights { a: 0, ..r.base }, ..r }.validate().is_err());
    assert_eq!(WeightRules::UNIFORM.weight(RiskClass::A, both), Ok(1));
}

#[test]
fn redraws_are_numbered_and_reasoned() {
    let base = golden_entities_only();
    let first = run_draw(&base).unwrap().record;
    let mut again = base.clone();
    again.spec.draw_number = 2;
    assert!(matches!(run_draw(&again), Err(DrawError::InvalidField { ref field, .. }) if field == "redraw"));
    again.spec.redraw = Some(Redraw { of: base.spec.draw_id.clone(), reason: "名录有误 (pool error)".into() });
    assert!(
        matches!(run_draw(&again), Err(DrawError::InvalidField { ref reason, .. }) if reason.contains("新的抽取编号"))
    );
    again.spec.draw_id = "2024-SCJ-T-009-D2".into();
    let second = run_draw(&again).unwrap().record;
    assert_ne!(first.seed, second.seed, "same entropy, new draw id: new seed");
    verify_record(&second).unwrap();
    let mut r = base;
    r.spec.redraw = Some(Redraw { of: "x".into(), reason: "y".into() });
    assert!(run_draw(&r).is_err(), "draw 1 cannot be a re-draw");
}

#[test]
fn drawing_before_the_commit_is_refused() {
    let mut input = golden_entities_only();
    input.drawn_at = time("2024-02-01T00:00:00Z");
    assert_eq!(run_draw(&input).unwrap_err(), DrawError::DrawnBeforeCommit);
}

// ------------------------------------------------------------------ inspectors

#[test]
fn too_few_inspectors_names_entity_and_reasons_and_draws_nothing() {
    let list: Vec<_> = (0..4).map(|i| (uscc(i), 1, "A")).collect();
    let mut s = spec(pool(&list), params(quotas(&[("A", Quota::Count(4))]), Some(single_dept(2, 10))));
    let item = ["SCJ-GS-001"];
    let mut roster = vec![
        inspector("C1", "张伟", SCJ, &item),
        inspector("C2", "李娜", SCJ, &item),
        inspector("C3", "王芳", SCJ, &["SCJ-SP-002"]),
        inspector("C4", "刘洋", SCJ, &item),
        inspector("C5", "陈静", SCJ, &item),
    ];
    roster[1].recusals = vec![uscc(2)];
    roster[3].valid_until = date("2024-01-31");
    roster[4].active = false;
    s.roster = roster;
    let e = run_draw(&input(s, "1")).unwrap_err();
    let DrawError::TooFewInspectors { shortfalls } = &e else { panic!("{e}") };
    assert_eq!(shortfalls.len(), 1);
    assert_eq!(shortfalls[0].uscc, uscc(2));
    assert_eq!(shortfalls[0].eligible, vec![("张伟".to_string(), "C1".to_string())]);
    let msg = e.to_string();
    for needle in [
        &uscc(2).to_string()[..],
        "本次未抽取任何结果",
        "李娜 (C2): 已回避 (recused)",
        "no certificate for item SCJ-GS-001",
        "certificate expired on 2024-01-31",
        "不在岗 (inactive)",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from {msg}");
    }
}

#[test]
fn workload_cap_counts_assignments_made_in_this_draw() {
    let list: Vec<_> = (0..6).map(|i| (uscc(i), 1, "A")).collect();
    let mut s = spec(pool(&list), params(quotas(&[("A", Quota::Count(6))]), Some(single_dept(2, 4))));
    s.roster = (0..4).map(|i| inspector(&format!("C{i}"), &format!("人员{i}"), SCJ, &["SCJ-GS-001"])).collect();
    s.roster[0].prior_assignments = 3;
    let r = run_draw(&input(s.clone(), "7")).unwrap().record;
    let mut load = BTreeMap::new();
    for t in &r.teams {
        assert_eq!(t.members.len(), 2);
        assert!(t.members[0].leader && !t.members[1].leader);
        assert!(t.members[0].ticket < t.members[1].ticket);
        for m in &t.members {
            *load.entry(m.certificate_no.clone()).or_insert(0) += 1;
        }
    }
    assert!(load.get("C0").copied().unwrap_or(0) <= 1);
    assert!(load.values().all(|&n| n <= 4));
    // Six inspections of two need twelve slots; 1 + 1 + 1 + 4 = 7 cannot suffice.
    s.roster[1].prior_assignments = 3;
    s.roster[2].prior_assignments = 3;
    let e = run_draw(&input(s, "7")).unwrap_err();
    assert!(e.to_string().contains("已达工作量上限4 (at workload cap 4)"), "{e}");
}

#[test]
fn joint_teams_take_one_from_each_department_first() {
    let r = run_draw(&golden_joint_redraw()).unwrap().record;
    assert_eq!(r.teams.len(), 4);
    for t in &r.teams {
        assert_eq!(t.members.len(), 3);
        let depts: std::collections::BTreeSet<_> = t.members.iter().map(|m| m.department.as_str()).collect();
        assert_eq!(depts.len(), 2, "{t:?}");
        assert_eq!(t.members.iter().filter(|m| m.leader).count(), 1);
    }
    // Teams follow the winners' tickets over all strata.
    let mut order: Vec<(Hash256, UsccKey)> = r.winners.values().flatten().map(|w| (w.ticket, w.uscc)).collect();
    order.sort();
    assert_eq!(r.teams.iter().map(|t| t.uscc).collect::<Vec<_>>(), order.iter().map(|o| o.1).collect::<Vec<_>>());
}

#[test]
fn recused_inactive_and_expired_inspectors_are_never_drawn() {
    let r = run_draw(&golden_basic()).unwrap().record;
    let recused: Vec<UsccKey> = (0..20).step_by(3).map(uscc).collect();
    for t in &r.teams {
        for m in &t.members {
            assert_ne!(m.name, "李娜");
            assert_ne!(m.name, "王芳");
            assert_ne!(m.name, "刘洋");
            if m.name == "陈静" {
                assert!(!recused.contains(&t.uscc));
            }
        }
    }
    assert!(r.teams.iter().flat_map(|t| &t.members).filter(|m| m.name == "杨帆").count() <= 1);
}

// ------------------------------------------------------------------- tampering

fn tampered(name: &str, edit: impl FnOnce(&mut Value)) -> VerifyError {
    let mut v: Value = serde_json::from_str(&golden_file(name)).unwrap();
    edit(&mut v);
    match verify_json(serde_json::to_string(&v).unwrap().as_bytes()) {
        Ok(_) => panic!("tampered {name} record still verifies"),
        Err(e) => e,
    }
}

#[test]
fn tampering_is_detected_and_named() {
    for (what, file, edit, field) in tamper_cases() {
        eprintln!("tamper case: {what}");
        let e = tampered(file, |v| edit(v));
        assert_eq!(e.field(), Some(field), "{what}: {e}");
        assert!(!e.to_string().is_empty());
    }
    let e = verify_json(b"{\"record_version\": 1,").unwrap_err();
    assert!(matches!(e, VerifyError::Malformed { .. }) && e.to_string().contains("malformed"), "{e}");
    let e = tampered("basic", |v| v["surprise"] = 1.into());
    assert!(e.to_string().contains("unknown field"), "{e}");
    let e = tampered("basic", |v| flip_hex(&mut v["winners"]["A"][0]["ticket"]));
    assert!(e.to_string().contains("mismatch") && e.to_string().contains("重算值"), "{e}");
}

// ------------------------------------------------------------------ performance

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// 10,000,000 weight-1 entities in five strata, 5 % each, against the baseline of
/// hashing every entry once. Run with
/// `cargo test --release -p jianguan-domain --test draw -- --ignored --nocapture ten_million`.
#[test]
#[ignore = "benchmark: needs a release build and about 1 GB"]
fn ten_million_entities() {
    use std::time::{Duration, Instant};
    const N: u64 = 10_000_000;
    /// Best of three runs: the machine may be shared.
    fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
        let mut out = None;
        let mut min = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let r = f();
            min = min.min(t.elapsed());
            out = Some(r);
        }
        (min, out.unwrap())
    }
    let labels = ["A", "B", "C", "D", "unclassified"];
    let t = Instant::now();
    // Rows arrive sorted by uscc, as from an index scan of the registry.
    let mut b = PoolBuilder::with_capacity(N as usize);
    for i in 0..N {
        let code = format!("91120104{:010}", i);
        b.push(code.parse().unwrap(), 1, labels[(i % 5) as usize]).unwrap();
    }
    let pool = Arc::new(b.finish().unwrap());
    let build = t.elapsed();

    let (baseline, base) = best(|| hash_all_baseline(&pool));
    let (pool_hash_1, _) = best(|| pool.hash_with_threads(1));
    let (pool_hash, h) = best(|| pool.hash());
    let mut parameters = params(labels.iter().map(|l| (l.to_string(), Quota::PerMille(50))).collect(), None);
    parameters.item_codes = vec!["SCJ-GS-001".into()];
    let input = input(spec(Arc::clone(&pool), parameters), "3047.79");
    let (one, r1) = best(|| run_draw_with(&input, DrawOptions { threads: 1 }).unwrap().record);
    let (all, r2) = best(|| run_draw(&input).unwrap().record);
    assert_eq!(r1, r2);
    assert_eq!(h, r1.pool_hash);
    let key = TicketKey::new(&r1.seed);
    let (tickets, max) = best(|| pool.entries().iter().map(|e| key.ticket(&e.uscc, e.weight)).max());
    let k: u64 = r1.strata.values().map(|s| s.k).sum();
    let ratio = |d: Duration| d.as_secs_f64() / baseline.as_secs_f64();
    println!("pool build (sorted input): {build:?}");
    println!("baseline, one SHA-256 per entry: {baseline:?} ({base})");
    println!("pool hash alone: {pool_hash_1:?} on 1 thread, {pool_hash:?} on all");
    println!("tickets alone, one thread: {tickets:?} ({})", max.unwrap());
    println!("run_draw, 1 thread: {one:?} = {:.2}× baseline (k = {k})", ratio(one));
    println!(
        "run_draw, {} threads: {all:?} = {:.2}× baseline",
        std::thread::available_parallelism().map_or(1, usize::from),
        ratio(all)
    );
    println!("peak RSS: {:?} MiB", peak_rss_mib());
}
