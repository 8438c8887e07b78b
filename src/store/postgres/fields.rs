//! Custom fields on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStore;
use crate::domain::contact_fields::{FieldType, RecordField, Storage};
use crate::domain::record_type::RecordType;
use crate::store::{FieldStore, StoreResult};

fn field_from(row: &Row) -> RecordField {
    let data_type: &str = row.get(3);
    RecordField {
        id: row.get(0),
        internal_name: row.get(1),
        name: row.get(2),
        data_type: FieldType::parse(data_type).unwrap_or(FieldType::Text),
        storage: Storage::Custom,
        not_null: false,
        unique: false,
        created_at: Some(crate::domain::clock::Timestamp::from_nanos(row.get(4))),
    }
}

/// The site's custom fields of `record_type`, by id (none for a record type without them).
pub(super) async fn custom_fields_of(
    client: &impl GenericClient,
    site_id: i64,
    record_type: &RecordType,
) -> StoreResult<Vec<RecordField>> {
    if !record_type.has_custom_fields() {
        return Ok(Vec::new());
    }
    let table = record_type.tables.custom_fields;
    let stmt = client
        .prepare_cached(&format!(
            "SELECT id, internal_name, name, data_type, created_at FROM {table} WHERE site_id = $1 ORDER BY id"
        ))
        .await?;
    let rows = client.query(&stmt, &[&site_id]).await?;
    Ok(rows.iter().map(field_from).collect())
}

#[async_trait]
impl FieldStore for PostgresStore {
    async fn create_custom_field(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
        internal_name: &str,
        name: &str,
        data_type: FieldType,
    ) -> StoreResult<RecordField> {
        let table = record_type.tables.custom_fields;
        let now = self.now().as_nanos();
        let client = self.client().await?;
        let id: i64 = client
            .query_one(
                &format!(
                    "INSERT INTO {table} (site_id, internal_name, name, data_type, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id"
                ),
                &[&site_id, &internal_name, &name, &data_type.as_str(), &now],
            )
            .await?
            .get(0);
        Ok(RecordField {
            id,
            internal_name: internal_name.to_owned(),
            name: name.to_owned(),
            data_type,
            storage: Storage::Custom,
            not_null: false,
            unique: false,
            created_at: Some(crate::domain::clock::Timestamp::from_nanos(now)),
        })
    }

    async fn list_custom_fields(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
    ) -> StoreResult<Vec<RecordField>> {
        let client = self.client().await?;
        custom_fields_of(&client, site_id, record_type).await
    }
}
