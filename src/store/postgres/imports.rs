//! Contact import definitions and their staging on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::listing::Listing;
use super::sync_rows::{insert_sync, load_sync};
use super::{PostgresStore, apply, error, import_batch, import_stage};
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

const SELECT: &str = "SELECT d.id, d.body, d.created_by, d.created_at, d.updated_by, d.updated_at,
    (SELECT (COALESCE(SUM(f.bytes), 0)::BIGINT + 1023) / 1024 FROM import_files f WHERE f.definition_id = d.id
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

fn record_from(row: &Row) -> StoreResult<ImportRecord> {
    let body: &str = row.get(1);
    let bad = |why: String| StoreError::Other(anyhow::anyhow!("stored import: {why}"));
    let json: serde_json::Value = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
    let definition = validate_import_definition(&json).map_err(|f| bad(format!("{f:?}")))?;
    Ok(ImportRecord {
        id: row.get(0),
        definition,
        kb_used: row.get(6),
        audit: Audit {
            created_by: row.get(2),
            created_at: Timestamp::from_nanos(row.get(3)),
            updated_by: row.get(4),
            updated_at: Timestamp::from_nanos(row.get(5)),
        },
    })
}

async fn load(client: &impl GenericClient, site_id: i64, id: i64) -> StoreResult<ImportRecord> {
    let row = client
        .query_opt(
            &format!("{SELECT} WHERE d.site_id = $1 AND d.id = $2"),
            &[&site_id, &id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    record_from(&row)
}

fn auto_delete_seconds(definition: &ImportDefinition) -> Option<i64> {
    definition
        .auto_delete_duration
        .as_ref()
        .map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX))
}

#[async_trait]
impl ImportStore for PostgresStore {
    async fn create_import(
        &self,
        site_id: i64,
        by: &str,
        definition: &ImportDefinition,
    ) -> StoreResult<ImportRecord> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO import_definitions (site_id, name, body, auto_delete_seconds, created_by, created_at, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
                &[
                    &site_id,
                    &definition.name,
                    &definition.to_json().to_string(),
                    &auto_delete_seconds(definition),
                    &by,
                    &now,
                ],
            )
            .await?
            .get(0);
        let record = load(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn get_import(&self, site_id: i64, id: i64) -> StoreResult<ImportRecord> {
        let client = self.client().await?;
        load(&client, site_id, id).await
    }

    async fn replace_import(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &ImportDefinition,
    ) -> StoreResult<ImportRecord> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE import_definitions SET name = $3, body = $4, auto_delete_seconds = $5, updated_by = $6, updated_at = $7
                 WHERE site_id = $1 AND id = $2",
                &[
                    &site_id,
                    &id,
                    &definition.name,
                    &definition.to_json().to_string(),
                    &auto_delete_seconds(definition),
                    &by,
                    &now,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let record = load(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn delete_import(&self, site_id: i64, id: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        load(&tx, site_id, id).await?;
        // Files first, so their rows go by trigger; then the definition.
        for sql in [
            "DELETE FROM import_files WHERE definition_id = $1",
            "DELETE FROM import_definitions WHERE id = $1",
        ] {
            tx.execute(sql, &[&id]).await?;
        }
        tx.commit().await.map_err(error::map)
    }

    async fn list_imports(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<ImportRecord>> {
        let client = self.client().await?;
        let listing = Listing {
            select: SELECT,
            column,
            site_column: "d.site_id",
            id_column: "d.id",
        };
        listing.page(&client, site_id, query, record_from).await
    }

    async fn stage_import(&self, site_id: i64, upload: ImportUpload) -> Result<Staged, StageError> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let staged = import_stage::stage(&tx, site_id, &upload, now).await?;
        tx.commit().await?;
        Ok(staged)
    }

    async fn discard_import_data(&self, site_id: i64, id: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        load(&tx, site_id, id).await?;
        let busy = tx
            .query_opt(
                "SELECT 1 FROM syncs WHERE kind = 'import' AND definition_id = $1 AND status IN ('pending', 'active') LIMIT 1",
                &[&id],
            )
            .await?;
        if busy.is_some() {
            return Err(StoreError::Conflict {
                constraint: "sync_in_progress",
            });
        }
        tx.execute(
            "DELETE FROM import_files WHERE definition_id = $1 AND sync_id IS NULL",
            &[&id],
        )
        .await?;
        tx.commit().await.map_err(error::map)
    }

    async fn create_import_sync(
        &self,
        site_id: i64,
        id: i64,
        sync: NewSync,
    ) -> StoreResult<SyncRecord> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        load(&tx, site_id, id).await?;
        let sync_id = insert_sync(&tx, site_id, SyncKind::Import, id, &sync, now).await?;
        let sync = load_sync(&tx, site_id, sync_id).await?;
        tx.commit().await?;
        Ok(sync)
    }

    async fn begin_import(&self, job: &SyncJob) -> StoreResult<Vec<SyncFile>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        apply::hold(&tx, job).await?;
        // A re-run (after another node died) starts clean.
        tx.execute(
            "DELETE FROM sync_rejects WHERE sync_id = $1",
            &[&job.sync_id],
        )
        .await?;
        import_batch::begin(&tx, job.sync_id).await?;
        let rows = tx
            .query(
                "SELECT id, row_count, ignored_columns FROM import_files WHERE sync_id = $1 ORDER BY id",
                &[&job.sync_id],
            )
            .await?;
        let mut offset = 0;
        let mut files = Vec::with_capacity(rows.len());
        for row in rows {
            let rows = super::count(row.get(1));
            let ignored_columns =
                serde_json::from_str(row.get(2)).map_err(|e| StoreError::Other(e.into()))?;
            files.push(SyncFile {
                file_id: row.get(0),
                rows,
                offset,
                ignored_columns,
            });
            offset += rows;
        }
        tx.commit().await?;
        Ok(files)
    }

    async fn apply_import_batch(
        &self,
        job: &SyncJob,
        plan: &ImportPlan,
        file: &SyncFile,
        seq_from: u64,
        seq_to: u64,
    ) -> StoreResult<ImportCounts> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        apply::hold(&tx, job).await?;
        let counts = import_batch::batch(&tx, job, plan, file, (seq_from, seq_to), now).await?;
        tx.commit().await?;
        Ok(counts)
    }
}
