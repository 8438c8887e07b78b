//! Definitions of every kind, described once for both backends.
//!
//! Sync action, import and export definitions are stored alike: one table per kind with the
//! site, the definition's own columns, and the audit columns; some kinds also stage uploads in
//! a table of files that a sync takes over. A [`StoredKind`] describes one kind:
//! - its table and, when it stages data, its staged-files table (whose bytes make `kb_used`);
//! - the [`SyncKind`] of its syncs;
//! - the columns a definition is written to and [`StoredKind::encode`] giving their values;
//! - the columns read back and [`StoredKind::decode`] rebuilding the definition from them.
//!
//! From a description, this module writes every statement (create, get, replace, delete, list
//! and the check before creating a sync) in `$n` placeholders, and [`record`] decodes a row;
//! each backend runs them with one generic function per operation (`sqlite::definitions`,
//! `postgres::definitions`) implementing [`DefinitionStore`] for every kind at once.
//!
//! A new kind (accounts, custom objects, …) is a migration for its table on both backends, one
//! more [`StoredKind`] here and a [`SyncKind`] variant; its CRUD, listing, syncs and
//! discards come with them.

mod kinds;
mod statements;

pub(crate) use kinds::staged_files;
pub use kinds::{Exports, Imports, SyncActions};
pub(crate) use statements::{
    claim_files_sql, delete_sql, discard_sql, encoded, exists_sql, insert_sql, listing, load_sql,
    record, select, typed_exists_sql, update_sql,
};

use async_trait::async_trait;

use super::sql_text::{SqlValue, StoredRow};
use super::{NewSync, Page, Store, StoreResult};
use crate::domain::asset::Audit;
use crate::domain::definition::SyncActionDefinition;
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::domain::record_type::RecordType;
use crate::domain::sync::{SyncKind, SyncRecord};

/// A stored sync action definition.
pub type DefinitionRecord = DefinitionRecordOf<SyncActionDefinition>;

/// A stored definition of any kind with what the server adds to it.
#[derive(Debug, Clone)]
pub struct DefinitionRecordOf<D> {
    /// Store id (`/contacts/syncActions/{id}`, `/contacts/imports/{id}`).
    pub id: i64,
    /// The record type it belongs to (its URI's first segment).
    pub record_type: &'static RecordType,
    /// The validated definition.
    pub definition: D,
    /// KB of staged data.
    pub kb_used: i64,
    /// Creation and change.
    pub audit: Audit,
}

/// Persistence of the definitions of kind `K`: one trait for every kind, each backend
/// implementing it once for all kinds. Reach it on a `dyn Store` with [`definitions`].
#[async_trait]
pub trait DefinitionStore<K: StoredKind>: Send + Sync {
    /// Stores a new definition.
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &K::Definition,
    ) -> StoreResult<Record<K>>;
    /// One definition, of whichever record type (callers serving one record type's routes
    /// check [`DefinitionRecordOf::record_type`]).
    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<Record<K>>;
    /// Replaces a definition (PUT).
    async fn replace_definition(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &K::Definition,
    ) -> StoreResult<Record<K>>;
    /// Deletes a definition with its staged data.
    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of definitions of `record_type`, or of every record type.
    async fn list_definitions(
        &self,
        site_id: i64,
        record_type: Option<&'static RecordType>,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<Record<K>>>;
    /// Creates a pending sync of definition `id` of `sync.record_type`, owning its staged files.
    async fn create_sync(&self, site_id: i64, id: i64, sync: NewSync) -> StoreResult<SyncRecord>;
    /// Discards the definition's unsynced uploads (nothing for kinds that stage none);
    /// `Conflict { constraint: "sync_in_progress" }` while a sync of it runs.
    async fn discard_staged(&self, site_id: i64, id: i64) -> StoreResult<()>;
}

/// The definitions of kind `K` in `store`.
pub fn definitions<K: StoredKind>(store: &dyn Store) -> &dyn DefinitionStore<K> {
    K::of(store)
}

/// Creates a pending sync of definition `id` of `kind` (the kind a `syncedInstanceUri` names).
pub async fn create_sync(
    store: &dyn Store,
    kind: SyncKind,
    site_id: i64,
    id: i64,
    sync: NewSync,
) -> StoreResult<SyncRecord> {
    match kind {
        SyncKind::SyncAction => {
            definitions::<SyncActions>(store)
                .create_sync(site_id, id, sync)
                .await
        }
        SyncKind::Import => {
            definitions::<Imports>(store)
                .create_sync(site_id, id, sync)
                .await
        }
        SyncKind::Export => {
            definitions::<Exports>(store)
                .create_sync(site_id, id, sync)
                .await
        }
    }
}

/// How one kind of definition is stored (see the module docs).
pub trait StoredKind: Send + Sync + Sized + 'static {
    /// The validated definition.
    type Definition: Clone + Send + Sync + 'static;
    /// `store`'s definitions of this kind (every [`Store`] holds every kind).
    fn of(store: &dyn Store) -> &dyn DefinitionStore<Self>;
    /// Its table (aliased `d` when read).
    const TABLE: &'static str;
    /// The table of its staged files (`definition_id`, `sync_id`, `bytes`), if it stages any.
    const STAGED_FILES: Option<&'static str>;
    /// What its syncs are.
    const SYNC: SyncKind;
    /// The columns [`Self::encode`] gives values for, in order.
    const COLUMNS: &'static [&'static str];
    /// The columns [`Self::decode`] reads, from [`FIRST_OWN`] on.
    const READ: &'static str;
    /// The values of [`Self::COLUMNS`].
    fn encode(definition: &Self::Definition) -> Vec<SqlValue>;
    /// The record type a definition belongs to.
    fn record_type(definition: &Self::Definition) -> &'static RecordType;
    /// Rebuilds a definition from [`Self::READ`]; an error names what no longer parses.
    fn decode(row: &dyn StoredRow) -> StoreResult<Result<Self::Definition, String>>;
}

/// A stored definition of kind `K`.
pub type Record<K> = DefinitionRecordOf<<K as StoredKind>::Definition>;

/// The index of the record type's segment in [`select`]'s rows.
pub(crate) const RECORD_TYPE: usize = 6;
/// The index of a kind's first own column in [`select`]'s rows.
pub(crate) const FIRST_OWN: usize = 7;
