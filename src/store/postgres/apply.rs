//! The engine's bookkeeping statements: claiming a sync under a lease, fencing a run's writes,
//! preparing a run, ending a sync, and sweeping expired data. Applying a batch lives in
//! `batch.rs` and `effects.rs`.
//!
//! Several nodes share the database. A claim locks its candidate with `FOR UPDATE SKIP LOCKED`
//! and claims are serialised by an advisory lock, so that syncs of one definition still run
//! one at a time: under READ COMMITTED two concurrent claims could otherwise each miss the
//! other's uncommitted claim (say, of two pending syncs of one definition whose inserts
//! committed out of id order) and both start a sync of the same definition. Every write of a
//! run first locks the sync's row and checks the claim's `attempt` ([`hold`]), so a node whose
//! lease was taken over cannot write past the takeover.
//!
//! A claim records the claiming node's liveness key (`liveness.rs`) next to the lease: an
//! active sync is claimable once its lease expired (its node stalled or lost touch) or once
//! its key is no longer held (its node died), whichever comes first.

use deadpool_postgres::GenericClient;

use super::liveness::HELD_KEYS;
use super::sync_rows::{SYNC_SELECT, sync_from};
use super::{Client, big, count, error};
use crate::domain::clock::Timestamp;
use crate::domain::sync::{SyncKind, SyncLog, SyncRecord, SyncStatus};
use crate::store::syncs::job_record_type;
use crate::store::syncs::{RELEASE_ROWS, release_groups};
use crate::store::{LEASE_LOST, StoreError, StoreResult, SweepReport, SyncFile, SyncJob};

/// Advisory lock class ("LQCL") serialising claims across nodes.
const CLAIM_LOCK: i32 = 0x4c51_434c;

/// Advisory lock class ("LQSW") letting one node sweep at a time.
const SWEEP_LOCK: i32 = 0x4c51_5357;

// Advisory locks belong to the whole database; the second key is the schema's hash, so that
// deployments (and tests) in different schemas of one database never wait on, or skip for,
// each other.

/// Claims the oldest claimable sync for `node`, whose liveness key is `key`: pending with no
/// active or earlier pending sync of its definition, or active under a lease that expired or a
/// liveness key no longer held. Claims nothing while `key` itself is not held (the node's
/// liveness session ended without its knowing yet), as such a claim would protect nothing.
pub(super) async fn claim(
    client: &mut Client,
    now: Timestamp,
    node: &str,
    key: i64,
    lease_until: Timestamp,
) -> StoreResult<Option<SyncJob>> {
    let tx = client.transaction().await?;
    // Held to the commit: the next claim's statements see this one's outcome.
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&CLAIM_LOCK],
    )
    .await?;
    // A sync whose row a run of it holds locked (a batch in flight) is skipped, not waited for.
    // A sync claimed before liveness keys existed has none and is held by its lease alone.
    let candidate = tx
        .query_opt(
            &format!(
                "WITH {HELD_KEYS}
                 SELECT s.id FROM syncs s
                 WHERE EXISTS (SELECT 1 FROM held WHERE held.key = $2)
                   AND ((s.status = 'pending' AND NOT EXISTS (
                     SELECT 1 FROM syncs o WHERE o.kind = s.kind AND o.definition_id = s.definition_id
                     AND (o.status = 'active' OR (o.status = 'pending' AND o.id < s.id))))
                   OR (s.status = 'active' AND (s.lease_expires_at < $1 OR (s.lease_key IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM held WHERE held.key = s.lease_key)))))
                 ORDER BY s.id LIMIT 1 FOR UPDATE OF s SKIP LOCKED"
            ),
            &[&now.as_nanos(), &key],
        )
        .await?;
    let Some(candidate) = candidate else {
        return Ok(None);
    };
    let id: i64 = candidate.get(0);
    let row = tx
        .query_one(
            "UPDATE syncs SET status = 'active', started_at = COALESCE(started_at, $2),
                 attempt = attempt + 1, lease_owner = $3, lease_expires_at = $4, lease_key = $5
             WHERE id = $1 RETURNING id, site_id, definition_id, kind, attempt, synced_instance_uri",
            &[&id, &now.as_nanos(), &node, &lease_until.as_nanos(), &key],
        )
        .await?;
    tx.commit().await?;
    Ok(Some(SyncJob {
        sync_id: row.get(0),
        site_id: row.get(1),
        definition_id: row.get(2),
        kind: SyncKind::parse(row.get::<_, &str>(3)).unwrap_or(SyncKind::SyncAction),
        attempt: row.get(4),
        record_type: job_record_type(row.get(5)),
    }))
}

/// Fails with [`LEASE_LOST`] unless `job` still holds its sync. Locks the sync's row until
/// the transaction ends, so no other node can claim it before this transaction's writes
/// commit (a claim skips a locked row).
pub(super) async fn hold(client: &impl GenericClient, job: &SyncJob) -> StoreResult<()> {
    let held = client
        .query_opt(
            "SELECT 1 FROM syncs WHERE id = $1 AND status = 'active' AND attempt = $2
             FOR NO KEY UPDATE",
            &[&job.sync_id, &job.attempt],
        )
        .await?;
    held.map(|_| ()).ok_or(StoreError::Conflict {
        constraint: LEASE_LOST,
    })
}

/// Extends `job`'s lease; `false` when it no longer holds the sync, or holds it under a
/// liveness key other than `key`, the one its node holds now. A node whose liveness session
/// ended took a new key; the syncs it claimed under the old one may be claimed by any node
/// from that moment, so their renewal fails and the run stops rather than carry on under a
/// claim that no longer protects it (`liveness.rs` gives the reasoning).
pub(super) async fn renew(
    client: &impl GenericClient,
    job: &SyncJob,
    key: i64,
    until: Timestamp,
) -> StoreResult<bool> {
    let n = client
        .execute(
            "UPDATE syncs SET lease_expires_at = $3
             WHERE id = $1 AND status = 'active' AND attempt = $2 AND lease_key = $4",
            &[&job.sync_id, &job.attempt, &until.as_nanos(), &key],
        )
        .await?;
    Ok(n == 1)
}

/// Puts `job`'s sync back to pending when it still holds it.
pub(super) async fn release(client: &impl GenericClient, job: &SyncJob) -> StoreResult<()> {
    client
        .execute(
            "UPDATE syncs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL,
                 lease_key = NULL
             WHERE id = $1 AND status = 'active' AND attempt = $2",
            &[&job.sync_id, &job.attempt],
        )
        .await?;
    Ok(())
}

/// Resets what an earlier attempt wrote (rejects, matched contacts) and lists the sync's files
/// with record offsets, so a re-run after a failover writes exactly what a clean run would.
pub(super) async fn begin(
    client: &mut Client,
    job: &SyncJob,
    column: &str,
) -> StoreResult<Vec<SyncFile>> {
    let tx = client.transaction().await?;
    hold(&tx, job).await?;
    tx.batch_execute(super::batch::UNHURRIED).await?;
    tx.execute(
        "DELETE FROM sync_rejects WHERE sync_id = $1",
        &[&job.sync_id],
    )
    .await?;
    tx.execute("DELETE FROM sync_seen WHERE sync_id = $1", &[&job.sync_id])
        .await?;
    tx.execute(
        "UPDATE syncs SET field_column = $2 WHERE id = $1",
        &[&job.sync_id, &column],
    )
    .await?;
    let rows = tx
        .query(
            "SELECT id, row_count, ignored_columns FROM staged_files WHERE sync_id = $1 ORDER BY id",
            &[&job.sync_id],
        )
        .await?;
    tx.commit().await?;
    let mut offset = 0u64;
    let mut files = Vec::with_capacity(rows.len());
    for row in rows {
        let rows = count(row.get(1));
        let ignored_columns =
            serde_json::from_str(row.get::<_, &str>(2)).map_err(|e| StoreError::Other(e.into()))?;
        files.push(SyncFile {
            file_id: row.get(0),
            rows,
            offset,
            ignored_columns,
        });
        offset += rows;
    }
    Ok(files)
}

/// Writes the logs and the terminal status together, and queues the callback.
pub(super) async fn finish(
    client: &mut Client,
    job: &SyncJob,
    status: SyncStatus,
    logs: &[SyncLog],
    now: Timestamp,
) -> StoreResult<SyncRecord> {
    let tx = client.transaction().await?;
    // Held means active, the only status a run ends from.
    hold(&tx, job).await?;
    if !SyncStatus::Active.can_become(status) {
        return Err(StoreError::Conflict {
            constraint: "sync_status_transition",
        });
    }
    let sync_id = job.sync_id;
    tx.execute("DELETE FROM sync_logs WHERE sync_id = $1", &[&sync_id])
        .await?;
    let severities: Vec<&str> = logs.iter().map(|l| l.severity.as_str()).collect();
    let codes: Vec<&str> = logs.iter().map(|l| l.status_code).collect();
    let messages: Vec<&str> = logs.iter().map(|l| l.message.as_str()).collect();
    let counts: Vec<i64> = logs.iter().map(|l| big(l.count)).collect();
    tx.execute(
        "INSERT INTO sync_logs (sync_id, seq, severity, status_code, message, count, created_at)
         SELECT $1, l.ord - 1, l.severity, l.code, l.message, l.count, $6
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[])
              WITH ORDINALITY AS l(severity, code, message, count, ord)",
        &[
            &sync_id,
            &severities,
            &codes,
            &messages,
            &counts,
            &now.as_nanos(),
        ],
    )
    .await?;
    tx.execute(
        "UPDATE syncs SET status = $2, ended_at = $3, started_at = COALESCE(started_at, $3),
             lease_owner = NULL, lease_expires_at = NULL, lease_key = NULL WHERE id = $1",
        &[&sync_id, &status.as_str(), &now.as_nanos()],
    )
    .await?;
    tx.execute(
        "INSERT INTO sync_callbacks (sync_id, attempts, next_at)
         SELECT id, 0, $2 FROM syncs WHERE id = $1 AND callback_url IS NOT NULL
         ON CONFLICT DO NOTHING",
        &[&sync_id, &now.as_nanos()],
    )
    .await?;
    let row = tx
        .query_one(&format!("{SYNC_SELECT} WHERE s.id = $1"), &[&sync_id])
        .await?;
    let sync = sync_from(&row)?;
    tx.commit().await?;
    Ok(sync)
}

/// Releases what an ended sync kept (staged and import files with their rows, its matched
/// contacts) after the terminal commit, a bounded number of rows per statement, so no
/// transaction runs long; the sweeper finishes the job if the process stops here.
///
/// These commits do not wait for the WAL flush: what they delete is garbage once the terminal
/// commit is durable, and a deletion lost with the database is left to the sweeper.
pub(super) async fn release_staged(client: &mut Client, sync_id: i64) -> StoreResult<()> {
    for table in ["staged_files", "import_files"] {
        let rows = client
            .query(
                &format!("SELECT id, row_count FROM {table} WHERE sync_id = $1 ORDER BY id"),
                &[&sync_id],
            )
            .await?;
        let files: Vec<(i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let delete = format!("DELETE FROM {table} WHERE id = ANY($1)");
        for group in release_groups(&files) {
            // Each group commits on its own; the trigger deletes the files' rows.
            let tx = client.transaction().await?;
            tx.batch_execute("SET LOCAL synchronous_commit = off")
                .await?;
            tx.execute(delete.as_str(), &[&group]).await?;
            tx.commit().await?;
        }
    }
    // In bounded statements, each committing on its own (unlogged: nothing to flush).
    let chunk = "DELETE FROM sync_seen WHERE sync_id = $1 AND contact_id IN (
        SELECT contact_id FROM sync_seen WHERE sync_id = $1 ORDER BY contact_id LIMIT $2)";
    while client.execute(chunk, &[&sync_id, &RELEASE_ROWS]).await? > 0 {}
    Ok(())
}

/// The condition that a definition's `autoDeleteDuration` has elapsed at `$1`, written so
/// that no intermediate value overflows a BIGINT.
const DUE: &str = "auto_delete_seconds IS NOT NULL
    AND created_at <= $1 - GREATEST(LEAST(auto_delete_seconds, 9000000000), 0) * 1000000000";

/// Removes unsynced files past retention, files of finished syncs, and due definitions.
/// One node sweeps at a time; another finding the sweep taken reports nothing.
pub(super) async fn sweep(
    client: &mut Client,
    now: Timestamp,
    retention_seconds: u64,
) -> StoreResult<SweepReport> {
    let tx = client.transaction().await?;
    let mine: bool = tx
        .query_one(
            "SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))",
            &[&SWEEP_LOCK],
        )
        .await?
        .get(0);
    if !mine {
        return Ok(SweepReport::default());
    }
    let now = now.as_nanos();
    let retention = big(retention_seconds).saturating_mul(1_000_000_000);
    let cutoff = now.saturating_sub(retention);
    let run = |sql: &'static str, at: i64| {
        let tx = &tx;
        async move { tx.execute(sql, &[&at]).await.map_err(error::map) }
    };
    // Deleting a file deletes its rows (trigger); deleting a definition its files (cascade).
    let expired = run(
        "DELETE FROM staged_files WHERE sync_id IS NULL AND created_at <= $1",
        cutoff,
    )
    .await?;
    tx.execute(
        "DELETE FROM staged_files f USING syncs s
         WHERE s.id = f.sync_id AND s.status IN ('success', 'warning', 'error')",
        &[],
    )
    .await?;
    let due = tx
        .execute(
            &format!("DELETE FROM sync_action_definitions WHERE {DUE}"),
            &[&now],
        )
        .await?;
    // Imports keep their own staging: expired or consumed files, and imports due for deletion.
    let import_files = run(
        "DELETE FROM import_files WHERE (sync_id IS NULL AND retain_until <= $1)
         OR sync_id IN (SELECT id FROM syncs WHERE status IN ('success', 'warning', 'error'))",
        now,
    )
    .await?;
    let due_imports = tx
        .execute(
            &format!("DELETE FROM import_definitions WHERE {DUE}"),
            &[&now],
        )
        .await?;
    // Export data past its retention, and exports due for deletion.
    let expired_exports = run("DELETE FROM export_data WHERE retain_until <= $1", now).await?;
    let due_exports = tx
        .execute(
            &format!("DELETE FROM export_definitions WHERE {DUE}"),
            &[&now],
        )
        .await?;
    // Matched contacts of syncs no longer running (a node stopped before releasing them): the
    // distinct sync ids are walked down the primary key rather than scanning every row.
    tx.execute(
        "WITH RECURSIVE ids (id) AS (
             SELECT MIN(sync_id) FROM sync_seen
             UNION ALL
             SELECT (SELECT MIN(sync_id) FROM sync_seen WHERE sync_id > ids.id) FROM ids WHERE ids.id IS NOT NULL
         )
         DELETE FROM sync_seen WHERE sync_id IN (
             SELECT ids.id FROM ids WHERE ids.id IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM syncs s WHERE s.id = ids.id AND s.status IN ('pending', 'active')))",
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(SweepReport {
        expired_files: expired + import_files + expired_exports,
        deleted_definitions: due + due_imports + due_exports,
    })
}
