//! The safety routes. Writing is for the staff of departments in 区负有安全生产监管职责的
//! 部门 (the matrix's staff account is 区市场监管局, a member); reports are visible only
//! to the departments they were routed to (see tests/safety.rs).
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "ledger_office"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/safety", READERS),
    ("POST", "/safety/codes", STAFF),
    ("POST", "/safety/reports", STAFF),
    ("GET", "/safety/reports/{id}", READERS),
    ("POST", "/safety/reports/{id}/acknowledge", STAFF),
    ("POST", "/safety/reports/{id}/close", STAFF),
    ("GET", "/safety/warnings", READERS),
    ("POST", "/safety/obligations", STAFF),
    ("POST", "/safety/obligations/{id}/end", STAFF),
    ("GET", "/public/safety-report", ALL),
    ("POST", "/public/safety-report", ALL),
    ("POST", "/api/v1/safety/reports", ALL),
    ("GET", "/api/v1/safety/warnings", READERS),
];
