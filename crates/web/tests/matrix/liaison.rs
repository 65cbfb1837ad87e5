//! The liaison routes: the directory and notices are for department staff only; the
//! public pages take application codes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const STAFF: &[&str] = &["dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/liaisons", STAFF),
    ("POST", "/liaisons/codes", STAFF),
    ("GET", "/liaisons/{id}", STAFF),
    ("GET", "/liaisons/notices", STAFF),
    ("POST", "/liaisons/notices", STAFF),
    ("GET", "/liaisons/notices/{id}", STAFF),
    ("GET", "/liaison/register", ALL),
    ("POST", "/liaison/register", ALL),
    ("GET", "/liaison/reply", ALL),
    ("POST", "/liaison/reply", ALL),
    ("GET", "/api/v1/liaisons", STAFF),
    ("POST", "/api/v1/liaison/codes", STAFF),
    ("POST", "/api/v1/liaison/notices", STAFF),
    ("GET", "/api/v1/liaison/notices/{id}", STAFF),
    ("POST", "/api/v1/public/liaison/register", ALL),
    ("POST", "/api/v1/public/liaison/reply", ALL),
];
