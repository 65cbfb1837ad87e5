//! Fuzzes unified social credit code parsing: nothing panics, strict and lenient
//! parsing agree, and every accepted code round-trips.

#![no_main]

use jianguan_domain::uscc::{compute_check_char, compute_org_check, Uscc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let strict = Uscc::parse(&input);
    let lenient = Uscc::parse_lenient(&input);

    match (&strict, &lenient) {
        (Ok(code), Ok((same, None))) => {
            assert_eq!(code, same);
            assert!(!code.is_legacy());
            check_accepted(code);
            assert_eq!(Uscc::parse(code.as_str()).as_ref(), Ok(code));
            let json = serde_json::to_string(code).expect("serialise");
            assert_eq!(
                serde_json::from_str::<Uscc>(&json).as_ref().ok(),
                Some(code)
            );
        }
        (Err(error), Ok((code, Some(warning)))) => {
            // Accepted only leniently: always with a warning that names the strict error.
            assert_eq!(&warning.to_error(), error);
            assert!(code.is_legacy());
            assert!(!warning.to_string().is_empty());
            check_accepted(code);
            assert!(serde_json::from_str::<Uscc>(&format!("\"{code}\"")).is_err());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("strict {strict:?} and lenient {lenient:?} disagree"),
    }
    if let Err(error) = &strict {
        assert!(!error.to_string().is_empty());
        assert!(error.code().starts_with("uscc_"));
    }

    // The check functions accept arbitrary text, and agree with the parser.
    if let Some(check) = compute_check_char(&input) {
        let (code, _) = Uscc::parse_lenient(&format!("{input}{check}")).expect("valid shape");
        assert!(code.as_str().ends_with(check));
    }
    let _ = compute_org_check(&input);
});

/// Properties of any code that was accepted, strictly or leniently.
fn check_accepted(code: &Uscc) {
    let s = code.as_str();
    assert_eq!(s.len(), 18);
    assert_eq!(code.to_string(), s);
    assert_eq!(code.division_code(), &s[2..8]);
    assert_eq!(code.org_code(), &s[8..17]);
    assert_eq!(Some(code.check_char()), s.chars().last());
    if let Some(t) = code.entity_type() {
        assert_eq!(Some(t.authority()), code.registration_authority());
        assert_eq!(
            t.codes(),
            [s.as_bytes()[0] as char, s.as_bytes()[1] as char]
        );
    }
    let _ = code.division_name();
}
