//! Custom fields on SQLite.

use async_trait::async_trait;
use rusqlite::{Row, params};

use super::{SqliteStore, error};
use crate::domain::contact_fields::{FieldType, RecordField, Storage};
use crate::domain::record_type::RecordType;
use crate::store::{FieldStore, StoreResult};

fn field_from(row: &Row<'_>) -> rusqlite::Result<RecordField> {
    let data_type: String = row.get(3)?;
    Ok(RecordField {
        id: row.get(0)?,
        internal_name: row.get(1)?,
        name: row.get(2)?,
        data_type: FieldType::parse(&data_type).unwrap_or(FieldType::Text),
        storage: Storage::Custom,
        not_null: false,
        unique: false,
        created_at: Some(crate::domain::clock::Timestamp::from_nanos(row.get(4)?)),
    })
}

/// The site's custom fields of `record_type` (none for a record type without them).
pub(super) fn custom_fields_of(
    conn: &rusqlite::Connection,
    site_id: i64,
    record_type: &RecordType,
) -> StoreResult<Vec<RecordField>> {
    if !record_type.has_custom_fields() {
        return Ok(Vec::new());
    }
    let table = record_type.tables.custom_fields;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, internal_name, name, data_type, created_at FROM {table} WHERE site_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([site_id], field_from)?;
    rows.collect::<rusqlite::Result<_>>().map_err(error::map)
}

#[async_trait]
impl FieldStore for SqliteStore {
    async fn create_custom_field(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
        internal_name: &str,
        name: &str,
        data_type: FieldType,
    ) -> StoreResult<RecordField> {
        let table = record_type.tables.custom_fields;
        let (internal_name, name, now) = (
            internal_name.to_owned(),
            name.to_owned(),
            self.now().as_nanos(),
        );
        self.write(move |tx| {
            tx.execute(
                &format!("INSERT INTO {table} (site_id, internal_name, name, data_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"),
                params![site_id, internal_name, name, data_type.as_str(), now],
            )?;
            Ok(RecordField {
                id: tx.last_insert_rowid(),
                internal_name,
                name,
                data_type,
                storage: Storage::Custom,
                not_null: false,
                unique: false,
                created_at: Some(crate::domain::clock::Timestamp::from_nanos(now)),
            })
        })
        .await
    }

    async fn list_custom_fields(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
    ) -> StoreResult<Vec<RecordField>> {
        self.read(move |conn| custom_fields_of(conn, site_id, record_type))
            .await
    }
}
