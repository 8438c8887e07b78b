//! Definitions of every kind on SQLite: the generic operations over a
//! [`StoredKind`] (see [`crate::store::definitions`]), and sync action definitions' store.

use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use super::SqliteStore;
use super::listing::{page, values};
use super::syncs::{insert_sync, load_sync};
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::domain::record_type::RecordType;
use crate::domain::sync::SyncRecord;
use crate::store::definitions::{self as kinds, DefinitionStore, Record, StoredKind};
use crate::store::sql_text::{Backend, SqlValue};
use crate::store::{NewSync, Page, StoreError, StoreResult};

/// Shared statement text in SQLite's placeholders.
fn sql(text: &str) -> String {
    Backend::Sqlite.placeholders(text)
}

/// Definition `id` of kind `K` of `site_id`.
pub(super) fn load<K: StoredKind>(
    conn: &Connection,
    site_id: i64,
    id: i64,
) -> StoreResult<Record<K>> {
    let mut stmt = conn.prepare_cached(&sql(&kinds::load_sql::<K>()))?;
    let mut rows = stmt.query(params![site_id, id])?;
    let row = rows.next()?.ok_or(StoreError::NotFound)?;
    kinds::record::<K>(row)
}

/// `$1` site, `$2…` the definition's columns, then who and when (the insert's and update's
/// parameters after the site, with the update's id before the columns).
fn bound<K: StoredKind>(
    keys: &[i64],
    definition: &K::Definition,
    by: &str,
    now: i64,
) -> Vec<rusqlite::types::Value> {
    let keys = keys.iter().map(|&k| SqlValue::Int(Some(k)));
    let audit = [
        SqlValue::Text(Some(by.to_owned())),
        SqlValue::Int(Some(now)),
    ];
    values(keys.chain(kinds::encoded::<K>(definition)).chain(audit))
}

/// Creates a pending sync of definition `id` of kind `K`, owning its staged files.
pub(super) fn create_sync<K: StoredKind>(
    tx: &Transaction<'_>,
    site_id: i64,
    id: i64,
    new: &NewSync,
    now: crate::domain::clock::Timestamp,
) -> StoreResult<SyncRecord> {
    tx.query_row(
        &sql(&kinds::typed_exists_sql::<K>()),
        params![site_id, id, new.record_type.segment],
        |_| Ok(()),
    )?;
    let sync_id = insert_sync(tx, site_id, K::SYNC, id, new, now)?;
    load_sync(tx, site_id, sync_id)
}

#[async_trait::async_trait]
impl<K: StoredKind> DefinitionStore<K> for SqliteStore {
    /// Stores a new definition of kind `K`.
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &K::Definition,
    ) -> StoreResult<Record<K>> {
        let params = bound::<K>(&[site_id], definition, by, self.now().as_nanos());
        self.write(move |tx| {
            let insert = sql(&kinds::insert_sql::<K>());
            let id = tx.query_row(&insert, params_from_iter(params), |r| r.get(0))?;
            load::<K>(tx, site_id, id)
        })
        .await
    }

    /// One definition of kind `K`.
    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<Record<K>> {
        self.read(move |conn| load::<K>(conn, site_id, id)).await
    }

    /// Replaces a definition of kind `K`.
    async fn replace_definition(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &K::Definition,
    ) -> StoreResult<Record<K>> {
        let params = bound::<K>(&[site_id, id], definition, by, self.now().as_nanos());
        self.write(move |tx| {
            if tx.execute(&sql(&kinds::update_sql::<K>()), params_from_iter(params))? == 0 {
                return Err(StoreError::NotFound);
            }
            load::<K>(tx, site_id, id)
        })
        .await
    }

    /// Deletes a definition of kind `K` with its staged files.
    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            let mut removed = 0;
            for statement in kinds::delete_sql::<K>() {
                removed = tx.execute(&sql(&statement), params![site_id, id])?;
            }
            if removed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    /// A page of definitions of kind `K`.
    async fn list_definitions(
        &self,
        site_id: i64,
        record_type: Option<&'static RecordType>,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<Record<K>>> {
        let query = query.clone();
        self.read(move |conn| {
            let select = kinds::select::<K>();
            let listing = kinds::listing(&select, record_type);
            page(&listing, conn, site_id, &query, |row| {
                kinds::record::<K>(row)
            })
        })
        .await
    }

    /// Discards the unsynced staged files of a definition of kind `K`;
    /// `Conflict { constraint: "sync_in_progress" }` while a sync of it runs.
    async fn discard_staged(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            tx.query_row(
                &sql(&kinds::exists_sql::<K>()),
                params![site_id, id],
                |_| Ok(()),
            )?;
            let Some([busy, delete]) = kinds::discard_sql::<K>() else {
                return Ok(());
            };
            if tx
                .query_row(&sql(&busy), [id], |_| Ok(()))
                .optional()?
                .is_some()
            {
                return Err(StoreError::Conflict {
                    constraint: "sync_in_progress",
                });
            }
            tx.execute(&sql(&delete), [id])?;
            Ok(())
        })
        .await
    }

    /// Creates a pending sync of a definition of kind `K`.
    async fn create_sync(&self, site_id: i64, id: i64, sync: NewSync) -> StoreResult<SyncRecord> {
        let now = self.now();
        self.write(move |tx| create_sync::<K>(tx, site_id, id, &sync, now))
            .await
    }
}
