//! Notification as an interface. Capabilities hand a [`NewNotification`] to every
//! configured [`Notifier`]; the default, [`CentreNotifier`], writes it to the notification
//! centre of the UI (each dedup key once). E-mail or SMS adapters implement the same trait
//! and are added with [`crate::AppState::with_notifier`].

use async_trait::async_trait;
use jianguan_store::{DynStore, NewNotification};

/// One delivery channel.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// A short name for logs, e.g. `centre`, `sms`.
    fn name(&self) -> &'static str;

    /// Delivers a notice. `Ok(true)` when delivered now, `Ok(false)` when a notice with the
    /// same dedup key was delivered before.
    async fn notify(&self, n: &NewNotification) -> Result<bool, String>;
}

/// The in-UI notification centre.
pub struct CentreNotifier {
    store: DynStore,
}

impl CentreNotifier {
    pub fn new(store: DynStore) -> Self {
        CentreNotifier { store }
    }
}

#[async_trait]
impl Notifier for CentreNotifier {
    fn name(&self) -> &'static str {
        "centre"
    }

    async fn notify(&self, n: &NewNotification) -> Result<bool, String> {
        self.store.notify(n).await.map_err(|e| e.to_string())
    }
}

/// Sends a notice through every notifier. Returns whether any delivered it anew; a failing
/// channel is logged and does not stop the others.
pub async fn send(notifiers: &[std::sync::Arc<dyn Notifier>], n: &NewNotification) -> bool {
    let mut fresh = false;
    for channel in notifiers {
        match channel.notify(n).await {
            Ok(new) => fresh |= new,
            Err(e) => tracing::error!(channel = channel.name(), key = %n.dedup_key, error = %e, "notification failed"),
        }
    }
    fresh
}
