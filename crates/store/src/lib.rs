//! jianguan storage: one interface ([`Store`]), one implementation per database.
//!
//! * [`sqlite::SqliteStore`] — the default: WAL, `synchronous=FULL`, foreign keys, a
//!   busy timeout, one writer connection taking `BEGIN IMMEDIATE`, and a read pool.
//! * [`postgres::PgStore`] — for a city or a province, and the engines that speak the
//!   PostgreSQL protocol.
//!
//! The SQL shared by both lives once, in [`common`], and is instantiated per database so
//! that every query is a plain runtime query against a concrete driver (no `Any`).
//! Every state change writes its audit entry in the same transaction.

pub mod association;
pub mod catalog;
pub mod common;
pub mod complaints;
pub mod credit;
pub mod declaration;
pub mod draw;
pub mod dutymap;
pub mod enforcement;
pub mod fairness;
pub mod ledger;
pub mod liaison;
pub mod migrations;
pub mod model;
mod pg_export;
pub mod postgres;
pub mod publicity;
pub mod registry;
pub mod safety;
pub mod sqlite;
pub mod testing;
pub mod trace;
pub mod training;

pub use model::*;

use async_trait::async_trait;
use jianguan_domain::audit::{AuditEntry, AuditEvent, ChainError};
use std::sync::Arc;

/// Store errors. `Conflict` and `NotFound` carry a Chinese message fit for users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库错误:{0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败:{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("文件操作失败:{0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// A stable machine code for the API error shape.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Io(_) => "internal",
            StoreError::NotFound(_) => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::Invalid(_) => "invalid",
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The one storage interface the web layer and the CLI use: the foundation here, each
/// capability in its own trait (module named after the capability).
#[async_trait]
pub trait Store:
    ledger::LedgerStore
    + registry::RegistryStore
    + draw::DrawStore
    + credit::CreditStore
    + trace::TraceStore
    + publicity::PublicityStore
    + liaison::LiaisonStore
    + training::TrainingStore
    + association::AssociationStore
    + fairness::FairnessStore
    + dutymap::DutyMapStore
    + catalog::CatalogStore
    + declaration::DeclarationStore
    + safety::SafetyStore
    + enforcement::EnforcementStore
    + complaints::ComplaintsStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Tables and their columns, sorted (used to check both schemas agree).
    async fn schema_columns(&self) -> Result<Vec<(String, String)>>;
    /// Writes a consistent snapshot to `out` (SQLite: `VACUUM INTO`; PostgreSQL: a
    /// logical export of every table as JSON lines, see docs/backup.md).
    async fn backup(&self, out: &std::path::Path) -> Result<BackupSummary>;
    async fn close(&self);

    // --- meta -----------------------------------------------------------------------
    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, actor: &Actor, key: &str, value: &str) -> Result<()>;

    // --- audit trail -------------------------------------------------------------------
    /// Writes a stand-alone audit entry (login attempts, denials, exports).
    async fn audit(&self, event: AuditEvent) -> Result<i64>;
    async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Sequence number of the newest audit entry (0 when empty). Every state change
    /// writes one in its own transaction, so an unchanged head means unchanged data:
    /// read-side caches use it as their version.
    async fn audit_head(&self) -> Result<i64>;
    async fn audit_count(&self) -> Result<i64>;
    /// Recomputes the whole chain, streaming in batches.
    async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainError>>;
    async fn audit_checkpoint(&self, key: &[u8]) -> Result<Option<jianguan_domain::audit::Checkpoint>>;
    async fn audit_checkpoints(&self) -> Result<Vec<jianguan_domain::audit::Checkpoint>>;

    // --- organisation -----------------------------------------------------------------
    /// Loads the seed's departments and groups if absent (idempotent).
    async fn seed_organisation(&self, actor: &Actor) -> Result<usize>;
    async fn list_units(&self) -> Result<Vec<Unit>>;
    async fn get_unit(&self, id: i64) -> Result<Unit>;
    async fn create_department(&self, actor: &Actor, code: &str, name: &str, kind: UnitKind) -> Result<Unit>;
    async fn rename_department(&self, actor: &Actor, id: i64, new_name: &str) -> Result<Unit>;
    /// Merges `from` into `into`: accounts, API keys and group memberships move; `from`
    /// stays as an inactive record with its name kept as an alias of `into`.
    async fn merge_departments(&self, actor: &Actor, from: i64, into: i64) -> Result<Unit>;
    async fn set_group_members(&self, actor: &Actor, group: i64, members: &[i64]) -> Result<Unit>;
    async fn unit_history(&self, id: i64) -> Result<Vec<UnitHistory>>;

    // --- accounts -----------------------------------------------------------------------
    async fn create_account(&self, actor: &Actor, new: &NewAccount) -> Result<Account>;
    async fn get_account(&self, id: i64) -> Result<Account>;
    async fn find_account(&self, username: &str) -> Result<Option<Account>>;
    async fn list_accounts(&self) -> Result<Vec<Account>>;
    async fn set_account_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<Account>;
    /// Replaces the account's roles (separation of powers is checked by the caller and
    /// again here).
    async fn set_roles(&self, actor: &Actor, id: i64, roles: &[jianguan_domain::auth::Role]) -> Result<Account>;
    async fn password_history(&self, id: i64, n: usize) -> Result<Vec<String>>;
    async fn set_password(&self, actor: &Actor, id: i64, hash: &str, must_change: bool) -> Result<()>;
    async fn set_totp(&self, actor: &Actor, id: i64, sealed_secret: Option<&str>, enabled: bool) -> Result<()>;
    /// Records the last accepted TOTP counter; false if it was already used.
    async fn use_totp_counter(&self, id: i64, counter: i64) -> Result<bool>;

    // --- login attempts and lockout ----------------------------------------------------------
    /// Records an attempt and its audit entry in one transaction; returns failures of
    /// this username within the window (including this one).
    async fn record_login(&self, attempt: &LoginAttempt, window_start: Timestamp) -> Result<i64>;
    async fn ip_failures_since(&self, ip: &str, since: Timestamp) -> Result<i64>;
    async fn lock_account(&self, id: i64, until: Timestamp) -> Result<()>;

    // --- sessions -------------------------------------------------------------------------
    async fn create_session(&self, s: &NewSession) -> Result<()>;
    async fn get_session(&self, id_hash: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, id_hash: &str, at: Timestamp) -> Result<()>;
    async fn set_session_totp_passed(&self, id_hash: &str) -> Result<()>;
    async fn end_session(&self, id_hash: &str, at: Timestamp) -> Result<()>;

    // --- API keys -------------------------------------------------------------------------
    async fn create_api_key(&self, actor: &Actor, key: &NewApiKey) -> Result<ApiKey>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>>;
    async fn find_api_key(&self, prefix: &str) -> Result<Option<ApiKey>>;
    async fn revoke_api_key(&self, actor: &Actor, id: i64) -> Result<ApiKey>;
    async fn touch_api_key(&self, id: i64, at: Timestamp) -> Result<()>;

    // --- notifications (the in-UI notification centre) ---------------------------------------
    async fn notify(&self, n: &NewNotification) -> Result<bool>;
    async fn notifications_for(&self, department_id: i64, account_id: i64, limit: i64) -> Result<Vec<Notification>>;
    async fn mark_notification_read(&self, id: i64, department_id: i64, account_id: i64) -> Result<()>;

    // --- idempotency ---------------------------------------------------------------------
    async fn idempotent_get(&self, scope: &str, key: &str) -> Result<Option<IdempotentResponse>>;
}

pub type DynStore = Arc<dyn Store>;

/// Opens the store named by `url`: `postgres://…` or `postgresql://…` for PostgreSQL,
/// `sqlite://PATH` or a plain path for SQLite. Creates the SQLite file if missing.
pub async fn open(url: &str, pool_size: u32, algo: jianguan_domain::crypto::HashAlgo) -> Result<DynStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url, pool_size, algo).await?))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(path), pool_size, algo).await?))
    }
}

/// A database URL with its password removed, for messages and logs.
pub fn redact(url: &str) -> String {
    jianguan_domain::config::redact_url(url)
}
