//! The registry routes: the entity registry, item lists and the approval handoff.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

/// Every business role (no administrator).
const BUSINESS: &[&str] =
    &["ledger_office", "dept_staff", "inspector", "legal_reviewer", "credit_manager", "grid_intake"];
const STAFF: &[&str] = &["dept_staff"];
const STAFF_LEDGER: &[&str] = &["ledger_office", "dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/registry/entities", BUSINESS),
    ("GET", "/registry/entities/{uscc}", BUSINESS),
    ("GET", "/registry/imports", STAFF),
    ("POST", "/registry/imports", STAFF),
    ("GET", "/registry/imports/{id}", STAFF),
    ("GET", "/registry/imports/{id}/rejections.csv", STAFF),
    ("GET", "/api/v1/entities", BUSINESS),
    ("GET", "/api/v1/entities/{uscc}", BUSINESS),
    ("GET", "/api/v1/imports/{id}", STAFF),
    ("GET", "/registry/items", BUSINESS),
    ("GET", "/registry/items/export.xlsx", BUSINESS),
    ("POST", "/registry/items/import", STAFF),
    ("GET", "/registry/items/new", STAFF),
    ("POST", "/registry/items", STAFF),
    ("GET", "/registry/items/{id}", BUSINESS),
    ("GET", "/registry/items/{id}/edit", STAFF),
    ("POST", "/registry/items/{id}", STAFF),
    ("GET", "/api/v1/items", BUSINESS),
    ("GET", "/registry/licences", STAFF_LEDGER),
    ("GET", "/registry/licences/{id}", STAFF_LEDGER),
    ("POST", "/registry/licences/{id}/receive", STAFF),
    ("POST", "/api/v1/licences", STAFF),
    ("GET", "/api/v1/licences/{id}", STAFF_LEDGER),
    ("POST", "/api/v1/licences/{id}/receive", STAFF),
    ("GET", "/public/reception", ALL),
    ("GET", "/api/v1/reception", ALL),
    ("GET", "/public/entities", ALL),
    ("GET", "/public/items", ALL),
];
