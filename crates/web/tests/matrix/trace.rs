//! The trace routes. Tracing is district-wide for readers; writing is department staff;
//! recalls, incidents and observations are per department (see tests/trace.rs).
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "ledger_office"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/trace", READERS),
    ("GET", "/trace/query", READERS),
    ("GET", "/trace/graph.svg", READERS),
    ("POST", "/trace/products", STAFF),
    ("POST", "/trace/events/import", STAFF),
    ("GET", "/trace/recalls", READERS),
    ("POST", "/trace/recalls", STAFF),
    ("GET", "/trace/recalls/{id}", READERS),
    ("POST", "/trace/recalls/{id}/confirm", STAFF),
    ("POST", "/trace/incidents", STAFF),
    ("GET", "/trace/observations", READERS),
    ("POST", "/trace/observations", STAFF),
    ("POST", "/trace/observations/{id}/review", STAFF),
    ("POST", "/api/v1/trace/events", STAFF),
    ("GET", "/api/v1/trace/forward", READERS),
    ("GET", "/api/v1/trace/back", READERS),
    ("POST", "/api/v1/trace/incidents", STAFF),
];
