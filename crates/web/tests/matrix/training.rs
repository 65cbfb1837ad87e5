//! The training routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const BUSINESS: &[&str] =
    &["ledger_office", "dept_staff", "inspector", "legal_reviewer", "credit_manager", "grid_intake"];
const ORGANISER: &[&str] = &["dept_staff"];
const OVERSIGHT: &[&str] = &["ledger_office", "dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/training", BUSINESS),
    ("POST", "/training/sessions", ORGANISER),
    ("GET", "/training/sessions/{id}", BUSINESS),
    ("POST", "/training/sessions/{id}/attendance", ORGANISER),
    ("POST", "/training/sessions/{id}/tests", ORGANISER),
    ("GET", "/training/questions", ORGANISER),
    ("POST", "/training/questions", ORGANISER),
    ("GET", "/training/tests/{id}", BUSINESS),
    ("POST", "/training/tests/{id}/answers", BUSINESS),
    ("POST", "/training/tests/{id}/close", ORGANISER),
    ("GET", "/training/records/{id}", BUSINESS),
    ("GET", "/training/departments", OVERSIGHT),
    ("GET", "/training/inspectors/{id}", BUSINESS),
    ("GET", "/api/v1/training/inspectors/{id}", BUSINESS),
    ("GET", "/api/v1/training/records/{id}", BUSINESS),
    ("POST", "/api/v1/training/tests/{id}/answers", BUSINESS),
    ("GET", "/api/v1/training/departments", OVERSIGHT),
];
