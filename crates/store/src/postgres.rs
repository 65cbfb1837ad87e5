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
