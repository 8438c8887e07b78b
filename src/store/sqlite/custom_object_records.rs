//! Custom object records on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{SqliteStore, error};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::custom_object::{CustomObjectRecord, CustomObjectRecordInput};
use crate::store::{CustomObjectRecordStore, StoreError, StoreResult};

const SELECT: &str =
    "SELECT r.id, r.object_id, r.contact_id, r.created_by, r.created_at, r.updated_by, r.updated_at
     FROM custom_object_records r JOIN custom_objects o ON o.id = r.object_id";

fn record_from(row: &Row<'_>) -> rusqlite::Result<CustomObjectRecord> {
    Ok(CustomObjectRecord {
        id: row.get(0)?,
        object_id: row.get(1)?,
        contact_id: row.get(2)?,
        values: Vec::new(),
        audit: Audit {
            created_by: row.get(3)?,
            created_at: Timestamp::from_nanos(row.get(4)?),
            updated_by: row.get(5)?,
            updated_at: Timestamp::from_nanos(row.get(6)?),
        },
    })
}

fn with_values(
    conn: &Connection,
    mut record: CustomObjectRecord,
) -> StoreResult<CustomObjectRecord> {
    let mut stmt = conn.prepare_cached(
        "SELECT field_id, value FROM custom_object_values WHERE record_id = ?1 ORDER BY field_id",
    )?;
    record.values = stmt
        .query_map([record.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(record)
}

fn load(
    conn: &Connection,
    site_id: i64,
    object_id: i64,
    id: i64,
) -> StoreResult<CustomObjectRecord> {
    let record = conn
        .query_row(
            &format!("{SELECT} WHERE o.site_id = ?1 AND r.object_id = ?2 AND r.id = ?3"),
            params![site_id, object_id, id],
            record_from,
        )
        .map_err(error::map)?;
    with_values(conn, record)
}

/// `NotFound` unless the object is the site's and the contact (if any) too.
fn check_owner(
    tx: &Transaction<'_>,
    site_id: i64,
    object_id: i64,
    contact: Option<i64>,
) -> StoreResult<()> {
    let object = tx
        .query_row(
            "SELECT 1 FROM custom_objects WHERE site_id = ?1 AND id = ?2",
            params![site_id, object_id],
            |_| Ok(()),
        )
        .optional()?;
    let contact_ok = match contact {
        None => true,
        Some(id) => tx
            .query_row(
                "SELECT 1 FROM contacts WHERE site_id = ?1 AND id = ?2",
                params![site_id, id],
                |_| Ok(()),
            )
            .optional()?
            .is_some(),
    };
    if object.is_some() && contact_ok {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

fn write_values(tx: &Transaction<'_>, id: i64, input: &CustomObjectRecordInput) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM custom_object_values WHERE record_id = ?1",
        [id],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO custom_object_values (record_id, field_id, value) VALUES (?1, ?2, ?3)",
    )?;
    for (field, value) in &input.values {
        insert.execute(params![id, field, value])?;
    }
    Ok(())
}

#[async_trait]
impl CustomObjectRecordStore for SqliteStore {
    async fn record_counts(
        &self,
        site_id: i64,
        object_ids: &[i64],
    ) -> StoreResult<Vec<(i64, u64)>> {
        let counts = self
            .counts_by_id(
                "SELECT COUNT(r.id), 0 FROM custom_objects o
                 LEFT JOIN custom_object_records r ON r.object_id = o.id
                 WHERE o.site_id = ?1 AND o.id = ?2 GROUP BY o.id",
                site_id,
                object_ids,
            )
            .await?;
        Ok(counts
            .into_iter()
            .map(|(id, records, _)| (id, records))
            .collect())
    }

    async fn create_record(
        &self,
        site_id: i64,
        object_id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord> {
        let (by, now, input) = (by.to_owned(), self.now().as_nanos(), input.clone());
        self.write(move |tx| {
            check_owner(tx, site_id, object_id, input.contact_id)?;
            tx.execute(
                "INSERT INTO custom_object_records (object_id, contact_id, created_by, created_at, updated_by, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?3, ?4)",
                params![object_id, input.contact_id, by, now],
            )?;
            let id = tx.last_insert_rowid();
            write_values(tx, id, &input)?;
            load(tx, site_id, object_id, id)
        })
        .await
    }

    async fn get_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
    ) -> StoreResult<CustomObjectRecord> {
        self.read(move |conn| load(conn, site_id, object_id, id))
            .await
    }

    async fn update_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord> {
        let (by, now, input) = (by.to_owned(), self.now().as_nanos(), input.clone());
        self.write(move |tx| {
            load(tx, site_id, object_id, id)?;
            check_owner(tx, site_id, object_id, input.contact_id)?;
            tx.execute(
                "UPDATE custom_object_records SET contact_id = ?2, updated_by = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, input.contact_id, by, now],
            )?;
            write_values(tx, id, &input)?;
            load(tx, site_id, object_id, id)
        })
        .await
    }

    async fn delete_record(&self, site_id: i64, object_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            load(tx, site_id, object_id, id)?;
            tx.execute("DELETE FROM custom_object_records WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
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
        self.read(move |conn| {
            let filter = "o.site_id = ?1 AND r.object_id = ?2";
            let total: i64 = conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM custom_object_records r JOIN custom_objects o ON o.id = r.object_id WHERE {filter}"
                ),
                params![site_id, object_id],
                |r| r.get(0),
            )?;
            let records = conn
                .prepare(&format!("{SELECT} WHERE {filter} ORDER BY r.id LIMIT ?3 OFFSET ?4"))?
                .query_map(params![site_id, object_id, limit, offset], record_from)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let records = records
                .into_iter()
                .map(|r| with_values(conn, r))
                .collect::<StoreResult<_>>()?;
            Ok((records, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }
}
