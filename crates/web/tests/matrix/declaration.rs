//! The declaration routes. Withdrawing is for the receiving department or 区市场监管局
//! (checked by the handler after finding the declaration; see tests/declaration.rs).
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const READERS: &[&str] = &["dept_staff", "credit_manager"];
const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/declarations", READERS),
    ("POST", "/declarations", STAFF),
    ("POST", "/declarations/codes", STAFF),
    ("POST", "/declarations/codes/{id}/revoke", STAFF),
    ("GET", "/declarations/annual", READERS),
    ("POST", "/declarations/annual", STAFF),
    ("GET", "/declarations/{id}", READERS),
    ("POST", "/declarations/{id}/withdraw", STAFF),
    ("GET", "/public/declarations", ALL),
    ("GET", "/public/declarations/new", ALL),
    ("POST", "/public/declarations", ALL),
    ("GET", "/public/declarations/{id}", ALL),
    ("GET", "/public/declarations/{id}/attachment", ALL),
    ("GET", "/public/annual-reports", ALL),
    ("GET", "/api/v1/declarations", ALL),
    ("POST", "/api/v1/declarations", ALL),
    ("POST", "/api/v1/annual-reports", STAFF),
    ("GET", "/api/v1/annual-reports/overdue", READERS),
];
