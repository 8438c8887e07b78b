//! Custom object definitions on SQLite.

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::{Connection, Row, Transaction, params};

use super::{SqliteStore, error};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::FieldType;
use crate::domain::custom_object::{
    CustomObject, CustomObjectField, CustomObjectInput, field_internal_name,
};
use crate::store::sql_text::like_pattern;
use crate::store::{CustomObjectPage, CustomObjectStore, StoreError, StoreResult};

const SELECT: &str = "SELECT id, name, description, unique_code_field_id, email_address_field_id,
     display_name_field_id, created_by, created_at, updated_by, updated_at FROM custom_objects";

fn object_from(row: &Row<'_>) -> rusqlite::Result<CustomObject> {
    Ok(CustomObject {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        fields: Vec::new(),
        unique_code_field_id: row.get(3)?,
        email_address_field_id: row.get(4)?,
        display_name_field_id: row.get(5)?,
        audit: Audit {
            created_by: row.get(6)?,
            created_at: Timestamp::from_nanos(row.get(7)?),
            updated_by: row.get(8)?,
            updated_at: Timestamp::from_nanos(row.get(9)?),
        },
    })
}

/// Fills in the fields of `object`.
fn with_fields(conn: &Connection, mut object: CustomObject) -> StoreResult<CustomObject> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, internal_name, data_type FROM custom_object_fields WHERE object_id = ?1 ORDER BY id",
    )?;
    object.fields = stmt
        .query_map([object.id], |r| {
            let data_type: String = r.get(3)?;
            Ok(CustomObjectField {
                id: r.get(0)?,
                name: r.get(1)?,
                internal_name: r.get(2)?,
                data_type: FieldType::parse(&data_type).unwrap_or(FieldType::Text),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(object)
}

fn load(conn: &Connection, site_id: i64, id: i64) -> StoreResult<CustomObject> {
    let object = conn
        .query_row(
            &format!("{SELECT} WHERE site_id = ?1 AND id = ?2"),
            params![site_id, id],
            object_from,
        )
        .map_err(error::map)?;
    with_fields(conn, object)
}

/// Writes the fields and references of object `id` as `input` says (see [`CustomObjectStore`]).
fn save_fields(tx: &Transaction<'_>, id: i64, input: &CustomObjectInput) -> StoreResult<()> {
    let kept: Vec<i64> = input
        .fields
        .iter()
        .filter_map(|f| f.id.filter(|id| *id > 0))
        .collect();
    let existing: Vec<i64> = tx
        .prepare_cached("SELECT id FROM custom_object_fields WHERE object_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for gone in existing.iter().filter(|e| !kept.contains(e)) {
        tx.execute("DELETE FROM custom_object_fields WHERE id = ?1", [gone])?;
    }
    let mut placeholders = HashMap::new();
    for field in &input.fields {
        match field.id {
            Some(field_id) if field_id > 0 => {
                tx.execute(
                    "UPDATE custom_object_fields SET name = ?3, data_type = ?4 WHERE object_id = ?1 AND id = ?2",
                    params![id, field_id, field.name, field.data_type.as_str()],
                )?;
            }
            placeholder => {
                tx.execute(
                    "INSERT INTO custom_object_fields (object_id, name, internal_name, data_type) VALUES (?1, ?2, ?3, ?4)",
                    params![id, field.name, field_internal_name(&field.name), field.data_type.as_str()],
                )?;
                if let Some(placeholder) = placeholder {
                    placeholders.insert(placeholder, tx.last_insert_rowid());
                }
            }
        }
    }
    let resolve = |reference: Option<i64>| -> StoreResult<Option<i64>> {
        match reference {
            Some(r) if r <= 0 => {
                placeholders
                    .get(&r)
                    .copied()
                    .map(Some)
                    .ok_or(StoreError::Conflict {
                        constraint: "custom_object_fields_id",
                    })
            }
            other => Ok(other),
        }
    };
    tx.execute(
        "UPDATE custom_objects SET unique_code_field_id = ?2, email_address_field_id = ?3, display_name_field_id = ?4 WHERE id = ?1",
        params![
            id,
            resolve(input.unique_code_field_id)?,
            resolve(input.email_address_field_id)?,
            resolve(input.display_name_field_id)?
        ],
    )?;
    Ok(())
}

#[async_trait]
impl CustomObjectStore for SqliteStore {
    async fn create_custom_object(
        &self,
        site_id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject> {
        let (by, now, input) = (by.to_owned(), self.now().as_nanos(), input.clone());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO custom_objects (site_id, name, description, created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?5)",
                params![site_id, input.name, input.description, by, now],
            )?;
            let id = tx.last_insert_rowid();
            save_fields(tx, id, &input)?;
            load(tx, site_id, id)
        })
        .await
    }

    async fn get_custom_object(&self, site_id: i64, id: i64) -> StoreResult<CustomObject> {
        self.read(move |conn| load(conn, site_id, id)).await
    }

    async fn update_custom_object(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject> {
        let (by, now, input) = (by.to_owned(), self.now().as_nanos(), input.clone());
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE custom_objects SET name = ?3, description = ?4, updated_by = ?5, updated_at = ?6
                 WHERE site_id = ?1 AND id = ?2",
                params![site_id, id, input.name, input.description, by, now],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            save_fields(tx, id, &input)?;
            load(tx, site_id, id)
        })
        .await
    }

    async fn delete_custom_object(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            let n = tx.execute(
                "DELETE FROM custom_objects WHERE site_id = ?1 AND id = ?2",
                params![site_id, id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn list_custom_objects(
        &self,
        site_id: i64,
        pattern: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<CustomObjectPage> {
        let like = pattern.map_or_else(|| "%".to_owned(), like_pattern);
        let (offset, limit) = (
            i64::try_from(offset).unwrap_or(i64::MAX),
            i64::try_from(limit).unwrap_or(i64::MAX),
        );
        self.read(move |conn| {
            let filter = "site_id = ?1 AND name LIKE ?2 ESCAPE '\\'";
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM custom_objects WHERE {filter}"),
                params![site_id, like],
                |r| r.get(0),
            )?;
            let objects = conn
                .prepare(&format!(
                    "{SELECT} WHERE {filter} ORDER BY id LIMIT ?3 OFFSET ?4"
                ))?
                .query_map(params![site_id, like, limit, offset], object_from)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let objects = objects
                .into_iter()
                .map(|o| with_fields(conn, o))
                .collect::<StoreResult<_>>()?;
            Ok((objects, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }
}
