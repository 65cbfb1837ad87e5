//! The complaints routes. Items are further isolated per department in the handlers (see
//! tests/complaints.rs); the matrix's staff account is 区市场监管局, which is also the
//! joint-meeting office and may run the warning rules.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "grid_intake", "ledger_office"];
const HANDLERS: &[&str] = &["dept_staff"];
const INTAKE: &[&str] = &["grid_intake"];
const REVEALERS: &[&str] = &["dept_staff", "grid_intake"];
const JOINT: &[&str] = &["dept_staff", "ledger_office"];
const WARN_READERS: &[&str] = &["dept_staff", "credit_manager", "ledger_office"];
const WARN_RUNNERS: &[&str] = &["dept_staff", "credit_manager"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/complaints", READERS),
    ("POST", "/complaints", INTAKE),
    ("GET", "/complaints/export", READERS),
    ("GET", "/complaints/{id}", READERS),
    ("POST", "/complaints/{id}/act", HANDLERS),
    ("POST", "/complaints/{id}/reveal", REVEALERS),
    ("POST", "/complaints/{id}/reward", HANDLERS),
    ("GET", "/complaints/{id}/files/{sha}", READERS),
    ("GET", "/joint-meeting", JOINT),
    ("POST", "/joint-meeting", HANDLERS),
    ("GET", "/joint-meeting/{id}", JOINT),
    ("POST", "/joint-meeting/{id}/close", HANDLERS),
    ("POST", "/joint-meeting/tasks/{id}", HANDLERS),
    ("GET", "/risk-warnings", WARN_READERS),
    ("POST", "/risk-warnings/run", WARN_RUNNERS),
    ("POST", "/risk-warnings/{id}/close", HANDLERS),
    ("POST", "/risk-warnings/{id}/task", HANDLERS),
    ("GET", "/public/report", ALL),
    ("POST", "/public/report", ALL),
    ("POST", "/api/v1/public/reports", ALL),
    ("GET", "/api/v1/risk-warnings", WARN_READERS),
];
