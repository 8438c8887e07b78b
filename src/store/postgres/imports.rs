//! Contact import definitions and their staging on PostgreSQL.

use deadpool_postgres::GenericClient;

use super::{PostgresStore, apply, import_batch, import_stage};
use crate::domain::import_plan::ImportPlan;
use crate::store::ImportStore;
use crate::store::{
    ImportCounts, ImportUpload, StageError, Staged, StoreError, StoreResult, SyncFile, SyncJob,
};

#[async_trait::async_trait]
impl ImportStore for PostgresStore {
    async fn stage_import(&self, site_id: i64, upload: ImportUpload) -> Result<Staged, StageError> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let staged = import_stage::stage(&tx, site_id, &upload, now).await?;
        tx.commit().await?;
        Ok(staged)
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
