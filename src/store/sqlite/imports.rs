//! Contact import definitions and their staging on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::listing::Listing;
use super::syncs::{insert_sync, load_sync};
use super::{SqliteStore, error, import_batch, staging};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::definition::{ImportDefinition, validate_import_definition};
use crate::domain::fields::DefinitionField;
use crate::domain::import_plan::ImportPlan;
use crate::domain::query::ListQuery;
use crate::domain::sync::{SyncKind, SyncRecord};
use crate::store::{
    ImportCounts, ImportRecord, ImportStore, ImportUpload, NewSync, Page, StageError, Staged,
    StoreError, StoreResult, SyncFile, SyncJob,
};
use crate::upload::{DecodeFailure, decode_columns};

const SELECT: &str = "SELECT d.id, d.body, d.created_by, d.created_at, d.updated_by, d.updated_at,
    (SELECT (COALESCE(SUM(f.bytes), 0) + 1023) / 1024 FROM import_files f WHERE f.definition_id = d.id
     AND (f.sync_id IS NULL OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active'))))
    FROM import_definitions d";

fn column(field: DefinitionField) -> &'static str {
    match field {
        DefinitionField::Name => "d.name",
        DefinitionField::CreatedAt => "d.created_at",
        DefinitionField::UpdatedAt => "d.updated_at",
        DefinitionField::CreatedBy => "d.created_by",
        DefinitionField::UpdatedBy => "d.updated_by",
        DefinitionField::Id => "d.id",
    }
}

fn record_from(row: &Row<'_>) -> rusqlite::Result<ImportRecord> {
    let body: String = row.get(1)?;
    let bad = |why: String| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, why.into())
    };
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| bad(e.to_string()))?;
    let definition =
        validate_import_definition(&json).map_err(|f| bad(format!("stored import: {f:?}")))?;
    Ok(ImportRecord {
        id: row.get(0)?,
        definition,
        kb_used: row.get(6)?,
        audit: Audit {
            created_by: row.get(2)?,
            created_at: Timestamp::from_nanos(row.get(3)?),
            updated_by: row.get(4)?,
            updated_at: Timestamp::from_nanos(row.get(5)?),
        },
    })
}

pub(super) fn load(conn: &Connection, site_id: i64, id: i64) -> StoreResult<ImportRecord> {
    conn.query_row(
        &format!("{SELECT} WHERE d.site_id = ?1 AND d.id = ?2"),
        params![site_id, id],
        record_from,
    )
    .map_err(error::map)
}

fn auto_delete_seconds(definition: &ImportDefinition) -> Option<i64> {
    definition
        .auto_delete_duration
        .as_ref()
        .map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX))
}

/// Stages one import upload inside `tx`.
fn stage(
    tx: &Transaction<'_>,
    site_id: i64,
    upload: &ImportUpload,
    now: Timestamp,
) -> Result<Staged, StageError> {
    load(tx, site_id, upload.definition_id)?;
    let files: i64 = tx.query_row(
        "SELECT COUNT(*) FROM import_files WHERE definition_id = ?1 AND sync_id IS NULL",
        [upload.definition_id],
        |r| r.get(0),
    )?;
    if files >= i64::from(upload.max_files) {
        return Err(StageError::TooManyFiles);
    }
    let used = staging::site_staged_bytes(tx, site_id)?;
    let size = upload.body.len() as u64;
    if u64::try_from(used).unwrap_or(0).saturating_add(size) > upload.site_quota_bytes {
        return Err(StageError::QuotaExceeded);
    }
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
    let ignored =
        serde_json::to_string(&summary.ignored_columns).map_err(|e| StoreError::Other(e.into()))?;
    tx.execute(
        "UPDATE import_files SET row_count = ?2, ignored_columns = ?3 WHERE id = ?1",
        params![
            file_id,
            i64::try_from(summary.rows).unwrap_or(i64::MAX),
            ignored
        ],
    )?;
    let sync = match &upload.trigger {
        Some(new) => {
            let id = insert_sync(
                tx,
                site_id,
                SyncKind::Import,
                upload.definition_id,
                new,
                now,
            )?;
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

#[async_trait]
impl ImportStore for SqliteStore {
    async fn create_import(
        &self,
        site_id: i64,
        by: &str,
        definition: &ImportDefinition,
    ) -> StoreResult<ImportRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO import_definitions (site_id, name, body, auto_delete_seconds, created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)",
                params![site_id, def.name, def.to_json().to_string(), auto_delete_seconds(&def), by, now],
            )?;
            load(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_import(&self, site_id: i64, id: i64) -> StoreResult<ImportRecord> {
        self.read(move |conn| load(conn, site_id, id)).await
    }

    async fn replace_import(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &ImportDefinition,
    ) -> StoreResult<ImportRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE import_definitions SET name = ?3, body = ?4, auto_delete_seconds = ?5, updated_by = ?6, updated_at = ?7
                     WHERE site_id = ?1 AND id = ?2",
                    params![site_id, id, def.name, def.to_json().to_string(), auto_delete_seconds(&def), by, now],
                )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            load(tx, site_id, id)
        })
        .await
    }

    async fn delete_import(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            load(tx, site_id, id)?;
            // Files first, so their rows go by trigger; then the definition.
            tx.execute("DELETE FROM import_files WHERE definition_id = ?1", [id])?;
            tx.execute("DELETE FROM import_definitions WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn list_imports(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<ImportRecord>> {
        let query = query.clone();
        self.read(move |conn| {
            let listing = Listing {
                select: SELECT,
                column,
                site_column: "d.site_id",
                id_column: "d.id",
            };
            listing.page(conn, site_id, &query, record_from)
        })
        .await
    }

    async fn stage_import(&self, site_id: i64, upload: ImportUpload) -> Result<Staged, StageError> {
        let now = self.now();
        self.write_with(move |tx| stage(tx, site_id, &upload, now))
            .await
    }

    async fn discard_import_data(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            load(tx, site_id, id)?;
            let busy = tx
                .query_row(
                    "SELECT 1 FROM syncs WHERE kind = 'import' AND definition_id = ?1 AND status IN ('pending', 'active') LIMIT 1",
                    [id],
                    |_| Ok(()),
                )
                .optional()?;
            if busy.is_some() {
                return Err(StoreError::Conflict { constraint: "sync_in_progress" });
            }
            tx.execute("DELETE FROM import_files WHERE definition_id = ?1 AND sync_id IS NULL", [id])?;
            Ok(())
        })
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

    async fn create_import_sync(
        &self,
        site_id: i64,
        id: i64,
        sync: NewSync,
    ) -> StoreResult<SyncRecord> {
        let now = self.now();
        self.write(move |tx| {
            load(tx, site_id, id)?;
            let sync_id = insert_sync(tx, site_id, SyncKind::Import, id, &sync, now)?;
            load_sync(tx, site_id, sync_id)
        })
        .await
    }
}
