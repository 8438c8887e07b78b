//! Wiring: [`App::build`] opens the store and binds the listener; [`App::run`] serves until
//! the shutdown token is cancelled.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::auth::Authenticator;
use crate::config::Settings;
use crate::domain::clock::Clock;
use crate::engine::{BATCH_ROWS, Engine, EngineSettings};
use crate::store::{self, Backend, Store};

/// How long a request may take before the server answers 408 (slow clients cannot stall
/// shutdown forever). Its body has a shorter deadline of its own (`body_timeout_seconds`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A built, bound server.
pub struct App {
    listener: TcpListener,
    state: AppState,
    engine: Engine,
    max_in_flight: usize,
    max_in_flight_per_address: usize,
    deadlines: api::deadline::Deadlines,
    client_addrs: api::client_addr::ClientAddrs,
}

/// How often expired staging data is swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl App {
    /// Opens the store the settings name and binds the listen address.
    ///
    /// # Errors
    /// When the store cannot be opened or the address cannot be bound.
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let backend = Backend::choose(settings.database.as_deref(), &settings.data_dir)?;
        let store = store::open(&backend, Arc::clone(&clock), settings.database_pool_size).await?;
        Self::with_store(settings, store, clock).await
    }

    /// Binds the listen address over an already-open store.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn with_store(
        settings: &Settings,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let local = listener.local_addr()?;
        // With port 0 the advertised URL must name the port actually bound.
        let public_url = if settings.bind.port() == 0
            && settings.public_url == format!("http://{}", settings.bind)
        {
            format!("http://{local}")
        } else {
            settings.public_url.clone()
        };
        let metrics = crate::metrics::Metrics::new();
        let callbacks = Arc::new(settings.callback_policy()?);
        if callbacks.allows_loopback_for_bind() {
            tracing::info!(bind = %settings.bind, "callbacks may reach loopback addresses: the server listens on loopback only");
        }
        let engine = Engine::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            EngineSettings {
                staging_retention_seconds: settings.staging_retention_seconds,
                sweep_every: SWEEP_EVERY,
                batch_rows: BATCH_ROWS,
                sync_lease: Duration::from_secs(settings.sync_lease_seconds),
                callbacks: Arc::clone(&callbacks),
                callback_body: api::wire::sync_json,
            },
        )
        .with_metrics(metrics.clone());
        let state = AppState {
            auth: Authenticator::new(Arc::clone(&store), Arc::clone(&clock)),
            store,
            clock,
            public_url: public_url.into(),
            engine: engine.notifier(),
            callbacks,
            staging_quota_bytes: settings.staging_quota_bytes,
            metrics,
            metrics_access: crate::metrics::Access::new(
                settings.metrics,
                settings.metrics_token.as_ref(),
            ),
            csv_cells: crate::domain::spreadsheet::CsvCells::escaping(settings.csv_formula_escape),
        };
        Ok(Self {
            listener,
            state,
            engine,
            max_in_flight: settings.max_in_flight,
            max_in_flight_per_address: settings.max_in_flight_per_address,
            deadlines: api::deadline::Deadlines {
                request: REQUEST_TIMEOUT,
                body: Duration::from_secs(settings.body_timeout_seconds),
                min_rate: settings.body_min_rate_bytes,
            },
            client_addrs: api::client_addr::ClientAddrs::new(&settings.trusted_proxies),
        })
    }

    /// The address actually bound (useful with port 0).
    ///
    /// # Errors
    /// When the socket has no local address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state handlers see (tests use its store).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The engine (tests drive it directly).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Serves and runs the engine until `shutdown` is cancelled; in-flight requests finish
    /// and the engine stops at a batch boundary.
    ///
    /// # Errors
    /// When the server fails to accept connections.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let engine = tokio::spawn(self.engine.clone().run(shutdown.clone()));
        let served = self.serve(shutdown).await;
        if let Err(err) = engine.await {
            tracing::error!(error = ?err, "engine task failed");
        }
        served
    }

    /// Serves HTTP only (no engine) until `shutdown`.
    ///
    /// # Errors
    /// When the server fails to accept connections.
    pub async fn serve(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let metrics = self.state.metrics.clone();
        let per_address = api::per_address::PerAddress::new(
            self.max_in_flight_per_address,
            self.state.metrics.clone(),
        );
        // Deadlines start once a request is admitted: a shed one reads no body.
        let router = api::router(self.state, self.deadlines);
        // One limit for the whole server (a layer on the router would give each route its
        // own): beyond `max_in_flight` requests at once, new ones are shed with a 503, which
        // clients retry with back-off as Oracle tells them to, rather than queued without bound.
        // Before it, each client address gets at most `max_in_flight_per_address` of those
        // slots, so one client cannot take them all.
        // Paths are normalised before routing, so the router sees one spelling.
        // Every response, shed and timed-out ones included, carries the request's id.
        let client_addrs = self.client_addrs.clone();
        let service = tower::ServiceBuilder::new()
            .map_request(move |req| client_addrs.tag(req))
            .map_request(api::request_id::keep_if_sane)
            .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
                tower_http::request_id::MakeRequestUuid,
            ))
            .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
            .layer(axum::middleware::from_fn_with_state(
                per_address,
                api::per_address::limit,
            ))
            .layer(axum::error_handling::HandleErrorLayer::new(
                move |_: tower::BoxError| {
                    metrics.request_shed();
                    async { api::ApiError::Unavailable("too many requests in flight".into()) }
                },
            ))
            .load_shed()
            .concurrency_limit(self.max_in_flight)
            .map_request(api::normalize::normalize_request)
            .service(router);
        axum::serve(
            self.listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(service),
        )
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
        .context("serving HTTP")
    }
}
