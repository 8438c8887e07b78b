//! Contact export definitions and exported data on PostgreSQL. An export sync snapshots the
//! matching contacts in batches of contact ids, one transaction and one `INSERT … SELECT`
//! each, so no transaction is long and memory stays flat whatever the export's size.

use deadpool_postgres::GenericClient;

use super::listing::{Param, refs};
use super::sync_rows::load_sync;
use super::{PostgresStore, big, count, error, fields, filter_sql};
use crate::domain::definition::ExportDefinition;
use crate::domain::sync::SyncKind;
use crate::store::ExportStore;
use crate::store::exports::{column_names, value_expression};
use crate::store::sql_text::Backend;
use crate::store::{ExportPage, LEASE_LOST, StoreError, StoreResult, SyncJob};

/// Fails with [`LEASE_LOST`] unless `job` still holds its sync. The row stays share-locked
/// until the transaction ends, so no other node can claim the sync under the writes it fences.
async fn hold(client: &impl GenericClient, job: &SyncJob) -> StoreResult<()> {
    client
        .query_opt(
            "SELECT 1 FROM syncs WHERE id = $1 AND status = 'active' AND attempt = $2 FOR SHARE",
            &[&job.sync_id, &job.attempt],
        )
        .await?
        .map(|_| ())
        .ok_or(StoreError::Conflict {
            constraint: LEASE_LOST,
        })
}

#[async_trait::async_trait]
impl ExportStore for PostgresStore {
    async fn begin_export(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        retention_seconds: u64,
    ) -> StoreResult<()> {
        let names = column_names(definition)?;
        let until = self.now().plus_seconds(retention_seconds).as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        hold(&tx, job).await?;
        // The export_data_rows trigger removes an earlier run's rows.
        tx.execute(
            "DELETE FROM export_data WHERE sync_id = $1",
            &[&job.sync_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO export_data (sync_id, fields, row_count, retain_until) VALUES ($1, $2, 0, $3)",
            &[&job.sync_id, &names, &until],
        )
        .await?;
        tx.commit().await.map_err(error::map)
    }

    async fn export_batch(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        after: i64,
        limit: u64,
    ) -> StoreResult<(u64, i64)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        hold(&tx, job).await?;
        let record_type = definition.record_type;
        let custom = fields::custom_fields_of(&tx, job.site_id, record_type).await?;
        let values: Vec<String> = definition
            .fields
            .iter()
            .map(|f| value_expression(Backend::Postgres, record_type, &f.target, &custom))
            .collect();
        let records = record_type.tables.records;
        let done: i64 = tx
            .query_one(
                "SELECT row_count FROM export_data WHERE sync_id = $1",
                &[&job.sync_id],
            )
            .await?
            .get(0);
        // $1 site, $2 after, $3 limit, $4 sync, $5 rows already exported; the filter's follow.
        let mut params: Vec<Param> = vec![
            Box::new(job.site_id),
            Box::new(after),
            Box::new(big(limit)),
            Box::new(job.sync_id),
            Box::new(done),
        ];
        let filter = match &definition.filter {
            Some((_, filter)) => {
                let compiled =
                    filter_sql::compile(record_type, filter, job.site_id, &custom, params.len())
                        .map_err(|_| StoreError::Conflict {
                            constraint: "export_filter",
                        })?;
                params.extend(compiled.params);
                format!("AND {}", compiled.sql)
            }
            None => String::new(),
        };
        // The batch's contacts are picked (and numbered) first, so the row values are read
        // for them alone. An array, not json_build_array: a definition may have more columns
        // than a function takes arguments.
        let sql = format!(
            "WITH picked AS (
                 SELECT c.id FROM {records} c WHERE c.site_id = $1 AND c.id > $2 {filter}
                 ORDER BY c.id LIMIT $3
             ), added AS (
                 INSERT INTO export_rows (sync_id, seq, contact_id, data)
                 SELECT $4, $5 + p.n - 1, c.id, array_to_json(ARRAY[{}]::text[])::text
                 FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM picked) p
                 JOIN {records} c ON c.id = p.id
                 RETURNING contact_id
             )
             SELECT COUNT(*), MAX(contact_id) FROM added",
            values.join(", ")
        );
        let row = tx.query_one(sql.as_str(), &refs(&params)).await?;
        let (added, last): (i64, Option<i64>) = (row.get(0), row.get(1));
        tx.execute(
            "UPDATE export_data SET row_count = row_count + $2 WHERE sync_id = $1",
            &[&job.sync_id, &added],
        )
        .await?;
        tx.commit().await?;
        Ok((count(added), last.unwrap_or(after)))
    }

    async fn export_page(
        &self,
        site_id: i64,
        sync_id: i64,
        offset: u64,
        limit: u32,
    ) -> StoreResult<ExportPage> {
        let mut client = self.client().await?;
        // One snapshot for the total and the rows.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        load_sync(&tx, site_id, sync_id).await?;
        let data = tx
            .query_opt(
                "SELECT fields, row_count FROM export_data WHERE sync_id = $1",
                &[&sync_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let fields: Vec<String> =
            serde_json::from_str(data.get(0)).map_err(|e| StoreError::Other(e.into()))?;
        let total: i64 = data.get(1);
        let stmt = tx
            .prepare_cached(
                "SELECT data FROM export_rows WHERE sync_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            )
            .await?;
        let rows = tx
            .query(&stmt, &[&sync_id, &big(offset), &i64::from(limit)])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.commit().await?;
        Ok(ExportPage {
            fields,
            rows,
            total: count(total),
        })
    }

    async fn delete_export_data(&self, site_id: i64, sync_id: i64) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let sync = load_sync(&tx, site_id, sync_id).await?;
        if sync.kind != SyncKind::Export {
            return Err(StoreError::NotFound);
        }
        // The export_data_rows trigger removes the rows.
        tx.execute("DELETE FROM export_data WHERE sync_id = $1", &[&sync_id])
            .await?;
        tx.commit().await.map_err(error::map)
    }
}
