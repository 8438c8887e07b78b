//! Sync action definitions on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStore;
use super::listing::Listing;
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::definition::SyncActionDefinition;
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::store::definitions::{decode_definition, encode_actions};
use crate::store::{DefinitionRecord, DefinitionStore, Page, StoreError, StoreResult};

/// `kb_used` counts the bytes of files still staged or owned by a sync that has not ended.
/// SUM of BIGINT is NUMERIC in PostgreSQL: it is cast back before the integer division.
const SELECT: &str = "SELECT d.id, d.name, d.field_column, d.field_statement, d.sync_actions,
    d.is_sync_triggered_on_import, d.auto_delete_duration,
    (SELECT (COALESCE(SUM(f.bytes), 0)::BIGINT + 1023) / 1024 FROM staged_files f WHERE f.definition_id = d.id
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

fn record_from(row: &Row) -> StoreResult<DefinitionRecord> {
    let definition = decode_definition(
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
        row.get(6),
    )
    .map_err(|e| StoreError::Other(anyhow::anyhow!("definition {}: {e}", row.get::<_, i64>(0))))?;
    Ok(DefinitionRecord {
        id: row.get(0),
        definition,
        kb_used: row.get(7),
        audit: Audit {
            created_by: row.get(8),
            created_at: Timestamp::from_nanos(row.get(9)),
            updated_by: row.get(10),
            updated_at: Timestamp::from_nanos(row.get(11)),
        },
    })
}

async fn load(client: &impl GenericClient, site_id: i64, id: i64) -> StoreResult<DefinitionRecord> {
    let stmt = client
        .prepare_cached(&format!("{SELECT} WHERE d.site_id = $1 AND d.id = $2"))
        .await?;
    let row = client
        .query_opt(&stmt, &[&site_id, &id])
        .await?
        .ok_or(StoreError::NotFound)?;
    record_from(&row)
}

/// The stored auto-delete columns: the duration as sent, and in seconds for the sweep.
fn auto_delete(definition: &SyncActionDefinition) -> (Option<String>, Option<i64>) {
    let duration = definition.auto_delete_duration.as_ref();
    (
        duration.map(|d| d.as_str().to_owned()),
        duration.map(|d| i64::try_from(d.seconds()).unwrap_or(i64::MAX)),
    )
}

#[async_trait]
impl DefinitionStore for PostgresStore {
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord> {
        let now = self.now().as_nanos();
        let (duration, seconds) = auto_delete(definition);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO sync_action_definitions (site_id, name, field_column, field_statement, identifier_field_name,
                 sync_actions, is_sync_triggered_on_import, auto_delete_duration, auto_delete_seconds,
                 created_by, created_at, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $3, $5, $6, $7, $8, $9, $10, $9, $10) RETURNING id",
                &[
                    &site_id,
                    &definition.name,
                    &definition.field_column,
                    &definition.identifier.markup(),
                    &encode_actions(definition),
                    &definition.is_sync_triggered_on_import,
                    &duration,
                    &seconds,
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

    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<DefinitionRecord> {
        let client = self.client().await?;
        load(&client, site_id, id).await
    }

    async fn replace_definition(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord> {
        let now = self.now().as_nanos();
        let (duration, seconds) = auto_delete(definition);
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let n = tx
            .execute(
                "UPDATE sync_action_definitions SET name = $3, field_column = $4, field_statement = $5,
                 identifier_field_name = $4, sync_actions = $6, is_sync_triggered_on_import = $7,
                 auto_delete_duration = $8, auto_delete_seconds = $9, updated_by = $10, updated_at = $11
                 WHERE site_id = $1 AND id = $2",
                &[
                    &site_id,
                    &id,
                    &definition.name,
                    &definition.field_column,
                    &definition.identifier.markup(),
                    &encode_actions(definition),
                    &definition.is_sync_triggered_on_import,
                    &duration,
                    &seconds,
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

    /// Deletes the definition with all its staged files, including those a pending or active
    /// sync took (as SQLite does): the files go by cascade and a trigger removes their rows.
    /// The syncs themselves stay and report the definition gone.
    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM sync_action_definitions WHERE site_id = $1 AND id = $2",
                &[&site_id, &id],
            )
            .await?;
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn list_definitions(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<DefinitionRecord>> {
        let client = self.client().await?;
        let listing = Listing {
            select: SELECT,
            column,
            site_column: "d.site_id",
            id_column: "d.id",
        };
        listing.page(&client, site_id, query, record_from).await
    }
}
