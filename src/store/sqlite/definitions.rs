//! Sync action definitions on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, Row, params};

use super::listing::Listing;
use super::{SqliteStore, error};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::definition::SyncActionDefinition;
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::store::definitions::{decode_definition, encode_actions};
use crate::store::{DefinitionRecord, DefinitionStore, Page, StoreError, StoreResult};

const SELECT: &str = "SELECT d.id, d.name, d.field_column, d.field_statement, d.sync_actions,
    d.is_sync_triggered_on_import, d.auto_delete_duration,
    (SELECT (COALESCE(SUM(f.bytes), 0) + 1023) / 1024 FROM staged_files f WHERE f.definition_id = d.id
     AND (f.sync_id IS NULL OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active')))),
    d.created_by, d.created_at, d.updated_by, d.updated_at FROM sync_action_definitions d";

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

fn record_from(row: &Row<'_>) -> rusqlite::Result<DefinitionRecord> {
    let definition = decode_definition(
        row.get(1)?,
        row.get(2)?,
        &row.get::<_, String>(3)?,
        &row.get::<_, String>(4)?,
        row.get(5)?,
        row.get(6)?,
    )
    .map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(DefinitionRecord {
        id: row.get(0)?,
        definition,
        kb_used: row.get(7)?,
        audit: Audit {
            created_by: row.get(8)?,
            created_at: Timestamp::from_nanos(row.get(9)?),
            updated_by: row.get(10)?,
            updated_at: Timestamp::from_nanos(row.get(11)?),
        },
    })
}

fn load(conn: &Connection, site_id: i64, id: i64) -> StoreResult<DefinitionRecord> {
    conn.query_row(
        &format!("{SELECT} WHERE d.site_id = ?1 AND d.id = ?2"),
        params![site_id, id],
        record_from,
    )
    .map_err(error::map)
}

#[async_trait]
impl DefinitionStore for SqliteStore {
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            let duration = def.auto_delete_duration.as_ref();
            tx.execute(
                "INSERT INTO sync_action_definitions (site_id, name, field_column, field_statement, identifier_field_name,
                 sync_actions, is_sync_triggered_on_import, auto_delete_duration, auto_delete_seconds,
                 created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?9, ?10)",
                params![
                    site_id, def.name, def.field_column, def.identifier.markup(), encode_actions(&def),
                    def.is_sync_triggered_on_import, duration.map(|d| d.as_str().to_owned()),
                    duration.map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX)), by, now
                ],
            )?;
            load(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<DefinitionRecord> {
        self.read(move |conn| load(conn, site_id, id)).await
    }

    async fn replace_definition(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord> {
        let (by, now, def) = (by.to_owned(), self.now().as_nanos(), definition.clone());
        self.write(move |tx| {
            let duration = def.auto_delete_duration.as_ref();
            let n = tx
                .execute(
                    "UPDATE sync_action_definitions SET name = ?3, field_column = ?4, field_statement = ?5,
                     identifier_field_name = ?4, sync_actions = ?6, is_sync_triggered_on_import = ?7,
                     auto_delete_duration = ?8, auto_delete_seconds = ?9, updated_by = ?10, updated_at = ?11
                     WHERE site_id = ?1 AND id = ?2",
                    params![
                        site_id, id, def.name, def.field_column, def.identifier.markup(), encode_actions(&def),
                        def.is_sync_triggered_on_import, duration.map(|d| d.as_str().to_owned()),
                        duration.map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX)), by, now
                    ],
                )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            load(tx, site_id, id)
        })
        .await
    }

    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            load(tx, site_id, id)?;
            super::apply::delete_definition(tx, id)?;
            Ok(())
        })
        .await
    }

    async fn list_definitions(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<DefinitionRecord>> {
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
}
