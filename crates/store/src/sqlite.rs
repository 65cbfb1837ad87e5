//! The SQLite store: WAL, `synchronous=FULL`, foreign keys, busy timeout, one writer
//! connection taking `BEGIN IMMEDIATE`, and a separate read pool.

use jianguan_domain::crypto::HashAlgo;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Sqlite;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    path: PathBuf,
    pub(crate) algo: HashAlgo,
}

impl SqliteStore {
    /// SQL run before each audit append: the writer's `BEGIN IMMEDIATE` already holds
    /// the database's write lock, so nothing more is needed.
    pub(crate) const AUDIT_LOCK: &'static str = "SELECT 1";

    pub async fn open(path: &Path, read_pool: u32, algo: HashAlgo) -> crate::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let base = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32768");
        // The one writer gets a larger page cache: bulk imports keep the uscc index in it.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.clone().pragma("cache_size", "-131072"))
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(read_pool.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.read_only(true))
            .await?;
        Ok(SqliteStore { writer, reader, path: path.to_path_buf(), algo })
    }

    pub(crate) async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    pub(crate) fn read(&self) -> &SqlitePool {
        &self.reader
    }

    /// Inserts entity rows known to be new inside the caller's write transaction, with
    /// one prepared statement bound and stepped per row (SQLite's fastest path; sqlx
    /// would copy every value into an argument buffer first). `OR IGNORE` spares SQLite
    /// the statement journal a possibly-aborting insert needs; the caller compares the
    /// returned count with the rows given. Returns the number of rows inserted.
    pub(crate) async fn insert_new_entities(
        tx: &mut sqlx::Transaction<'_, Sqlite>,
        rows: &[&crate::registry::EntityRecord],
        import_id: i64,
        at: crate::Timestamp,
    ) -> crate::Result<u64> {
        use libsqlite3_sys as ffi;
        use std::ffi::{c_int, CStr, CString};
        if rows.is_empty() {
            return Ok(0);
        }
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false);
        let sql = CString::new(format!(
            "INSERT OR IGNORE INTO {} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18)",
            crate::registry::ENTITY_INSERT_COLUMNS
        ))
        .expect("no NUL in SQL");
        let mut handle = (**tx).lock_handle().await?;
        let db = handle.as_raw_handle().as_ptr();
        let fail = |what: &str| -> crate::StoreError {
            // SAFETY: `db` is the open connection we hold the lock of.
            let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
            crate::StoreError::Db(sqlx::Error::Protocol(format!("{what}: {msg}")))
        };
        /// Finalises the statement however the loop ends.
        struct Stmt(*mut ffi::sqlite3_stmt);
        impl Drop for Stmt {
            fn drop(&mut self) {
                // SAFETY: a statement prepared below, finalised once.
                unsafe { ffi::sqlite3_finalize(self.0) };
            }
        }
        let mut raw = std::ptr::null_mut();
        // SAFETY: `db` is valid while `handle` is held; `sql` is NUL-terminated.
        if unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut raw, std::ptr::null_mut()) } != ffi::SQLITE_OK {
            return Err(fail("prepare"));
        }
        let stmt = Stmt(raw);
        let text = |i: c_int, v: &str| -> c_int {
            // SAFETY: the text outlives the step that reads it (SQLITE_STATIC: not copied);
            // lengths of our strings fit in c_int (fields are bounded by validation).
            unsafe { ffi::sqlite3_bind_text(stmt.0, i, v.as_ptr().cast(), v.len() as c_int, ffi::SQLITE_STATIC()) }
        };
        let mut inserted = 0u64;
        for r in rows {
            let tags = crate::registry::tags_to_db(&r.tags);
            let date = r.registered_on.map(|d| d.format("%F").to_string());
            let mut rc = ffi::SQLITE_OK;
            for (i, v) in [
                &r.uscc,
                &r.name,
                &r.kind,
                &r.legal_rep_sealed,
                &r.legal_rep_index,
                &r.legal_rep_masked,
                &r.address,
                &r.division,
                &r.industry,
                &r.industry_name,
            ]
            .into_iter()
            .enumerate()
            {
                rc |= text(i as c_int + 1, v);
            }
            // SAFETY: binding to the prepared statement's parameters 11–18.
            unsafe {
                rc |= match &date {
                    Some(d) => text(11, d),
                    None => ffi::sqlite3_bind_null(stmt.0, 11),
                };
                rc |= text(12, &r.status);
                rc |= text(13, &tags);
                rc |= ffi::sqlite3_bind_int64(stmt.0, 14, i64::from(r.legacy));
                rc |= text(15, &r.legacy_warning);
                rc |= text(16, &r.row_hash);
                rc |= ffi::sqlite3_bind_int64(stmt.0, 17, import_id);
                rc |= text(18, &at);
            }
            if rc != ffi::SQLITE_OK {
                return Err(fail("bind"));
            }
            // SAFETY: a bound statement of this connection; reset before the next row.
            let step = unsafe { ffi::sqlite3_step(stmt.0) };
            if step != ffi::SQLITE_DONE {
                return Err(fail("insert"));
            }
            inserted += unsafe { ffi::sqlite3_changes(db) } as u64;
            unsafe { ffi::sqlite3_reset(stmt.0) };
        }
        drop(stmt);
        drop(handle);
        Ok(inserted)
    }

    /// The writer pool, for bulk work that manages its own batches.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

crate::impl_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow, {
    fn backend(&self) -> crate::Backend {
        crate::Backend::Sqlite
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate::Migrator::new(crate::migrations::Embedded(crate::migrations::SQLITE))
            .await?
            .run(&self.writer)
            .await?;
        Ok(())
    }

    async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%' ORDER BY 1, 2",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("t")?, r.try_get("c")?))).collect()
    }

    async fn backup(&self, out: &std::path::Path) -> Result<BackupSummary> {
        if out.exists() {
            return Err(StoreError::Conflict(format!("备份文件 {} 已存在,不会覆盖", out.display())));
        }
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        // VACUUM INTO takes a consistent snapshot while writers continue.
        sqlx::query("VACUUM INTO $1").bind(out.display().to_string()).execute(&self.reader).await?;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&self.reader)
        .await?;
        let snap = SqliteStore::open(out, 1, self.algo).await?;
        let mut counts = Vec::new();
        for t in tables {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{t}\"")).fetch_one(&snap.reader).await?;
            counts.push((t, n));
        }
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&snap.writer).await?;
        snap.writer.close().await;
        snap.reader.close().await;
        Ok(BackupSummary { path: out.display().to_string(), bytes: std::fs::metadata(out)?.len(), tables: counts })
    }

    async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
});

crate::impl_ledger_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_registry_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_draw_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_credit_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_trace_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_publicity_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_liaison_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_training_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_association_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_fairness_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_dutymap_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_catalog_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_declaration_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_safety_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_enforcement_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
crate::impl_complaints_store!(SqliteStore, Sqlite, sqlx::sqlite::SqliteRow);
