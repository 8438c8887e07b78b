//! What every handler can reach.

use std::sync::Arc;

use crate::auth::Authenticator;
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
}
