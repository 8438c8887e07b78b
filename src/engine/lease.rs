//! Keeping the lease of a running sync: renewed every third of its length, so a node that
//! stalls or loses touch with the database lets another take the sync over within one lease.
//! A node that dies (even by `kill -9`) is noticed sooner on a shared PostgreSQL store: its
//! liveness key is freed with its session, and another node claims its sync at once.

use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::store::SyncJob;

/// Renews `job`'s lease until aborted; cancels `stop` when the lease is lost or could not be
/// renewed for a whole lease length (another node may then hold it).
pub(super) async fn keep(engine: Engine, job: SyncJob, stop: CancellationToken) {
    let lease = engine.settings.sync_lease;
    let every = lease / 3;
    let mut renewed = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        let until = engine.clock.now().plus_duration(lease);
        match engine.store.renew_lease(&job, until).await {
            Ok(true) => renewed = tokio::time::Instant::now(),
            Ok(false) => {
                stop.cancel();
                return;
            }
            Err(err) => {
                tracing::warn!(error = ?err, sync_id = job.sync_id, "renewing a sync's lease failed");
                if renewed.elapsed() >= lease {
                    stop.cancel();
                    return;
                }
            }
        }
    }
}
