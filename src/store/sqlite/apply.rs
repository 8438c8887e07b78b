//! The engine's statements: claiming a sync, applying a plan to a batch of staged rows
//! set-based, ending a sync, and sweeping expired data.
//!
//! A batch resolves its rows to contacts once, into the temporary table `batch` on the writer
//! connection, then every action is one `INSERT … SELECT`, `UPDATE` or `DELETE` over it.
//! `sync_seen` (also temporary) remembers the contacts matched by earlier batches of the
//! running sync, so a contact matched twice is a duplicate. A crash loses both tables, which
//! is fine: an interrupted sync is re-run from its first batch, and its effects are idempotent.

use rusqlite::{OptionalExtension, Transaction, params};

use super::error;
use super::staging::{self, KIND_EMPTY, KIND_MISSING};
use super::syncs::{SYNC_SELECT, sync_from};
use crate::domain::clock::Timestamp;
use crate::domain::definition::Identifier;
use crate::domain::plan::{ApplyPlan, Effect, MemberTarget, RejectReason};
use crate::domain::sync::{Sync, SyncLog, SyncStatus};
use crate::store::{BatchCounts, StoreError, StoreResult, SweepReport, SyncFile, SyncJob};

/// Claims the oldest pending sync whose definition has no active or earlier pending sync.
pub(super) fn claim(tx: &Transaction<'_>, now: Timestamp) -> StoreResult<Option<SyncJob>> {
    tx.query_row(
        "UPDATE syncs SET status = 'active', started_at = COALESCE(started_at, ?1)
         WHERE id = (SELECT s.id FROM syncs s WHERE s.status = 'pending' AND NOT EXISTS (
             SELECT 1 FROM syncs o WHERE o.definition_id = s.definition_id
             AND (o.status = 'active' OR (o.status = 'pending' AND o.id < s.id)))
           ORDER BY s.id LIMIT 1)
         RETURNING id, site_id, definition_id",
        [now.as_nanos()],
        |r| {
            Ok(SyncJob {
                sync_id: r.get(0)?,
                site_id: r.get(1)?,
                definition_id: r.get(2)?,
            })
        },
    )
    .optional()
    .map_err(error::map)
}

/// Resets what an earlier attempt wrote and lists the sync's files with record offsets.
pub(super) fn begin(
    tx: &Transaction<'_>,
    job: &SyncJob,
    column: &str,
) -> StoreResult<Vec<SyncFile>> {
    tx.execute("DELETE FROM sync_rejects WHERE sync_id = ?1", [job.sync_id])
        .map_err(error::map)?;
    tx.execute(
        "UPDATE syncs SET field_column = ?2 WHERE id = ?1",
        params![job.sync_id, column],
    )
    .map_err(error::map)?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS sync_seen (contact_id INTEGER PRIMARY KEY, first_index INTEGER NOT NULL);
         DELETE FROM temp.sync_seen;
         CREATE TEMP TABLE IF NOT EXISTS batch (record_index INTEGER NOT NULL, kind INTEGER NOT NULL,
             value TEXT, contact_id INTEGER);",
    )
    .map_err(error::map)?;
    let mut stmt = tx
        .prepare("SELECT id, row_count, ignored_columns FROM staged_files WHERE sync_id = ?1 ORDER BY id")
        .map_err(error::map)?;
    let rows = stmt
        .query_map([job.sync_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(error::map)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(error::map)?;
    let mut offset = 0u64;
    let mut files = Vec::with_capacity(rows.len());
    for (file_id, count, ignored) in rows {
        let rows = u64::try_from(count).unwrap_or(0);
        let ignored_columns =
            serde_json::from_str(&ignored).map_err(|e| StoreError::Other(e.into()))?;
        files.push(SyncFile {
            file_id,
            rows,
            offset,
            ignored_columns,
        });
        offset += rows;
    }
    Ok(files)
}

/// How an identifier value finds its contacts (`r` = staged row, `c` = contacts).
fn match_clause(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress => "c.email_address = r.value COLLATE NOCASE",
        Identifier::ContactIdExt => "c.contact_id_ext = r.value",
        Identifier::ContactId => "r.value NOT GLOB '*[^0-9]*' AND c.id = CAST(r.value AS INTEGER)",
    }
}

/// Applies the plan to rows `seq_from..seq_to` of `file`.
pub(super) fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    file: &SyncFile,
    (from, to): (u64, u64),
    now: Timestamp,
) -> StoreResult<BatchCounts> {
    let to_i = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    tx.execute("DELETE FROM temp.batch", [])
        .map_err(error::map)?;
    let resolve = format!(
        "INSERT INTO temp.batch (record_index, kind, value, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, r.kind, COALESCE(r.raw, r.value), c.id FROM staged_rows r
         LEFT JOIN contacts c ON r.kind = 0 AND c.site_id = ?2 AND {}
         WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5",
        match_clause(plan.identifier)
    );
    let base = staging::row_key(file.file_id, 0);
    let rows = tx
        .execute(
            &resolve,
            params![to_i(file.offset), job.site_id, base, to_i(from), to_i(to)],
        )
        .map_err(error::map)?;
    // The first row to match a contact in this sync claims it; `changes()` counts the
    // contacts this batch matched first. Later rows for the same contact are duplicates.
    tx.execute(
        "INSERT OR IGNORE INTO temp.sync_seen (contact_id, first_index)
         SELECT contact_id, record_index FROM temp.batch WHERE contact_id IS NOT NULL ORDER BY rowid",
        [],
    )
    .map_err(error::map)?;
    let matched = tx.changes();
    // Every row matching a new contact leaves nothing to reject: skip the scan.
    let rejected = if matched == rows as u64 {
        Vec::new()
    } else {
        reject(tx, job.sync_id, matched)?
    };
    // Effects are set operations and assignments, so applying them again for a duplicate
    // row changes nothing: every matched row goes through.
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job.site_id, &action.effect, now)?;
        per_action.push(if applied { matched } else { 0 });
    }
    Ok(BatchCounts {
        per_action,
        rejected,
    })
}

/// Writes the batch's rejects and counts them by reason.
fn reject(
    tx: &Transaction<'_>,
    sync_id: i64,
    matched: u64,
) -> StoreResult<Vec<(RejectReason, u64)>> {
    let (paired, missing, empty, unmatched): (i64, i64, i64, i64) = tx
        .query_row(
            "SELECT COUNT(contact_id), COALESCE(SUM(kind = 1), 0), COALESCE(SUM(kind = 2), 0),
                    COALESCE(SUM(kind = 0 AND contact_id IS NULL), 0) FROM temp.batch",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(error::map)?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut rejected = vec![
        (RejectReason::Missing, count(missing)),
        (RejectReason::Empty, count(empty)),
        (RejectReason::Unmatched, count(unmatched)),
    ];
    if missing + empty + unmatched > 0 {
        write_rejects(tx, sync_id)?;
    }
    if count(paired) > matched {
        rejected.push((RejectReason::Duplicate, write_duplicates(tx, sync_id)?));
    }
    Ok(rejected)
}

/// Writes a reject for each row without an identifier, empty, or matching no contact.
fn write_rejects(tx: &Transaction<'_>, sync_id: i64) -> StoreResult<()> {
    let code = |r: RejectReason| r.code().code;
    let sql = format!(
        "INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
         SELECT ?1, record_index,
           CASE kind WHEN {KIND_MISSING} THEN '{missing}' WHEN {KIND_EMPTY} THEN '{empty}' ELSE '{unmatched}' END,
           value
         FROM temp.batch WHERE kind <> 0 OR contact_id IS NULL",
        missing = code(RejectReason::Missing),
        empty = code(RejectReason::Empty),
        unmatched = code(RejectReason::Unmatched),
    );
    tx.execute(&sql, [sync_id]).map_err(error::map)?;
    Ok(())
}

/// Writes a duplicate reject for each row all of whose contacts an earlier row matched.
fn write_duplicates(tx: &Transaction<'_>, sync_id: i64) -> StoreResult<u64> {
    let sql = format!(
        "INSERT OR IGNORE INTO sync_rejects (sync_id, record_index, status_code, value)
         SELECT ?1, b.record_index, '{}', b.value
         FROM temp.batch b JOIN temp.sync_seen s ON s.contact_id = b.contact_id
         GROUP BY b.record_index HAVING MAX(s.first_index = b.record_index) = 0",
        RejectReason::Duplicate.code().code
    );
    let n = tx.execute(&sql, [sync_id]).map_err(error::map)?;
    Ok(n as u64)
}

const MATCHED: &str = "SELECT contact_id FROM temp.batch WHERE contact_id IS NOT NULL";

/// Applies one effect to the batch's matched contacts; false when its container is gone.
fn apply_effect(
    tx: &Transaction<'_>,
    site_id: i64,
    effect: &Effect,
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
        Effect::ListAdd(list) | Effect::ListRemove(list) => {
            if !exists(
                "SELECT 1 FROM contact_lists WHERE site_id = ?1 AND id = ?2",
                list,
            )? {
                return Ok(false);
            }
            let sql = if matches!(effect, Effect::ListAdd(_)) {
                format!(
                    "INSERT OR IGNORE INTO contact_list_members (list_id, contact_id) SELECT ?1, contact_id FROM ({MATCHED})"
                )
            } else {
                format!(
                    "DELETE FROM contact_list_members WHERE list_id = ?1 AND contact_id IN ({MATCHED})"
                )
            };
            tx.execute(&sql, [list]).map_err(error::map)?;
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
                 SELECT ?1, contact_id, ?2, ?3 FROM ({MATCHED}) WHERE true
                 ON CONFLICT (group_id, contact_id) DO UPDATE SET is_subscribed = excluded.is_subscribed, updated_at = excluded.updated_at"
            );
            tx.execute(&sql, params![group, subscribed, now])
                .map_err(error::map)?;
        }
        Effect::GlobalStatus(subscribed) => {
            let sql = format!(
                "UPDATE contacts SET is_subscribed = ?1, updated_at = ?2 WHERE id IN ({MATCHED})"
            );
            tx.execute(&sql, params![subscribed, now])
                .map_err(error::map)?;
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
                    "UPDATE appcloud_members SET status = ?2, updated_at = ?3 WHERE instance_id = ?1 AND contact_id IN ({MATCHED})"
                ),
                MemberTarget::Execution(_) | MemberTarget::Feeder => format!(
                    "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
                     SELECT ?1, ?4, contact_id, ?2, ?3 FROM ({MATCHED}) WHERE true
                     ON CONFLICT (instance_id, execution_id, contact_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
                ),
            };
            let execution = match target {
                MemberTarget::Execution(e) => *e,
                _ => 0,
            };
            if matches!(target, MemberTarget::WholeInstance) {
                tx.execute(&sql, params![row, status, now])
                    .map_err(error::map)?;
            } else {
                tx.execute(&sql, params![row, status, now, execution])
                    .map_err(error::map)?;
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
        )
        .map_err(error::map)?;
    Ok(n as u64)
}

/// Writes the logs and the terminal status together, and queues the callback.
pub(super) fn finish(
    tx: &Transaction<'_>,
    sync_id: i64,
    status: SyncStatus,
    logs: &[SyncLog],
    now: Timestamp,
) -> StoreResult<Sync> {
    let current: String = tx
        .query_row("SELECT status FROM syncs WHERE id = ?1", [sync_id], |r| {
            r.get(0)
        })
        .map_err(error::map)?;
    let allowed = SyncStatus::parse(&current).is_some_and(|from| from.can_become(status));
    if !allowed {
        return Err(StoreError::Conflict {
            constraint: "sync_status_transition",
        });
    }
    tx.execute("DELETE FROM sync_logs WHERE sync_id = ?1", [sync_id])
        .map_err(error::map)?;
    let mut insert = tx
        .prepare_cached("INSERT INTO sync_logs (sync_id, seq, severity, status_code, message, count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .map_err(error::map)?;
    for (seq, log) in logs.iter().enumerate() {
        let count = i64::try_from(log.count).unwrap_or(i64::MAX);
        insert
            .execute(params![
                sync_id,
                seq as i64,
                log.severity.as_str(),
                log.status_code,
                log.message,
                count,
                now.as_nanos()
            ])
            .map_err(error::map)?;
    }
    tx.execute(
        "UPDATE syncs SET status = ?2, ended_at = ?3, started_at = COALESCE(started_at, ?3) WHERE id = ?1",
        params![sync_id, status.as_str(), now.as_nanos()],
    )
    .map_err(error::map)?;
    tx.execute(
        "INSERT OR IGNORE INTO sync_callbacks (sync_id, attempts, next_at) SELECT id, 0, ?2 FROM syncs WHERE id = ?1 AND callback_url IS NOT NULL",
        params![sync_id, now.as_nanos()],
    )
    .map_err(error::map)?;
    tx.query_row(
        &format!("{SYNC_SELECT} WHERE s.id = ?1"),
        [sync_id],
        sync_from,
    )
    .map_err(error::map)
}

/// Removes unsynced files past retention, files of finished syncs, and due definitions.
pub(super) fn sweep(
    tx: &Transaction<'_>,
    now: Timestamp,
    retention_seconds: u64,
) -> StoreResult<SweepReport> {
    let retention = i64::try_from(retention_seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000_000);
    let cutoff = now.as_nanos().saturating_sub(retention);
    let expired = staging::file_ids(
        tx,
        "SELECT id FROM staged_files WHERE sync_id IS NULL AND created_at <= ?1",
        [cutoff],
    )?;
    staging::delete_files(tx, &expired)?;
    let consumed = staging::file_ids(
        tx,
        "SELECT f.id FROM staged_files f JOIN syncs s ON s.id = f.sync_id WHERE s.status IN ('success', 'warning', 'error')",
        [],
    )?;
    staging::delete_files(tx, &consumed)?;
    let due = staging::file_ids(
        tx,
        "SELECT id FROM sync_action_definitions WHERE auto_delete_seconds IS NOT NULL
         AND created_at + MIN(auto_delete_seconds, 9000000000) * 1000000000 <= ?1",
        [now.as_nanos()],
    )?;
    for id in &due {
        delete_definition(tx, *id)?;
    }
    Ok(SweepReport {
        expired_files: expired.len() as u64,
        deleted_definitions: due.len() as u64,
    })
}

/// Deletes a definition with its staged rows (its files go by cascade).
pub(super) fn delete_definition(tx: &Transaction<'_>, id: i64) -> StoreResult<usize> {
    let files = staging::file_ids(
        tx,
        "SELECT id FROM staged_files WHERE definition_id = ?1",
        [id],
    )?;
    staging::delete_files(tx, &files)?;
    tx.execute("DELETE FROM sync_action_definitions WHERE id = ?1", [id])
        .map_err(error::map)
}
