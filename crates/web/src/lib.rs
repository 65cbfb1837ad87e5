//! jianguan web layer: the server-rendered Chinese UI and the `/api/v1` JSON API on one
//! axum router. Every route is declared once in [`routes::table`] with its access rule;
//! the access middleware enforces that table, and the authorisation-matrix test reads it.

pub mod access;
pub mod api;
pub mod error;
pub mod files;
pub mod forms;
pub mod helpers;
pub mod import;
pub mod jobs;
pub mod metrics;
pub mod notify;
pub mod pages;
pub mod routes;
pub mod security;
pub mod snapshot;
pub mod templates;
pub mod workdays;

use jianguan_domain::config::Config;
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::DynStore;
use std::path::PathBuf;
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
    /// Uploaded files by SHA-256: `<data_dir>/files`.
    pub files_dir: PathBuf,
    /// Where notices go (the UI notification centre, and any adapter added).
    pub notifiers: Arc<Vec<Arc<dyn notify::Notifier>>>,
    /// Read-side cache of expensive page inputs, versioned by the audit head.
    pub snapshots: Arc<snapshot::Snapshots>,
}

impl AppState {
    /// The state for a configuration; files live under `config.data_dir`.
    pub fn new(store: DynStore, config: Config, cipher: FieldCipher, checkpoint_key: Vec<u8>) -> Self {
        let files_dir = PathBuf::from(&config.data_dir).join("files");
        let centre: Arc<dyn notify::Notifier> = Arc::new(notify::CentreNotifier::new(store.clone()));
        AppState {
            store,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            cipher,
            checkpoint_key: Arc::new(checkpoint_key),
            files_dir,
            notifiers: Arc::new(vec![centre]),
            snapshots: Arc::new(snapshot::Snapshots::default()),
        }
    }

    /// Adds a notification channel (e-mail, SMS …) next to the notification centre.
    pub fn with_notifier(mut self, n: Arc<dyn notify::Notifier>) -> Self {
        let mut v: Vec<_> = self.notifiers.iter().cloned().collect();
        v.push(n);
        self.notifiers = Arc::new(v);
        self
    }

    /// Evidence and other uploaded files.
    pub fn blobs(&self) -> files::BlobStore {
        files::BlobStore::new(self.files_dir.clone())
    }
}

pub use routes::router;
