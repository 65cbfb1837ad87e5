//! The credit routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const VIEW: &[&str] = &["credit_manager", "dept_staff", "inspector", "legal_reviewer"];
const CREDIT: &[&str] = &["credit_manager"];
const RESOLVE: &[&str] = &["credit_manager", "dept_staff"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/public/credit", ALL),
    ("GET", "/public/credit/{uscc}", ALL),
    ("GET", "/api/v1/public/credit", ALL),
    ("GET", "/api/v1/public/credit/{uscc}", ALL),
    ("GET", "/credit", VIEW),
    ("GET", "/credit/entities/{uscc}", VIEW),
    ("GET", "/credit/entities/{uscc}/export.xlsx", VIEW),
    ("GET", "/credit/entities/{uscc}/export.jsonl", VIEW),
    ("POST", "/credit/entities/{uscc}/reclassify", CREDIT),
    ("POST", "/credit/commitments", CREDIT),
    ("POST", "/credit/commitments/{id}/check", CREDIT),
    ("POST", "/credit/lists", CREDIT),
    ("POST", "/credit/lists/{id}/exit", CREDIT),
    ("GET", "/credit/repairs", CREDIT),
    ("POST", "/credit/repairs", CREDIT),
    ("GET", "/credit/repairs/{id}", CREDIT),
    ("POST", "/credit/repairs/{id}/review", CREDIT),
    ("POST", "/credit/repairs/{id}/resubmit", CREDIT),
    ("POST", "/credit/trainings", CREDIT),
    ("GET", "/credit/objections", RESOLVE),
    ("POST", "/credit/objections", CREDIT),
    ("POST", "/credit/objections/{id}/resolve", RESOLVE),
    ("GET", "/api/v1/credit/{uscc}/measures", VIEW),
    ("GET", "/api/v1/credit/changes", CREDIT),
];
