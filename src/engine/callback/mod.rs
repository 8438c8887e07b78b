//! Callbacks: after a sync's terminal commit, POST the sync as JSON to its `callbackUrl`.
//! Best effort with a short timeout and bounded retries with back-off; a failure is logged
//! and never changes the sync. Owed callbacks are stored, so a restart does not lose them.
//!
//! Each callback is sent on its own task, at most [`PER_SITE`] of a site and [`IN_FLIGHT`] in
//! all at once, so a site whose listener never answers delays only its own callbacks. A
//! callback is claimed in the store before it is sent, so neither the next round nor another
//! node sends it twice. Every address connected to is checked against the
//! [`CallbackPolicy`]: IP literals before sending, names as they resolve (`resolve.rs`).

mod resolve;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;

use crate::domain::callback::CallbackPolicy;
use crate::domain::clock::Clock;
use crate::domain::sync::SyncRecord;
use crate::metrics::Metrics;
use crate::store::{DueCallback, Store};

/// Per-attempt timeout.
pub(super) const TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts before giving up.
pub const MAX_ATTEMPTS: u32 = 5;

/// Callbacks of one site in flight at once.
pub const PER_SITE: usize = 4;

/// Callbacks in flight at once on this node.
pub const IN_FLIGHT: usize = 64;

/// How long a claimed callback is held before another delivery may take it (its node stopped
/// mid-attempt): well past an attempt's timeout.
const CLAIM: Duration = Duration::from_secs(2 * TIMEOUT.as_secs());

/// The JSON a callback carries for a finished sync. Given by the caller (the HTTP layer owns
/// Eloqua's wire shapes; a callback body is the sync as `GET /syncs/{id}` shows it).
pub type CallbackBody = fn(SyncRecord) -> serde_json::Value;

/// Sends callbacks: the HTTP client, the policy, and the caps on callbacks in flight.
#[derive(Clone)]
pub(super) struct Sender {
    http: Option<reqwest::Client>,
    policy: Arc<CallbackPolicy>,
    body: CallbackBody,
    slots: Arc<Semaphore>,
    sites: Arc<Mutex<HashMap<i64, usize>>>,
}

/// What a delivery task needs of the engine.
pub(super) struct Context {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    /// Notified when a delivery ends, so that callbacks waiting for its slot go out.
    pub done: Arc<Notify>,
}

impl Sender {
    /// A sender that only reaches what `policy` allows: no redirects (they would bypass the
    /// check), no proxy from the environment, and names resolved by the guarded resolver.
    pub(super) fn new(policy: Arc<CallbackPolicy>, body: CallbackBody) -> Self {
        let resolver = Arc::new(resolve::GuardedResolver {
            policy: Arc::clone(&policy),
        });
        // Building fails only when TLS cannot initialise; there is no fallback to a client
        // without the resolver, so callbacks then fail (and are logged) instead.
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(resolver)
            .build()
            .inspect_err(|err| tracing::error!(error = %err, "building the callback client"))
            .ok();
        Self {
            http,
            policy,
            body,
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
            sites: Arc::default(),
        }
    }

    /// Claims the due callbacks that fit under the caps and sends each on a task in `tasks`.
    pub(super) async fn start_due(&self, cx: &Arc<Context>, tasks: &mut JoinSet<()>) {
        let now = cx.clock.now();
        let due = match cx
            .store
            .due_callbacks(now, PER_SITE as u32, IN_FLIGHT as u32)
            .await
        {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = ?err, "reading due callbacks");
                return;
            }
        };
        for callback in due {
            let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
                break;
            };
            // A site at its cap keeps its callbacks due until one of its deliveries ends.
            let Some(site) = SiteSlot::take(&self.sites, callback.site_id) else {
                continue;
            };
            let sync_id = callback.sync.id;
            match cx
                .store
                .claim_callback(sync_id, now, now.plus_duration(CLAIM))
                .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::warn!(sync_id, error = ?err, "claiming a callback");
                    continue;
                }
            }
            let (sender, cx) = (self.clone(), Arc::clone(cx));
            tasks.spawn(async move {
                sender.deliver(&cx, callback).await;
                drop((slot, site));
                cx.done.notify_one();
            });
        }
    }

    /// Sends one callback and records the attempt.
    async fn deliver(&self, cx: &Context, callback: DueCallback) {
        let sync = callback.sync;
        let sync_id = sync.id;
        let attempts = callback.attempts + 1;
        let Some(text) = sync.callback_url.clone() else {
            record(cx, sync_id, None).await;
            return;
        };
        // Checked again: the settings may have changed since the sync was created.
        let url = match self.policy.check(&text) {
            Ok(url) => url,
            Err(why) => return refused(cx, sync_id, &why).await,
        };
        let Some(http) = &self.http else {
            return refused(cx, sync_id, "no HTTP client (TLS failed to initialise)").await;
        };
        let result = http.post(url).json(&(self.body)(sync)).send().await;
        let why = match result {
            Ok(response) if response.status().is_success() => {
                tracing::info!(sync_id, "callback delivered");
                return record(cx, sync_id, None).await;
            }
            Ok(response) => format!("status {}", response.status().as_u16()),
            Err(err) => match resolve::refusal(&err) {
                Some(refusal) => return refused(cx, sync_id, &refusal.0).await,
                None => err.without_url().to_string(),
            },
        };
        let gave_up = attempts >= MAX_ATTEMPTS;
        cx.metrics.callback_failed(gave_up);
        let next = if gave_up {
            tracing::warn!(sync_id, attempts, reason = %why, "callback failed; giving up");
            None
        } else {
            let delay = 1u64 << (attempts - 1);
            tracing::info!(sync_id, attempts, reason = %why, retry_in_s = delay, "callback failed; will retry");
            Some(cx.clock.now().plus_seconds(delay))
        };
        record(cx, sync_id, next).await;
    }
}

/// A callback the policy refuses is given up at once: retrying cannot change the answer.
async fn refused(cx: &Context, sync_id: i64, why: &str) {
    cx.metrics.callback_refused();
    tracing::warn!(sync_id, reason = %why, "callback refused; giving up");
    record(cx, sync_id, None).await;
}

async fn record(cx: &Context, sync_id: i64, next: Option<crate::domain::clock::Timestamp>) {
    if let Err(err) = cx.store.callback_attempted(sync_id, next).await {
        tracing::warn!(sync_id, error = ?err, "recording a callback attempt");
    }
}

/// One of a site's [`PER_SITE`] delivery slots, given back on drop.
struct SiteSlot {
    sites: Arc<Mutex<HashMap<i64, usize>>>,
    site_id: i64,
}

impl SiteSlot {
    fn take(sites: &Arc<Mutex<HashMap<i64, usize>>>, site_id: i64) -> Option<Self> {
        let mut counts = sites.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(site_id).or_default();
        if *count >= PER_SITE {
            return None;
        }
        *count += 1;
        Some(Self {
            sites: Arc::clone(sites),
            site_id,
        })
    }
}

impl Drop for SiteSlot {
    fn drop(&mut self) {
        let mut counts = self.sites.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.site_id) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.site_id);
            }
        }
    }
}
