//! The embedded SQLite store (rusqlite, bundled SQLite).
//!
//! One writer connection serialises writes, as SQLite allows only one writer at a time;
//! reads use a bounded pool of extra connections (waiters wait for one), which WAL mode lets
//! run beside the writer.
//! Every call runs on tokio's blocking pool so the async runtime never waits on disk.
//! `synchronous = NORMAL` in WAL mode: a committed transaction survives a killed process
//! (the WAL is written before commit returns); only an operating-system crash or power loss
//! can lose the last commits.

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
mod functions;
mod import_batch;
mod import_contacts;
mod imports;
mod listing;
mod sites;
mod staging;
mod syncs;

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::{Connection, Transaction};

use super::{StoreError, StoreResult};
use crate::domain::clock::{Clock, Timestamp};

/// Schema versions, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_foundation.sql"),
    include_str!("../../../migrations/sqlite/0002_pipeline.sql"),
    include_str!("../../../migrations/sqlite/0003_membership_without_fk_checks.sql"),
    include_str!("../../../migrations/sqlite/0004_staged_rows_by_rowid.sql"),
    include_str!("../../../migrations/sqlite/0005_contact_fields.sql"),
    include_str!("../../../migrations/sqlite/0006_imports.sql"),
    include_str!("../../../migrations/sqlite/0007_exports.sql"),
    include_str!("../../../migrations/sqlite/0008_sync_leases.sql"),
    include_str!("../../../migrations/sqlite/0009_token_grants.sql"),
    include_str!("../../../migrations/sqlite/0010_accounts.sql"),
    include_str!("../../../migrations/sqlite/0011_custom_objects.sql"),
    include_str!("../../../migrations/sqlite/0012_account_lists.sql"),
    include_str!("../../../migrations/sqlite/0013_custom_object_records.sql"),
    include_str!("../../../migrations/sqlite/0014_definition_record_types.sql"),
    include_str!("../../../migrations/sqlite/0015_email_addresses.sql"),
    include_str!("../../../migrations/sqlite/0016_activities.sql"),
    include_str!("../../../migrations/sqlite/0017_contact_accounts.sql"),
];

/// Read connections: twice the cores (reads are short and mostly CPU), at least 2 and at
/// most 8 (each holds its own page cache, see [`READER_CACHE_KIB`]).
fn readers() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    (cores * 2).clamp(2, 8)
}

/// The SQLite store.
pub struct SqliteStore {
    /// Taken in arrival order (tokio's mutex is fair), so a sync's batches are not starved by
    /// a stream of uploads.
    writer: Arc<tokio::sync::Mutex<Connection>>,
    /// Idle read connections; at most [`readers`] exist, each opened once and reused.
    readers: Arc<Mutex<Vec<Connection>>>,
    /// One permit per read connection: a read beyond them waits here, off the blocking pool,
    /// instead of opening a connection of its own (which made reads slower as clients grew).
    read_permits: Arc<tokio::sync::Semaphore>,
    /// Read connections opened so far (never more than [`readers`]).
    readers_opened: Arc<std::sync::atomic::AtomicUsize>,
    path: Arc<Path>,
    clock: Arc<dyn Clock>,
}

impl crate::store::Store for SqliteStore {}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating the file and its directory when missing) and migrates the store.
    ///
    /// # Errors
    /// When the file cannot be opened or a migration fails.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating data directory {}", dir.display()))?;
        }
        let mut writer = connect_with_cache(path, WRITER_CACHE_KIB)
            .with_context(|| format!("opening {}", path.display()))?;
        migrate(&mut writer).context("migrating the SQLite store")?;
        Ok(Self {
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            read_permits: Arc::new(tokio::sync::Semaphore::new(readers())),
            readers_opened: Arc::default(),
            path: path.into(),
            clock,
        })
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs `work` in one write transaction on the blocking pool.
    async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.write_with(work).await
    }

    /// [`Self::write`] for work with its own error type; an error rolls everything back.
    async fn write_with<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let mut conn = Arc::clone(&self.writer).lock_owned().await;
        let joined = tokio::task::spawn_blocking(move || {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let value = work(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(value)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(e) => Err(StoreError::Other(anyhow::anyhow!("store task failed: {e}")).into()),
        }
    }

    /// Runs `work` on a read connection on the blocking pool.
    async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let permit = Arc::clone(&self.read_permits)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(anyhow::anyhow!("read pool closed: {e}")))?;
        let readers = Arc::clone(&self.readers);
        let opened = Arc::clone(&self.readers_opened);
        let path = Arc::clone(&self.path);
        run_blocking(move || {
            let _permit = permit;
            let pooled = readers.lock().ok().and_then(|mut pool| pool.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => {
                    let conn = connect(&path)?;
                    opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    conn
                }
            };
            let result = work(&conn);
            // Holding a permit, this is one of at most `readers()` connections.
            if let Ok(mut pool) = readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
    }
}

async fn run_blocking<T, F>(work: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> StoreResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("store task failed: {e}")))?
}

/// Page cache of the writer, in KiB: the default 2 MB made large loads several times slower.
const WRITER_CACHE_KIB: i64 = 256 * 1024;
/// Page cache of each reader, in KiB: reads are pages of results and lookups by key, and
/// eight readers with the writer's cache would cost two GiB of memory.
const READER_CACHE_KIB: i64 = 16 * 1024;

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    connect_with_cache(path, READER_CACHE_KIB)
}

fn connect_with_cache(path: &Path, cache_kib: i64) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    functions::register(&conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Checkpoints every 64 MiB of WAL rather than 4 MiB: each one syncs the database file,
    // and a sync's many batch commits would otherwise pay for one every few batches.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA wal_autocheckpoint = 16384;",
    )?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let done: usize = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if done > MIGRATIONS.len() {
        anyhow::bail!(
            "the database is at schema version {done}, newer than this build knows ({}); upgrade Loquat",
            MIGRATIONS.len()
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {}", index + 1))?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
