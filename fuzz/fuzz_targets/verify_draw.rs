//! `jianguan verify-draw` input: any bytes give `Ok` or a named error, never a panic,
//! and a record that verifies still verifies after a JSON round trip.
#![no_main]

use jianguan_domain::draw::{verify_json, verify_record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = verify_json(data) {
        let again = serde_json::to_vec(&record).expect("serialises");
        let reparsed: jianguan_domain::draw::DrawRecord = serde_json::from_slice(&again).expect("parses");
        assert!(verify_record(&reparsed).is_ok());
    }
});
