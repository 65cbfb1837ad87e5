//! Shared helpers for the store tests of the seed's remaining capabilities.
#![allow(dead_code)]

use chrono::NaiveDate;
use jianguan_store::registry::{EntityRecord, ImportBatch, NewImportJob};
use jianguan_store::*;

pub fn staff(dept: i64, name: &str) -> Actor {
    Actor { name: name.into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

pub async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

/// `n` valid demo codes (deterministic).
pub fn codes(n: usize) -> Vec<String> {
    jianguan_domain::uscc::demo::generate(n + 2, 7).filter(|e| !e.legacy).take(n).map(|e| e.uscc).collect()
}

pub fn record(uscc: &str, name: &str, registered_on: Option<NaiveDate>, status: &str) -> EntityRecord {
    EntityRecord {
        uscc: uscc.into(),
        name: name.into(),
        kind: "企业".into(),
        legal_rep_sealed: "v1:00".into(),
        legal_rep_index: "idx".into(),
        legal_rep_masked: "张*".into(),
        address: "天津市南开区".into(),
        division: "120104".into(),
        industry: "5211".into(),
        industry_name: "百货零售".into(),
        registered_on,
        status: status.into(),
        tags: vec![],
        legacy: false,
        legacy_warning: String::new(),
        row_hash: format!("h-{uscc}"),
    }
}

/// Loads entities into the registry through its import path.
pub async fn entities(s: &DynStore, records: Vec<EntityRecord>) {
    let a = Actor::system();
    let job = s
        .import_begin(
            &a,
            &NewImportJob {
                kind: "entities".into(),
                file_name: "test.csv".into(),
                file_sha256: format!("sha-{}", records.len()),
                file_bytes: 1,
                options: "{}".into(),
                department_id: None,
            },
        )
        .await
        .unwrap();
    let rows = records.len() as i64;
    s.import_batch(&a, &ImportBatch { job_id: job.id, start_row: 0, rows, bytes_to: 1, records, ..Default::default() })
        .await
        .unwrap();
    s.import_finish(&a, job.id, None).await.unwrap();
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The number of audit entries whose action starts with `prefix`.
pub async fn audited(s: &DynStore, prefix: &str) -> usize {
    s.audit_search(&AuditFilter { action: Some(prefix.into()), limit: 10_000, ..Default::default() })
        .await
        .unwrap()
        .len()
}
