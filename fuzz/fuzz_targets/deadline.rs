//! Deadline text (完成时限): the parser never panics, always keeps the text, and a
//! parsed date kind yields a due date.
#![no_main]

use chrono::Datelike;
use jianguan_domain::deadline::{parse_deadline, DeadlineKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let d = parse_deadline(text);
    assert_eq!(d.text, text, "the original text is kept verbatim");
    if let DeadlineKind::Date(date) = d.kind {
        assert_eq!(d.kind.due_date_for_year(date.year_ce().1 as i32), Some(date));
    }
    let _ = serde_json::to_string(&d).expect("serialises");
});
