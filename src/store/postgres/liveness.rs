//! A node's liveness in the database, so that a dead node's syncs are taken over at once
//! rather than when their leases expire.
//!
//! A node holds a session-level advisory lock, its liveness key (random, 63 bits), on a
//! connection of its own, and records the key with every sync it claims (`syncs.lease_key`).
//! PostgreSQL ends the session, and with it the lock, when the node's process dies: its
//! operating system closes the socket even after `kill -9`. Another node then sees in
//! `pg_locks` ([`HELD_KEYS`]) that the key is no longer held and claims the sync. A node that
//! is alive but stalled still holds its key, so only the expiry of its lease lets others in.
//!
//! When the liveness connection fails while the process lives, the node takes a new key on a
//! new connection; the old key may already be free, and the syncs claimed under it with it.
//! Writes of a run are fenced by the claim's attempt, as for any takeover. Renewals are
//! fenced by the key too: a lease is renewed only while the sync records the key the node
//! holds now (see `apply::renew`). A renewal under the old key could otherwise extend a lease
//! that protects nothing (the claim's key is dead, so any node may take the sync) while the
//! node went on working as if it held the sync; and one writing the new key would let a
//! claim outlive the session it was made under. Instead the run stops at its next renewal,
//! and the sync, still recorded under the dead key, is claimed again at once by any node,
//! this one included.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, Config, NoTls};

/// The liveness keys held in the current database, as a query's `held (key)` table: advisory
/// locks on one bigint show its high half as `classid`, its low half as `objid`, and
/// `objsubid` 1. Keys are positive, so the halves never carry a sign.
pub(super) const HELD_KEYS: &str = "held (key) AS (
    SELECT (l.classid::bigint << 32) | l.objid::bigint FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))";

/// How often the node checks its liveness connection with a round trip. Another node's view
/// does not depend on it (PostgreSQL drops a dead session's locks itself); it bounds how long
/// a silently broken connection goes unnoticed here.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// How long a check may take before the connection is given up and a new key taken.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait between attempts to reconnect.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Stands for "no key held" (a key is never 0).
const NO_KEY: i64 = 0;

/// A liveness key kept on its own connection by a background task, retaken on a new
/// connection (with a new key) whenever that connection fails.
pub(super) struct Liveness {
    key: Arc<AtomicI64>,
    keeper: JoinHandle<()>,
}

impl Liveness {
    /// Takes a key on a new connection to `config`'s database and keeps it until dropped.
    pub(super) async fn start(config: Config) -> anyhow::Result<Self> {
        let session = Session::open(&config).await?;
        let key = Arc::new(AtomicI64::new(session.key));
        let keeper = tokio::spawn(keep(config, Arc::clone(&key), session));
        Ok(Self { key, keeper })
    }

    /// The key held now; `None` while a lost connection is being replaced.
    pub(super) fn key(&self) -> Option<i64> {
        Some(self.key.load(Ordering::Acquire)).filter(|&k| k != NO_KEY)
    }
}

impl Drop for Liveness {
    /// Ends the session, and so releases the key, with the store.
    fn drop(&mut self) {
        self.keeper.abort();
    }
}

/// One liveness connection holding `key`.
struct Session {
    client: Client,
    connection: JoinHandle<Result<(), tokio_postgres::Error>>,
    key: i64,
}

impl Session {
    /// Connects and locks a fresh random key. `pg_try_advisory_lock` never waits: a key some
    /// session already holds (two nodes drawing one key, or the migration lock's) is skipped.
    async fn open(config: &Config) -> anyhow::Result<Self> {
        let (client, connection) = config
            .connect(NoTls)
            .await
            .context("opening the liveness connection")?;
        let connection = tokio::spawn(connection);
        for _ in 0..8 {
            let key = rand::random::<i64>() & i64::MAX;
            if key == NO_KEY || key == super::migrate::LOCK_KEY {
                continue;
            }
            let locked: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .await
                .context("taking a liveness key")?
                .get(0);
            if locked {
                return Ok(Self {
                    client,
                    connection,
                    key,
                });
            }
        }
        connection.abort();
        anyhow::bail!("no free liveness key after 8 draws")
    }

    /// Returns once the connection has failed (so the key may no longer be held).
    async fn until_lost(&mut self) {
        loop {
            tokio::select! {
                _ = &mut self.connection => return,
                () = tokio::time::sleep(CHECK_EVERY) => {}
            }
            let check = tokio::time::timeout(CHECK_TIMEOUT, self.client.simple_query("SELECT 1"));
            if !matches!(check.await, Ok(Ok(_))) {
                return;
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

/// Keeps a key held: publishes "none" as soon as the session is lost, then a new key once a
/// new session holds one.
async fn keep(config: Config, key: Arc<AtomicI64>, mut session: Session) {
    loop {
        session.until_lost().await;
        key.store(NO_KEY, Ordering::Release);
        drop(session);
        tracing::warn!("the liveness connection to the database was lost; taking a new key");
        let mut backoff = Duration::from_millis(100);
        session = loop {
            match Session::open(&config).await {
                Ok(next) => break next,
                Err(err) => {
                    tracing::warn!(error = ?err, retry_in = ?backoff, "taking a new liveness key failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        };
        key.store(session.key, Ordering::Release);
    }
}
