//! AppCloud service instances, executions and members on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::membership::lock_site_contacts;
use super::{PostgresStore, error};
use crate::domain::appcloud::{Execution, InstanceKind, Member, ServiceInstance};
use crate::domain::clock::Timestamp;
use crate::domain::markup::InstanceId;
use crate::store::{AppCloudStore, StoreError, StoreResult};

const INSTANCE_COLUMNS: &str = "id, guid, kind, name, created_by, created_at";

const EXECUTION_SELECT: &str = "SELECT e.id, i.guid, e.created_by, e.created_at,
    (SELECT COUNT(*) FROM appcloud_members m WHERE m.instance_id = e.instance_id AND m.execution_id = e.id)
    FROM appcloud_executions e JOIN appcloud_instances i ON i.id = e.instance_id";

fn corrupt(what: String) -> StoreError {
    StoreError::Other(anyhow::anyhow!(what))
}

fn instance_from(row: &Row) -> StoreResult<(i64, ServiceInstance)> {
    let guid: &str = row.get(1);
    let kind: &str = row.get(2);
    Ok((
        row.get(0),
        ServiceInstance {
            instance: guid
                .parse()
                .map_err(|_| corrupt(format!("stored GUID {guid:?}")))?,
            kind: InstanceKind::parse(kind)
                .ok_or_else(|| corrupt(format!("stored kind {kind:?}")))?,
            name: row.get(3),
            created_by: row.get(4),
            created_at: Timestamp::from_nanos(row.get(5)),
        },
    ))
}

fn execution_from(row: &Row) -> StoreResult<Execution> {
    let guid: &str = row.get(1);
    Ok(Execution {
        id: row.get(0),
        instance: guid
            .parse()
            .map_err(|_| corrupt(format!("stored GUID {guid:?}")))?,
        created_by: row.get(2),
        created_at: Timestamp::from_nanos(row.get(3)),
        member_count: row.get(4),
    })
}

/// The site's instance by GUID with its row id. `lock` holds it (`FOR SHARE`) until the
/// transaction ends, so it is not deleted (and its members cascaded) under rows being written.
async fn load_instance(
    client: &impl GenericClient,
    site_id: i64,
    guid: &str,
    lock: bool,
) -> StoreResult<(i64, ServiceInstance)> {
    let sql = format!(
        "SELECT {INSTANCE_COLUMNS} FROM appcloud_instances WHERE site_id = $1 AND guid = $2{}",
        if lock { " FOR SHARE" } else { "" }
    );
    let stmt = client.prepare_cached(&sql).await?;
    let row = client
        .query_opt(&stmt, &[&site_id, &guid])
        .await?
        .ok_or(StoreError::NotFound)?;
    instance_from(&row)
}

async fn load_execution(
    client: &impl GenericClient,
    instance_row: i64,
    execution_id: i64,
) -> StoreResult<Execution> {
    let stmt = client
        .prepare_cached(&format!(
            "{EXECUTION_SELECT} WHERE e.instance_id = $1 AND e.id = $2"
        ))
        .await?;
    let row = client
        .query_opt(&stmt, &[&instance_row, &execution_id])
        .await?
        .ok_or(StoreError::NotFound)?;
    execution_from(&row)
}

/// The member slot of `execution_id` (0 means the instance itself, as feeders have no executions).
async fn check_slot(
    client: &impl GenericClient,
    instance_row: i64,
    kind: InstanceKind,
    execution_id: i64,
) -> StoreResult<()> {
    match (kind, execution_id) {
        (InstanceKind::Feeder, 0) => Ok(()),
        (InstanceKind::Feeder, _) | (_, 0) => Err(StoreError::NotFound),
        _ => load_execution(client, instance_row, execution_id)
            .await
            .map(|_| ()),
    }
}

/// Puts the contacts in the slot with `status`, or changes the status of those already there.
async fn upsert_members(
    client: &impl GenericClient,
    instance_row: i64,
    execution_id: i64,
    contact_ids: &[i64],
    status: &str,
    now: i64,
) -> StoreResult<()> {
    if contact_ids.is_empty() {
        return Ok(());
    }
    // DISTINCT: one statement may not update the same row twice.
    client
        .execute(
            "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
             SELECT $1::BIGINT, $2::BIGINT, c, $4::TEXT, $5::BIGINT
             FROM (SELECT DISTINCT unnest($3::BIGINT[]) AS c) ids
             ON CONFLICT (instance_id, execution_id, contact_id)
             DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
            &[&instance_row, &execution_id, &contact_ids, &status, &now],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl AppCloudStore for PostgresStore {
    async fn create_instance(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        kind: InstanceKind,
        name: Option<String>,
    ) -> StoreResult<ServiceInstance> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO appcloud_instances (site_id, guid, kind, name, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {INSTANCE_COLUMNS}"
                ),
                &[
                    &site_id,
                    &instance.as_str(),
                    &kind.as_str(),
                    &name,
                    &by,
                    &self.now().as_nanos(),
                ],
            )
            .await?;
        instance_from(&row).map(|(_, i)| i)
    }

    async fn get_instance(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<ServiceInstance> {
        let client = self.client().await?;
        load_instance(&client, site_id, instance.as_str(), false)
            .await
            .map(|(_, i)| i)
    }

    async fn list_instances(&self, site_id: i64) -> StoreResult<Vec<ServiceInstance>> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {INSTANCE_COLUMNS} FROM appcloud_instances WHERE site_id = $1 ORDER BY id"
                ),
                &[&site_id],
            )
            .await?;
        rows.iter()
            .map(|row| instance_from(row).map(|(_, i)| i))
            .collect()
    }

    async fn delete_instance(&self, site_id: i64, instance: &InstanceId) -> StoreResult<()> {
        let client = self.client().await?;
        // Executions go by cascade, members by trigger.
        let n = client
            .execute(
                "DELETE FROM appcloud_instances WHERE site_id = $1 AND guid = $2",
                &[&site_id, &instance.as_str()],
            )
            .await?;
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn create_execution(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        contact_ids: &[i64],
    ) -> StoreResult<Execution> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (row, found) = load_instance(&tx, site_id, instance.as_str(), true).await?;
        if found.kind == InstanceKind::Feeder {
            return Err(StoreError::Conflict {
                constraint: "feeder_has_no_executions",
            });
        }
        lock_site_contacts(&tx, site_id, contact_ids).await?;
        let execution_id: i64 = tx
            .query_one(
                "INSERT INTO appcloud_executions (instance_id, created_by, created_at) VALUES ($1, $2, $3) RETURNING id",
                &[&row, &by, &now],
            )
            .await?
            .get(0);
        upsert_members(&tx, row, execution_id, contact_ids, "pending", now).await?;
        let execution = load_execution(&tx, row, execution_id).await?;
        tx.commit().await?;
        Ok(execution)
    }

    async fn get_execution(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Execution> {
        let client = self.client().await?;
        let (row, _) = load_instance(&client, site_id, instance.as_str(), false).await?;
        load_execution(&client, row, execution_id).await
    }

    async fn list_executions(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<Vec<Execution>> {
        let client = self.client().await?;
        let (row, _) = load_instance(&client, site_id, instance.as_str(), false).await?;
        let rows = client
            .query(
                &format!("{EXECUTION_SELECT} WHERE e.instance_id = $1 ORDER BY e.id"),
                &[&row],
            )
            .await?;
        rows.iter().map(execution_from).collect()
    }

    async fn list_members_of(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Vec<Member>> {
        let client = self.client().await?;
        let (row, found) = load_instance(&client, site_id, instance.as_str(), false).await?;
        check_slot(&client, row, found.kind, execution_id).await?;
        let rows = client
            .query(
                "SELECT contact_id, status, updated_at FROM appcloud_members
                 WHERE instance_id = $1 AND execution_id = $2 ORDER BY contact_id",
                &[&row, &execution_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Member {
                contact_id: r.get(0),
                status: r.get(1),
                updated_at: Timestamp::from_nanos(r.get(2)),
            })
            .collect())
    }

    async fn set_members(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
        contact_ids: &[i64],
        status: &str,
    ) -> StoreResult<()> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let (row, found) = load_instance(&tx, site_id, instance.as_str(), true).await?;
        check_slot(&tx, row, found.kind, execution_id).await?;
        lock_site_contacts(&tx, site_id, contact_ids).await?;
        upsert_members(&tx, row, execution_id, contact_ids, status, now).await?;
        tx.commit().await.map_err(error::map)
    }
}
