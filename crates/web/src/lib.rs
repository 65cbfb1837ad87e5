//! jianguan web layer: the server-rendered Chinese UI and the `/api/v1` JSON API on one
//! axum router. Every route is declared once in [`routes::table`] with its access rule;
//! the access middleware enforces that table, and the authorisation-matrix test reads it.

pub mod access;
pub mod api;
pub mod error;
pub mod forms;
pub mod import;
pub mod jobs;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod security;
pub mod templates;

use jianguan_domain::config::Config;
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::DynStore;
use std::sync::Arc;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub config: Arc<Config>,
    pub metrics: Arc<metrics::Metrics>,
    /// SM4 protection of personal data and TOTP secrets; the key never enters the store.
    pub cipher: FieldCipher,
    /// Key for the audit trail's signed checkpoints.
    pub checkpoint_key: Arc<Vec<u8>>,
}

impl AppState {
    pub fn new(store: DynStore, config: Config, cipher: FieldCipher, checkpoint_key: Vec<u8>) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            cipher,
            checkpoint_key: Arc::new(checkpoint_key),
        }
    }
}

pub use routes::router;
