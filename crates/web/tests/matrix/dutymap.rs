//! The dutymap routes. Resolving problems and recording assignments is for 区委编办's
//! staff only: the handlers check the department after finding the object (see
//! tests/dutymap.rs for the department-level denials).
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "ledger_office", "legal_reviewer"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/duty-map", READERS),
    ("GET", "/duty-map/items/{id}", READERS),
    ("POST", "/duty-map/items/{id}/assignments", STAFF),
    ("GET", "/duty-map/issues", READERS),
    ("POST", "/duty-map/issues", STAFF),
    ("GET", "/duty-map/issues/{id}", READERS),
    ("POST", "/duty-map/issues/{id}/act", STAFF),
    ("POST", "/duty-map/scan", STAFF),
    ("GET", "/public/duty-map", ALL),
    ("GET", "/api/v1/duty-map", READERS),
    ("GET", "/api/v1/duty-map/issues", READERS),
    ("POST", "/api/v1/duty-map/issues", STAFF),
    ("POST", "/api/v1/duty-map/issues/{id}/act", STAFF),
];
