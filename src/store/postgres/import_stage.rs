//! Staging import uploads on PostgreSQL: one transaction per file, the body decoded on a
//! blocking thread while its rows stream into `import_rows` by binary COPY, so nothing is
//! half-staged and memory stays at the body plus a few chunks of rows.
//!
//! PostgreSQL cannot run Loquat's value rules (`FieldType::accepts`, the boolean spellings), so
//! each value's verdicts are computed here, once, and stored beside it as one byte of flags:
//! the apply then reads bits instead of parsing, and gives exactly SQLite's rejects.

use std::pin::pin;

use deadpool_postgres::{GenericClient, Transaction};
use tokio::sync::mpsc;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use super::staging::{LIVE_FILE, lock_site_staging};
use super::sync_rows::{insert_sync, load_sync};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::FieldType;
use crate::domain::sync::SyncKind;
use crate::store::{ImportUpload, StageError, Staged, StoreError, StoreResult};
use crate::upload::{DecodeFailure, FileSummary, decode_columns};

/// Flag bit: the value is not a valid number.
pub(super) const NOT_NUMERIC: u8 = 1;
/// Flag bit: the value is not a valid date.
pub(super) const NOT_DATE: u8 = 2;
/// Flag bit: the value is not a valid email address.
pub(super) const NOT_EMAIL: u8 = 4;
/// Flag bit: the value is a true boolean (true, 1, yes, on).
pub(super) const BOOL_TRUE: u8 = 8;
/// Flag bit: the value is a false boolean (false, 0, no, off).
pub(super) const BOOL_FALSE: u8 = 16;

/// Rows decoded per chunk handed from the decoding thread to the COPY.
const CHUNK_ROWS: usize = 2048;

/// Chunks in flight between the decoder and the COPY (bounds memory).
const CHUNKS_IN_FLIGHT: usize = 4;

/// The flags of one value (see the `import_rows` table): what `loquat_valid` and
/// `loquat_bool` answer for it on SQLite.
fn flags(value: Option<&str>) -> u8 {
    let Some(value) = value else {
        return 0;
    };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return 0;
    }
    let mut flags = 0;
    for (data_type, bit) in [
        (FieldType::Numeric, NOT_NUMERIC),
        (FieldType::Date, NOT_DATE),
        (FieldType::EmailAddress, NOT_EMAIL),
    ] {
        if !data_type.accepts(trimmed) {
            flags |= bit;
        }
    }
    let spelled = |words: [&str; 4]| words.iter().any(|w| trimmed.eq_ignore_ascii_case(w));
    if spelled(["true", "1", "yes", "on"]) {
        flags |= BOOL_TRUE;
    } else if spelled(["false", "0", "no", "off"]) {
        flags |= BOOL_FALSE;
    }
    flags
}

/// Decoded rows on their way to the COPY; values are copied out of the decoder's buffers.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Per row, per column: where the value lies in `text` (None when absent).
    spans: Vec<Option<(usize, usize)>>,
    /// Per row, per column: the value's flags.
    flags: Vec<u8>,
    rows: usize,
}

impl Chunk {
    fn push(&mut self, values: &[Option<&str>]) {
        for value in values {
            self.spans.push(value.map(|v| {
                let start = self.text.len();
                self.text.push_str(v);
                (start, self.text.len())
            }));
            self.flags.push(flags(*value));
        }
        self.rows += 1;
    }
}

/// The decoder stopped because the COPY side went away (its error is the one reported).
struct Hangup;

/// Stages one import upload inside `tx`; any error leaves the transaction to roll back.
///
/// Several nodes stage at once. As for sync actions (`staging.rs`), the limits are checked
/// before anything is written, so a refused upload costs nothing, and again just before the
/// commit under the site's advisory lock (shared with sync-action staging, so the quota holds
/// across both): only the recheck and the commit are serialised, the COPYs run in parallel.
/// The definition's row is share-locked meanwhile, so it is neither replaced nor deleted under
/// the upload. (A definition belongs to one site, so the site lock also serialises its file
/// count; an exclusive row lock would deadlock with the key-share locks of concurrent
/// uploads' file rows, or serialise their COPYs if taken first.)
pub(super) async fn stage(
    tx: &Transaction<'_>,
    site_id: i64,
    upload: &ImportUpload,
    now: Timestamp,
) -> Result<Staged, StageError> {
    tx.query_opt(
        "SELECT 1 FROM import_definitions WHERE site_id = $1 AND id = $2 FOR SHARE",
        &[&site_id, &upload.definition_id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    check_limits(tx, site_id, upload, 0).await?;
    let retain_until = now.plus_seconds(upload.retention_seconds);
    let file_id: i64 = tx
        .query_one(
            "INSERT INTO import_files (site_id, definition_id, row_count, bytes, retain_until, created_at)
             VALUES ($1, $2, 0, $3, $4, $5) RETURNING id",
            &[
                &site_id,
                &upload.definition_id,
                &super::big(upload.body.len() as u64),
                &retain_until.as_nanos(),
                &now.as_nanos(),
            ],
        )
        .await?
        .get(0);
    let summary = copy_rows(tx, file_id, upload).await?;
    let ignored =
        serde_json::to_string(&summary.ignored_columns).map_err(|e| StoreError::Other(e.into()))?;
    tx.execute(
        "UPDATE import_files SET row_count = $2, ignored_columns = $3 WHERE id = $1",
        &[&file_id, &super::big(summary.rows), &ignored],
    )
    .await?;
    lock_site_staging(tx, site_id).await?;
    check_limits(tx, site_id, upload, file_id).await?;
    let sync = match &upload.trigger {
        Some(new) => {
            let id = insert_sync(
                tx,
                site_id,
                SyncKind::Import,
                upload.definition_id,
                new,
                now,
            )
            .await?;
            Some(load_sync(tx, site_id, id).await?)
        }
        None => None,
    };
    Ok(Staged {
        file_id,
        rows: summary.rows,
        sync,
    })
}

/// Checks that `upload` fits the limits beside the files already staged, not counting the
/// file `own` (0 before it is written). The site quota counts sync-action and import files.
async fn check_limits(
    tx: &Transaction<'_>,
    site_id: i64,
    upload: &ImportUpload,
    own: i64,
) -> Result<(), StageError> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM import_files WHERE definition_id = $2 AND sync_id IS NULL AND id <> $3),
           (SELECT COALESCE(SUM(f.bytes), 0) FROM staged_files f WHERE f.site_id = $1 AND {LIVE_FILE})::BIGINT
             + (SELECT COALESCE(SUM(f.bytes), 0) FROM import_files f WHERE f.site_id = $1 AND f.id <> $3 AND {LIVE_FILE})::BIGINT"
    );
    let row = tx
        .query_one(sql.as_str(), &[&site_id, &upload.definition_id, &own])
        .await?;
    if row.get::<_, i64>(0) >= i64::from(upload.max_files) {
        return Err(StageError::TooManyFiles);
    }
    let used = super::count(row.get(1));
    if used.saturating_add(upload.body.len() as u64) > upload.site_quota_bytes {
        return Err(StageError::QuotaExceeded);
    }
    Ok(())
}

/// Decodes the body on a blocking thread and COPYs its rows as they come.
async fn copy_rows(
    tx: &Transaction<'_>,
    file_id: i64,
    upload: &ImportUpload,
) -> Result<FileSummary, StageError> {
    let (sender, mut receiver) = mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let (format, body, columns) = (upload.format, upload.body.clone(), upload.columns.clone());
    let decoder = tokio::task::spawn_blocking(move || {
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut chunk = Chunk::default();
        let summary = decode_columns(format, &body, &columns, |values: &[Option<&str>]| {
            chunk.push(values);
            if chunk.rows == CHUNK_ROWS {
                sender
                    .blocking_send(std::mem::take(&mut chunk))
                    .map_err(|_| Hangup)?;
            }
            Ok::<(), Hangup>(())
        })?;
        if chunk.rows > 0 {
            sender
                .blocking_send(chunk)
                .map_err(|_| DecodeFailure::Sink(Hangup))?;
        }
        Ok::<_, DecodeFailure<Hangup>>(summary)
    });
    let copied = write_chunks(tx, file_id, upload.columns.len(), &mut receiver).await;
    // Unblocks the decoder if the COPY stopped early.
    drop(receiver);
    let decoded = decoder
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("decoding an upload: {e}")))?;
    match decoded {
        Ok(summary) => {
            copied?;
            Ok(summary)
        }
        Err(DecodeFailure::Malformed(e)) => Err(StageError::Malformed(e)),
        // The COPY failed first: its error tells why.
        Err(DecodeFailure::Sink(Hangup)) => Err(copied
            .err()
            .unwrap_or_else(|| StoreError::Other(anyhow::anyhow!("the upload decoder stopped")))
            .into()),
    }
}

/// Writes every chunk received to one binary COPY and completes it once the decoder is done.
async fn write_chunks(
    tx: &Transaction<'_>,
    file_id: i64,
    width: usize,
    receiver: &mut mpsc::Receiver<Chunk>,
) -> StoreResult<()> {
    let sink = tx
        .copy_in("COPY import_rows (file_id, seq, vals, flags) FROM STDIN BINARY")
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(
        sink,
        &[Type::INT8, Type::INT8, Type::TEXT_ARRAY, Type::BYTEA],
    ));
    let mut seq: i64 = 0;
    while let Some(chunk) = receiver.recv().await {
        let mut vals: Vec<Option<&str>> = Vec::with_capacity(width);
        for row in 0..chunk.rows {
            let cells = row * width..(row + 1) * width;
            vals.clear();
            vals.extend(
                chunk.spans[cells.clone()]
                    .iter()
                    .map(|span| span.map(|(a, b)| &chunk.text[a..b])),
            );
            let flags: &[u8] = &chunk.flags[cells];
            writer
                .as_mut()
                .write(&[&file_id, &seq, &vals, &flags])
                .await?;
            seq += 1;
        }
    }
    writer.as_mut().finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_say_what_sqlite_functions_answer() {
        assert_eq!(flags(None), 0);
        assert_eq!(flags(Some("  ")), 0);
        assert_eq!(flags(Some("12.5")), NOT_DATE | NOT_EMAIL);
        assert_eq!(flags(Some("1")), NOT_DATE | NOT_EMAIL | BOOL_TRUE);
        assert_eq!(
            flags(Some(" Off ")),
            NOT_NUMERIC | NOT_DATE | NOT_EMAIL | BOOL_FALSE
        );
        assert_eq!(flags(Some("2024-05-01")), NOT_NUMERIC | NOT_EMAIL);
        assert_eq!(flags(Some("a@b.co")), NOT_NUMERIC | NOT_DATE);
        assert_eq!(flags(Some("inf")), NOT_NUMERIC | NOT_DATE | NOT_EMAIL);
    }
}
