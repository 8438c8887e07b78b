//! Custom object definitions on PostgreSQL.

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStore;
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

fn object_from(row: &Row) -> CustomObject {
    CustomObject {
        id: row.get(0),
        name: row.get(1),
        description: row.get(2),
        fields: Vec::new(),
        unique_code_field_id: row.get(3),
        email_address_field_id: row.get(4),
        display_name_field_id: row.get(5),
        audit: Audit {
            created_by: row.get(6),
            created_at: Timestamp::from_nanos(row.get(7)),
            updated_by: row.get(8),
            updated_at: Timestamp::from_nanos(row.get(9)),
        },
    }
}

/// Fills in the fields of `object`.
async fn with_fields(
    client: &impl GenericClient,
    mut object: CustomObject,
) -> StoreResult<CustomObject> {
    let rows = client
        .query(
            "SELECT id, name, internal_name, data_type FROM custom_object_fields WHERE object_id = $1 ORDER BY id",
            &[&object.id],
        )
        .await?;
    object.fields = rows
        .iter()
        .map(|r| CustomObjectField {
            id: r.get(0),
            name: r.get(1),
            internal_name: r.get(2),
            data_type: FieldType::parse(r.get(3)).unwrap_or(FieldType::Text),
        })
        .collect();
    Ok(object)
}

async fn load(client: &impl GenericClient, site_id: i64, id: i64) -> StoreResult<CustomObject> {
    let row = client
        .query_opt(
            &format!("{SELECT} WHERE site_id = $1 AND id = $2"),
            &[&site_id, &id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    with_fields(client, object_from(&row)).await
}

/// Writes the fields and references of object `id` as `input` says (see [`CustomObjectStore`]).
async fn save_fields(
    client: &impl GenericClient,
    id: i64,
    input: &CustomObjectInput,
) -> StoreResult<()> {
    let kept: Vec<i64> = input
        .fields
        .iter()
        .filter_map(|f| f.id.filter(|id| *id > 0))
        .collect();
    client
        .execute(
            "DELETE FROM custom_object_fields WHERE object_id = $1 AND NOT (id = ANY($2))",
            &[&id, &kept],
        )
        .await?;
    let mut placeholders = HashMap::new();
    for field in &input.fields {
        match field.id {
            Some(field_id) if field_id > 0 => {
                client
                    .execute(
                        "UPDATE custom_object_fields SET name = $3, data_type = $4 WHERE object_id = $1 AND id = $2",
                        &[&id, &field_id, &field.name, &field.data_type.as_str()],
                    )
                    .await?;
            }
            placeholder => {
                let new: i64 = client
                    .query_one(
                        "INSERT INTO custom_object_fields (object_id, name, internal_name, data_type)
                         VALUES ($1, $2, $3, $4) RETURNING id",
                        &[
                            &id,
                            &field.name,
                            &field_internal_name(&field.name),
                            &field.data_type.as_str(),
                        ],
                    )
                    .await?
                    .get(0);
                if let Some(placeholder) = placeholder {
                    placeholders.insert(placeholder, new);
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
    let references = (
        resolve(input.unique_code_field_id)?,
        resolve(input.email_address_field_id)?,
        resolve(input.display_name_field_id)?,
    );
    client
        .execute(
            "UPDATE custom_objects SET unique_code_field_id = $2, email_address_field_id = $3,
             display_name_field_id = $4 WHERE id = $1",
            &[&id, &references.0, &references.1, &references.2],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl CustomObjectStore for PostgresStore {
    async fn create_custom_object(
        &self,
        site_id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO custom_objects (site_id, name, description, created_by, created_at, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $4, $5) RETURNING id",
                &[&site_id, &input.name, &input.description, &by, &now],
            )
            .await?
            .get(0);
        save_fields(&tx, id, input).await?;
        let object = load(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(object)
    }

    async fn get_custom_object(&self, site_id: i64, id: i64) -> StoreResult<CustomObject> {
        let client = self.client().await?;
        load(&client, site_id, id).await
    }

    async fn update_custom_object(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE custom_objects SET name = $3, description = $4, updated_by = $5, updated_at = $6
                 WHERE site_id = $1 AND id = $2",
                &[&site_id, &id, &input.name, &input.description, &by, &now],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        save_fields(&tx, id, input).await?;
        let object = load(&tx, site_id, id).await?;
        tx.commit().await?;
        Ok(object)
    }

    async fn delete_custom_object(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.delete_owned("custom_objects", site_id, id).await
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
        let client = self.client().await?;
        let filter = "site_id = $1 AND name ILIKE $2 ESCAPE '\\'";
        let total: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM custom_objects WHERE {filter}"),
                &[&site_id, &like],
            )
            .await?
            .get(0);
        let rows = client
            .query(
                &format!("{SELECT} WHERE {filter} ORDER BY id LIMIT $3 OFFSET $4"),
                &[&site_id, &like, &limit, &offset],
            )
            .await?;
        let mut objects = Vec::with_capacity(rows.len());
        for row in &rows {
            objects.push(with_fields(&client, object_from(row)).await?);
        }
        Ok((objects, u64::try_from(total).unwrap_or(0)))
    }
}
