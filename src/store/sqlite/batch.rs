//! Applying a plan to one batch of staged rows, set-based.
//!
//! Each row's contact is looked up once: the lookup inserts straight into `sync_seen`, the
//! temporary table of contacts the running sync has matched, keyed by the first record that
//! matched each. `changes()` then counts the contacts this batch matched first, and the
//! effects read those contacts back by record range. Only a batch where some row did not
//! match a new contact pays for a second pass that writes its rejects. A crash loses the
//! temporary tables, which is fine: an interrupted sync is re-run from its first batch, and
//! its effects are idempotent.

use rusqlite::{Transaction, params};

use super::effects::apply_effect;
use super::staging::{self, KIND_EMPTY, KIND_MISSING};
use crate::domain::clock::Timestamp;
use crate::domain::definition::Identifier;
use crate::domain::plan::{ApplyPlan, RejectReason};
use crate::store::{BatchCounts, StoreResult, SyncFile, SyncJob};

/// How an identifier value finds its contacts (`r` = staged row, `c` = contacts).
fn match_clause(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress => "c.email_address = r.value COLLATE NOCASE",
        Identifier::ContactIdExt => "c.contact_id_ext = r.value",
        Identifier::ContactId => "r.value NOT GLOB '*[^0-9]*' AND c.id = CAST(r.value AS INTEGER)",
    }
}

/// The record numbers of a batch, first and last inclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Records {
    /// First record index of the batch.
    pub first: i64,
    /// Last record index of the batch.
    pub last: i64,
}

/// Applies the plan to rows `from..to` of `file`.
pub(super) fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    file: &SyncFile,
    (from, to): (u64, u64),
    now: Timestamp,
) -> StoreResult<BatchCounts> {
    let to_i = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let base = staging::row_key(file.file_id, 0);
    let records = Records {
        first: to_i(file.offset + from + 1),
        last: to_i(file.offset + to),
    };
    let rows = params![to_i(file.offset), job.site_id, base, to_i(from), to_i(to)];
    // The first row to match a contact in this sync claims it; a later row matching the same
    // contact is ignored here and reported as a duplicate.
    let claim = format!(
        "INSERT OR IGNORE INTO temp.sync_seen (first_index, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, c.id FROM staged_rows r
         JOIN contacts c ON r.kind = 0 AND c.site_id = ?2 AND {}
         WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5 ORDER BY r.id",
        match_clause(plan.identifier)
    );
    let matched = tx.execute(&claim, rows)? as u64;
    // With one contact per identifier, as many first matches as rows means nothing to reject.
    let clean = plan.identifier != Identifier::ContactIdExt && matched == to - from;
    let rejected = if clean {
        Vec::new()
    } else {
        reject(tx, job, plan, rows, matched)?
    };
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job.site_id, &action.effect, records, now)?;
        per_action.push(if applied { matched } else { 0 });
    }
    Ok(BatchCounts {
        per_action,
        rejected,
    })
}

/// Resolves the batch again, keeping every row, and writes its rejects; counts them by reason.
fn reject(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    rows: &[&dyn rusqlite::ToSql],
    matched: u64,
) -> StoreResult<Vec<(RejectReason, u64)>> {
    tx.execute("DELETE FROM temp.batch", [])?;
    let resolve = format!(
        "INSERT INTO temp.batch (record_index, kind, value, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, r.kind, COALESCE(r.raw, r.value), c.id FROM staged_rows r
         LEFT JOIN contacts c ON r.kind = 0 AND c.site_id = ?2 AND {}
         WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5",
        match_clause(plan.identifier)
    );
    tx.execute(&resolve, rows)?;
    let (paired, missing, empty, unmatched): (i64, i64, i64, i64) = tx.query_row(
        "SELECT COUNT(contact_id), COALESCE(SUM(kind = 1), 0), COALESCE(SUM(kind = 2), 0),
                    COALESCE(SUM(kind = 0 AND contact_id IS NULL), 0) FROM temp.batch",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let mut rejected = vec![
        (RejectReason::Missing, count(missing)),
        (RejectReason::Empty, count(empty)),
        (RejectReason::Unmatched, count(unmatched)),
    ];
    if missing + empty + unmatched > 0 {
        write_rejects(tx, job.sync_id)?;
    }
    if count(paired) > matched {
        rejected.push((RejectReason::Duplicate, write_duplicates(tx, job.sync_id)?));
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
    tx.execute(&sql, [sync_id])?;
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
    let n = tx.execute(&sql, [sync_id])?;
    Ok(n as u64)
}
