//! What every handler can reach.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::Authenticator;
use crate::domain::callback::CallbackPolicy;
use crate::domain::clock::Clock;
use crate::store::Store;

/// Shared state of the HTTP layer: cheap to clone (all `Arc`s).
#[derive(Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Credential checks.
    pub auth: Authenticator,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// The base URL clients reach this server at (no trailing slash), for `/id`.
    pub public_url: Arc<str>,
    /// Wakes the engine after a sync is created.
    pub engine: Arc<Notify>,
    /// Hosts `callbackUrl` may name.
    pub callbacks: Arc<CallbackPolicy>,
    /// Bytes a site may keep staged.
    pub staging_quota_bytes: u64,
    /// This node's metrics (requests and uploads are counted here).
    pub metrics: crate::metrics::Metrics,
    /// Who may read `GET /metrics`.
    pub metrics_access: crate::metrics::Access,
    /// How CSV answers write cells (formula-like ones prefixed unless turned off).
    pub csv_cells: crate::domain::spreadsheet::CsvCells,
}
