//! Export definitions and exported data on SQLite. An export sync snapshots the matching
//! records in batches of record ids, one transaction each, so the writer is never
//! held for long and memory stays flat whatever the export's size.

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter};

use super::syncs::load_sync;
use super::{SqliteStore, fields, filter_sql};
use crate::domain::definition::ExportDefinition;
use crate::domain::sync::SyncKind;
use crate::store::ExportStore;
use crate::store::exports::{column_names, value_expression};
use crate::store::sql_text::Backend;
use crate::store::{ExportPage, StoreError, StoreResult, SyncJob};

fn sync_base(sync_id: i64) -> i64 {
    sync_id << 32
}

#[async_trait::async_trait]
impl ExportStore for SqliteStore {
    async fn begin_export(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        retention_seconds: u64,
    ) -> StoreResult<()> {
        let names = column_names(definition)?;
        let (held, sync_id, until) = (
            job.clone(),
            job.sync_id,
            self.now().plus_seconds(retention_seconds).as_nanos(),
        );
        self.write(move |tx| {
            super::apply::hold(tx, &held)?;
            tx.execute("DELETE FROM export_data WHERE sync_id = ?1", [sync_id])?;
            tx.execute("INSERT INTO export_data (sync_id, fields, row_count, retain_until) VALUES (?1, ?2, 0, ?3)", params![sync_id, names, until])?;
            Ok(())
        })
        .await
    }

    async fn export_batch(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        after: i64,
        limit: u64,
    ) -> StoreResult<(u64, i64)> {
        let (job, definition) = (job.clone(), definition.clone());
        self.write(move |tx| {
            super::apply::hold(tx, &job)?;
            let record_type = definition.record_type;
            let custom = fields::custom_fields_of(tx, job.site_id, record_type)?;
            let values: Vec<String> = definition
                .fields
                .iter()
                .map(|f| value_expression(Backend::Sqlite, record_type, &f.target, &custom))
                .collect();
            let records = record_type.tables.records;
            let mut args: Vec<Sql> = Vec::new();
            let filter = match &definition.filter {
                Some((_, filter)) => {
                    let compiled =
                        filter_sql::compile(record_type, filter, job.site_id, &custom).map_err(|_| {
                            StoreError::Conflict {
                                constraint: "export_filter",
                            }
                        })?;
                    args.extend(compiled.params);
                    format!("AND ({})", compiled.sql)
                }
                None => String::new(),
            };
            let done: i64 = tx
                .query_row(
                    "SELECT row_count FROM export_data WHERE sync_id = ?1",
                    [job.sync_id],
                    |r| r.get(0),
                )?;
            // The batch's contacts first, numbered 1.. by rowid: a window function here would
            // number every remaining match before the LIMIT applies.
            let mut params: Vec<Sql> = vec![Sql::Integer(job.site_id), Sql::Integer(after)];
            params.extend(args);
            params.push(Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS export_batch (n INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL);
                 DELETE FROM temp.export_batch;",
            )?;
            let pick = format!(
                "INSERT INTO temp.export_batch (contact_id)
                 SELECT c.id FROM {records} c WHERE c.site_id = ? AND c.id > ? {filter} ORDER BY c.id LIMIT ?"
            );
            let added = tx.execute(&pick, params_from_iter(params))? as i64;
            let sql = format!(
                "INSERT INTO export_rows (id, contact_id, data)
                 SELECT ?1 + b.n - 1, c.id, json_array({}) FROM temp.export_batch b JOIN {records} c ON c.id = b.contact_id",
                values.join(", ")
            );
            tx.execute(&sql, [sync_base(job.sync_id) + done])?;
            tx.execute("UPDATE export_data SET row_count = row_count + ?2 WHERE sync_id = ?1", params![job.sync_id, added])?;
            let last: i64 = if added == 0 {
                after
            } else {
                tx.query_row("SELECT contact_id FROM temp.export_batch WHERE n = ?1", [added], |r| r.get(0))?
            };
            Ok((u64::try_from(added).unwrap_or(0), last))
        })
        .await
    }

    async fn export_page(
        &self,
        site_id: i64,
        sync_id: i64,
        offset: u64,
        limit: u32,
    ) -> StoreResult<ExportPage> {
        self.read(move |conn| {
            load_sync(conn, site_id, sync_id)?;
            let (fields, total): (String, i64) = conn.query_row(
                "SELECT fields, row_count FROM export_data WHERE sync_id = ?1",
                [sync_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let fields: Vec<String> =
                serde_json::from_str(&fields).map_err(|e| StoreError::Other(e.into()))?;
            let first = sync_base(sync_id).saturating_add(
                i64::try_from(offset)
                    .unwrap_or(i64::MAX)
                    .min(u32::MAX.into()),
            );
            let mut stmt = conn.prepare_cached(
                "SELECT data FROM export_rows WHERE id >= ?1 AND id < ?2 AND id < ?3 ORDER BY id",
            )?;
            let rows = stmt
                .query_map(
                    params![first, first + i64::from(limit), sync_base(sync_id + 1)],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(ExportPage {
                fields,
                rows,
                total: u64::try_from(total).unwrap_or(0),
            })
        })
        .await
    }

    async fn delete_export_data(&self, site_id: i64, sync_id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            let sync = load_sync(tx, site_id, sync_id)?;
            if sync.kind != SyncKind::Export {
                return Err(StoreError::NotFound);
            }
            tx.execute("DELETE FROM export_data WHERE sync_id = ?1", [sync_id])?;
            Ok(())
        })
        .await
    }
}
