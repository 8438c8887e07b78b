//! Contact export definitions and exported data on SQLite. An export sync snapshots the
//! matching contacts in batches of contact ids, one transaction each, so the writer is never
//! held for long and memory stays flat whatever the export's size.

use async_trait::async_trait;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::listing::Listing;
use super::syncs::{insert_sync, load_sync};
use super::{SqliteStore, error, fields, filter_sql};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::{ContactField, Storage, standard_field};
use crate::domain::definition::{ExportDefinition, FieldTarget, validate_export_definition};
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::domain::sync::{SyncKind, SyncRecord};
use crate::store::{
    ExportPage, ExportRecord, ExportStore, NewSync, Page, StoreError, StoreResult, SyncJob,
};

const SELECT: &str = "SELECT d.id, d.body, d.created_by, d.created_at, d.updated_by, d.updated_at FROM export_definitions d";

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

fn record_from(row: &Row<'_>) -> rusqlite::Result<ExportRecord> {
    let body: String = row.get(1)?;
    let bad = |why: String| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, why.into())
    };
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| bad(e.to_string()))?;
    let definition =
        validate_export_definition(&json).map_err(|f| bad(format!("stored export: {f:?}")))?;
    Ok(ExportRecord {
        id: row.get(0)?,
        definition,
        kb_used: 0,
        audit: Audit {
            created_by: row.get(2)?,
            created_at: Timestamp::from_nanos(row.get(3)?),
            updated_by: row.get(4)?,
            updated_at: Timestamp::from_nanos(row.get(5)?),
        },
    })
}

fn load(conn: &Connection, site_id: i64, id: i64) -> StoreResult<ExportRecord> {
    conn.query_row(
        &format!("{SELECT} WHERE d.site_id = ?1 AND d.id = ?2"),
        params![site_id, id],
        record_from,
    )
    .map_err(error::map)
}

fn auto_delete_seconds(definition: &ExportDefinition) -> Option<i64> {
    definition
        .auto_delete_duration
        .as_ref()
        .map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX))
}

/// The SQL reading one exported column of contact `c` (every value as text).
fn value_expression(target: &FieldTarget, custom: &[ContactField]) -> String {
    match target {
        FieldTarget::Id => "CAST(c.id AS TEXT)".to_owned(),
        FieldTarget::IsSubscribed => {
            "CASE c.is_subscribed WHEN 1 THEN 'true' ELSE 'false' END".to_owned()
        }
        FieldTarget::IsBounced => {
            "CASE c.is_bounced WHEN 1 THEN 'true' ELSE 'false' END".to_owned()
        }
        FieldTarget::Field(name) => match standard_field(name) {
            Some(ContactField {
                storage: Storage::Column(column),
                ..
            }) => format!("c.{column}"),
            _ => match custom
                .iter()
                .find(|f| f.internal_name.eq_ignore_ascii_case(name))
            {
                // The id is the store's own integer, never client text.
                Some(field) => format!(
                    "(SELECT v.value FROM contact_custom_values v WHERE v.field_id = {} AND v.contact_id = c.id)",
                    field.id
                ),
                None => "NULL".to_owned(),
            },
        },
    }
}

fn sync_base(sync_id: i64) -> i64 {
    sync_id << 32
}

#[async_trait]
impl ExportStore for SqliteStore {
    async fn create_export(
        &self,
        site_id: i64,
        by: &str,
        definition: &ExportDefinition,
    ) -> StoreResult<ExportRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO export_definitions (site_id, name, body, auto_delete_seconds, created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)",
                params![site_id, def.name, def.to_json().to_string(), auto_delete_seconds(&def), by, now],
            )?;
            load(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_export(&self, site_id: i64, id: i64) -> StoreResult<ExportRecord> {
        self.read(move |conn| load(conn, site_id, id)).await
    }

    async fn replace_export(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &ExportDefinition,
    ) -> StoreResult<ExportRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE export_definitions SET name = ?3, body = ?4, auto_delete_seconds = ?5, updated_by = ?6, updated_at = ?7
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

    async fn delete_export(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            load(tx, site_id, id)?;
            tx.execute("DELETE FROM export_definitions WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn list_exports(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<ExportRecord>> {
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

    async fn create_export_sync(
        &self,
        site_id: i64,
        id: i64,
        sync: NewSync,
    ) -> StoreResult<SyncRecord> {
        let now = self.now();
        self.write(move |tx| {
            load(tx, site_id, id)?;
            let sync_id = insert_sync(tx, site_id, SyncKind::Export, id, &sync, now)?;
            load_sync(tx, site_id, sync_id)
        })
        .await
    }

    async fn begin_export(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        retention_seconds: u64,
    ) -> StoreResult<()> {
        let names: Vec<&str> = definition.fields.iter().map(|f| f.name.as_str()).collect();
        let names = serde_json::to_string(&names).map_err(|e| StoreError::Other(e.into()))?;
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
            let custom = fields::custom_fields(tx, job.site_id)?;
            let values: Vec<String> = definition
                .fields
                .iter()
                .map(|f| value_expression(&f.target, &custom))
                .collect();
            let mut args: Vec<Sql> = Vec::new();
            let filter = match &definition.filter {
                Some((_, filter)) => {
                    let compiled =
                        filter_sql::compile(filter, job.site_id, &custom).map_err(|_| {
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
                 SELECT c.id FROM contacts c WHERE c.site_id = ? AND c.id > ? {filter} ORDER BY c.id LIMIT ?"
            );
            let added = tx.execute(&pick, params_from_iter(params))? as i64;
            let sql = format!(
                "INSERT INTO export_rows (id, contact_id, data)
                 SELECT ?1 + b.n - 1, c.id, json_array({}) FROM temp.export_batch b JOIN contacts c ON c.id = b.contact_id",
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
