//! The PostgreSQL store (tokio-postgres behind a deadpool pool), for several Loquat nodes
//! sharing one database.
//!
//! Nothing is coordinated outside PostgreSQL: migrations take an advisory lock, a sync is
//! claimed with `FOR UPDATE SKIP LOCKED` and held under a lease its node renews and under the
//! node's liveness key (an advisory lock its session holds, so a dead node's syncs are taken
//! over at once), and every write of a run is fenced by the claim's `attempt`. Staging uses
//! binary COPY; applies are set-based statements; every user value travels as a bound
//! parameter.

mod accounts;
mod appcloud;
mod apply;
mod assets;
mod batch;
mod contacts;
mod custom_object_records;
mod custom_objects;
mod definitions;
mod effects;
mod error;
mod exports;
mod fields;
mod filter_sql;
mod import_batch;
mod import_contacts;
mod import_stage;
mod imports;
mod listing;
mod liveness;
mod membership;
mod migrate;
pub mod scratch;
mod sites;
mod staging;
mod sync_rows;
mod syncs;

use std::sync::Arc;

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::{StoreError, StoreResult};
use crate::domain::clock::{Clock, Timestamp};
use liveness::Liveness;

pub use migrate::migrate;
pub use scratch::{ScratchSchema, test_database_url};

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    clock: Arc<dyn Clock>,
    /// Where the liveness connection goes.
    config: Arc<tokio_postgres::Config>,
    /// This node's liveness key, taken at its first claim (a store that never runs syncs,
    /// as in `loquat migrate`, opens no liveness connection).
    liveness: Arc<tokio::sync::OnceCell<Liveness>>,
}

impl crate::store::Store for PostgresStore {}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

/// A pooled connection.
pub(super) type Client = deadpool_postgres::Object;

impl PostgresStore {
    /// Connects to `url` with up to `pool_size` connections and migrates the schema.
    ///
    /// # Errors
    /// When the URL is invalid, the server cannot be reached, or a migration fails.
    pub async fn connect(
        url: &str,
        pool_size: usize,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .with_context(|| format!("parsing database URL {}", super::redact(url)))?;
        // The planner overestimates the set-based statements of applies and imports, and
        // JIT-compiling them cost more than running them (about 0.6 s per 50,000-row batch).
        let options = match config.get_options() {
            Some(given) => format!("{given} -c jit=off"),
            None => "-c jit=off".to_owned(),
        };
        config.options(&options);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // Checks a connection with a round trip before reuse, so a restarted database
                // costs a retry rather than an error.
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(2))
            .build()
            .context("building the PostgreSQL connection pool")?;
        let store = Self {
            pool,
            clock,
            config: Arc::new(config),
            liveness: Arc::default(),
        };
        let mut client = store
            .client()
            .await
            .with_context(|| format!("connecting to {}", super::redact(url)))?;
        migrate(&mut client)
            .await
            .context("migrating the PostgreSQL store")?;
        Ok(store)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// This node's liveness key, taken first if the store holds none yet; `None` while a
    /// lost liveness connection is being replaced.
    pub(super) async fn liveness_key(&self) -> StoreResult<Option<i64>> {
        let liveness = self
            .liveness
            .get_or_try_init(|| Liveness::start(self.config.as_ref().clone()))
            .await
            .map_err(|e| StoreError::Unavailable(format!("{e:#}")))?;
        Ok(liveness.key())
    }

    /// The liveness key held now, without taking one.
    pub(super) fn held_liveness_key(&self) -> Option<i64> {
        self.liveness.get().and_then(Liveness::key)
    }

    /// A connection from the pool.
    pub(super) async fn client(&self) -> StoreResult<Client> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => error::map(e),
            other => StoreError::Unavailable(format!("no database connection: {other}")),
        })
    }
}

/// Converts a count or offset for a BIGINT parameter.
pub(super) fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Converts a BIGINT count read back.
pub(super) fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests;
