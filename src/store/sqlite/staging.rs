//! Staging uploads on SQLite: one transaction per file, rows inserted while the body is
//! decoded, so nothing is half-staged and memory stays at the body plus one row.

use rusqlite::{Transaction, params};

use super::error;
use super::syncs::{insert_sync, load_sync};
use crate::domain::clock::Timestamp;
use crate::store::definitions::{StoredKind, SyncActions, exists_sql};
use crate::store::sql_text::Backend;
use crate::store::{NewSync, StageError, Staged, StoreError, StoreResult, Upload};
use crate::upload::{DecodeFailure, FileSummary, RowValue, decode};

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
    let size = upload.body.len() as u64;
    let limits = (upload.max_files, upload.site_quota_bytes);
    check_room::<SyncActions>(tx, site_id, upload.definition_id, limits, size)?;
    tx.execute(
        "INSERT INTO staged_files (site_id, definition_id, row_count, bytes, created_at) VALUES (?1, ?2, 0, ?3, ?4)",
        params![site_id, upload.definition_id, i64::try_from(size).unwrap_or(i64::MAX), now.as_nanos()],
    )?;
    let file_id = tx.last_insert_rowid();
    let summary = insert_rows(tx, file_id, upload)?;
    complete::<SyncActions>(
        tx,
        site_id,
        upload.definition_id,
        file_id,
        &summary,
        upload.trigger.as_ref(),
        now,
    )
}

/// Refuses an upload of `size` bytes to definition `id` of kind `K` of `site_id` when the
/// definition already holds `max_files` unsynced files, or when the site's staged bytes
/// would pass `quota` (`limits` is both).
pub(super) fn check_room<K: StoredKind>(
    tx: &Transaction<'_>,
    site_id: i64,
    id: i64,
    (max_files, quota): (u32, u64),
    size: u64,
) -> Result<(), StageError> {
    let exists = Backend::Sqlite.placeholders(&exists_sql::<K>());
    tx.query_row(&exists, params![site_id, id], |_| Ok(()))?;
    let files_table = K::STAGED_FILES.ok_or(StoreError::NotFound)?;
    let files: i64 = tx.query_row(
        &format!("SELECT COUNT(*) FROM {files_table} WHERE definition_id = ?1 AND sync_id IS NULL"),
        [id],
        |r| r.get(0),
    )?;
    if files >= i64::from(max_files) {
        return Err(StageError::TooManyFiles);
    }
    let used = site_staged_bytes(tx, site_id)?;
    if u64::try_from(used).unwrap_or(0).saturating_add(size) > quota {
        return Err(StageError::QuotaExceeded);
    }
    Ok(())
}

/// Records staged file `file_id`'s rows and ignored columns, and creates the sync the upload
/// triggers, if any.
pub(super) fn complete<K: StoredKind>(
    tx: &Transaction<'_>,
    site_id: i64,
    definition_id: i64,
    file_id: i64,
    summary: &FileSummary,
    trigger: Option<&NewSync>,
    now: Timestamp,
) -> Result<Staged, StageError> {
    let files_table = K::STAGED_FILES.ok_or(StoreError::NotFound)?;
    let ignored =
        serde_json::to_string(&summary.ignored_columns).map_err(|e| StoreError::Other(e.into()))?;
    tx.execute(
        &format!("UPDATE {files_table} SET row_count = ?2, ignored_columns = ?3 WHERE id = ?1"),
        params![
            file_id,
            i64::try_from(summary.rows).unwrap_or(i64::MAX),
            ignored
        ],
    )?;
    let sync = match trigger {
        Some(new) => {
            let id = insert_sync(tx, site_id, K::SYNC, definition_id, new, now)?;
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

/// Rows per multi-row `INSERT`: fewer statement executions, measured ~25% faster than one
/// row per statement.
const ROWS_PER_INSERT: usize = 64;

/// The first row key of a file: `(file_id << 32) | position`.
pub(super) fn row_key(file_id: i64, seq: u64) -> i64 {
    (file_id << 32) | i64::try_from(seq & 0xFFFF_FFFF).unwrap_or(0)
}

/// Rows decoded but not yet inserted; values are copied out of the decoder's buffers.
struct Pending {
    text: String,
    /// Kind, then where the trimmed value and (when different) the raw text lie in `text`.
    rows: Vec<(i64, Option<Span>, Option<Span>)>,
}

/// A byte range of [`Pending::text`].
type Span = (usize, usize);

impl Pending {
    /// Copies `text` in; returns where it lies.
    fn push(&mut self, text: &str) -> (usize, usize) {
        let start = self.text.len();
        self.text.push_str(text);
        (start, self.text.len())
    }
}

fn insert_rows(
    tx: &Transaction<'_>,
    file_id: i64,
    upload: &Upload,
) -> Result<crate::upload::FileSummary, StageError> {
    let values = vec!["(?, ?, ?, ?)"; ROWS_PER_INSERT].join(", ");
    let mut full = tx.prepare_cached(&format!(
        "INSERT INTO staged_rows (id, kind, value, raw) VALUES {values}"
    ))?;
    let mut single =
        tx.prepare_cached("INSERT INTO staged_rows (id, kind, value, raw) VALUES (?, ?, ?, ?)")?;
    let mut pending = Pending {
        text: String::with_capacity(ROWS_PER_INSERT * 32),
        rows: Vec::with_capacity(ROWS_PER_INSERT),
    };
    let mut seq: u64 = 0;
    let flush = |pending: &mut Pending,
                 first: u64,
                 statement: &mut rusqlite::CachedStatement<'_>|
     -> rusqlite::Result<()> {
        for (i, (kind, value, raw)) in pending.rows.iter().enumerate() {
            let key = row_key(file_id, first + i as u64);
            statement.raw_bind_parameter(4 * i + 1, key)?;
            statement.raw_bind_parameter(4 * i + 2, kind)?;
            statement.raw_bind_parameter(4 * i + 3, value.map(|(a, b)| &pending.text[a..b]))?;
            statement.raw_bind_parameter(4 * i + 4, raw.map(|(a, b)| &pending.text[a..b]))?;
        }
        statement.raw_execute()?;
        pending.text.clear();
        pending.rows.clear();
        Ok(())
    };
    let result = decode(
        upload.format,
        &upload.body,
        &upload.column,
        |row: RowValue<'_>| {
            let entry = match row {
                // Identifiers match after trimming; trimming once here keeps the join plain.
                // The text as uploaded is kept too when trimming changed it, for rejects.
                RowValue::Value(v) if !v.trim().is_empty() => {
                    let value = pending.push(v.trim());
                    let raw = (v.len() != v.trim().len()).then(|| pending.push(v));
                    (KIND_VALUE, Some(value), raw)
                }
                RowValue::Value(v) => (KIND_MISSING, None, Some(pending.push(v))),
                RowValue::Missing => (KIND_MISSING, None, None),
                RowValue::Empty => (KIND_EMPTY, None, None),
            };
            pending.rows.push(entry);
            seq += 1;
            if pending.rows.len() == ROWS_PER_INSERT {
                flush(&mut pending, seq - ROWS_PER_INSERT as u64, &mut full)?;
            }
            Ok::<(), rusqlite::Error>(())
        },
    );
    let summary = match result {
        Ok(summary) => summary,
        Err(DecodeFailure::Malformed(e)) => return Err(StageError::Malformed(e)),
        Err(DecodeFailure::Sink(e)) => return Err(StageError::Store(error::map(e))),
    };
    let first = seq - pending.rows.len() as u64;
    let rest: Vec<_> = pending.rows.drain(..).collect();
    for (i, (kind, value, raw)) in rest.into_iter().enumerate() {
        let text = |span: Option<(usize, usize)>| span.map(|(a, b)| pending.text[a..b].to_owned());
        single.execute(rusqlite::params![
            row_key(file_id, first + i as u64),
            kind,
            text(value),
            text(raw)
        ])?;
    }
    Ok(summary)
}

/// The condition on a staging file `f` (sync action or import) that it still occupies space:
/// not yet taken by a sync, or taken by one still running. A finished sync's files are being
/// released and no longer count.
pub(super) const LIVE_FILE: &str = "(f.sync_id IS NULL OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active')))";

/// Bytes a site has staged (sync actions and imports), counted against its quota.
pub(super) fn site_staged_bytes(tx: &Transaction<'_>, site_id: i64) -> StoreResult<i64> {
    let sql = format!(
        "SELECT (SELECT COALESCE(SUM(f.bytes), 0) FROM staged_files f WHERE f.site_id = ?1 AND {LIVE_FILE})
              + (SELECT COALESCE(SUM(f.bytes), 0) FROM import_files f WHERE f.site_id = ?1 AND {LIVE_FILE})"
    );
    tx.query_row(&sql, [site_id], |r| r.get(0))
        .map_err(error::map)
}

/// Deletes the files `file_ids` (their rows go by trigger).
pub(super) fn delete_files(tx: &Transaction<'_>, file_ids: &[i64]) -> StoreResult<()> {
    let mut files = tx.prepare_cached("DELETE FROM staged_files WHERE id = ?1")?;
    for id in file_ids {
        files.execute([id])?;
    }
    Ok(())
}

/// Ids of the files a query selects (bound parameters only).
pub(super) fn file_ids(
    tx: &Transaction<'_>,
    sql: &str,
    args: impl rusqlite::Params,
) -> StoreResult<Vec<i64>> {
    let mut stmt = tx.prepare(sql)?;
    let ids = stmt
        .query_map(args, |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}
