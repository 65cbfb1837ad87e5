//! The fairness routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "ledger_office"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/fairness", READERS),
    ("POST", "/fairness/drafts", STAFF),
    ("GET", "/fairness/drafts/{id}", READERS),
    ("POST", "/fairness/drafts/{id}/review", STAFF),
    ("POST", "/fairness/drafts/{id}/joint", STAFF),
    ("POST", "/fairness/drafts/{id}/opinion", STAFF),
    ("POST", "/fairness/drafts/{id}/attachment", STAFF),
    ("GET", "/fairness/drafts/{id}/attachment", READERS),
    ("POST", "/fairness/drafts/{id}/outcome", STAFF),
    ("GET", "/fairness/cleanups", READERS),
    ("POST", "/fairness/cleanups", STAFF),
    ("GET", "/fairness/cleanups/{id}", READERS),
    ("POST", "/fairness/cleanups/{id}/documents", STAFF),
    ("POST", "/fairness/cleanups/{id}/submit", STAFF),
    ("GET", "/fairness/report", READERS),
    ("GET", "/public/fairness", ALL),
    ("GET", "/api/v1/fairness/standards", ALL),
    ("GET", "/api/v1/fairness/drafts", READERS),
    ("POST", "/api/v1/fairness/drafts", STAFF),
    ("GET", "/api/v1/fairness/drafts/{id}", READERS),
    ("POST", "/api/v1/fairness/drafts/{id}/review", STAFF),
    ("POST", "/api/v1/fairness/drafts/{id}/opinion", STAFF),
    ("GET", "/api/v1/fairness/report", READERS),
];
