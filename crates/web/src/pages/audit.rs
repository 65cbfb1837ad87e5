//! The audit administrator's view: filter, CSV export, signed checkpoints.

use crate::access::Principal;
use crate::error::AppError;
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDateTime, TimeZone};
use jianguan_store::AuditFilter;
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
}

/// `2026-11-25T08:30` (Beijing time, from a datetime-local input) → UTC RFC 3339.
pub fn local_to_utc(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    let cst = chrono::FixedOffset::east_opt(8 * 3600)?;
    Some(jianguan_store::audit_time(cst.from_local_datetime(&naive).single()?.with_timezone(&chrono::Utc)))
}

fn filter_of(q: &AuditQuery, limit: i64) -> Result<AuditFilter, AppError> {
    let time = |v: &Option<String>| -> Result<Option<String>, AppError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => local_to_utc(s).map(Some).ok_or_else(|| AppError::bad_request(format!("时间格式错误:{s}"))),
        }
    };
    Ok(AuditFilter {
        from: time(&q.from)?,
        to: time(&q.to)?,
        actor: q.actor.clone(),
        action: q.action.clone(),
        object: q.object.clone(),
        after_seq: None,
        limit,
    })
}

fn parse_query(raw: Option<String>) -> AuditQuery {
    let raw = raw.unwrap_or_default();
    let get = |k| crate::access::form_urlencoded_get(&raw, k).filter(|s| !s.trim().is_empty());
    AuditQuery { from: get("from"), to: get("to"), actor: get("actor"), action: get("action"), object: get("object") }
}

pub async fn audit_page(
    State(state): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let q = parse_query(raw.clone());
    let limit = 500;
    let entries = state.store.audit_search(&filter_of(&q, limit)?).await?;
    let total = state.store.audit_count().await?;
    let ctx = context! {
        ..base(&p, "审计日志"),
        ..context! {
            entries => entries,
            total => total,
            limit => limit,
            query => raw.unwrap_or_default(),
            f => context! {
                from_local => q.from.clone().unwrap_or_default(),
                to_local => q.to.clone().unwrap_or_default(),
                actor => q.actor.clone().unwrap_or_default(),
                action => q.action.clone().unwrap_or_default(),
                object => q.object.clone().unwrap_or_default(),
            },
        }
    };
    Ok(render("audit.html", ctx)?.into_response())
}

/// A CSV cell that a spreadsheet will not execute (formula injection neutralised).
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub async fn audit_export(
    State(state): State<AppState>,
    p: Principal,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let q = parse_query(raw);
    let entries = state.store.audit_search(&filter_of(&q, 100_000)?).await?;
    let mut out =
        String::from("\u{feff}序号,时间(UTC),操作人,角色,操作,对象,内容,内容摘要,前一条摘要,本条摘要,算法\r\n");
    for e in &entries {
        let row = [
            e.seq.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.role.clone(),
            e.action.clone(),
            e.object.clone(),
            e.detail.clone(),
            e.payload_hash.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
            e.algo.clone(),
        ];
        out.push_str(&row.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    state
        .store
        .audit(p.actor().event("audit.export", "audit_log", serde_json::json!({ "rows": entries.len() })))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        out,
    )
        .into_response())
}

pub async fn checkpoints(State(state): State<AppState>) -> Result<Response, AppError> {
    let cps = state.store.audit_checkpoints().await?;
    Ok((
        [(header::CONTENT_DISPOSITION, "attachment; filename=\"audit-checkpoints.json\"")],
        axum::Json(serde_json::json!({ "algorithm": "HMAC-SHA256 over jianguan-checkpoint/1", "checkpoints": cps })),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("普通"), "普通");
    }

    #[test]
    fn local_time() {
        assert_eq!(local_to_utc("2026-11-25T08:30").as_deref(), Some("2026-11-25T00:30:00.000000Z"));
        assert_eq!(local_to_utc("bad"), None);
    }
}
