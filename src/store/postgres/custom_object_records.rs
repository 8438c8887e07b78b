//! Custom object records on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PostgresStore;
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::custom_object::{CustomObjectRecord, CustomObjectRecordInput};
use crate::store::{CustomObjectRecordStore, StoreError, StoreResult};

const SELECT: &str =
    "SELECT r.id, r.object_id, r.contact_id, r.created_by, r.created_at, r.updated_by, r.updated_at
     FROM custom_object_records r JOIN custom_objects o ON o.id = r.object_id";

fn record_from(row: &Row) -> CustomObjectRecord {
    CustomObjectRecord {
        id: row.get(0),
        object_id: row.get(1),
        contact_id: row.get(2),
        values: Vec::new(),
        audit: Audit {
            created_by: row.get(3),
            created_at: Timestamp::from_nanos(row.get(4)),
            updated_by: row.get(5),
            updated_at: Timestamp::from_nanos(row.get(6)),
        },
    }
}

async fn with_values(
    client: &impl GenericClient,
    mut record: CustomObjectRecord,
) -> StoreResult<CustomObjectRecord> {
    let rows = client
        .query(
            "SELECT field_id, value FROM custom_object_values WHERE record_id = $1 ORDER BY field_id",
            &[&record.id],
        )
        .await?;
    record.values = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(record)
}

async fn load(
    client: &impl GenericClient,
    site_id: i64,
    object_id: i64,
    id: i64,
) -> StoreResult<CustomObjectRecord> {
    let row = client
        .query_opt(
            &format!("{SELECT} WHERE o.site_id = $1 AND r.object_id = $2 AND r.id = $3"),
            &[&site_id, &object_id, &id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    with_values(client, record_from(&row)).await
}

/// `NotFound` unless the object is the site's and the contact (if any) too; both are locked
/// until the transaction ends.
async fn check_owner(
    client: &impl GenericClient,
    site_id: i64,
    object_id: i64,
    contact: Option<i64>,
) -> StoreResult<()> {
    let object = client
        .query_opt(
            "SELECT 1 FROM custom_objects WHERE site_id = $1 AND id = $2 FOR SHARE",
            &[&site_id, &object_id],
        )
        .await?;
    let contact_ok = match contact {
        None => true,
        Some(id) => client
            .query_opt(
                "SELECT 1 FROM contacts WHERE site_id = $1 AND id = $2 FOR SHARE",
                &[&site_id, &id],
            )
            .await?
            .is_some(),
    };
    if object.is_some() && contact_ok {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

async fn write_values(
    client: &impl GenericClient,
    id: i64,
    input: &CustomObjectRecordInput,
) -> StoreResult<()> {
    client
        .execute(
            "DELETE FROM custom_object_values WHERE record_id = $1",
            &[&id],
        )
        .await?;
    let (fields, values): (Vec<i64>, Vec<String>) = input.values.iter().cloned().unzip();
    client
        .execute(
            "INSERT INTO custom_object_values (record_id, field_id, value)
             SELECT $1, f, v FROM unnest($2::BIGINT[], $3::TEXT[]) AS u(f, v)
             ON CONFLICT (record_id, field_id) DO UPDATE SET value = excluded.value",
            &[&id, &fields, &values],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl CustomObjectRecordStore for PostgresStore {
    async fn record_counts(
        &self,
        site_id: i64,
        object_ids: &[i64],
    ) -> StoreResult<Vec<(i64, u64)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT o.id, COUNT(r.id) FROM custom_objects o
                 LEFT JOIN custom_object_records r ON r.object_id = o.id
                 WHERE o.site_id = $1 AND o.id = ANY($2) GROUP BY o.id ORDER BY o.id",
                &[&site_id, &object_ids],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), super::count(r.get(1))))
            .collect())
    }

    async fn create_record(
        &self,
        site_id: i64,
        object_id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        check_owner(&tx, site_id, object_id, input.contact_id).await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO custom_object_records (object_id, contact_id, created_by, created_at, updated_by, updated_at)
                 VALUES ($1, $2, $3, $4, $3, $4) RETURNING id",
                &[&object_id, &input.contact_id, &by, &now],
            )
            .await?
            .get(0);
        write_values(&tx, id, input).await?;
        let record = load(&tx, site_id, object_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn get_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
    ) -> StoreResult<CustomObjectRecord> {
        let client = self.client().await?;
        load(&client, site_id, object_id, id).await
    }

    async fn update_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        load(&tx, site_id, object_id, id).await?;
        check_owner(&tx, site_id, object_id, input.contact_id).await?;
        tx.execute(
            "UPDATE custom_object_records SET contact_id = $2, updated_by = $3, updated_at = $4 WHERE id = $1",
            &[&id, &input.contact_id, &by, &now],
        )
        .await?;
        write_values(&tx, id, input).await?;
        let record = load(&tx, site_id, object_id, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn delete_record(&self, site_id: i64, object_id: i64, id: i64) -> StoreResult<()> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                "DELETE FROM custom_object_records r USING custom_objects o
                 WHERE o.id = r.object_id AND o.site_id = $1 AND r.object_id = $2 AND r.id = $3",
                &[&site_id, &object_id, &id],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn list_records(
        &self,
        site_id: i64,
        object_id: i64,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<CustomObjectRecord>, u64)> {
        let (offset, limit) = (
            i64::try_from(offset).unwrap_or(i64::MAX),
            i64::try_from(limit).unwrap_or(i64::MAX),
        );
        let client = self.client().await?;
        let filter = "o.site_id = $1 AND r.object_id = $2";
        let total: i64 = client
            .query_one(
                &format!(
                    "SELECT COUNT(*) FROM custom_object_records r JOIN custom_objects o ON o.id = r.object_id WHERE {filter}"
                ),
                &[&site_id, &object_id],
            )
            .await?
            .get(0);
        let rows = client
            .query(
                &format!("{SELECT} WHERE {filter} ORDER BY r.id LIMIT $3 OFFSET $4"),
                &[&site_id, &object_id, &limit, &offset],
            )
            .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            records.push(with_values(&client, record_from(row)).await?);
        }
        Ok((records, u64::try_from(total).unwrap_or(0)))
    }
}
