//! The association routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/public/associations", ALL),
    ("GET", "/public/associations/{id}", ALL),
    ("GET", "/public/conventions/{id}", ALL),
    ("GET", "/public/association-cases/{id}", ALL),
    ("GET", "/api/v1/public/associations", ALL),
    ("GET", "/associations", STAFF),
    ("POST", "/associations", STAFF),
    ("GET", "/associations/{id}", STAFF),
    ("POST", "/associations/{id}/members", STAFF),
    ("POST", "/associations/{id}/conventions", STAFF),
    ("POST", "/associations/{id}/cases", STAFF),
    ("POST", "/associations/{id}/status", STAFF),
    ("POST", "/associations/cases/{id}/publish", STAFF),
    ("POST", "/api/v1/associations", STAFF),
];
