//! Test support: every store test runs on SQLite and on PostgreSQL.
//!
//! PostgreSQL tests read `JIANGUAN_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and get a fresh schema each. Outside CI
//! they skip PostgreSQL with a printed notice when no server answers; with `CI=true` a
//! missing server fails the run.

use crate::{open, DynStore};
use jianguan_domain::crypto::HashAlgo;
use std::path::PathBuf;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A store under test and what to clean up afterwards.
pub struct TestStore {
    pub name: &'static str,
    pub store: DynStore,
    pub url: String,
    pub dir: PathBuf,
}

fn unique(prefix: &str) -> String {
    let mut b = [0u8; 6];
    getrandom_fill(&mut b);
    format!("{prefix}{}_{}", std::process::id(), hex::encode(b))
}

fn getrandom_fill(buf: &mut [u8]) {
    use std::hash::{BuildHasher, Hasher};
    // Tests only need distinct names, not secrets: mix the clock and a random hasher seed.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    let v = h.finish().to_be_bytes();
    for (i, b) in buf.iter_mut().enumerate() {
        *b = v[i % 8];
    }
}

/// A fresh temporary directory.
pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(unique("jianguan-test-"));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A fresh SQLite store in a temporary directory, migrated.
pub async fn sqlite() -> TestStore {
    sqlite_with(HashAlgo::Sha256).await
}

async fn sqlite_with(algo: HashAlgo) -> TestStore {
    let dir = temp_dir();
    let path = dir.join("jianguan.db");
    let url = format!("sqlite://{}", path.display());
    let store = open(&url, 4, algo).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    TestStore { name: "sqlite", store, url, dir }
}

/// The PostgreSQL server URL for tests, or `None` (with a notice) when none answers
/// outside CI. Panics under `CI=true` when the server is missing.
pub async fn pg_server() -> Option<String> {
    let url = std::env::var("JIANGUAN_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string());
    match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(&url)
        .await
    {
        Ok(pool) => {
            pool.close().await;
            Some(url)
        }
        Err(e) => {
            if std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false) {
                panic!("CI=true but PostgreSQL at {} is not reachable: {e}", crate::redact(&url));
            }
            eprintln!("NOTICE: PostgreSQL tests skipped: no server at {} ({e})", crate::redact(&url));
            None
        }
    }
}

/// A fresh PostgreSQL schema, migrated; `None` when skipped (see [`pg_server`]).
pub async fn postgres() -> Option<TestStore> {
    postgres_with(HashAlgo::Sha256).await
}

async fn postgres_with(algo: HashAlgo) -> Option<TestStore> {
    let server = pg_server().await?;
    let schema = unique("t_");
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(&server).await.expect("pg");
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&pool).await.expect("create schema");
    pool.close().await;
    let sep = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{sep}options=-c%20search_path%3D{schema}");
    let store = open(&url, 4, algo).await.expect("open pg");
    store.migrate().await.expect("migrate pg");
    Some(TestStore { name: "postgres", store, url, dir: temp_dir() })
}

/// SQLite always, PostgreSQL when available (mandatory in CI).
pub async fn all() -> Vec<TestStore> {
    all_with(HashAlgo::Sha256).await
}

/// [`all`], with the audit trail hashed by `algo`.
pub async fn all_with(algo: HashAlgo) -> Vec<TestStore> {
    let mut v = vec![sqlite_with(algo).await];
    if let Some(pg) = postgres_with(algo).await {
        v.push(pg);
    }
    v
}

/// Imports `count` demonstration entities (seed `seed`, legacy codes skipped) through
/// the registry's import path, sealing each legal representative with `cipher`; entities
/// already present are left as they are. Returns the imported records. Used by tests and
/// by the demonstration data of capabilities that need entities.
pub async fn import_demo_entities(
    store: &DynStore,
    actor: &crate::Actor,
    cipher: &jianguan_domain::crypto::FieldCipher,
    count: usize,
    seed: u64,
) -> crate::Result<Vec<crate::registry::EntityRecord>> {
    use crate::registry::{EntityRecord, ImportBatch, NewImportJob};
    let mut records = Vec::new();
    for (i, e) in jianguan_domain::uscc::demo::generate(count, seed).filter(|e| !e.legacy).enumerate() {
        let iv: [u8; 16] = jianguan_domain::crypto::sha256_hex(format!("demo-iv/{seed}/{i}").as_bytes()).as_bytes()
            [..16]
            .try_into()
            .expect("16 bytes");
        records.push(EntityRecord {
            legal_rep_sealed: cipher.encrypt(&e.legal_rep, iv),
            legal_rep_index: cipher.blind_index(&e.legal_rep),
            legal_rep_masked: jianguan_domain::mask::person_name(&e.legal_rep),
            row_hash: jianguan_domain::crypto::sha256_hex(e.to_csv_record().join("\u{1f}").as_bytes()),
            uscc: e.uscc,
            name: e.name,
            kind: e.kind,
            address: e.address,
            division: e.division,
            industry: e.industry,
            industry_name: e.industry_name,
            registered_on: Some(e.registered_on),
            status: e.status,
            tags: e.tags,
            legacy: false,
            legacy_warning: String::new(),
        });
    }
    let job = store
        .import_begin(
            actor,
            &NewImportJob {
                kind: "entities".into(),
                file_name: format!("demo-{seed}-{count}.csv"),
                file_sha256: jianguan_domain::crypto::sha256_hex(format!("demo/{seed}/{count}").as_bytes()),
                file_bytes: 0,
                options: "{}".into(),
                department_id: None,
            },
        )
        .await?;
    if job.status == "running" && job.rows_committed == 0 {
        let batch = ImportBatch {
            job_id: job.id,
            start_row: 0,
            rows: records.len() as i64,
            bytes_to: 0,
            records: records.clone(),
            rejections: Vec::new(),
            duplicates_in_file: 0,
        };
        store.import_batch(actor, &batch).await?;
        store.import_finish(actor, job.id, None).await?;
    }
    Ok(records)
}
