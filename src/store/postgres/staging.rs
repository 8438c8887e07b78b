//! Staging uploads on PostgreSQL: one transaction per file, rows streamed into a binary COPY
//! while the body is decoded, so nothing is half-staged and memory stays at the body plus a
//! few chunks of rows.
//!
//! Decoding is CPU work on one in-memory body, so it runs on a blocking thread and hands rows
//! over in chunks through a small bounded channel; the async side feeds them to the COPY as
//! they come, so decoding and writing overlap.
//!
//! Several nodes stage at once. The limits (files per definition, bytes per site) are checked
//! before anything is written, so a refused upload costs nothing, and checked again just
//! before the commit under a per-site advisory lock ([`lock_site_staging`]): the recheck of
//! one upload then sees every upload of the site that committed before it, and two uploads
//! cannot both squeeze under a limit. Only the recheck and the commit are serialised; the
//! COPYs of concurrent uploads run in parallel.

use deadpool_postgres::GenericClient;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::sync_rows::{insert_sync, load_sync};
use super::{Client, big, count, error};
use crate::domain::clock::Timestamp;
use crate::domain::sync::SyncKind;
use crate::store::{StageError, Staged, StoreError, StoreResult, Upload};
use crate::upload::{DecodeFailure, FileSummary, RowValue, decode};

/// Row kinds in `staged_rows.kind`.
pub(super) const KIND_VALUE: i16 = 0;
pub(super) const KIND_MISSING: i16 = 1;
pub(super) const KIND_EMPTY: i16 = 2;

/// The condition on a staging file `f` (sync action or import) that it still occupies space:
/// not yet taken by a sync, or taken by one still running. A finished sync's files are being
/// released and no longer count.
pub(super) const LIVE_FILE: &str = "(f.sync_id IS NULL OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active')))";

/// Serialises the limit checks of a site's uploads until the transaction ends: the same
/// advisory lock (keyed by the site id) that import staging takes, so the site quota holds
/// across sync actions and imports. An advisory lock rather than a lock on the site's row,
/// which would block every insert referencing the site (contacts, lists...) meanwhile.
pub(super) async fn lock_site_staging(
    client: &impl GenericClient,
    site_id: i64,
) -> StoreResult<()> {
    client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&site_id])
        .await?;
    Ok(())
}

/// Stages `upload` in one transaction on `client`: all rows or nothing.
pub(super) async fn stage(
    client: &mut Client,
    site_id: i64,
    upload: &Upload,
    now: Timestamp,
) -> Result<Staged, StageError> {
    let tx = client.transaction().await?;
    check_limits(&tx, site_id, upload, 0).await?;
    let size = big(upload.body.len() as u64);
    let file_id: i64 = tx
        .query_one(
            "INSERT INTO staged_files (site_id, definition_id, row_count, bytes, created_at)
             VALUES ($1, $2, 0, $3, $4) RETURNING id",
            &[&site_id, &upload.definition_id, &size, &now.as_nanos()],
        )
        .await
        .map_err(|e| match error::map(e) {
            // The definition was deleted since the check above.
            StoreError::Conflict { .. } => StoreError::NotFound,
            other => other,
        })?
        .get(0);
    let summary = copy_rows(&tx, file_id, upload).await?;
    let ignored =
        serde_json::to_string(&summary.ignored_columns).map_err(|e| StoreError::Other(e.into()))?;
    tx.execute(
        "UPDATE staged_files SET row_count = $2, ignored_columns = $3 WHERE id = $1",
        &[&file_id, &big(summary.rows), &ignored],
    )
    .await?;
    lock_site_staging(&tx, site_id).await?;
    check_limits(&tx, site_id, upload, file_id).await?;
    let sync = match &upload.trigger {
        Some(new) => {
            let id = insert_sync(
                &tx,
                site_id,
                SyncKind::SyncAction,
                upload.definition_id,
                new,
                now,
            )
            .await?;
            Some(load_sync(&tx, site_id, id).await?)
        }
        None => None,
    };
    tx.commit().await?;
    Ok(Staged {
        file_id,
        rows: summary.rows,
        sync,
    })
}

/// Checks that the definition exists and that `upload` fits the limits beside the files
/// already staged, not counting the file `own` (0 before it is written).
async fn check_limits(
    client: &impl GenericClient,
    site_id: i64,
    upload: &Upload,
    own: i64,
) -> Result<(), StageError> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM sync_action_definitions WHERE site_id = $1 AND id = $2),
           (SELECT COUNT(*) FROM staged_files WHERE definition_id = $2 AND sync_id IS NULL AND id <> $3),
           (SELECT COALESCE(SUM(f.bytes), 0) FROM staged_files f WHERE f.site_id = $1 AND f.id <> $3 AND {LIVE_FILE})::bigint
             + (SELECT COALESCE(SUM(f.bytes), 0) FROM import_files f WHERE f.site_id = $1 AND {LIVE_FILE})::bigint"
    );
    let row = client
        .query_one(sql.as_str(), &[&site_id, &upload.definition_id, &own])
        .await?;
    if !row.get::<_, bool>(0) {
        return Err(StoreError::NotFound.into());
    }
    if row.get::<_, i64>(1) >= i64::from(upload.max_files) {
        return Err(StageError::TooManyFiles);
    }
    let used = count(row.get(2));
    if used.saturating_add(upload.body.len() as u64) > upload.site_quota_bytes {
        return Err(StageError::QuotaExceeded);
    }
    Ok(())
}

/// Rows per chunk handed from the decoder to the COPY.
const CHUNK_ROWS: usize = 4096;

/// Chunks in flight between the decoder and the COPY (bounds the memory of a big upload).
const CHUNKS_IN_FLIGHT: usize = 4;

/// Decoded rows on their way to the COPY; values are copied out of the decoder's buffers.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Kind, then where the trimmed value and (when different) the raw text lie in `text`.
    rows: Vec<(i16, Option<Span>, Option<Span>)>,
}

/// A byte range of [`Chunk::text`].
type Span = (usize, usize);

impl Chunk {
    /// Copies `text` in; returns where it lies.
    fn push(&mut self, text: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(text);
        (start, self.text.len())
    }

    fn text(&self, span: Option<Span>) -> Option<&str> {
        span.map(|(a, b)| &self.text[a..b])
    }
}

/// The COPY went away (it failed); decoding stops.
struct Closed;

/// Streams the rows of `upload` into `staged_rows` as file `file_id`.
async fn copy_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    file_id: i64,
    upload: &Upload,
) -> Result<FileSummary, StageError> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let (format, body, column) = (upload.format, upload.body.clone(), upload.column.clone());
    let decoder = tokio::task::spawn_blocking(move || decode_chunks(format, &body, &column, &send));
    let sink = tx
        .copy_in("COPY staged_rows (file_id, seq, kind, value, raw) FROM STDIN BINARY")
        .await?;
    let writer = BinaryCopyInWriter::new(
        sink,
        &[Type::INT8, Type::INT8, Type::INT2, Type::TEXT, Type::TEXT],
    );
    let mut writer = std::pin::pin!(writer);
    let mut seq: i64 = 0;
    // Returning early (the COPY failed) drops `receive`, which stops the decoder.
    while let Some(chunk) = receive.recv().await {
        for (kind, value, raw) in &chunk.rows {
            let (value, raw) = (chunk.text(*value), chunk.text(*raw));
            writer
                .as_mut()
                .write(&[&file_id, &seq, kind, &value, &raw])
                .await?;
            seq += 1;
        }
    }
    let summary = match decoder.await {
        Ok(Ok(summary)) => summary,
        Ok(Err(DecodeFailure::Malformed(e))) => return Err(StageError::Malformed(e)),
        Ok(Err(DecodeFailure::Sink(Closed))) => {
            return Err(StoreError::Other(anyhow::anyhow!("staging stopped early")).into());
        }
        Err(join) => return Err(StoreError::Other(join.into()).into()),
    };
    // An upload that turned out malformed never gets here: dropping the writer aborts the COPY.
    writer.as_mut().finish().await?;
    Ok(summary)
}

/// Decodes `body` into chunks sent on `send` (runs on a blocking thread).
fn decode_chunks(
    format: crate::upload::Format,
    body: &[u8],
    column: &str,
    send: &tokio::sync::mpsc::Sender<Chunk>,
) -> Result<FileSummary, DecodeFailure<Closed>> {
    let fresh = || Chunk {
        text: String::with_capacity(CHUNK_ROWS * 32),
        rows: Vec::with_capacity(CHUNK_ROWS),
    };
    let mut chunk = fresh();
    let summary = decode(format, body, column, |row: RowValue<'_>| {
        let entry = match row {
            // Identifiers match after trimming; trimming once here keeps the join plain.
            // The text as uploaded is kept too when trimming changed it, for rejects.
            RowValue::Value(v) if !v.trim().is_empty() => {
                let value = chunk.push(v.trim());
                let raw = (v.len() != v.trim().len()).then(|| chunk.push(v));
                (KIND_VALUE, Some(value), raw)
            }
            RowValue::Value(v) => (KIND_MISSING, None, Some(chunk.push(v))),
            RowValue::Missing => (KIND_MISSING, None, None),
            RowValue::Empty => (KIND_EMPTY, None, None),
        };
        chunk.rows.push(entry);
        if chunk.rows.len() == CHUNK_ROWS {
            send.blocking_send(std::mem::replace(&mut chunk, fresh()))
                .map_err(|_| Closed)?;
        }
        Ok(())
    })?;
    if !chunk.rows.is_empty() {
        send.blocking_send(chunk)
            .map_err(|_| DecodeFailure::Sink(Closed))?;
    }
    Ok(summary)
}
