//! AppCloud service instances, executions and members on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, Row, params};

use super::{SqliteStore, error};
use crate::domain::appcloud::{Execution, InstanceKind, Member, ServiceInstance};
use crate::domain::clock::Timestamp;
use crate::domain::markup::InstanceId;
use crate::store::{AppCloudStore, StoreError, StoreResult};

const INSTANCE_SELECT: &str =
    "SELECT id, guid, kind, name, created_by, created_at FROM appcloud_instances";

const EXECUTION_SELECT: &str = "SELECT e.id, i.guid, e.created_by, e.created_at,
    (SELECT COUNT(*) FROM appcloud_members m WHERE m.instance_id = e.instance_id AND m.execution_id = e.id)
    FROM appcloud_executions e JOIN appcloud_instances i ON i.id = e.instance_id";

fn instance_from(row: &Row<'_>) -> rusqlite::Result<(i64, ServiceInstance)> {
    let guid: String = row.get(1)?;
    let kind: String = row.get(2)?;
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    Ok((
        row.get(0)?,
        ServiceInstance {
            instance: guid
                .parse()
                .map_err(|_| bad(format!("stored GUID {guid:?}")))?,
            kind: InstanceKind::parse(&kind).ok_or_else(|| bad(format!("stored kind {kind:?}")))?,
            name: row.get(3)?,
            created_by: row.get(4)?,
            created_at: Timestamp::from_nanos(row.get(5)?),
        },
    ))
}

fn execution_from(row: &Row<'_>) -> rusqlite::Result<Execution> {
    let guid: String = row.get(1)?;
    Ok(Execution {
        id: row.get(0)?,
        instance: guid.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("stored GUID {guid:?}").into(),
            )
        })?,
        created_by: row.get(2)?,
        created_at: Timestamp::from_nanos(row.get(3)?),
        member_count: row.get(4)?,
    })
}

fn load_instance(
    conn: &Connection,
    site_id: i64,
    guid: &str,
) -> StoreResult<(i64, ServiceInstance)> {
    conn.query_row(
        &format!("{INSTANCE_SELECT} WHERE site_id = ?1 AND guid = ?2"),
        params![site_id, guid],
        instance_from,
    )
    .map_err(error::map)
}

fn load_execution(
    conn: &Connection,
    instance_row: i64,
    execution_id: i64,
) -> StoreResult<Execution> {
    conn.query_row(
        &format!("{EXECUTION_SELECT} WHERE e.instance_id = ?1 AND e.id = ?2"),
        params![instance_row, execution_id],
        execution_from,
    )
    .map_err(error::map)
}

/// The member slot of `execution_id` (0 means the instance itself, as feeders have no executions).
fn check_slot(
    conn: &Connection,
    instance_row: i64,
    kind: InstanceKind,
    execution_id: i64,
) -> StoreResult<()> {
    match (kind, execution_id) {
        (InstanceKind::Feeder, 0) => Ok(()),
        (InstanceKind::Feeder, _) | (_, 0) => Err(StoreError::NotFound),
        _ => load_execution(conn, instance_row, execution_id).map(|_| ()),
    }
}

fn check_contacts(conn: &Connection, site_id: i64, contact_ids: &[i64]) -> StoreResult<()> {
    let mut check = conn.prepare_cached("SELECT 1 FROM contacts WHERE site_id = ?1 AND id = ?2")?;
    for id in contact_ids {
        if !check.exists(params![site_id, id])? {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}

fn upsert_members(
    conn: &Connection,
    instance_row: i64,
    execution_id: i64,
    contact_ids: &[i64],
    status: &str,
    now: i64,
) -> StoreResult<()> {
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (instance_id, execution_id, contact_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
        )?;
    for id in contact_ids {
        upsert.execute(params![instance_row, execution_id, id, status, now])?;
    }
    Ok(())
}

#[async_trait]
impl AppCloudStore for SqliteStore {
    async fn create_instance(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        kind: InstanceKind,
        name: Option<String>,
    ) -> StoreResult<ServiceInstance> {
        let (by, guid, now) = (
            by.to_owned(),
            instance.as_str().to_owned(),
            self.now().as_nanos(),
        );
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO appcloud_instances (site_id, guid, kind, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![site_id, guid, kind.as_str(), name, by, now],
            )?;
            load_instance(tx, site_id, &guid).map(|(_, i)| i)
        })
        .await
    }

    async fn get_instance(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<ServiceInstance> {
        let guid = instance.as_str().to_owned();
        self.read(move |conn| load_instance(conn, site_id, &guid).map(|(_, i)| i))
            .await
    }

    async fn list_instances(&self, site_id: i64) -> StoreResult<Vec<ServiceInstance>> {
        self.read(move |conn| {
            let mut stmt =
                conn.prepare(&format!("{INSTANCE_SELECT} WHERE site_id = ?1 ORDER BY id"))?;
            let rows = stmt.query_map([site_id], instance_from)?;
            rows.map(|r| r.map(|(_, i)| i))
                .collect::<rusqlite::Result<_>>()
                .map_err(error::map)
        })
        .await
    }

    async fn delete_instance(&self, site_id: i64, instance: &InstanceId) -> StoreResult<()> {
        let guid = instance.as_str().to_owned();
        self.write(move |tx| {
            let (row, _) = load_instance(tx, site_id, &guid)?;
            tx.execute("DELETE FROM appcloud_members WHERE instance_id = ?1", [row])?;
            tx.execute("DELETE FROM appcloud_instances WHERE id = ?1", [row])?;
            Ok(())
        })
        .await
    }

    async fn create_execution(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        contact_ids: &[i64],
    ) -> StoreResult<Execution> {
        let (by, guid, ids, now) = (
            by.to_owned(),
            instance.as_str().to_owned(),
            contact_ids.to_vec(),
            self.now().as_nanos(),
        );
        self.write(move |tx| {
            let (row, found) = load_instance(tx, site_id, &guid)?;
            if found.kind == InstanceKind::Feeder {
                return Err(StoreError::Conflict { constraint: "feeder_has_no_executions" });
            }
            check_contacts(tx, site_id, &ids)?;
            tx.execute(
                "INSERT INTO appcloud_executions (instance_id, created_by, created_at) VALUES (?1, ?2, ?3)",
                params![row, by, now],
            )?;
            let execution_id = tx.last_insert_rowid();
            upsert_members(tx, row, execution_id, &ids, "pending", now)?;
            load_execution(tx, row, execution_id)
        })
        .await
    }

    async fn get_execution(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Execution> {
        let guid = instance.as_str().to_owned();
        self.read(move |conn| {
            let (row, _) = load_instance(conn, site_id, &guid)?;
            load_execution(conn, row, execution_id)
        })
        .await
    }

    async fn list_executions(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<Vec<Execution>> {
        let guid = instance.as_str().to_owned();
        self.read(move |conn| {
            let (row, _) = load_instance(conn, site_id, &guid)?;
            let mut stmt = conn.prepare(&format!(
                "{EXECUTION_SELECT} WHERE e.instance_id = ?1 ORDER BY e.id"
            ))?;
            let rows = stmt.query_map([row], execution_from)?;
            rows.collect::<rusqlite::Result<_>>().map_err(error::map)
        })
        .await
    }

    async fn list_members_of(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Vec<Member>> {
        let guid = instance.as_str().to_owned();
        self.read(move |conn| {
            let (row, found) = load_instance(conn, site_id, &guid)?;
            check_slot(conn, row, found.kind, execution_id)?;
            let mut stmt = conn
                .prepare("SELECT contact_id, status, updated_at FROM appcloud_members WHERE instance_id = ?1 AND execution_id = ?2 ORDER BY contact_id")?;
            let rows = stmt
                .query_map(params![row, execution_id], |r| {
                    Ok(Member { contact_id: r.get(0)?, status: r.get(1)?, updated_at: Timestamp::from_nanos(r.get(2)?) })
                })?;
            rows.collect::<rusqlite::Result<_>>().map_err(error::map)
        })
        .await
    }

    async fn set_members(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
        contact_ids: &[i64],
        status: &str,
    ) -> StoreResult<()> {
        let (guid, ids, status, now) = (
            instance.as_str().to_owned(),
            contact_ids.to_vec(),
            status.to_owned(),
            self.now().as_nanos(),
        );
        self.write(move |tx| {
            let (row, found) = load_instance(tx, site_id, &guid)?;
            check_slot(tx, row, found.kind, execution_id)?;
            check_contacts(tx, site_id, &ids)?;
            upsert_members(tx, row, execution_id, &ids, &status, now)
        })
        .await
    }
}
