//! Persistence behind one trait, [`Store`], so the API and engine never see SQL.
//!
//! Every call that touches tenant data takes the caller's site id; a record of another site
//! is reported exactly like a record that does not exist ([`StoreError::NotFound`]).
//! Backends: SQLite (embedded, the default) and PostgreSQL (shared by several nodes).
//! [`open`] picks one from a URL or a data directory.

mod accounts;
mod asset_methods;
#[cfg(test)]
mod conformance;
mod contacts;
mod custom_objects;
mod definitions;
mod exports;
mod fields;
mod filter_sql;
mod imports;
mod listing;
mod sites;
mod sql_text;
mod syncs;

use std::path::Path;
use std::sync::Arc;

pub use accounts::{AccountListStore, AccountPage, AccountStore};
pub use contacts::{
    AppCloudStore, AssetListings, AssetStore, ContactSearch, ContactStore, SubscriptionCounts,
};
pub use custom_objects::{CustomObjectPage, CustomObjectRecordStore, CustomObjectStore};
pub use definitions::{
    DefinitionRecord, DefinitionRecordOf, DefinitionStore, Exports, Imports, Record, StoredKind,
    SyncActions, create_sync, definitions,
};
pub use exports::{ExportPage, ExportRecord, ExportStore};
pub use fields::FieldStore;
pub use imports::{ImportCounts, ImportRecord, ImportStore, ImportUpload};
pub use sites::{NewToken, NewUser, SiteStore, TokenGrant};
pub use syncs::{
    BatchCounts, DueCallback, LEASE_LOST, NewSync, RowRange, StageError, Staged, StagedFiles,
    SweepReport, SyncFile, SyncJob, SyncStore, Upload, batches,
};

use crate::domain::clock::Clock;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or belongs to another site).
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule was broken; `constraint` names it.
    #[error("conflict on {constraint}")]
    Conflict {
        /// The broken rule, e.g. `contacts_email`.
        constraint: &'static str,
    },
    /// The store is busy or unreachable right now; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a broken database.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// All matches, when the query asked for a count.
    pub total: Option<u64>,
    /// Whether items follow this page.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// A page from the rows fetched for it. With a `total`, `has_more` follows from it;
    /// without one, the rows were fetched one past `limit` so that the extra row tells.
    pub fn assemble(mut items: Vec<T>, limit: u32, offset: u64, total: Option<u64>) -> Self {
        let has_more = match total {
            Some(total) => offset.saturating_add(items.len() as u64) < total,
            None => items.len() > limit as usize,
        };
        items.truncate(limit as usize);
        Self {
            items,
            total,
            has_more,
        }
    }
}

/// Everything Loquat persists; each backend declares it implements every part
/// (`impl Store for SqliteStore {}`).
pub trait Store:
    SiteStore
    + ContactStore
    + AssetStore
    + AssetListings
    + AppCloudStore
    + DefinitionStore<SyncActions>
    + DefinitionStore<Imports>
    + DefinitionStore<Exports>
    + SyncStore
    + FieldStore
    + CustomObjectStore
    + CustomObjectRecordStore
    + AccountStore
    + AccountListStore
    + ImportStore
    + ExportStore
{
}

/// Where the data lives, chosen by [`open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Backend {
    /// Chooses the backend: an explicit `database` URL wins; otherwise `loquat.db` in `data_dir`.
    ///
    /// # Errors
    /// When the URL scheme is not one Loquat knows.
    pub fn choose(database: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        match database {
            None => Ok(Self::Sqlite(data_dir.join("loquat.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) => match url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
            {
                Some(path) => Ok(Self::Sqlite(path.into())),
                None => anyhow::bail!(
                    "unknown database URL scheme in {:?}: use sqlite:PATH or postgres://…",
                    redact(url)
                ),
            },
        }
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens (creating and migrating when needed) the store `backend` names; a PostgreSQL store
/// keeps up to `pool_size` connections.
///
/// # Errors
/// When the database cannot be opened or migrated, or this build lacks the backend.
pub async fn open(
    backend: &Backend,
    clock: Arc<dyn Clock>,
    pool_size: usize,
) -> anyhow::Result<Arc<dyn Store>> {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite(path) => {
            let _ = pool_size;
            Ok(Arc::new(sqlite::SqliteStore::open(path, clock)?))
        }
        #[cfg(not(feature = "sqlite"))]
        Backend::Sqlite(_) => {
            let _ = (clock, pool_size);
            anyhow::bail!("this build has no SQLite support; rebuild with `--features sqlite`")
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres(url) => Ok(Arc::new(
            postgres::PostgresStore::connect(url, pool_size, clock).await?,
        )),
        #[cfg(not(feature = "postgres"))]
        Backend::Postgres(url) => {
            let _ = (clock, pool_size);
            anyhow::bail!(
                "this build has no PostgreSQL support (asked for {}); rebuild with `--features postgres`",
                redact(url)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_from_urls() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn chooses_sqlite_in_the_data_dir_by_default() {
        let backend = Backend::choose(None, Path::new("/d")).unwrap();
        assert_eq!(backend, Backend::Sqlite("/d/loquat.db".into()));
        assert!(Backend::choose(Some("mysql://x"), Path::new("/d")).is_err());
    }
}
