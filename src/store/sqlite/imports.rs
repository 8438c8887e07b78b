//! Contact import definitions and their staging on SQLite.

use rusqlite::{Transaction, params};

use super::{SqliteStore, error, import_batch, staging};
use crate::domain::clock::Timestamp;
use crate::domain::import_plan::ImportPlan;
use crate::store::ImportStore;
use crate::store::definitions::Imports;
use crate::store::{
    ImportCounts, ImportUpload, StageError, Staged, StoreError, StoreResult, SyncFile, SyncJob,
};
use crate::upload::{DecodeFailure, decode_columns};

/// Stages one import upload inside `tx`.
fn stage(
    tx: &Transaction<'_>,
    site_id: i64,
    upload: &ImportUpload,
    now: Timestamp,
) -> Result<Staged, StageError> {
    let size = upload.body.len() as u64;
    let limits = (upload.max_files, upload.site_quota_bytes);
    staging::check_room::<Imports>(tx, site_id, upload.definition_id, limits, size)?;
    let retain_until = now.plus_seconds(upload.retention_seconds);
    tx.execute(
        "INSERT INTO import_files (site_id, definition_id, row_count, bytes, retain_until, created_at) VALUES (?1, ?2, 0, ?3, ?4, ?5)",
        params![site_id, upload.definition_id, i64::try_from(size).unwrap_or(i64::MAX), retain_until.as_nanos(), now.as_nanos()],
    )?;
    let file_id = tx.last_insert_rowid();
    let columns: Vec<&str> = upload.columns.iter().map(String::as_str).collect();
    let names: Vec<String> = (0..columns.len()).map(|i| format!("v{i}")).collect();
    let marks = vec!["?"; columns.len() + 1].join(", ");
    let mut insert = tx.prepare(&format!(
        "INSERT INTO import_rows (id, {}) VALUES ({marks})",
        names.join(", ")
    ))?;
    let mut seq = 0u64;
    let summary = decode_columns(
        upload.format,
        &upload.body,
        &columns,
        |values: &[Option<&str>]| {
            insert.raw_bind_parameter(1, staging::row_key(file_id, seq))?;
            for (i, value) in values.iter().enumerate() {
                insert.raw_bind_parameter(i + 2, value)?;
            }
            insert.raw_execute()?;
            seq += 1;
            Ok::<(), rusqlite::Error>(())
        },
    )
    .map_err(|e| match e {
        DecodeFailure::Malformed(e) => StageError::Malformed(e),
        DecodeFailure::Sink(e) => StageError::Store(error::map(e)),
    })?;
    let trigger = upload.trigger.as_ref();
    staging::complete::<Imports>(
        tx,
        site_id,
        upload.definition_id,
        file_id,
        &summary,
        trigger,
        now,
    )
}

#[async_trait::async_trait]
impl ImportStore for SqliteStore {
    async fn stage_import(&self, site_id: i64, upload: ImportUpload) -> Result<Staged, StageError> {
        let now = self.now();
        self.write_with(move |tx| stage(tx, site_id, &upload, now))
            .await
    }

    async fn begin_import(&self, job: &SyncJob) -> StoreResult<Vec<SyncFile>> {
        let job = job.clone();
        self.write(move |tx| {
            super::apply::hold(tx, &job)?;
            tx.execute("DELETE FROM sync_rejects WHERE sync_id = ?1", [job.sync_id])?;
            import_batch::begin(tx)?;
            let mut stmt = tx
                .prepare("SELECT id, row_count, ignored_columns FROM import_files WHERE sync_id = ?1 ORDER BY id")?;
            let rows = stmt
                .query_map([job.sync_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut offset = 0;
            let mut files = Vec::with_capacity(rows.len());
            for (file_id, count, ignored) in rows {
                let rows = u64::try_from(count).unwrap_or(0);
                let ignored_columns = serde_json::from_str(&ignored).map_err(|e| StoreError::Other(e.into()))?;
                files.push(SyncFile { file_id, rows, offset, ignored_columns });
                offset += rows;
            }
            Ok(files)
        })
        .await
    }

    async fn apply_import_batch(
        &self,
        job: &SyncJob,
        plan: &ImportPlan,
        file: &SyncFile,
        seq_from: u64,
        seq_to: u64,
    ) -> StoreResult<ImportCounts> {
        let (job, plan, file, now) = (job.clone(), plan.clone(), file.clone(), self.now());
        self.write(move |tx| {
            super::apply::hold(tx, &job)?;
            import_batch::batch(tx, &job, &plan, &file, (seq_from, seq_to), now)
        })
        .await
    }
}
