//! Staging uploads on SQLite: one transaction per file, rows inserted while the body is
//! decoded, so nothing is half-staged and memory stays at the body plus one row.

use rusqlite::{OptionalExtension, Transaction, params};

use super::error;
use super::syncs::{insert_sync, load_sync};
use crate::domain::clock::Timestamp;
use crate::store::{StageError, Staged, StoreError, StoreResult, Upload};
use crate::upload::{DecodeFailure, RowValue, decode};

/// Row kinds in `staged_rows.kind`.
pub(super) const KIND_VALUE: i64 = 0;
pub(super) const KIND_MISSING: i64 = 1;
pub(super) const KIND_EMPTY: i64 = 2;

/// Stages `upload` inside `tx`; any error leaves the transaction to roll back.
pub(super) fn stage(
    tx: &Transaction<'_>,
    site_id: i64,
    upload: &Upload,
    now: Timestamp,
) -> Result<Staged, StageError> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM sync_action_definitions WHERE site_id = ?1 AND id = ?2",
            params![site_id, upload.definition_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(error::map)?;
    if found.is_none() {
        return Err(StoreError::NotFound.into());
    }
    let files: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM staged_files WHERE definition_id = ?1 AND sync_id IS NULL",
            [upload.definition_id],
            |r| r.get(0),
        )
        .map_err(error::map)?;
    if files >= i64::from(upload.max_files) {
        return Err(StageError::TooManyFiles);
    }
    let used: i64 = tx
        .query_row(
            "SELECT COALESCE(SUM(bytes), 0) FROM staged_files WHERE site_id = ?1",
            [site_id],
            |r| r.get(0),
        )
        .map_err(error::map)?;
    let size = upload.body.len() as u64;
    if u64::try_from(used).unwrap_or(0).saturating_add(size) > upload.site_quota_bytes {
        return Err(StageError::QuotaExceeded);
    }
    tx.execute(
        "INSERT INTO staged_files (site_id, definition_id, row_count, bytes, created_at) VALUES (?1, ?2, 0, ?3, ?4)",
        params![site_id, upload.definition_id, i64::try_from(size).unwrap_or(i64::MAX), now.as_nanos()],
    )
    .map_err(error::map)?;
    let file_id = tx.last_insert_rowid();
    let summary = insert_rows(tx, file_id, upload)?;
    let ignored =
        serde_json::to_string(&summary.ignored_columns).map_err(|e| StoreError::Other(e.into()))?;
    tx.execute(
        "UPDATE staged_files SET row_count = ?2, ignored_columns = ?3 WHERE id = ?1",
        params![
            file_id,
            i64::try_from(summary.rows).unwrap_or(i64::MAX),
            ignored
        ],
    )
    .map_err(error::map)?;
    let sync = match &upload.trigger {
        Some(new) => {
            let id = insert_sync(tx, site_id, upload.definition_id, new, now)?;
            Some(load_sync(tx, site_id, id)?)
        }
        None => None,
    };
    Ok(Staged {
        file_id,
        rows: summary.rows,
        sync,
    })
}

fn insert_rows(
    tx: &Transaction<'_>,
    file_id: i64,
    upload: &Upload,
) -> Result<crate::upload::FileSummary, StageError> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO staged_rows (file_id, seq, kind, value) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(error::map)?;
    let mut seq: i64 = 0;
    let result = decode(
        upload.format,
        &upload.body,
        &upload.column,
        |row: RowValue<'_>| {
            let (kind, value) = match row {
                RowValue::Value(v) => (KIND_VALUE, Some(v)),
                RowValue::Missing => (KIND_MISSING, None),
                RowValue::Empty => (KIND_EMPTY, None),
            };
            insert.execute(params![file_id, seq, kind, value])?;
            seq += 1;
            Ok::<(), rusqlite::Error>(())
        },
    );
    match result {
        Ok(summary) => Ok(summary),
        Err(DecodeFailure::Malformed(e)) => Err(StageError::Malformed(e)),
        Err(DecodeFailure::Sink(e)) => Err(StageError::Store(error::map(e))),
    }
}

/// Deletes the rows and records of `file_ids`.
pub(super) fn delete_files(tx: &Transaction<'_>, file_ids: &[i64]) -> StoreResult<()> {
    let mut rows = tx
        .prepare_cached("DELETE FROM staged_rows WHERE file_id = ?1")
        .map_err(error::map)?;
    let mut files = tx
        .prepare_cached("DELETE FROM staged_files WHERE id = ?1")
        .map_err(error::map)?;
    for id in file_ids {
        rows.execute([id]).map_err(error::map)?;
        files.execute([id]).map_err(error::map)?;
    }
    Ok(())
}

/// Ids of the files a query selects (bound parameters only).
pub(super) fn file_ids(
    tx: &Transaction<'_>,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<i64>> {
    let mut stmt = tx.prepare(sql).map_err(error::map)?;
    let ids = stmt
        .query_map(args, |r| r.get(0))
        .map_err(error::map)?
        .collect::<rusqlite::Result<Vec<i64>>>()
        .map_err(error::map)?;
    Ok(ids)
}
