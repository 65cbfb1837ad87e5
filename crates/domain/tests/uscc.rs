//! Properties of unified social credit codes and of the demonstration registry.

use std::collections::HashSet;

use jianguan_domain::uscc::demo::{self, DemoEntity, CSV_HEADERS, MAX_COUNT};
use jianguan_domain::uscc::{
    compute_check_char, compute_org_check, EntityType, Uscc, UsccError, CHARSET, NANKAI_DIVISION,
};
use proptest::prelude::*;

/// Characters a code may contain.
fn charset_char() -> impl Strategy<Value = char> {
    proptest::sample::select(CHARSET.chars().collect::<Vec<_>>())
}

/// Any 18-character string over the charset (valid shape, checks usually failing).
fn shaped_code() -> impl Strategy<Value = String> {
    proptest::collection::vec(charset_char(), 18).prop_map(|cs| cs.into_iter().collect())
}

/// A valid code: any head of 8 characters and any organisation-code body, completed
/// with both check characters.
fn valid_code() -> impl Strategy<Value = String> {
    (proptest::collection::vec(charset_char(), 8), proptest::collection::vec(charset_char(), 8)).prop_map(
        |(head, body)| {
            let body: String = body.into_iter().collect();
            let mut code: String = head.into_iter().collect();
            code.push_str(&body);
            code.push(compute_org_check(&body).expect("charset body"));
            let check = compute_check_char(&code).expect("17 charset characters");
            code.push(check);
            code
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn valid_codes_parse_and_round_trip(code in valid_code()) {
        let parsed = Uscc::parse(&code).unwrap();
        prop_assert_eq!(parsed.as_str(), code.as_str());
        prop_assert_eq!(parsed.to_string(), code.clone());
        prop_assert_eq!(code.parse::<Uscc>().unwrap(), parsed.clone());
        prop_assert!(!parsed.is_legacy());
        prop_assert_eq!(Uscc::parse_lenient(&code).unwrap(), (parsed.clone(), None));

        // Case and surrounding whitespace are normalised.
        let messy = format!(" \t{}\r\n", code.to_ascii_lowercase());
        prop_assert_eq!(Uscc::parse(&messy).unwrap(), parsed.clone());

        // serde as a plain string.
        let json = serde_json::to_string(&parsed).unwrap();
        prop_assert_eq!(json.clone(), format!("\"{code}\""));
        prop_assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), parsed.clone());

        // Decoding slices the right positions.
        prop_assert_eq!(parsed.division_code(), &code[2..8]);
        prop_assert_eq!(parsed.org_code(), &code[8..17]);
        prop_assert_eq!(parsed.check_char(), code.chars().last().unwrap());
    }

    #[test]
    fn every_single_substitution_is_detected(
        code in valid_code(),
        position in 0usize..18,
        replacement in charset_char(),
    ) {
        let original = code.as_bytes()[position] as char;
        prop_assume!(replacement != original);
        let mut altered: Vec<char> = code.chars().collect();
        altered[position] = replacement;
        let altered: String = altered.into_iter().collect();

        let error = Uscc::parse(&altered).unwrap_err();
        prop_assert!(
            matches!(error, UsccError::Check { .. } | UsccError::OrgCheck { .. }),
            "{altered}: {error:?}"
        );
        // Accepted leniently, but never without a warning.
        let (lenient, warning) = Uscc::parse_lenient(&altered).unwrap();
        prop_assert!(warning.is_some());
        prop_assert!(lenient.is_legacy());
        prop_assert_eq!(warning.unwrap().to_error(), error);
    }

    #[test]
    fn parse_never_panics(input in any::<String>()) {
        let strict = Uscc::parse(&input);
        let lenient = Uscc::parse_lenient(&input);
        match (&strict, &lenient) {
            (Ok(code), Ok((same, None))) => prop_assert_eq!(code, same),
            (Err(_), Ok((_, Some(_)))) => {}
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            _ => prop_assert!(false, "strict {strict:?} vs lenient {lenient:?}"),
        }
        if let Err(error) = strict {
            prop_assert!(!error.to_string().is_empty());
            prop_assert!(error.code().starts_with("uscc_"));
        }
    }

    #[test]
    fn shaped_codes_are_accepted_leniently_and_agree_with_strict(code in shaped_code()) {
        let (lenient, warning) = Uscc::parse_lenient(&code).unwrap();
        prop_assert_eq!(lenient.as_str(), code.as_str());
        match Uscc::parse(&code) {
            Ok(strict) => {
                prop_assert_eq!(strict, lenient);
                prop_assert!(warning.is_none());
            }
            Err(error) => prop_assert_eq!(warning.expect("warning").to_error(), error),
        }
    }

    #[test]
    fn wrong_lengths_are_rejected(code in valid_code(), cut in 0usize..18, extra in "[0-9A-Y]{1,5}") {
        let short = &code[..cut];
        let expected = if cut == 0 { UsccError::Empty } else { UsccError::Length { actual: cut } };
        prop_assert_eq!(Uscc::parse(short), Err(expected));
        let long = format!("{code}{extra}");
        prop_assert_eq!(
            Uscc::parse(&long),
            Err(UsccError::Length { actual: 18 + extra.chars().count() })
        );
    }
}

#[test]
fn forbidden_letters_are_rejected_with_their_position() {
    let valid = "91350100M000100Y43";
    for (i, letter) in ['I', 'O', 'Z', 'S', 'V', 'i', '-', '０'].into_iter().enumerate() {
        let position = 3 + i;
        let mut chars: Vec<char> = valid.chars().collect();
        chars[position - 1] = letter;
        let input: String = chars.into_iter().collect();
        assert_eq!(Uscc::parse(&input), Err(UsccError::Charset { position, ch: letter }), "{input}");
    }
}

// ---------------------------------------------------------------------------------
// Demonstration registry.
// ---------------------------------------------------------------------------------

#[test]
fn same_seed_same_rows_and_prefix_stable() {
    let a: Vec<DemoEntity> = demo::generate(2_000, 2021).collect();
    let b: Vec<DemoEntity> = demo::generate(2_000, 2021).collect();
    assert_eq!(a, b);

    let prefix: Vec<DemoEntity> = demo::generate(500, 2021).collect();
    assert_eq!(prefix, a[..500]);
    assert_eq!(demo::entity_at(2021, 1_234).as_ref(), Some(&a[1_234]));

    let other: Vec<DemoEntity> = demo::generate(2_000, 2022).collect();
    assert_ne!(a, other);
}

#[test]
fn iterator_is_exact_and_random_access() {
    let mut rows = demo::generate(10, 5);
    assert_eq!(rows.len(), 10);
    let third = rows.nth(2).unwrap();
    assert_eq!(Some(third), demo::entity_at(5, 2));
    assert_eq!(rows.len(), 7);
    let last = rows.next_back().unwrap();
    assert_eq!(Some(last), demo::entity_at(5, 9));
    assert_eq!(rows.count(), 6);
    assert_eq!(demo::generate(0, 5).next(), None);
    assert_eq!(demo::entity_at(5, MAX_COUNT), None);
}

#[test]
fn two_hundred_thousand_codes_are_unique_valid_and_mostly_not_legacy() {
    const N: usize = 200_000;
    let mut codes = HashSet::with_capacity(N);
    let mut names = HashSet::with_capacity(N);
    let mut legacy = 0usize;
    let mut kinds = std::collections::HashMap::<String, usize>::new();

    for row in demo::generate(N, 20210408) {
        assert!(codes.insert(row.uscc.clone()), "duplicate code {}", row.uscc);
        names.insert(row.name.clone());
        *kinds.entry(row.kind.clone()).or_default() += 1;

        if row.legacy {
            legacy += 1;
            assert!(Uscc::parse(&row.uscc).is_err(), "{}", row.uscc);
            let (code, warning) = Uscc::parse_lenient(&row.uscc).unwrap();
            assert!(warning.is_some() && code.is_legacy(), "{}", row.uscc);
            assert!(row.registered_on < chrono::NaiveDate::from_ymd_opt(2015, 10, 1).unwrap());
        } else {
            let code = Uscc::parse(&row.uscc).unwrap_or_else(|e| panic!("{} ({}): {e}", row.uscc, row.name));
            let expected = match row.kind.as_str() {
                "企业" => EntityType::Enterprise,
                "个体工商户" => EntityType::IndividualBusiness,
                "农民专业合作社" => EntityType::FarmersCooperative,
                "社会团体" => EntityType::SocialOrganisation,
                "民办非企业单位" => EntityType::PrivateNonEnterprise,
                other => panic!("unexpected kind {other}"),
            };
            assert_eq!(code.entity_type(), Some(expected), "{}", row.uscc);
            assert_eq!(code.division_code(), NANKAI_DIVISION);
            assert_eq!(code.division_name(), Some("天津市南开区"));
        }
    }

    // About 0.5% legacy codes: 1,000 expected, standard deviation about 32.
    assert!((800..=1_200).contains(&legacy), "legacy = {legacy}");
    // Names may repeat, but rarely.
    assert!(names.len() * 100 >= N * 97, "unique names = {}", names.len());
    for kind in ["企业", "个体工商户", "农民专业合作社", "社会团体", "民办非企业单位"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind}");
    }
    assert!(kinds["企业"] > kinds["个体工商户"]);
}

#[test]
fn rows_are_well_formed() {
    let first = chrono::NaiveDate::from_ymd_opt(1995, 1, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let mut statuses = std::collections::HashMap::<String, usize>::new();
    let mut tagged = std::collections::HashMap::<String, usize>::new();
    const N: usize = 20_000;

    for row in demo::generate(N, 7) {
        assert_eq!(row.uscc.chars().count(), 18);
        assert_eq!(row.division, "120104");
        assert!(row.address.starts_with("天津市南开区"), "{}", row.address);
        assert!(row.address.contains("街道"), "{}", row.address);
        assert!(row.name.contains("南开区") || row.name.contains("天津"), "{}", row.name);
        assert!((2..=4).contains(&row.legal_rep.chars().count()), "{}", row.legal_rep);
        assert_eq!(row.industry.len(), 4);
        assert!(!row.industry_name.is_empty());
        assert!(first <= row.registered_on && row.registered_on <= last);
        if row.kind == "农民专业合作社" {
            assert!(row.name.ends_with("合作社"), "{}", row.name);
        }
        if row.kind == "企业" {
            assert!(row.name.ends_with("公司"), "{}", row.name);
        }
        if row.tags.iter().any(|t| t == "重点监管") {
            assert!(matches!(row.status.as_str(), "存续" | "在业"), "{row:?}");
        }
        if row.industry == "5251" {
            assert!(row.tags.iter().any(|t| t == "药品零售"), "{row:?}");
        }
        *statuses.entry(row.status.clone()).or_default() += 1;
        for tag in &row.tags {
            *tagged.entry(tag.clone()).or_default() += 1;
        }

        let record = row.to_csv_record();
        assert_eq!(record.len(), CSV_HEADERS.len());
        assert_eq!(record[0], row.uscc);
        assert_eq!(record[8], row.registered_on.format("%Y-%m-%d").to_string());
        assert_eq!(record[10], row.tags.join(";"));
        assert!(record.iter().all(|field| !field.contains(',') && !field.contains('\n')));
    }

    assert!(statuses["存续"] > N / 2, "{statuses:?}");
    for status in ["在业", "注销", "吊销", "迁出"] {
        assert!(statuses.get(status).copied().unwrap_or(0) > 0, "{statuses:?}");
    }
    for tag in ["重点监管", "食品经营", "药品零售", "医疗器械经营", "特种设备使用"] {
        assert!(tagged.get(tag).copied().unwrap_or(0) > 0, "{tagged:?}");
    }
    // Food businesses are common, pharmacies are not.
    assert!(tagged["食品经营"] > tagged["药品零售"] * 5, "{tagged:?}");
}

#[test]
fn csv_header_names_the_import_columns() {
    assert_eq!(
        demo::csv_header(),
        "统一社会信用代码,名称,主体类型,法定代表人,住所,行政区划,行业代码,行业名称,成立日期,登记状态,标签"
    );
}
