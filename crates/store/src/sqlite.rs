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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.clone())
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
