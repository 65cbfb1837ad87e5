//! Fuzzes the product-code schemes: nothing panics, every refusal carries a stable code
//! and a reason, accepted codes are stable under re-checking, and one output line is
//! produced per input.

#![no_main]

use jianguan_domain::trace::{self, Scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    for scheme in Scheme::ALL {
        match trace::check(scheme, &input) {
            Ok(code) => {
                assert_eq!(code.scheme, scheme);
                assert!(!code.product.is_empty());
                assert_eq!(trace::check(scheme, input.trim()), Ok(code));
            }
            Err(e) => {
                assert!(!e.code.is_empty());
                assert!(!e.message.is_empty());
            }
        }
        let line = trace::check_line(scheme, &input);
        assert!(!line.contains('\n'));
        assert!(line.contains("\tvalid") || line.contains("\tinvalid\t"));
    }
    let _ = trace::udi::hibc_check(&input);
    let _ = trace::gs1::check_digit(&input);
});
