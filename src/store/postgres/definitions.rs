//! Definitions of every kind on PostgreSQL: the generic operations over a
//! [`StoredKind`] (see [`crate::store::definitions`]), and sync action definitions' store.

use deadpool_postgres::GenericClient;

use super::PostgresStore;
use super::listing::{Param, page, refs, values};
use super::sync_rows::{insert_sync, load_sync};
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::domain::record_type::RecordType;
use crate::domain::sync::SyncRecord;
use crate::store::definitions::{self as kinds, DefinitionStore, Record, StoredKind};
use crate::store::sql_text::SqlValue;
use crate::store::{NewSync, Page, StoreError, StoreResult};

/// Definition `id` of kind `K` of `site_id`.
pub(super) async fn load<K: StoredKind>(
    client: &impl GenericClient,
    site_id: i64,
    id: i64,
) -> StoreResult<Record<K>> {
    let stmt = client.prepare_cached(&kinds::load_sql::<K>()).await?;
    let row = client
        .query_opt(&stmt, &[&site_id, &id])
        .await?
        .ok_or(StoreError::NotFound)?;
    kinds::record::<K>(&row)
}

/// The keys (site, and id for a replace), the definition's columns, then who and when.
fn bound<K: StoredKind>(
    keys: &[i64],
    definition: &K::Definition,
    by: &str,
    now: i64,
) -> Vec<Param> {
    let keys = keys.iter().map(|&k| SqlValue::Int(Some(k)));
    let audit = [
        SqlValue::Text(Some(by.to_owned())),
        SqlValue::Int(Some(now)),
    ];
    values(keys.chain(kinds::encoded::<K>(definition)).chain(audit))
}

#[async_trait::async_trait]
impl<K: StoredKind> DefinitionStore<K> for PostgresStore {
    /// Stores a new definition of kind `K`.
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &K::Definition,
    ) -> StoreResult<Record<K>> {
        let params = bound::<K>(&[site_id], definition, by, self.now().as_nanos());
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let insert = kinds::insert_sql::<K>();
        let id: i64 = tx.query_one(insert.as_str(), &refs(&params)).await?.get(0);
        let record = load::<K>(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// One definition of kind `K`.
    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<Record<K>> {
        let client = self.client().await?;
        load::<K>(&client, site_id, id).await
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let update = kinds::update_sql::<K>();
        if tx.execute(update.as_str(), &refs(&params)).await? == 0 {
            return Err(StoreError::NotFound);
        }
        let record = load::<K>(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Deletes a definition of kind `K` with its staged files.
    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let mut removed = 0;
        for statement in kinds::delete_sql::<K>() {
            removed = tx.execute(statement.as_str(), &[&site_id, &id]).await?;
        }
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of definitions of kind `K`.
    async fn list_definitions(
        &self,
        site_id: i64,
        record_type: Option<&'static RecordType>,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<Record<K>>> {
        let client = self.client().await?;
        let select = kinds::select::<K>();
        let listing = kinds::listing(&select, record_type);
        page(&listing, &client, site_id, query, |row| {
            kinds::record::<K>(row)
        })
        .await
    }

    /// Discards the unsynced staged files of a definition of kind `K` (a trigger deletes
    /// their rows); `Conflict { constraint: "sync_in_progress" }` while a sync of it runs.
    async fn discard_staged(&self, site_id: i64, id: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let exists = kinds::exists_sql::<K>();
        tx.query_opt(exists.as_str(), &[&site_id, &id])
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some([busy, delete]) = kinds::discard_sql::<K>() else {
            return Ok(());
        };
        if tx.query_opt(busy.as_str(), &[&id]).await?.is_some() {
            return Err(StoreError::Conflict {
                constraint: "sync_in_progress",
            });
        }
        tx.execute(delete.as_str(), &[&id]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a pending sync of a definition of kind `K`, owning its staged files. The
    /// definition is share-locked: it cannot be deleted before the sync exists.
    async fn create_sync(&self, site_id: i64, id: i64, sync: NewSync) -> StoreResult<SyncRecord> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let exists = format!("{} FOR SHARE", kinds::typed_exists_sql::<K>());
        tx.query_opt(exists.as_str(), &[&site_id, &id, &sync.record_type.segment])
            .await?
            .ok_or(StoreError::NotFound)?;
        let sync_id = insert_sync(&tx, site_id, K::SYNC, id, &sync, now).await?;
        let created = load_sync(&tx, site_id, sync_id).await?;
        tx.commit().await?;
        Ok(created)
    }
}
