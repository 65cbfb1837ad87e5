//! Scheduled work inside `serve`: signed audit checkpoints, and the capability jobs
//! (deadline warnings …) as they are added.

use crate::AppState;
use std::time::Duration;

/// Runs forever; `serve` aborts it at shutdown.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match state.store.audit_checkpoint(&state.checkpoint_key).await {
            Ok(Some(cp)) => tracing::info!(seq = cp.seq, "audit checkpoint signed"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
        }
        if let Err(e) = crate::pages::ledger::scheduled(&state).await {
            tracing::error!(error = %e.message, "ledger job failed");
        }
        if let Err(e) = crate::pages::registry::scheduled(&state).await {
            tracing::error!(error = %e.message, "registry job failed");
        }
        if let Err(e) = crate::pages::draw::scheduled(&state).await {
            tracing::error!(error = %e.message, "draw job failed");
        }
        if let Err(e) = crate::pages::credit::scheduled(&state).await {
            tracing::error!(error = %e.message, "credit job failed");
        }
    }
}
