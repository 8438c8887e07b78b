//! The effects of planned actions on the contacts a batch claimed first (rows of the batch's
//! own temporary table: `sync_claimed` for a sync action, `import_batch` for an import): one
//! set-based statement per action, which also tells whether the action's container still
//! exists (`target`), so an action costs one round trip.
//!
//! Memberships are written in contact order, so two syncs writing the same container lock its
//! rows in the same order rather than deadlocking; contacts are locked in id order before a
//! global subscription change for the same reason.

use deadpool_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::error;
use crate::domain::clock::Timestamp;
use crate::domain::plan::{ApplyPlan, Effect, MemberTarget};
use crate::store::contacts::ListTables;
use crate::store::{StoreResult, SyncJob};

/// Applies one effect to the contacts `matched` selects (a query of one `contact_id` column,
/// over the batch's temporary tables, binding no parameter); false when its container is gone.
pub(super) async fn apply_effect(
    tx: &Transaction<'_>,
    job: &SyncJob,
    effect: &Effect,
    matched: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let now = now.as_nanos();
    let run = async |sql: String, extra: &[&(dyn ToSql + Sync)]| -> StoreResult<bool> {
        // `$1` is the site; the effect's own values follow.
        let site: &(dyn ToSql + Sync) = &job.site_id;
        let params: Vec<&(dyn ToSql + Sync)> =
            std::iter::once(site).chain(extra.iter().copied()).collect();
        let statement = tx.prepare_cached(&sql).await?;
        let row = tx.query_one(&statement, &params).await?;
        Ok(row.get(0))
    };
    match effect {
        Effect::ListAdd(record_type, list) => {
            let ListTables {
                lists,
                members,
                member,
                ..
            } = ListTables::of(record_type);
            run(
                format!(
                    "WITH target AS (SELECT id FROM {lists} WHERE site_id = $1 AND id = $2),
                     done AS (
                         INSERT INTO {members} (list_id, {member})
                         SELECT t.id, m.contact_id FROM target t, ({matched}) m ORDER BY m.contact_id
                         ON CONFLICT DO NOTHING)
                     SELECT EXISTS (SELECT 1 FROM target)"
                ),
                &[list],
            )
            .await
        }
        Effect::ListRemove(record_type, list) => {
            let ListTables {
                lists,
                members,
                member,
                ..
            } = ListTables::of(record_type);
            run(
                format!(
                    "WITH target AS (SELECT id FROM {lists} WHERE site_id = $1 AND id = $2),
                     done AS (
                         DELETE FROM {members}
                         WHERE list_id = (SELECT id FROM target) AND {member} IN ({matched}))
                     SELECT EXISTS (SELECT 1 FROM target)"
                ),
                &[list],
            )
            .await
        }
        Effect::GroupStatus(group, subscribed) => {
            run(
                format!(
                    "WITH target AS (SELECT id FROM email_groups WHERE site_id = $1 AND id = $2),
                     done AS (
                         INSERT INTO email_group_subscriptions (group_id, contact_id, is_subscribed, updated_at)
                         SELECT t.id, m.contact_id, $3, $4 FROM target t, ({matched}) m ORDER BY m.contact_id
                         ON CONFLICT (group_id, contact_id) DO UPDATE
                         SET is_subscribed = excluded.is_subscribed, updated_at = excluded.updated_at)
                     SELECT EXISTS (SELECT 1 FROM target)"
                ),
                &[group, subscribed, &now],
            )
            .await
        }
        Effect::GlobalStatus(subscribed) => {
            run(
                format!(
                    "WITH locked AS (
                         SELECT id FROM contacts WHERE site_id = $1 AND id IN ({matched})
                         ORDER BY id FOR NO KEY UPDATE),
                     done AS (
                         UPDATE contacts c SET is_subscribed = $2, updated_at = $3
                         FROM locked l WHERE c.id = l.id RETURNING c.email_address),
                     -- Subscribing a contact subscribes its address: contacts created later
                     -- with it no longer start unsubscribed.
                     address AS (
                         UPDATE email_addresses e SET is_unsubscribed = false, updated_at = $3
                         WHERE $2 AND e.site_id = $1 AND e.is_unsubscribed
                           AND lower(e.address) IN (SELECT lower(email_address) FROM done))
                     SELECT true"
                ),
                &[subscribed, &now],
            )
            .await
        }
        Effect::Bounce => {
            run(
                format!(
                    "WITH locked AS (
                         SELECT id FROM contacts WHERE site_id = $1 AND id IN ({matched})
                         ORDER BY id FOR NO KEY UPDATE),
                     done AS (
                         UPDATE contacts c SET is_bounced = true, updated_at = $2
                         FROM locked l WHERE c.id = l.id)
                     SELECT true"
                ),
                &[&now],
            )
            .await
        }
        Effect::MemberStatus {
            instance,
            target,
            status,
        } => {
            let instance = instance.as_str();
            let target_sql =
                "target AS (SELECT id FROM appcloud_instances WHERE site_id = $1 AND guid = $2)";
            match target {
                MemberTarget::WholeInstance => {
                    run(
                        format!(
                            "WITH {target_sql},
                             done AS (
                                 UPDATE appcloud_members SET status = $3, updated_at = $4
                                 WHERE instance_id = (SELECT id FROM target) AND contact_id IN ({matched}))
                             SELECT EXISTS (SELECT 1 FROM target)"
                        ),
                        &[&instance, status, &now],
                    )
                    .await
                }
                MemberTarget::Execution(_) | MemberTarget::Feeder => {
                    let execution = match target {
                        MemberTarget::Execution(e) => *e,
                        _ => 0,
                    };
                    run(
                        format!(
                            "WITH {target_sql},
                             done AS (
                                 INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
                                 SELECT t.id, $5, m.contact_id, $3, $4 FROM target t, ({matched}) m ORDER BY m.contact_id
                                 ON CONFLICT (instance_id, execution_id, contact_id) DO UPDATE
                                 SET status = excluded.status, updated_at = excluded.updated_at)
                             SELECT EXISTS (SELECT 1 FROM target)"
                        ),
                        &[&instance, status, &now, &execution],
                    )
                    .await
                }
            }
        }
    }
}

/// Sets the status of every member of the execution an `updateAll` action names.
pub(super) async fn update_all(
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
    tx.execute(
        "UPDATE appcloud_members SET status = $3, updated_at = $4
         WHERE instance_id = (SELECT id FROM appcloud_instances WHERE site_id = $5 AND guid = $1)
           AND execution_id = $2",
        &[
            &instance.as_str(),
            execution,
            status,
            &now.as_nanos(),
            &job.site_id,
        ],
    )
    .await
    .map_err(error::map)
}
