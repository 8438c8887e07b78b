//! Reading and creating sync rows, shared by sync actions, imports and exports.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::domain::clock::Timestamp;
use crate::domain::sync::{SyncKind, SyncRecord, SyncStatus};
use crate::store::definitions::{claim_files_sql, staged_files};
use crate::store::{NewSync, StoreError, StoreResult};

/// Columns [`sync_from`] reads, in order.
pub(super) use crate::store::syncs::SYNC_SELECT;

/// A sync from a row of [`SYNC_SELECT`].
pub(super) fn sync_from(row: &Row) -> StoreResult<SyncRecord> {
    let status: String = row.get(4);
    Ok(SyncRecord {
        id: row.get(0),
        definition_id: row.get(1),
        synced_instance_uri: row.get(2),
        callback_url: row.get(3),
        status: SyncStatus::parse(&status).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("sync has unknown status {status:?}"))
        })?,
        created_by: row.get(5),
        created_at: Timestamp::from_nanos(row.get(6)),
        started_at: row.get::<_, Option<i64>>(7).map(Timestamp::from_nanos),
        ended_at: row.get::<_, Option<i64>>(8).map(Timestamp::from_nanos),
        kind: SyncKind::parse(row.get::<_, &str>(9)).unwrap_or(SyncKind::SyncAction),
    })
}

/// One sync of a site (`NotFound` for another site's).
pub(super) async fn load_sync(
    client: &impl GenericClient,
    site_id: i64,
    id: i64,
) -> StoreResult<SyncRecord> {
    let row = client
        .query_opt(
            &format!("{SYNC_SELECT} WHERE s.site_id = $1 AND s.id = $2"),
            &[&site_id, &id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    sync_from(&row)
}

/// Inserts a pending sync that takes ownership of the definition's staged files.
pub(super) async fn insert_sync(
    client: &impl GenericClient,
    site_id: i64,
    kind: SyncKind,
    definition_id: i64,
    new: &NewSync,
    now: Timestamp,
) -> StoreResult<i64> {
    let id: i64 = client
        .query_one(
            "INSERT INTO syncs (site_id, kind, definition_id, synced_instance_uri, callback_url, status, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id",
            &[
                &site_id,
                &kind.as_str(),
                &definition_id,
                &new.record_type.definition_uri(kind, definition_id),
                &new.callback_url,
                &new.created_by,
                &now.as_nanos(),
            ],
        )
        .await?
        .get(0);
    if let Some(files) = staged_files(kind) {
        let claim = claim_files_sql(files);
        client
            .execute(claim.as_str(), &[&id, &definition_id])
            .await?;
    }
    Ok(id)
}
