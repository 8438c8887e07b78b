//! Custom contact fields on SQLite.

use async_trait::async_trait;
use rusqlite::{Row, params};

use super::{SqliteStore, error};
use crate::domain::contact_fields::{ContactField, FieldType, Storage};
use crate::store::{FieldStore, StoreResult};

fn field_from(row: &Row<'_>) -> rusqlite::Result<ContactField> {
    let data_type: String = row.get(3)?;
    Ok(ContactField {
        id: row.get(0)?,
        internal_name: row.get(1)?,
        name: row.get(2)?,
        data_type: FieldType::parse(&data_type).unwrap_or(FieldType::Text),
        storage: Storage::Custom,
        not_null: false,
        unique: false,
    })
}

/// The site's custom fields (also used inside the engine's transactions).
pub(super) fn custom_fields(
    conn: &rusqlite::Connection,
    site_id: i64,
) -> StoreResult<Vec<ContactField>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, internal_name, name, data_type FROM contact_custom_fields WHERE site_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([site_id], field_from)?;
    rows.collect::<rusqlite::Result<_>>().map_err(error::map)
}

#[async_trait]
impl FieldStore for SqliteStore {
    async fn create_custom_field(
        &self,
        site_id: i64,
        internal_name: &str,
        name: &str,
        data_type: FieldType,
    ) -> StoreResult<ContactField> {
        let (internal_name, name, now) = (
            internal_name.to_owned(),
            name.to_owned(),
            self.now().as_nanos(),
        );
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO contact_custom_fields (site_id, internal_name, name, data_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![site_id, internal_name, name, data_type.as_str(), now],
            )?;
            Ok(ContactField {
                id: tx.last_insert_rowid(),
                internal_name,
                name,
                data_type,
                storage: Storage::Custom,
                not_null: false,
                unique: false,
            })
        })
        .await
    }

    async fn list_custom_fields(&self, site_id: i64) -> StoreResult<Vec<ContactField>> {
        self.read(move |conn| custom_fields(conn, site_id)).await
    }
}
