//! The ledger routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

/// 台账管理 and 部门填报.
const LO_DS: &[&str] = &["ledger_office", "dept_staff"];
/// 台账管理 only.
const LO: &[&str] = &["ledger_office"];
/// 部门填报 only (reporting on the department's own share).
const DS: &[&str] = &["dept_staff"];
/// The working-day calendar: 台账管理 and 系统管理员.
const CAL: &[&str] = &["ledger_office", "sys_admin"];

pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/static/ledger.css", ALL),
    ("GET", "/public/ledgers/{id}", ALL),
    ("GET", "/ledger", LO_DS),
    ("POST", "/ledger", LO),
    ("GET", "/ledger/my", DS),
    ("GET", "/ledger/import", LO),
    ("POST", "/ledger/import", LO),
    ("POST", "/ledger/import/confirm", LO),
    ("POST", "/ledger/warnings/run", LO),
    ("GET", "/ledger/{id}", LO_DS),
    ("GET", "/ledger/{id}/dashboard", LO),
    ("GET", "/ledger/{id}/dashboard/print", LO),
    ("GET", "/ledger/{id}/export.xlsx", LO),
    ("GET", "/ledger/{id}/new-task", LO),
    ("POST", "/ledger/{id}/tasks", LO),
    ("GET", "/ledger/tasks/{id}", LO_DS),
    ("GET", "/ledger/tasks/{id}/timetable", LO_DS),
    ("GET", "/ledger/tasks/{id}/edit", LO),
    ("POST", "/ledger/tasks/{id}/edit", LO),
    ("POST", "/ledger/tasks/{id}/delete", LO),
    ("POST", "/ledger/tasks/{id}/schedule", LO),
    ("POST", "/ledger/tasks/{id}/roadmap", LO_DS),
    ("POST", "/ledger/tasks/{id}/milestones", LO_DS),
    ("POST", "/ledger/milestones/{id}", LO_DS),
    ("POST", "/ledger/milestones/{id}/delete", LO_DS),
    ("GET", "/ledger/shares/{id}", LO_DS),
    ("POST", "/ledger/shares/{id}/reports", DS),
    ("POST", "/ledger/shares/{id}/status", LO),
    ("POST", "/ledger/reports/{id}/comments", LO_DS),
    ("GET", "/ledger/files/{id}", LO_DS),
    ("GET", "/calendar", CAL),
    ("POST", "/calendar", CAL),
    ("GET", "/api/v1/ledgers", LO_DS),
    ("GET", "/api/v1/ledgers/{id}/tasks", LO_DS),
    ("GET", "/api/v1/ledger/tasks/{id}", LO_DS),
    ("POST", "/api/v1/ledger/tasks/{id}/milestones", LO_DS),
    ("POST", "/api/v1/ledger/milestones/{id}", LO_DS),
    ("GET", "/api/v1/ledger/shares/{id}", LO_DS),
    ("POST", "/api/v1/ledger/shares/{id}/reports", DS),
    ("POST", "/api/v1/ledger/reports/{id}/comments", LO_DS),
    ("POST", "/api/v1/ledger/files", DS),
    ("GET", "/api/v1/calendar/years", CAL),
    ("POST", "/api/v1/calendar/years", CAL),
];
