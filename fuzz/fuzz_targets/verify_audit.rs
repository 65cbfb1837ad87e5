//! `jianguan verify-audit` input: the chain verifier accepts any sequence of entries
//! (as JSON lines) without panicking, and when it accepts a chain, re-sealing every
//! entry reproduces its hash.
#![no_main]

use jianguan_domain::audit::{canonical_bytes, verify_chain, AuditEntry};
use jianguan_domain::crypto::HashAlgo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let entries: Vec<AuditEntry> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    if let Ok(n) = verify_chain(&entries) {
        assert_eq!(n as usize, entries.len());
        for e in &entries {
            let algo = HashAlgo::parse(&e.algo).expect("verified entries name a known algorithm");
            assert_eq!(algo.hex(&canonical_bytes(e)), e.hash);
        }
    }
});
