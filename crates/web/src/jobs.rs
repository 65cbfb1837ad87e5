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
        crate::pages::capability_jobs(&state).await;
    }
}
