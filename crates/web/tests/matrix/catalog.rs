//! The catalog routes. Catalogue maintenance and re-confirmation are for 区委网信办's
//! staff, implementation lists for the claiming department: checked by the handlers
//! after finding the object (department-level denials in tests/dutymap.rs).
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "ledger_office"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/catalog", READERS),
    ("POST", "/catalog/items", STAFF),
    ("GET", "/catalog/items/{id}", READERS),
    ("POST", "/catalog/items/{id}", STAFF),
    ("POST", "/catalog/items/{id}/claim", STAFF),
    ("POST", "/catalog/items/{id}/reconfirm", STAFF),
    ("POST", "/catalog/items/{id}/rules", STAFF),
    ("GET", "/catalog/claims/{id}", READERS),
    ("POST", "/catalog/claims/{id}/implementation", STAFF),
    ("POST", "/catalog/claims/{id}/withdraw", STAFF),
    ("GET", "/catalog/unclaimed", READERS),
    ("GET", "/public/catalog", ALL),
    ("GET", "/public/catalog/rules/{id}", ALL),
    ("GET", "/public/catalog/rules/{id}/attachment", ALL),
    ("GET", "/api/v1/catalog/items", READERS),
    ("POST", "/api/v1/catalog/items/{id}/claim", STAFF),
    ("POST", "/api/v1/catalog/claims/{id}/implementation", STAFF),
    ("GET", "/api/v1/catalog/unclaimed", READERS),
];
