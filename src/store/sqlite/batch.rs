//! Applying a plan to one batch of staged rows, set-based, each row resolved once.
//!
//! One statement resolves every row of the batch into `temp.batch` (record index, kind,
//! staged row, matched contact: integers only), probing the contact index once per row.
//! Everything else comes from that table, which lives in memory: the contacts this batch matches first are claimed
//! in `temp.sync_matched` (every contact the running sync has matched, keyed by contact, with
//! the first record that matched it), and the effects read them back through an index on that
//! first record, which only ever grows at its end; rejects and duplicates are read from
//! `temp.batch` only in batches that have some. A crash loses the temporary tables, which is
//! fine: an interrupted sync is re-run from its first batch, and its effects are idempotent.

use rusqlite::{Transaction, params};

use super::effects::apply_effect;
use super::staging::{self, KIND_EMPTY, KIND_MISSING};
use crate::domain::clock::Timestamp;
use crate::domain::definition::Identifier;
use crate::domain::plan::{AddressMarks, ApplyPlan, RejectReason};
use crate::store::syncs::invalid_address;
use crate::store::{BatchCounts, StoreResult, SyncFile, SyncJob};

/// How an identifier value finds its records (`r` = staged row, `c` = the identifier's
/// record type's table).
fn match_clause(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress | Identifier::Address => {
            "c.email_address = r.value COLLATE NOCASE"
        }
        Identifier::ContactIdExt => "c.contact_id_ext = r.value",
        Identifier::CompanyName => "c.company_name = r.value",
        Identifier::CompanyIdExt => "c.company_id_ext = r.value",
        Identifier::ContactId | Identifier::AccountId => {
            "r.value NOT GLOB '*[^0-9]*' AND c.id = CAST(r.value AS INTEGER)"
        }
    }
}

/// The temporary tables a sync's batches use, created once per connection and emptied when
/// a run begins.
pub(super) const TEMP_TABLES: &str = "
    CREATE TEMP TABLE IF NOT EXISTS sync_matched (contact_id INTEGER PRIMARY KEY, first_index INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS temp.sync_matched_first ON sync_matched (first_index);
    DELETE FROM temp.sync_matched;
    CREATE TEMP TABLE IF NOT EXISTS batch (record_index INTEGER NOT NULL, kind INTEGER NOT NULL,
        row_id INTEGER NOT NULL, contact_id INTEGER);";

/// The contacts a sync batch from record `first` on matched first, in record order. Batches
/// run in record order, so the index on `first_index` only ever grows at its end.
fn claimed_from(first: i64) -> String {
    // `first` is an integer computed here, never client text.
    format!(
        "SELECT contact_id FROM temp.sync_matched INDEXED BY sync_matched_first
         WHERE first_index >= {first}"
    )
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
    tx.execute("DELETE FROM temp.batch", [])?;
    let resolve = format!(
        "INSERT INTO temp.batch (record_index, kind, row_id, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, r.kind, r.id, c.id FROM staged_rows r
         LEFT JOIN {} c ON r.kind = 0 AND c.site_id = ?2 AND {}
         WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5",
        plan.identifier.record_type().tables.records,
        match_clause(plan.identifier)
    );
    let resolved = tx.execute(
        &resolve,
        params![to_i(file.offset), job.site_id, base, to_i(from), to_i(to)],
    )? as u64;
    // The first row to match a contact in this sync claims it; a later row matching the same
    // contact (in this batch or a later one) is ignored here and reported as a duplicate.
    // Rows go in record order (sorting them by contact first measured slower, on shuffled
    // files and sorted ones alike).
    let matched = tx.execute(
        "INSERT OR IGNORE INTO temp.sync_matched (contact_id, first_index)
         SELECT contact_id, record_index FROM temp.batch WHERE contact_id IS NOT NULL ORDER BY rowid",
        [],
    )? as u64;
    let (created, updated) = match plan.address_marks() {
        Some(marks) => record_addresses(tx, job.site_id, marks, now)?,
        None => (0, 0),
    };
    // With one record per identifier, as many first matches as rows means nothing to reject.
    let clean = plan.identifier.is_unique() && matched == to - from;
    let rejected = if clean {
        Vec::new()
    } else {
        reject(tx, job, plan.identifier, (matched, resolved))?
    };
    let claimed = claimed_from(to_i(file.offset + from + 1));
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job.site_id, &action.effect, &claimed, now)?;
        per_action.push(if applied { matched } else { 0 });
    }
    Ok(BatchCounts {
        per_action,
        rejected,
        created,
        updated,
    })
}

/// Records every valid address of the batch with `marks` (an address already recorded keeps
/// its marks and gains these); returns how many were new and how many known before.
fn record_addresses(
    tx: &Transaction<'_>,
    site_id: i64,
    marks: AddressMarks,
    now: Timestamp,
) -> StoreResult<(u64, u64)> {
    let values = format!(
        "SELECT r.value FROM temp.batch b JOIN staged_rows r ON r.id = b.row_id
         WHERE b.kind = 0 AND NOT {}",
        invalid_address("r.value")
    );
    let (distinct, known): (i64, i64) = tx.query_row(
        &format!(
            "SELECT (SELECT COUNT(DISTINCT value COLLATE NOCASE) FROM ({values})),
                    (SELECT COUNT(*) FROM email_addresses e WHERE e.site_id = ?1 AND e.address IN ({values}))"
        ),
        [site_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    tx.execute(
        &format!(
            "INSERT INTO email_addresses (site_id, address, is_unsubscribed, is_bounced, created_at, updated_at)
             SELECT ?1, value, ?2, ?3, ?4, ?4 FROM ({values}) WHERE true
             ON CONFLICT (site_id, address) DO UPDATE SET
                 is_unsubscribed = is_unsubscribed OR excluded.is_unsubscribed,
                 is_bounced = is_bounced OR excluded.is_bounced,
                 updated_at = excluded.updated_at"
        ),
        params![site_id, marks.unsubscribed, marks.bounced, now.as_nanos()],
    )?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok((count(distinct - known), count(known)))
}

/// The rows of `temp.batch b` a reason of "unmatched" covers, and what the query reading
/// them joins: rows matching no record, or for an email address import rows matching no
/// contact whose value is no address.
fn unmatched(identifier: Identifier) -> (&'static str, String) {
    if identifier == Identifier::Address {
        (
            "temp.batch b JOIN staged_rows r ON r.id = b.row_id",
            format!("b.contact_id IS NULL AND {}", invalid_address("r.value")),
        )
    } else {
        ("temp.batch b", "b.contact_id IS NULL".to_owned())
    }
}

/// Writes the batch's rejects from its one resolution (`matched` contacts claimed first out
/// of `resolved` rows of `temp.batch`); counts them by reason.
fn reject(
    tx: &Transaction<'_>,
    job: &SyncJob,
    identifier: Identifier,
    (matched, resolved): (u64, u64),
) -> StoreResult<Vec<(RejectReason, u64)>> {
    let (from, unmatched_rows) = unmatched(identifier);
    let (missing, empty, unmatched): (i64, i64, i64) = tx.query_row(
        &format!(
            "SELECT COALESCE(SUM(b.kind = 1), 0), COALESCE(SUM(b.kind = 2), 0),
                    COALESCE(SUM(b.kind = 0 AND {unmatched_rows}), 0) FROM {from}"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let without = count(missing) + count(empty) + count(unmatched);
    let mut rejected = vec![
        (RejectReason::Missing, count(missing)),
        (RejectReason::Empty, count(empty)),
        (RejectReason::Unmatched, count(unmatched)),
    ];
    if without > 0 {
        write_rejects(tx, job.sync_id, identifier)?;
    }
    // Rows that paired with a contact, beyond the first matches, include duplicates.
    if resolved - without > matched {
        rejected.push((
            RejectReason::Duplicate,
            write_duplicates(tx, job.sync_id, identifier)?,
        ));
    }
    Ok(rejected)
}

/// Writes a reject for each row without an identifier, empty, or matching no contact.
fn write_rejects(tx: &Transaction<'_>, sync_id: i64, identifier: Identifier) -> StoreResult<()> {
    let code = |r: RejectReason| r.code_for(identifier).code;
    let sql = format!(
        "INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
         SELECT ?1, b.record_index,
           CASE b.kind WHEN {KIND_MISSING} THEN '{missing}' WHEN {KIND_EMPTY} THEN '{empty}' ELSE '{unmatched}' END,
           COALESCE(r.raw, r.value)
         FROM temp.batch b JOIN staged_rows r ON r.id = b.row_id
         WHERE b.kind <> 0 OR ({unmatched_rows})",
        missing = code(RejectReason::Missing),
        empty = code(RejectReason::Empty),
        unmatched = code(RejectReason::Unmatched),
        unmatched_rows = unmatched(identifier).1,
    );
    tx.execute(&sql, [sync_id])?;
    Ok(())
}

/// Writes a duplicate reject for each row all of whose contacts an earlier row matched.
fn write_duplicates(
    tx: &Transaction<'_>,
    sync_id: i64,
    identifier: Identifier,
) -> StoreResult<u64> {
    // A row names one record at most, except by external id or company name: then it is a
    // duplicate only when every record it names was claimed by an earlier row.
    let duplicate = if !identifier.is_unique() {
        "GROUP BY b.record_index HAVING MAX(s.first_index = b.record_index) = 0"
    } else {
        "WHERE s.first_index <> b.record_index"
    };
    let sql = format!(
        "INSERT OR IGNORE INTO sync_rejects (sync_id, record_index, status_code, value)
         SELECT ?1, b.record_index, '{}', COALESCE(r.raw, r.value)
         FROM temp.batch b JOIN temp.sync_matched s ON s.contact_id = b.contact_id
         JOIN staged_rows r ON r.id = b.row_id {duplicate}",
        RejectReason::Duplicate.code().code
    );
    let n = tx.execute(&sql, [sync_id])?;
    Ok(n as u64)
}
