//! The enforcement routes. Records are per department (see tests/enforcement.rs for the
//! isolation checks); legal reviewers review; the publicity page and its API are public.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "inspector", "legal_reviewer"];
const WRITERS: &[&str] = &["dept_staff", "inspector"];
const STAFF: &[&str] = &["dept_staff"];
const REVIEWERS: &[&str] = &["legal_reviewer"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/enforcement", READERS),
    ("POST", "/enforcement/inspections", WRITERS),
    ("POST", "/enforcement/penalties", WRITERS),
    ("POST", "/enforcement/coercive", WRITERS),
    ("POST", "/enforcement/import-draw", WRITERS),
    ("GET", "/enforcement/cases/{id}", READERS),
    ("POST", "/enforcement/cases/{id}/band-approve", STAFF),
    ("POST", "/enforcement/cases/{id}/review", REVIEWERS),
    ("POST", "/enforcement/cases/{id}/decide", WRITERS),
    ("POST", "/enforcement/cases/{id}/publish", WRITERS),
    ("POST", "/enforcement/cases/{id}/withdraw", STAFF),
    ("POST", "/enforcement/cases/{id}/lift", WRITERS),
    ("POST", "/enforcement/cases/{id}/responses", WRITERS),
    ("POST", "/enforcement/responses/{id}/complete", WRITERS),
    ("POST", "/enforcement/cases/{id}/steps", WRITERS),
    ("POST", "/enforcement/cases/{id}/evidence", WRITERS),
    ("GET", "/enforcement/evidence/{id}", READERS),
    ("GET", "/enforcement/cases/{id}/bundle", READERS),
    ("GET", "/enforcement/reviews", REVIEWERS),
    ("GET", "/enforcement/benchmarks", READERS),
    ("POST", "/enforcement/benchmarks", STAFF),
    ("POST", "/enforcement/exemptions", STAFF),
    ("GET", "/enforcement/accountability", READERS),
    ("GET", "/public/enforcement", ALL),
    ("GET", "/api/v1/public/enforcement/penalties", ALL),
    ("GET", "/api/v1/enforcement/cases", READERS),
    ("GET", "/api/v1/enforcement/cases/{id}", READERS),
    ("POST", "/api/v1/enforcement/penalties", WRITERS),
];
