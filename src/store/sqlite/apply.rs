//! The engine's bookkeeping statements: claiming a sync, preparing a run, ending a sync, and
//! sweeping expired data. Applying a batch lives in `batch.rs` and `effects.rs`.

use rusqlite::{OptionalExtension, Transaction, params};

use super::batch;
use super::error;
use super::staging;
use super::syncs::{SYNC_SELECT, sync_from};
use crate::domain::clock::Timestamp;
use crate::domain::sync::{SyncKind, SyncLog, SyncRecord, SyncStatus};
use crate::store::syncs::job_record_type;
use crate::store::{LEASE_LOST, StoreError, StoreResult, SweepReport, SyncFile, SyncJob};

/// Claims the oldest claimable sync: pending with no active or earlier pending sync of its
/// definition, or active under a lease that expired.
pub(super) fn claim(
    tx: &Transaction<'_>,
    now: Timestamp,
    node: &str,
    lease_until: Timestamp,
) -> StoreResult<Option<SyncJob>> {
    tx.query_row(
        "UPDATE syncs SET status = 'active', started_at = COALESCE(started_at, ?1),
             attempt = attempt + 1, lease_owner = ?2, lease_expires_at = ?3
         WHERE id = (SELECT s.id FROM syncs s WHERE (s.status = 'pending' AND NOT EXISTS (
             SELECT 1 FROM syncs o WHERE o.kind = s.kind AND o.definition_id = s.definition_id
             AND (o.status = 'active' OR (o.status = 'pending' AND o.id < s.id))))
             OR (s.status = 'active' AND s.lease_expires_at < ?1)
           ORDER BY s.id LIMIT 1)
         RETURNING id, site_id, definition_id, kind, attempt, synced_instance_uri",
        params![now.as_nanos(), node, lease_until.as_nanos()],
        |r| {
            let kind: String = r.get(3)?;
            Ok(SyncJob {
                sync_id: r.get(0)?,
                site_id: r.get(1)?,
                definition_id: r.get(2)?,
                kind: SyncKind::parse(&kind).unwrap_or(SyncKind::SyncAction),
                attempt: r.get(4)?,
                record_type: job_record_type(&r.get::<_, String>(5)?),
            })
        },
    )
    .optional()
    .map_err(error::map)
}

/// Fails with [`LEASE_LOST`] unless `job` still holds its sync.
pub(super) fn hold(tx: &Transaction<'_>, job: &SyncJob) -> StoreResult<()> {
    let held = tx
        .query_row(
            "SELECT 1 FROM syncs WHERE id = ?1 AND status = 'active' AND attempt = ?2",
            params![job.sync_id, job.attempt],
            |_| Ok(()),
        )
        .optional()?;
    held.ok_or(StoreError::Conflict {
        constraint: LEASE_LOST,
    })
}

/// Extends `job`'s lease; `false` when it no longer holds the sync.
pub(super) fn renew(tx: &Transaction<'_>, job: &SyncJob, until: Timestamp) -> StoreResult<bool> {
    let n = tx
        .execute(
            "UPDATE syncs SET lease_expires_at = ?3 WHERE id = ?1 AND status = 'active' AND attempt = ?2",
            params![job.sync_id, job.attempt, until.as_nanos()],
        )?;
    Ok(n == 1)
}

/// Puts `job`'s sync back to pending when it still holds it.
pub(super) fn release(tx: &Transaction<'_>, job: &SyncJob) -> StoreResult<()> {
    tx.execute(
        "UPDATE syncs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ?1 AND status = 'active' AND attempt = ?2",
        params![job.sync_id, job.attempt],
    )?;
    Ok(())
}

/// Resets what an earlier attempt wrote and lists the sync's files with record offsets.
pub(super) fn begin(
    tx: &Transaction<'_>,
    job: &SyncJob,
    column: &str,
) -> StoreResult<Vec<SyncFile>> {
    hold(tx, job)?;
    tx.execute("DELETE FROM sync_rejects WHERE sync_id = ?1", [job.sync_id])?;
    tx.execute(
        "UPDATE syncs SET field_column = ?2 WHERE id = ?1",
        params![job.sync_id, column],
    )?;
    tx.execute_batch(batch::TEMP_TABLES)?;
    let mut stmt = tx.prepare(
        "SELECT id, row_count, ignored_columns FROM staged_files WHERE sync_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([job.sync_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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

/// Writes the logs and the terminal status together, and queues the callback.
pub(super) fn finish(
    tx: &Transaction<'_>,
    job: &SyncJob,
    status: SyncStatus,
    logs: &[SyncLog],
    now: Timestamp,
) -> StoreResult<SyncRecord> {
    hold(tx, job)?;
    let sync_id = job.sync_id;
    let current: String =
        tx.query_row("SELECT status FROM syncs WHERE id = ?1", [sync_id], |r| {
            r.get(0)
        })?;
    let allowed = SyncStatus::parse(&current).is_some_and(|from| from.can_become(status));
    if !allowed {
        return Err(StoreError::Conflict {
            constraint: "sync_status_transition",
        });
    }
    tx.execute("DELETE FROM sync_logs WHERE sync_id = ?1", [sync_id])?;
    let mut insert = tx
        .prepare_cached("INSERT INTO sync_logs (sync_id, seq, severity, status_code, message, count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
    for (seq, log) in logs.iter().enumerate() {
        let count = i64::try_from(log.count).unwrap_or(i64::MAX);
        insert.execute(params![
            sync_id,
            seq as i64,
            log.severity.as_str(),
            log.status_code,
            log.message,
            count,
            now.as_nanos()
        ])?;
    }
    tx.execute(
        "UPDATE syncs SET status = ?2, ended_at = ?3, started_at = COALESCE(started_at, ?3),
             lease_owner = NULL, lease_expires_at = NULL WHERE id = ?1",
        params![sync_id, status.as_str(), now.as_nanos()],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO sync_callbacks (sync_id, attempts, next_at) SELECT id, 0, ?2 FROM syncs WHERE id = ?1 AND callback_url IS NOT NULL",
        params![sync_id, now.as_nanos()],
    )?;
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
    // Imports keep their own staging: expired or consumed files, and imports due for deletion.
    let import_files = tx.execute(
        "DELETE FROM import_files WHERE (sync_id IS NULL AND retain_until <= ?1)
             OR sync_id IN (SELECT id FROM syncs WHERE status IN ('success', 'warning', 'error'))",
        [now.as_nanos()],
    )?;
    let due_imports = staging::file_ids(
        tx,
        "SELECT id FROM import_definitions WHERE auto_delete_seconds IS NOT NULL
         AND created_at + MIN(auto_delete_seconds, 9000000000) * 1000000000 <= ?1",
        [now.as_nanos()],
    )?;
    for id in &due_imports {
        tx.execute("DELETE FROM import_files WHERE definition_id = ?1", [id])?;
        tx.execute("DELETE FROM import_definitions WHERE id = ?1", [id])?;
    }
    // Export data past its retention, and exports due for deletion.
    let expired_exports = tx.execute(
        "DELETE FROM export_data WHERE retain_until <= ?1",
        [now.as_nanos()],
    )?;
    let due_exports = tx.execute(
        "DELETE FROM export_definitions WHERE auto_delete_seconds IS NOT NULL
             AND created_at + MIN(auto_delete_seconds, 9000000000) * 1000000000 <= ?1",
        [now.as_nanos()],
    )?;
    Ok(SweepReport {
        expired_files: (expired.len() + import_files + expired_exports) as u64,
        deleted_definitions: (due.len() + due_imports.len() + due_exports) as u64,
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
