//! Syncs, logs and rejects on PostgreSQL, and the [`SyncStore`] implementation (staging lives
//! in `staging.rs`, the engine's statements in `apply.rs`, `batch.rs` and `effects.rs`).

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::sync_rows::{SYNC_SELECT, load_sync, sync_from};
use super::{PostgresStore, apply, batch, big, count, effects, staging};
use crate::domain::clock::Timestamp;
use crate::domain::fields::{NoField, SyncField};
use crate::domain::plan::ApplyPlan;
use crate::domain::query::ListQuery;
use crate::domain::sync::{Severity, StoredLog, StoredReject, SyncLog, SyncRecord, SyncStatus};
use crate::store::SyncStore;
use crate::store::sql_text;
use crate::store::syncs::{record_type_or_contacts, sync_listing};
use crate::store::{
    BatchCounts, DueCallback, Page, RowRange, StageError, Staged, StagedFiles, StoreResult,
    SweepReport, SyncFile, SyncJob, Upload,
};

/// A page of a sync's rows: `rows_sql` takes `$1` = sync, `$2` = limit, `$3` = offset.
async fn page_of<T>(
    client: &impl GenericClient,
    count_sql: &str,
    rows_sql: &str,
    sync_id: i64,
    query: &ListQuery<NoField>,
    map: impl Fn(&Row) -> T,
) -> StoreResult<Page<T>> {
    let fetch = i64::from(query.limit) + i64::from(!query.total_results);
    let offset = big(query.offset);
    let rows = client.query(rows_sql, &[&sync_id, &fetch, &offset]).await?;
    let items = rows.iter().map(map).collect();
    let total = if query.total_results {
        let total: i64 = client.query_one(count_sql, &[&sync_id]).await?.get(0);
        Some(count(total))
    } else {
        None
    };
    Ok(Page::assemble(items, query.limit, query.offset, total))
}

#[async_trait::async_trait]
impl SyncStore for PostgresStore {
    async fn stage_file(&self, site_id: i64, upload: Upload) -> Result<Staged, StageError> {
        let now = self.now();
        let mut client = self.client().await?;
        staging::stage(&mut client, site_id, &upload, now).await
    }

    async fn get_sync(&self, site_id: i64, id: i64) -> StoreResult<SyncRecord> {
        let client = self.client().await?;
        load_sync(&client, site_id, id).await
    }

    async fn list_syncs(
        &self,
        site_id: i64,
        query: &ListQuery<SyncField>,
    ) -> StoreResult<Page<SyncRecord>> {
        self.list_page(sync_listing(), site_id, query, sync_from)
            .await
    }

    async fn sync_logs(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<Page<StoredLog>> {
        let client = self.client().await?;
        load_sync(&client, site_id, id).await?;
        page_of(
            &client,
            "SELECT COUNT(*) FROM sync_logs WHERE sync_id = $1",
            "SELECT severity, status_code, message, count, created_at FROM sync_logs
             WHERE sync_id = $1 ORDER BY seq LIMIT $2 OFFSET $3",
            id,
            query,
            |r| StoredLog {
                severity: Severity::parse(r.get(0)).unwrap_or(Severity::Information),
                status_code: r.get(1),
                message: r.get(2),
                count: count(r.get(3)),
                created_at: Timestamp::from_nanos(r.get(4)),
            },
        )
        .await
    }

    async fn sync_rejects(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<(String, Page<StoredReject>)> {
        let client = self.client().await?;
        load_sync(&client, site_id, id).await?;
        let column: Option<String> = client
            .query_one("SELECT field_column FROM syncs WHERE id = $1", &[&id])
            .await?
            .get(0);
        let page = page_of(
            &client,
            "SELECT COUNT(*) FROM sync_rejects WHERE sync_id = $1",
            "SELECT record_index, status_code, value, field_values, invalid_fields FROM sync_rejects
             WHERE sync_id = $1 ORDER BY record_index LIMIT $2 OFFSET $3",
            id,
            query,
            |r| StoredReject {
                record_index: count(r.get(0)),
                status_code: r.get(1),
                value: r.get(2),
                field_values: r.get(3),
                invalid_fields: r.get(4),
            },
        )
        .await?;
        Ok((column.unwrap_or_default(), page))
    }

    async fn staged_files(
        &self,
        site_id: i64,
        definition_ids: &[i64],
    ) -> StoreResult<Vec<StagedFiles>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT d.id, COUNT(f.id), COALESCE(SUM(f.row_count), 0)::bigint, d.record_type
                 FROM sync_action_definitions d
                 LEFT JOIN staged_files f ON f.definition_id = d.id AND f.sync_id IS NULL
                 WHERE d.site_id = $1 AND d.id = ANY($2) GROUP BY d.id ORDER BY d.id",
                &[&site_id, &definition_ids],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| StagedFiles {
                definition_id: r.get(0),
                record_type: record_type_or_contacts(r.get(3)),
                files: count(r.get(1)),
                rows: count(r.get(2)),
            })
            .collect())
    }

    /// Does nothing: other nodes may be running the active syncs; a sync whose node stopped is
    /// taken over by [`SyncStore::claim_sync`] once that node's liveness key is free (at once
    /// when its process died) or its lease expired.
    async fn recover_interrupted(&self) -> StoreResult<u64> {
        Ok(0)
    }

    async fn claim_sync(
        &self,
        now: Timestamp,
        node: &str,
        lease_until: Timestamp,
    ) -> StoreResult<Option<SyncJob>> {
        // While a lost liveness connection is replaced, nothing is claimed: the engine looks
        // again a second later.
        let Some(key) = self.liveness_key().await? else {
            return Ok(None);
        };
        let mut client = self.client().await?;
        apply::claim(&mut client, now, node, key, lease_until).await
    }

    async fn renew_lease(&self, job: &SyncJob, lease_until: Timestamp) -> StoreResult<bool> {
        // The key held now, not the one of the claim: a claim made under an earlier key is
        // not renewed (see `liveness.rs`).
        let Some(key) = self.held_liveness_key() else {
            return Ok(false);
        };
        let client = self.client().await?;
        apply::renew(&client, job, key, lease_until).await
    }

    async fn release_sync(&self, job: &SyncJob) -> StoreResult<()> {
        let client = self.client().await?;
        apply::release(&client, job).await
    }

    async fn begin_apply(&self, job: &SyncJob, column: &str) -> StoreResult<Vec<SyncFile>> {
        let mut client = self.client().await?;
        apply::begin(&mut client, job, column).await
    }

    async fn apply_batches(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        ranges: &[RowRange],
    ) -> StoreResult<BatchCounts> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        apply::hold(&tx, job).await?;
        let counts = batch::batch(&tx, job, plan, ranges, now).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn apply_update_all(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        action: usize,
    ) -> StoreResult<u64> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        apply::hold(&tx, job).await?;
        let n = effects::update_all(&tx, job, plan, action, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn finish_sync(
        &self,
        job: &SyncJob,
        status: SyncStatus,
        logs: Vec<SyncLog>,
        now: Timestamp,
    ) -> StoreResult<SyncRecord> {
        let mut client = self.client().await?;
        let sync = apply::finish(&mut client, job, status, &logs, now).await?;
        apply::release_staged(&mut client, job.sync_id).await?;
        Ok(sync)
    }

    async fn sweep(&self, now: Timestamp, retention_seconds: u64) -> StoreResult<SweepReport> {
        let mut client = self.client().await?;
        apply::sweep(&mut client, now, retention_seconds).await
    }

    async fn due_callbacks(
        &self,
        now: Timestamp,
        per_site: u32,
        limit: u32,
    ) -> StoreResult<Vec<DueCallback>> {
        let client = self.client().await?;
        let sql = sql_text::due_callbacks(SYNC_SELECT, '$');
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
            [&now.as_nanos(), &i64::from(limit), &i64::from(per_site)];
        let rows = client.query(sql.as_str(), &params).await?;
        rows.iter()
            .map(|r| {
                let attempts: i64 = r.get(10);
                Ok(DueCallback {
                    sync: sync_from(r)?,
                    site_id: r.get(11),
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    async fn claim_callback(
        &self,
        sync_id: i64,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let client = self.client().await?;
        let claimed = client
            .execute(
                sql_text::claim_callback('$').as_str(),
                &[&sync_id, &now.as_nanos(), &until.as_nanos()],
            )
            .await?;
        Ok(claimed == 1)
    }

    async fn callback_attempted(
        &self,
        sync_id: i64,
        next_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        match next_at {
            Some(at) => {
                client
                    .execute(
                        "UPDATE sync_callbacks SET attempts = attempts + 1, next_at = $2 WHERE sync_id = $1",
                        &[&sync_id, &at.as_nanos()],
                    )
                    .await
            }
            None => {
                client
                    .execute("DELETE FROM sync_callbacks WHERE sync_id = $1", &[&sync_id])
                    .await
            }
        }?;
        Ok(())
    }

    async fn sync_counts(&self) -> StoreResult<Vec<(SyncStatus, u64)>> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT status, COUNT(*) FROM syncs GROUP BY status", &[])
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| Some((SyncStatus::parse(r.get(0))?, count(r.get(1)))))
            .collect())
    }

    async fn staged_rows(&self) -> StoreResult<u64> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT (SELECT COALESCE(SUM(row_count), 0) FROM staged_files)::BIGINT
                      + (SELECT COALESCE(SUM(row_count), 0) FROM import_files)::BIGINT",
                &[],
            )
            .await?;
        Ok(count(row.get(0)))
    }
}
