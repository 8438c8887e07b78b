//! Callbacks: after a sync's terminal commit, POST the sync as JSON to its `callbackUrl`.
//! Best effort with a short timeout and bounded retries with back-off; a failure is logged
//! and never changes the sync. Owed callbacks are stored, so a restart does not lose them.

use std::time::Duration;

use crate::api::wire::SyncDto;
use crate::domain::clock::Clock;
use crate::metrics::Metrics;
use crate::store::Store;

/// Per-attempt timeout.
pub(super) const TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts before giving up.
pub const MAX_ATTEMPTS: u32 = 5;

/// Sends every due callback once; schedules retries (1 s, 2 s, 4 s, 8 s) for failures, and
/// counts each failed attempt in `metrics`.
pub async fn deliver_due_callbacks(
    store: &dyn Store,
    clock: &dyn Clock,
    http: &reqwest::Client,
    metrics: &Metrics,
) {
    let due = match store.due_callbacks(clock.now(), 100).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = ?err, "reading due callbacks");
            return;
        }
    };
    for callback in due {
        let sync = callback.sync;
        let Some(url) = sync.callback_url.clone() else {
            let _ = store.callback_attempted(sync.id, None).await;
            continue;
        };
        let sync_id = sync.id;
        let result = http.post(&url).json(&SyncDto::from(sync)).send().await;
        let attempts = callback.attempts + 1;
        let next = match result {
            Ok(response) if response.status().is_success() => {
                tracing::info!(sync_id, "callback delivered");
                None
            }
            outcome => {
                let why = match outcome {
                    Ok(response) => format!("status {}", response.status().as_u16()),
                    Err(err) => err.without_url().to_string(),
                };
                metrics.callback_failed(attempts >= MAX_ATTEMPTS);
                if attempts >= MAX_ATTEMPTS {
                    tracing::warn!(sync_id, attempts, reason = %why, "callback failed; giving up");
                    None
                } else {
                    let delay = 1u64 << (attempts - 1);
                    tracing::info!(sync_id, attempts, reason = %why, retry_in_s = delay, "callback failed; will retry");
                    Some(clock.now().plus_seconds(delay))
                }
            }
        };
        if let Err(err) = store.callback_attempted(sync_id, next).await {
            tracing::warn!(sync_id, error = ?err, "recording a callback attempt");
        }
    }
}
