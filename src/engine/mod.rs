//! The engine: claims pending syncs and applies them batch by batch, delivers callbacks,
//! and sweeps expired staging data. Every `loquat serve` process runs one; on a shared
//! PostgreSQL store several share the work, each sync held by one node under a lease.
//!
//! Tests drive it with [`Engine::run_once`] and [`Engine::sweep_once`]; `loquat serve` runs
//! [`Engine::run`] until shutdown, woken by [`Engine::notifier`] whenever a sync is created.

mod callback;
mod export;
mod import;
mod lease;
mod sync;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::domain::callback::CallbackPolicy;
use crate::domain::clock::Clock;
use crate::domain::plan::deleted_logs;
use crate::domain::sync::SyncStatus;
use crate::metrics::Metrics;
use crate::store::{LEASE_LOST, Store, StoreError, SweepReport, SyncJob};

pub use callback::{
    CallbackBody, IN_FLIGHT as CALLBACKS_IN_FLIGHT, PER_SITE as CALLBACKS_PER_SITE,
};

/// Rows applied per transaction: small enough that uploads never wait long for SQLite's
/// single writer, large enough that per-statement overhead vanishes.
pub const BATCH_ROWS: u64 = 50_000;

/// How often the idle worker looks for work it was not told about (e.g. after recovery, or a
/// sync of a node that died): what a takeover waits at most once the dead node is known.
const POLL: Duration = Duration::from_secs(1);

/// Longest wait after repeated store failures.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What one call to [`Engine::run_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A sync was processed to a terminal status.
    Worked,
    /// Nothing was pending.
    Idle,
    /// Shutdown was requested mid-sync; the sync was given back and is re-run by the next
    /// engine to claim it.
    Interrupted,
    /// Another node took the sync over (this node's lease had expired, or its liveness key
    /// was lost), or the lease could not be renewed; this run stopped without writing
    /// anything more.
    Lost,
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Retention of unsynced staged data.
    pub staging_retention_seconds: u64,
    /// How often the sweeper runs.
    pub sweep_every: Duration,
    /// Rows per batch.
    pub batch_rows: u64,
    /// How long a claimed sync stays this node's without a renewal; renewed every third of it.
    /// Another node takes a sync over once its lease has expired (its node stalled or stopped),
    /// or on PostgreSQL as soon as its node's process has died (see `store::postgres`).
    pub sync_lease: Duration,
    /// Where callbacks may go; checked again at delivery, on the addresses connected to.
    pub callbacks: Arc<CallbackPolicy>,
    /// What a callback carries.
    pub callback_body: CallbackBody,
}

/// The default [`EngineSettings::sync_lease`].
pub const SYNC_LEASE: Duration = Duration::from_secs(30);

/// The background worker.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    notify: Arc<Notify>,
    callbacks_due: Arc<Notify>,
    settings: EngineSettings,
    callbacks: callback::Sender,
    /// This engine's name in lease records (process id and a random suffix).
    node: Arc<str>,
    /// Where finished syncs and failed callbacks are counted.
    metrics: Metrics,
}

impl Engine {
    /// An engine over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: EngineSettings) -> Self {
        let callbacks =
            callback::Sender::new(Arc::clone(&settings.callbacks), settings.callback_body);
        Self {
            store,
            clock,
            notify: Arc::new(Notify::new()),
            callbacks_due: Arc::new(Notify::new()),
            settings,
            callbacks,
            node: format!("{}-{:08x}", std::process::id(), rand::random::<u32>()).into(),
            metrics: Metrics::new(),
        }
    }

    /// Counts into `metrics` (the server's, served at `/metrics`) instead of a private set.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Records a sync this engine ran to `status` (rows per second over the run's time).
    fn finished(&self, job: &SyncJob, status: SyncStatus, started: Instant, rows: u64) {
        self.metrics
            .sync_finished((job.kind, job.record_type), status, started.elapsed(), rows);
    }

    /// The definition a claimed sync runs, as `found` read it; `None` after ending the sync in
    /// error (ELQ-00143) when the definition was deleted after the sync was created.
    async fn definition_of<T>(
        &self,
        job: &SyncJob,
        started: Instant,
        found: Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match found {
            Ok(record) => Ok(Some(record)),
            Err(StoreError::NotFound) => {
                let logs = deleted_logs(job.sync_id, job.kind.product(), job.definition_id);
                self.store
                    .finish_sync(job, SyncStatus::Error, logs, self.clock.now())
                    .await?;
                self.finished(job, SyncStatus::Error, started, 0);
                tracing::warn!(
                    sync_id = job.sync_id,
                    "sync ended in error: its definition was deleted"
                );
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// The name this engine's leases carry.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Wakes the worker; handlers call it after creating a sync.
    pub fn notifier(&self) -> Arc<Notify> {
        Arc::clone(&self.notify)
    }

    /// Processes the next claimable sync, if any, to its end.
    ///
    /// # Errors
    /// When the store fails; the sync is then given back for a later attempt.
    pub async fn run_once(&self, shutdown: &CancellationToken) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        let lease_until = now.plus_duration(self.settings.sync_lease);
        let Some(job) = self.store.claim_sync(now, &self.node, lease_until).await? else {
            return Ok(Outcome::Idle);
        };
        tracing::info!(
            sync_id = job.sync_id,
            definition_id = job.definition_id,
            attempt = job.attempt,
            "sync started"
        );
        // The run stops between batches when shutdown comes or the lease cannot be kept.
        let stop = shutdown.child_token();
        let renewer = tokio::spawn(lease::keep(self.clone(), job.clone(), stop.clone()));
        let processed = match job.kind {
            crate::domain::sync::SyncKind::SyncAction => sync::process(self, &job, &stop).await,
            crate::domain::sync::SyncKind::Import => import::process(self, &job, &stop).await,
            crate::domain::sync::SyncKind::Export => export::process(self, &job, &stop).await,
        };
        renewer.abort();
        match processed {
            Ok(Outcome::Worked) => {
                // Delivery runs on its own task: a slow client never holds up the next sync.
                self.callbacks_due.notify_one();
                Ok(Outcome::Worked)
            }
            Ok(Outcome::Interrupted) if !shutdown.is_cancelled() => {
                tracing::warn!(
                    sync_id = job.sync_id,
                    "stopped: the sync's lease could not be renewed"
                );
                Ok(Outcome::Lost)
            }
            Ok(Outcome::Interrupted) => {
                // Given back so that another node need not wait for the lease to expire.
                self.store.release_sync(&job).await?;
                Ok(Outcome::Interrupted)
            }
            Ok(other) => Ok(other),
            Err(StoreError::Conflict {
                constraint: LEASE_LOST,
            }) => {
                tracing::warn!(
                    sync_id = job.sync_id,
                    "stopped: another node took the sync over"
                );
                Ok(Outcome::Lost)
            }
            Err(err) => {
                // Given back: effects are idempotent, so the retry re-runs it from the start.
                if let Err(release) = self.store.release_sync(&job).await {
                    tracing::warn!(error = ?release, sync_id = job.sync_id, "giving a sync back failed; its lease will expire");
                }
                Err(err)
            }
        }
    }

    /// Removes expired staging data and auto-deletes due definitions.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn sweep_once(&self) -> Result<SweepReport, StoreError> {
        let report = self
            .store
            .sweep(self.clock.now(), self.settings.staging_retention_seconds)
            .await?;
        if report != SweepReport::default() {
            tracing::info!(
                expired_files = report.expired_files,
                deleted_definitions = report.deleted_definitions,
                "swept staging"
            );
        }
        Ok(report)
    }

    /// Sends the callbacks that are due and waits for those deliveries (best effort; failures
    /// are retried later).
    pub async fn deliver_callbacks(&self) {
        let mut tasks = JoinSet::new();
        self.callbacks
            .start_due(&self.callback_context(), &mut tasks)
            .await;
        while tasks.join_next().await.is_some() {}
    }

    fn callback_context(&self) -> Arc<callback::Context> {
        Arc::new(callback::Context {
            store: Arc::clone(&self.store),
            clock: Arc::clone(&self.clock),
            metrics: self.metrics.clone(),
            done: Arc::clone(&self.callbacks_due),
        })
    }

    /// Runs until `shutdown`: recovers interrupted syncs, then processes syncs as they come,
    /// sweeping and delivering callbacks on the side.
    pub async fn run(self, shutdown: CancellationToken) {
        match self.store.recover_interrupted().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(syncs = n, "re-running syncs interrupted by a stop"),
            Err(err) => tracing::error!(error = ?err, "recovering interrupted syncs"),
        }
        let sweeper = tokio::spawn(self.clone().sweep_loop(shutdown.clone()));
        let callbacks = tokio::spawn(self.clone().callback_loop(shutdown.clone()));
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            match self.run_once(&shutdown).await {
                Ok(Outcome::Worked | Outcome::Lost) => backoff = Duration::from_millis(100),
                Ok(Outcome::Interrupted) => break,
                Ok(Outcome::Idle) => {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = self.notify.notified() => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
                Err(err) => {
                    tracing::warn!(error = ?err, retry_in = ?backoff, "sync failed; will retry");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        sweeper.abort();
        callbacks.abort();
        tracing::info!("engine stopped");
    }

    /// Starts due callbacks whenever one may be due, without waiting for deliveries in
    /// flight; they end with this task (dropping the set aborts them; a claimed callback is
    /// retried once its claim lapses).
    async fn callback_loop(self, shutdown: CancellationToken) {
        let cx = self.callback_context();
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            self.callbacks.start_due(&cx, &mut tasks).await;
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.callbacks_due.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    async fn sweep_loop(self, shutdown: CancellationToken) {
        loop {
            if let Err(err) = self.sweep_once().await {
                tracing::warn!(error = ?err, "sweeping staging failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.settings.sweep_every) => {}
            }
        }
    }
}
