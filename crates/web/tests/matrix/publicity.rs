//! The publicity routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

const EDITOR: &[&str] = &["dept_staff"];
const DESK: &[&str] = &["dept_staff", "legal_reviewer"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/public/articles", ALL),
    ("GET", "/public/articles/{id}", ALL),
    ("GET", "/public/attachments/{id}", ALL),
    ("GET", "/public/search", ALL),
    ("GET", "/api/v1/public/search", ALL),
    ("GET", "/api/v1/public/articles", ALL),
    ("GET", "/api/v1/public/articles/{id}", ALL),
    ("GET", "/publicity", DESK),
    ("POST", "/publicity", EDITOR),
    ("GET", "/publicity/{id}", DESK),
    ("POST", "/publicity/{id}", EDITOR),
    ("POST", "/publicity/{id}/attachments", EDITOR),
    ("POST", "/publicity/{id}/attachments/delete", EDITOR),
    ("GET", "/publicity/attachments/{id}", DESK),
    ("POST", "/publicity/{id}/submit", EDITOR),
    ("POST", "/publicity/{id}/review", DESK),
    ("POST", "/publicity/{id}/withdraw", DESK),
    ("POST", "/api/v1/publicity/articles", EDITOR),
    ("POST", "/api/v1/publicity/articles/{id}/submit", EDITOR),
    ("POST", "/api/v1/publicity/articles/{id}/review", DESK),
    ("POST", "/api/v1/publicity/articles/{id}/withdraw", DESK),
];
