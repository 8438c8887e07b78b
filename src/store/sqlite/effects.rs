//! The effects of planned actions on the contacts a batch matched first: one set-based
//! statement per action over a subquery listing them (a sync's `temp.batch_claimed`, an
//! import's `sync_seen` rows whose first record lies in the batch).

use rusqlite::{OptionalExtension, Transaction, params};

use super::batch::Records;
use super::error;
use crate::domain::clock::Timestamp;
use crate::domain::plan::{ApplyPlan, Effect, MemberTarget};
use crate::store::contacts::ListTables;
use crate::store::{StoreResult, SyncJob};

/// The contacts an import batch matched first, as a subquery over `sync_seen`.
pub(super) fn matched(records: Records) -> String {
    // Both bounds are integers computed here, never client text.
    format!(
        "SELECT contact_id FROM temp.sync_seen WHERE first_index >= {} AND first_index <= {}",
        records.first, records.last
    )
}

/// Applies one effect to the contacts the subquery `matched` lists (trusted SQL, never
/// client text); false when its container is gone.
pub(super) fn apply_effect(
    tx: &Transaction<'_>,
    site_id: i64,
    effect: &Effect,
    matched: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let now = now.as_nanos();
    let exists = |sql: &str, id: &dyn rusqlite::ToSql| -> StoreResult<bool> {
        tx.query_row(sql, params![site_id, id], |_| Ok(()))
            .optional()
            .map(|o| o.is_some())
            .map_err(error::map)
    };
    match effect {
        Effect::ListAdd(record_type, list) | Effect::ListRemove(record_type, list) => {
            let ListTables {
                lists,
                members,
                member,
                ..
            } = ListTables::of(record_type);
            if !exists(
                &format!("SELECT 1 FROM {lists} WHERE site_id = ?1 AND id = ?2"),
                list,
            )? {
                return Ok(false);
            }
            let sql = if matches!(effect, Effect::ListAdd(..)) {
                format!(
                    "INSERT OR IGNORE INTO {members} (list_id, {member}) SELECT ?1, contact_id FROM ({matched})"
                )
            } else {
                format!("DELETE FROM {members} WHERE list_id = ?1 AND {member} IN ({matched})")
            };
            tx.execute(&sql, [list])?;
        }
        Effect::GroupStatus(group, subscribed) => {
            if !exists(
                "SELECT 1 FROM email_groups WHERE site_id = ?1 AND id = ?2",
                group,
            )? {
                return Ok(false);
            }
            let sql = format!(
                "INSERT INTO email_group_subscriptions (group_id, contact_id, is_subscribed, updated_at)
                 SELECT ?1, contact_id, ?2, ?3 FROM ({matched}) WHERE true
                 ON CONFLICT (group_id, contact_id) DO UPDATE SET is_subscribed = excluded.is_subscribed, updated_at = excluded.updated_at"
            );
            tx.execute(&sql, params![group, subscribed, now])?;
        }
        Effect::GlobalStatus(subscribed) => {
            let sql = format!(
                "UPDATE contacts SET is_subscribed = ?1, updated_at = ?2 WHERE id IN ({matched})"
            );
            tx.execute(&sql, params![subscribed, now])?;
            if *subscribed {
                // Subscribing a contact subscribes its address: contacts created later with
                // it no longer start unsubscribed.
                let sql = format!(
                    "UPDATE email_addresses SET is_unsubscribed = 0, updated_at = ?2
                     WHERE site_id = ?1 AND is_unsubscribed
                       AND address IN (SELECT email_address FROM contacts WHERE id IN ({matched}))"
                );
                tx.execute(&sql, params![site_id, now])?;
            }
        }
        Effect::Bounce => {
            let sql = format!(
                "UPDATE contacts SET is_bounced = 1, updated_at = ?1 WHERE id IN ({matched})"
            );
            tx.execute(&sql, [now])?;
        }
        Effect::MemberStatus {
            instance,
            target,
            status,
        } => {
            let Some(row) = instance_row(tx, site_id, instance.as_str())? else {
                return Ok(false);
            };
            let sql = match target {
                MemberTarget::WholeInstance => format!(
                    "UPDATE appcloud_members SET status = ?2, updated_at = ?3 WHERE instance_id = ?1 AND contact_id IN ({matched})"
                ),
                MemberTarget::Execution(_) | MemberTarget::Feeder => format!(
                    "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
                     SELECT ?1, ?4, contact_id, ?2, ?3 FROM ({matched}) WHERE true
                     ON CONFLICT (instance_id, execution_id, contact_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
                ),
            };
            let execution = match target {
                MemberTarget::Execution(e) => *e,
                _ => 0,
            };
            if matches!(target, MemberTarget::WholeInstance) {
                tx.execute(&sql, params![row, status, now])?;
            } else {
                tx.execute(&sql, params![row, status, now, execution])?;
            }
        }
    }
    Ok(true)
}

fn instance_row(tx: &Transaction<'_>, site_id: i64, guid: &str) -> StoreResult<Option<i64>> {
    tx.query_row(
        "SELECT id FROM appcloud_instances WHERE site_id = ?1 AND guid = ?2",
        params![site_id, guid],
        |r| r.get(0),
    )
    .optional()
    .map_err(error::map)
}

/// Sets the status of every member of the execution an `updateAll` action names.
pub(super) fn update_all(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    action: usize,
    now: Timestamp,
) -> StoreResult<u64> {
    let Some(Effect::MemberStatus {
        instance,
        target: MemberTarget::Execution(execution),
        status,
    }) = plan.actions.get(action).map(|a| &a.effect)
    else {
        return Ok(0);
    };
    let Some(row) = instance_row(tx, job.site_id, instance.as_str())? else {
        return Ok(0);
    };
    let n = tx
        .execute(
            "UPDATE appcloud_members SET status = ?3, updated_at = ?4 WHERE instance_id = ?1 AND execution_id = ?2",
            params![row, execution, status, now.as_nanos()],
        )?;
    Ok(n as u64)
}
