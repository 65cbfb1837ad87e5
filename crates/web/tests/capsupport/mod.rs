//! Helpers for the HTTP tests of the seed's remaining capabilities: multipart bodies,
//! demo entities in the registry, and department staff accounts.
#![allow(dead_code)]

use crate::common::*;
use axum::body::Body;
use axum::http::Method;
use chrono::NaiveDate;
use jianguan_domain::auth::Role;
use jianguan_store::registry::{EntityRecord, ImportBatch, NewImportJob};
use jianguan_store::Actor;

pub const BOUNDARY: &str = "----jianguan-test-boundary";

/// A multipart body: text fields, then an optional `file` field.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Posts a multipart form with the CSRF token in the query (as the pages do).
pub async fn post_multipart(c: &mut Client, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Resp {
    let token = c.csrf.clone().or_else(|| c.cookies.get("jg_csrf").cloned()).unwrap_or_default();
    let sep = if path.contains('?') { '&' } else { '?' };
    let url = format!("{path}{sep}_csrf={}", urlencoding::encode(&token));
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    c.request(Method::POST, &url, Body::from(multipart(fields, file)), Some(&ct), None).await
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// `n` valid demo codes.
pub fn codes(n: usize) -> Vec<String> {
    jianguan_domain::uscc::demo::generate(n + 3, 5).filter(|e| !e.legacy).take(n).map(|e| e.uscc).collect()
}

/// Loads named entities into the registry (registered 2019-01-01, 存续).
pub async fn entities(app: &App, rows: &[(&str, &str)]) {
    let s = &app.t.store;
    let records: Vec<EntityRecord> = rows
        .iter()
        .map(|(uscc, name)| EntityRecord {
            uscc: uscc.to_string(),
            name: name.to_string(),
            kind: "企业".into(),
            legal_rep_sealed: "v1:00".into(),
            legal_rep_index: "idx".into(),
            legal_rep_masked: "李*".into(),
            address: "天津市南开区".into(),
            division: "120104".into(),
            industry: "6210".into(),
            industry_name: "正餐服务".into(),
            registered_on: Some(d(2019, 1, 1)),
            status: "存续".into(),
            tags: vec![],
            legacy: false,
            legacy_warning: String::new(),
            row_hash: format!("h-{uscc}"),
        })
        .collect();
    let job = s
        .import_begin(
            &Actor::system(),
            &NewImportJob {
                kind: "entities".into(),
                file_name: "t.csv".into(),
                file_sha256: format!("t-{}", rows.len()),
                file_bytes: 1,
                options: "{}".into(),
                department_id: None,
            },
        )
        .await
        .unwrap();
    let n = records.len() as i64;
    s.import_batch(
        &Actor::system(),
        &ImportBatch { job_id: job.id, start_row: 0, rows: n, bytes_to: 1, records, ..Default::default() },
    )
    .await
    .unwrap();
    s.import_finish(&Actor::system(), job.id, None).await.unwrap();
}

/// A signed-in department staff member of `dept`.
pub async fn staff(app: &App, name: &str, dept: &str) -> Client {
    app.account(name, dept, &[Role::DeptStaff]).await;
    app.login(name).await
}

/// The audit actions starting with `prefix`.
pub async fn actions(app: &App, prefix: &str) -> Vec<String> {
    app.t
        .store
        .audit_search(&jianguan_store::AuditFilter { action: Some(prefix.into()), limit: 10_000, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
