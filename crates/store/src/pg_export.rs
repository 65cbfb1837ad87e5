//! PostgreSQL backup: a logical export with `pg_dump --format=custom`, taken on a
//! snapshot exported from our own REPEATABLE READ transaction so the table counts we
//! report are exactly those of the dump. Restore with `pg_restore` (docs/backup.md).

use crate::postgres::PgStore;
use crate::{BackupSummary, Result, StoreError};
use sqlx::Row;

pub(crate) async fn export(store: &PgStore, out: &std::path::Path) -> Result<BackupSummary> {
    if out.exists() {
        return Err(StoreError::Conflict(format!("备份文件 {} 已存在,不会覆盖", out.display())));
    }
    let mut conn = store.pool().acquire().await?;
    sqlx::query("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *conn).await?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *conn).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Vec::new();
    for t in tables {
        let n: i64 =
            sqlx::query(&format!("SELECT COUNT(*) AS n FROM \"{t}\"")).fetch_one(&mut *conn).await?.try_get("n")?;
        counts.push((t, n));
    }
    let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&mut *conn).await?;
    let url = store.url();
    let status = tokio::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--snapshot={snapshot}"))
        .arg(format!("--schema={schema}"))
        .arg(format!("--file={}", out.display()))
        .arg(format!("--dbname={}", url))
        .status()
        .await
        .map_err(|e| StoreError::Invalid(format!("无法运行 pg_dump(请安装 postgresql-client):{e}")))?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    if !status.success() {
        let _ = std::fs::remove_file(out);
        return Err(StoreError::Invalid(format!("pg_dump 失败:{status}")));
    }
    Ok(BackupSummary { path: out.display().to_string(), bytes: std::fs::metadata(out)?.len(), tables: counts })
}
