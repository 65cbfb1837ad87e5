//! The PostgreSQL store (and the engines that speak its protocol).

use jianguan_domain::crypto::HashAlgo;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Postgres;
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pool: PgPool,
    url: jianguan_domain::config::Secret,
    pub(crate) algo: HashAlgo,
}

impl PgStore {
    /// Serialises audit appends: a transaction-scoped advisory lock, so the sequence
    /// stays gapless and the chain linear under concurrent writers.
    pub(crate) const AUDIT_LOCK: &'static str = "SELECT pg_advisory_xact_lock(7243001)";

    /// Inserts entity rows known to be new inside the caller's transaction: one
    /// statement per batch, each column sent as an array and expanded by `UNNEST`.
    /// Returns the number of rows inserted.
    pub(crate) async fn insert_new_entities(
        tx: &mut sqlx::Transaction<'_, Postgres>,
        rows: &[&crate::registry::EntityRecord],
        import_id: i64,
        at: crate::Timestamp,
    ) -> crate::Result<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let col = |f: fn(&crate::registry::EntityRecord) -> &str| rows.iter().map(|r| f(r)).collect::<Vec<&str>>();
        let sql = format!(
            "INSERT INTO {} SELECT *, $17::BIGINT, $18::TIMESTAMPTZ, $18::TIMESTAMPTZ FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], \
             $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::DATE[], $12::TEXT[], $13::TEXT[], \
             $14::BOOLEAN[], $15::TEXT[], $16::TEXT[]) ON CONFLICT (uscc) DO NOTHING",
            crate::registry::ENTITY_INSERT_COLUMNS
        );
        let n = sqlx::query(&sql)
            .bind(col(|r| &r.uscc))
            .bind(col(|r| &r.name))
            .bind(col(|r| &r.kind))
            .bind(col(|r| &r.legal_rep_sealed))
            .bind(col(|r| &r.legal_rep_index))
            .bind(col(|r| &r.legal_rep_masked))
            .bind(col(|r| &r.address))
            .bind(col(|r| &r.division))
            .bind(col(|r| &r.industry))
            .bind(col(|r| &r.industry_name))
            .bind(rows.iter().map(|r| r.registered_on).collect::<Vec<_>>())
            .bind(col(|r| &r.status))
            .bind(rows.iter().map(|r| crate::registry::tags_to_db(&r.tags)).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.legacy).collect::<Vec<_>>())
            .bind(col(|r| &r.legacy_warning))
            .bind(col(|r| &r.row_hash))
            .bind(import_id)
            .bind(at)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        Ok(n)
    }

    pub async fn connect(url: &str, pool_size: u32, algo: HashAlgo) -> crate::Result<Self> {
        let opts = PgConnectOptions::from_str(url)?.application_name("jianguan");
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(PgStore { pool, url: jianguan_domain::config::Secret::new(url), algo })
    }

    pub(crate) async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    pub(crate) fn read(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn url(&self) -> &str {
        self.url.expose()
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::impl_store!(PgStore, Postgres, sqlx::postgres::PgRow, {
    fn backend(&self) -> crate::Backend {
        crate::Backend::Postgres
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate::Migrator::new(crate::migrations::Embedded(crate::migrations::POSTGRES))
            .await?
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx_%' ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("t")?, r.try_get("c")?))).collect()
    }

    async fn backup(&self, out: &std::path::Path) -> Result<BackupSummary> {
        crate::pg_export::export(self, out).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
});

crate::impl_ledger_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_registry_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_draw_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_credit_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_trace_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_publicity_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_liaison_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_training_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_association_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_fairness_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_dutymap_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_catalog_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_declaration_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_safety_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_enforcement_store!(PgStore, Postgres, sqlx::postgres::PgRow);
crate::impl_complaints_store!(PgStore, Postgres, sqlx::postgres::PgRow);
