//! Prometheus metrics, served at `GET /metrics` (see `docs/METRICS.md`).
//!
//! Two kinds of series live here. What this node did (requests, uploads, finished syncs,
//! callback failures) is counted in [`Metrics`] as it happens: atomics behind
//! `prometheus-client` families, cheap enough for every request. What the store holds (syncs
//! by status, the engine's queue, staged rows) is read from the store at each scrape, so that
//! every node sharing a PostgreSQL store reports the same, global numbers.
//!
//! Labels are bounded: route templates (never raw paths), known methods, status codes, sync
//! kinds and statuses. Nothing identifying a site, a contact or a row is ever a label.

mod endpoint;
mod http;
mod process;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::domain::record_type::RecordType;
use crate::domain::sync::{SyncKind, SyncStatus};
use crate::store::Store;

pub use endpoint::{Access, CONTENT_TYPE, Token, TokenError, router};
pub use http::{UNMATCHED, track};

/// Every series name starts with this (and an underscore).
pub const PREFIX: &str = "loquat";

/// Request durations, seconds: from a fast GET to the 120 s request timeout.
const REQUEST_SECONDS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];
/// Sync durations, seconds: from a handful of rows to a long import.
const SYNC_SECONDS: [f64; 14] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];
/// Sync throughput, rows per second.
const ROWS_PER_SECOND: [f64; 10] = [
    10.0,
    100.0,
    1_000.0,
    5_000.0,
    10_000.0,
    25_000.0,
    50_000.0,
    100_000.0,
    250_000.0,
    1_000_000.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
    /// The record type's Bulk segment (`contacts`, `accounts`, `emailAddresses`, …).
    object: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FinishedLabels {
    kind: &'static str,
    object: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallbackLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// This node's counters and histograms; cheap to clone (one `Arc`). The registry is built
/// once and never changes: recording touches only atomics (and a family's read lock).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: HistogramFamily<RouteLabels>,
    shed: Counter,
    upload_bytes: Family<KindLabels, Counter>,
    upload_rows: Family<KindLabels, Counter>,
    sync_seconds: HistogramFamily<KindLabels>,
    sync_rows_per_second: HistogramFamily<KindLabels>,
    syncs_finished: Family<FinishedLabels, Counter>,
    callback_failures: Family<CallbackLabels, Counter>,
    /// When this node started counting, in seconds since the Unix epoch.
    start_time: f64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A fresh set of series, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let request_seconds: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(|| Histogram::new(REQUEST_SECONDS));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            request_seconds.clone(),
        );
        let shed = Counter::default();
        registry.register(
            "http_requests_shed",
            "Requests answered 503 before routing because max_in_flight requests, or max_in_flight_per_address from the client's address, were already being served",
            shed.clone(),
        );
        let upload_bytes = Family::<KindLabels, Counter>::default();
        registry.register(
            "upload_bytes",
            "Bytes of uploads staged (after conversion to UTF-8), by definition kind",
            upload_bytes.clone(),
        );
        let upload_rows = Family::<KindLabels, Counter>::default();
        registry.register(
            "upload_rows",
            "Rows of uploads staged, by definition kind",
            upload_rows.clone(),
        );
        let sync_seconds: HistogramFamily<KindLabels> =
            Family::new_with_constructor(|| Histogram::new(SYNC_SECONDS));
        registry.register(
            "sync_duration_seconds",
            "Time this node took to run a sync, from its claim to its terminal status, by kind",
            sync_seconds.clone(),
        );
        let sync_rows_per_second: HistogramFamily<KindLabels> =
            Family::new_with_constructor(|| Histogram::new(ROWS_PER_SECOND));
        registry.register(
            "sync_rows_per_second",
            "Rows a sync processed per second of its run, by kind (syncs of no rows are left out)",
            sync_rows_per_second.clone(),
        );
        let syncs_finished = Family::<FinishedLabels, Counter>::default();
        registry.register(
            "syncs_finished",
            "Syncs this node ran to a terminal status, by kind and status",
            syncs_finished.clone(),
        );
        let callback_failures = Family::<CallbackLabels, Counter>::default();
        registry.register(
            "callback_failures",
            "Sync callbacks that failed (error status, timeout or unreachable), by what follows: retry or gave_up; refused when the callback policy forbids the address",
            callback_failures.clone(),
        );
        registry.register(
            "build",
            "The running version",
            Info::new(VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            }),
        );
        let start_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Self {
            inner: Arc::new(Inner {
                registry,
                requests,
                request_seconds,
                shed,
                upload_bytes,
                upload_rows,
                sync_seconds,
                sync_rows_per_second,
                syncs_finished,
                callback_failures,
                start_time,
            }),
        }
    }

    /// Counts one answered request; `route` is the matched template or [`UNMATCHED`].
    pub fn request(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        let inner = &self.inner;
        let labels = RequestLabels {
            route: route.to_owned(),
            method: method_label(method),
            status: status.as_u16(),
        };
        inner.requests.get_or_create(&labels).inc();
        inner
            .request_seconds
            .get_or_create(&RouteLabels {
                route: labels.route,
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a request shed before routing (too many in flight).
    pub fn request_shed(&self) {
        self.inner.shed.inc();
    }

    /// Counts a staged upload of `kind` (sync action or import) of `record_type`.
    pub fn upload(&self, kind: SyncKind, record_type: &RecordType, bytes: u64, rows: u64) {
        let labels = KindLabels {
            kind: kind.as_str(),
            object: record_type.segment,
        };
        self.inner.upload_bytes.get_or_create(&labels).inc_by(bytes);
        self.inner.upload_rows.get_or_create(&labels).inc_by(rows);
    }

    /// Records a sync this node ran to `status` in `elapsed`, over `rows` rows.
    pub fn sync_finished(
        &self,
        (kind, record_type): (SyncKind, &RecordType),
        status: SyncStatus,
        elapsed: Duration,
        rows: u64,
    ) {
        let inner = &self.inner;
        let labels = KindLabels {
            kind: kind.as_str(),
            object: record_type.segment,
        };
        inner
            .syncs_finished
            .get_or_create(&FinishedLabels {
                kind: labels.kind,
                object: labels.object,
                status: status.as_str(),
            })
            .inc();
        let seconds = elapsed.as_secs_f64();
        inner.sync_seconds.get_or_create(&labels).observe(seconds);
        if rows > 0 && seconds > 0.0 {
            let rate = rows as f64 / seconds;
            inner
                .sync_rows_per_second
                .get_or_create(&labels)
                .observe(rate);
        }
    }

    /// Counts a failed callback attempt; `gave_up` when it was the last one.
    pub fn callback_failed(&self, gave_up: bool) {
        let outcome = if gave_up { "gave_up" } else { "retry" };
        self.inner
            .callback_failures
            .get_or_create(&CallbackLabels { outcome })
            .inc();
    }

    /// Counts a callback refused by the callback policy (given up at once).
    pub fn callback_refused(&self) {
        self.inner
            .callback_failures
            .get_or_create(&CallbackLabels { outcome: "refused" })
            .inc();
    }

    /// The whole exposition in Prometheus text format 0.0.4: this node's series, the process's,
    /// and the store's read now. When the store cannot be read, its series are left out (rather
    /// than shown stale) and `loquat_store_up` is 0; the scrape itself still succeeds.
    pub async fn render(&self, store: &dyn Store) -> String {
        let counts = store.sync_counts().await;
        let staged = match &counts {
            Ok(_) => store.staged_rows().await,
            Err(_) => Ok(0),
        };
        let mut scrape = Registry::with_prefix(PREFIX);
        let up = Gauge::<i64>::default();
        scrape.register(
            "store_up",
            "1 when the store answered this scrape's queries, else 0 (its series are then left out)",
            up.clone(),
        );
        match (counts, staged) {
            (Ok(counts), Ok(staged)) => {
                up.set(1);
                register_store_series(&mut scrape, &counts, staged);
            }
            (Err(err), _) | (_, Err(err)) => {
                tracing::warn!(error = %err, "metrics: reading the store failed");
            }
        }
        let start = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        start.set(self.inner.start_time);
        scrape.register(
            "process_start_time_seconds",
            "When this node started, in seconds since the Unix epoch",
            start,
        );
        process::register(&mut scrape);
        let mut text = String::with_capacity(16 * 1024);
        // Writing to a String cannot fail; an encoding error would be a bug in a label.
        let encoded =
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.inner.registry)
                .and_then(|()| {
                    prometheus_client::encoding::prometheus_text::encode(&mut text, &scrape)
                });
        if let Err(err) = encoded {
            tracing::error!(error = %err, "metrics: encoding failed");
        }
        text
    }
}

/// Syncs by status (every status, zeros included, so each series always exists), the queue
/// and staged rows, as read from the store.
fn register_store_series(registry: &mut Registry, counts: &[(SyncStatus, u64)], staged: u64) {
    let count_of = |status: SyncStatus| {
        counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    };
    let syncs = Family::<StatusLabels, Gauge>::default();
    for status in SyncStatus::ALL {
        syncs
            .get_or_create(&StatusLabels {
                status: status.as_str(),
            })
            .set(gauge_value(count_of(status)));
    }
    registry.register(
        "syncs",
        "Syncs in the store by status, all sites and nodes (read from the store at each scrape)",
        syncs,
    );
    let queue = Gauge::<i64>::default();
    queue.set(gauge_value(count_of(SyncStatus::Pending)));
    registry.register(
        "engine_queue_depth",
        "Syncs waiting for an engine (pending), all nodes (read from the store at each scrape)",
        queue,
    );
    let staged_rows = Gauge::<i64>::default();
    staged_rows.set(gauge_value(staged));
    registry.register(
        "staged_rows",
        "Rows staged and not yet released by a finished sync, all sites (read from the store at each scrape)",
        staged_rows,
    );
}

fn gauge_value(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The method as a label: the standard ones by name, anything else as `other` (a client
/// inventing methods must not create series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests;
