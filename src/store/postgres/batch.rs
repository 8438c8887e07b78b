//! Applying a plan to a group of staged row ranges, set-based, in the caller's transaction.
//!
//! Each row's contact is looked up once, into `sync_batch`, a temporary table of the
//! connection (not WAL-logged, emptied at every commit) holding the group's rows with the
//! contact each matched. Everything else is derived from it without looking contacts up
//! again: the contacts the group matched first go into `sync_seen` (the contacts the running
//! sync has matched, keyed by the first record that matched each; `ON CONFLICT DO NOTHING`,
//! so a contact an earlier group claimed stays that group's) and, as the insert returns them,
//! into `sync_claimed`, which the effects read; rows matching nothing, or only contacts
//! claimed before them, become rejects. A re-run after a failover starts from a clean
//! `sync_seen` (`begin_apply` clears the sync's rows), and the effects are idempotent.
//!
//! All ranges of a group go through one statement (the ranges travel as arrays), so a group
//! of many small files costs a handful of round trips. Contacts are looked up by index, one
//! probe per row (a `LATERAL` subquery the planner cannot flatten), so a batch costs the same
//! however many contacts the site holds.

use deadpool_postgres::Transaction;

use super::effects::apply_effect;
use super::staging::{KIND_EMPTY, KIND_MISSING, KIND_VALUE};
use super::{big, count};
use crate::domain::clock::Timestamp;
use crate::domain::definition::Identifier;
use crate::domain::plan::{AddressMarks, ApplyPlan, RejectReason};
use crate::store::syncs::invalid_address;
use crate::store::{BatchCounts, RowRange, StoreResult, SyncJob};

/// The group's rows and what they matched (one row per pairing of a record and a contact;
/// one row with no contact for a record that matched none), and the contacts the group
/// claimed first. Made once per connection; emptied at every commit.
const BATCH_TABLES: &str = "CREATE TEMP TABLE IF NOT EXISTS sync_batch (
        record_index BIGINT NOT NULL, kind SMALLINT NOT NULL, value TEXT, contact_id BIGINT)
        ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS sync_claimed (
        contact_id BIGINT NOT NULL, first_index BIGINT NOT NULL) ON COMMIT DELETE ROWS";

/// Settings of a run's batch transactions. JIT off: the planner cannot know how many rows a
/// batch holds and costs its statements high enough for JIT compilation, which costs more than
/// the statements themselves. The commit does not wait for the WAL flush: the sync's terminal
/// commit does, and flushing it flushes every batch before it; a batch lost with the database
/// before that leaves the sync active, and the run that takes it over starts again from the
/// first batch.
pub(super) const UNHURRIED: &str =
    "SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; SET LOCAL synchronous_commit = off;";

/// The contacts the group claimed first, for the effects.
const CLAIMED: &str = "SELECT contact_id FROM sync_claimed";

/// How an identifier value finds its contacts (`r` = staged row, `c` = contacts, `$1` = site).
fn match_clause(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress | Identifier::Address => {
            "c.site_id = $1 AND lower(c.email_address) = lower(r.value)"
        }
        Identifier::ContactIdExt => "c.site_id = $1 AND c.contact_id_ext = r.value",
        Identifier::CompanyName => "c.site_id = $1 AND c.company_name = r.value",
        Identifier::CompanyIdExt => "c.site_id = $1 AND c.company_id_ext = r.value",
        // Digits only, and few enough for a BIGINT (CASE keeps the cast from ever failing).
        Identifier::ContactId | Identifier::AccountId => {
            "c.site_id = $1 AND c.id = (CASE WHEN r.value ~ '^[0-9]+$'
                 AND length(ltrim(r.value, '0')) <= 18 THEN r.value::bigint END)"
        }
    }
}

/// The staged rows of the ranges `($2, $3, $4, $5)` = (file, first seq, end seq, record
/// offset), as `g` and `r`.
const ROWS: &str =
    "unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS g(file_id, lo, hi, off)
    JOIN staged_rows r ON r.file_id = g.file_id AND r.seq >= g.lo AND r.seq < g.hi";

/// Applies the plan to the rows of `ranges`.
pub(super) async fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    ranges: &[RowRange],
    now: Timestamp,
) -> StoreResult<BatchCounts> {
    tx.batch_execute(&format!("{UNHURRIED} {BATCH_TABLES}"))
        .await?;
    let files: Vec<i64> = ranges.iter().map(|r| r.file.file_id).collect();
    let froms: Vec<i64> = ranges.iter().map(|r| big(r.from)).collect();
    let tos: Vec<i64> = ranges.iter().map(|r| big(r.to)).collect();
    let offsets: Vec<i64> = ranges.iter().map(|r| big(r.file.offset)).collect();
    let rows: u64 = ranges.iter().map(|r| r.to.saturating_sub(r.from)).sum();
    // One probe per row, in the order of the identifiers (the index's order, so neighbouring
    // probes share its pages).
    let resolve = format!(
        "INSERT INTO sync_batch (record_index, kind, value, contact_id)
         SELECT r.record_index, r.kind, r.shown, c.id FROM (
             SELECT g.off + r.seq + 1 AS record_index, r.kind, r.value, COALESCE(r.raw, r.value) AS shown
             FROM {ROWS} ORDER BY {}) r
         LEFT JOIN LATERAL (SELECT c.id FROM {} c WHERE r.kind = {KIND_VALUE} AND {} OFFSET 0) c ON true",
        order_of(plan.identifier),
        plan.identifier.record_type().tables.records,
        match_clause(plan.identifier)
    );
    let statement = tx.prepare_cached(&resolve).await?;
    tx.execute(&statement, &[&job.site_id, &files, &froms, &tos, &offsets])
        .await?;
    // The first row to match a contact in this sync claims it; a later row matching the same
    // contact is reported as a duplicate. In contact order, as `sync_seen`'s key.
    let claim = "WITH claimed AS (
             INSERT INTO sync_seen (sync_id, contact_id, first_index)
             SELECT $1, contact_id, MIN(record_index) FROM sync_batch
             WHERE contact_id IS NOT NULL GROUP BY contact_id ORDER BY contact_id
             ON CONFLICT DO NOTHING
             RETURNING contact_id, first_index)
         INSERT INTO sync_claimed (contact_id, first_index) SELECT contact_id, first_index FROM claimed";
    let statement = tx.prepare_cached(claim).await?;
    let matched = tx.execute(&statement, &[&job.sync_id]).await?;
    // With one contact per identifier, as many first matches as rows means nothing to reject.
    let (created, updated) = match plan.address_marks() {
        Some(marks) => record_addresses(tx, job, marks, ranges, now).await?,
        None => (0, 0),
    };
    let clean = plan.identifier.is_unique() && matched == rows;
    let rejected = if clean {
        Vec::new()
    } else {
        reject(tx, job, plan.identifier, matched).await?
    };
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job, &action.effect, CLAIMED, now).await?;
        per_action.push(if applied { matched } else { 0 });
    }
    Ok(BatchCounts {
        per_action,
        rejected,
        created,
        updated,
    })
}

/// Records every valid address of the ranges with `marks` (an address already recorded keeps
/// its marks and gains these); returns how many were new and how many known before.
async fn record_addresses(
    tx: &Transaction<'_>,
    job: &SyncJob,
    marks: AddressMarks,
    ranges: &[RowRange],
    now: Timestamp,
) -> StoreResult<(u64, u64)> {
    let files: Vec<i64> = ranges.iter().map(|r| r.file.file_id).collect();
    let froms: Vec<i64> = ranges.iter().map(|r| big(r.from)).collect();
    let tos: Vec<i64> = ranges.iter().map(|r| big(r.to)).collect();
    let offsets: Vec<i64> = ranges.iter().map(|r| big(r.file.offset)).collect();
    // In address order, as the unique index, so concurrent imports lock alike.
    let sql = format!(
        "WITH v AS (
             SELECT DISTINCT ON (lower(r.value)) r.value FROM {ROWS}
             WHERE r.kind = {KIND_VALUE} AND NOT {} ORDER BY lower(r.value)),
         up AS (
             INSERT INTO email_addresses (site_id, address, is_unsubscribed, is_bounced, created_at, updated_at)
             SELECT $1, value, $6, $7, $8, $8 FROM v
             ON CONFLICT (site_id, lower(address)) DO UPDATE SET
                 is_unsubscribed = email_addresses.is_unsubscribed OR excluded.is_unsubscribed,
                 is_bounced = email_addresses.is_bounced OR excluded.is_bounced,
                 updated_at = excluded.updated_at
             RETURNING (xmax = 0) AS inserted)
         SELECT COUNT(*) FILTER (WHERE inserted), COUNT(*) FILTER (WHERE NOT inserted) FROM up",
        invalid_address("r.value")
    );
    let statement = tx.prepare_cached(&sql).await?;
    let row = tx
        .query_one(
            &statement,
            &[
                &job.site_id,
                &files,
                &froms,
                &tos,
                &offsets,
                &marks.unsubscribed,
                &marks.bounced,
                &now.as_nanos(),
            ],
        )
        .await?;
    Ok((count(row.get(0)), count(row.get(1))))
}

/// The order in which rows are looked up: that of the index they probe.
fn order_of(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress | Identifier::Address => "lower(r.value)",
        _ => "r.value",
    }
}

/// Writes the group's rejects from `sync_batch` and counts them by reason: rows with no
/// identifier, rows matching no contact, and rows whose contacts earlier rows claimed (no
/// `sync_claimed` row names them as first record).
async fn reject(
    tx: &Transaction<'_>,
    job: &SyncJob,
    identifier: Identifier,
    matched: u64,
) -> StoreResult<Vec<(RejectReason, u64)>> {
    // An email address import records any address, contact or not: it rejects only rows
    // whose value is no address.
    let unmatched = if identifier == Identifier::Address {
        format!("contact_id IS NULL AND {}", invalid_address("btrim(value)"))
    } else {
        "contact_id IS NULL".to_owned()
    };
    let sql = format!(
        "WITH bad AS (
             INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
             SELECT $1, record_index,
                    CASE kind WHEN {KIND_MISSING} THEN $2::text WHEN {KIND_EMPTY} THEN $3::text ELSE $4::text END, value
             FROM sync_batch WHERE kind <> {KIND_VALUE} OR ({unmatched})
         ),
         dup AS (
             INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
             SELECT DISTINCT $1::bigint, b.record_index, $5::text, b.value FROM sync_batch b
             WHERE b.contact_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM sync_claimed s WHERE s.first_index = b.record_index)
             ON CONFLICT DO NOTHING
             RETURNING 1
         )
         SELECT COUNT(contact_id), COUNT(*) FILTER (WHERE kind = {KIND_MISSING}),
                COUNT(*) FILTER (WHERE kind = {KIND_EMPTY}),
                COUNT(*) FILTER (WHERE kind = {KIND_VALUE} AND {unmatched}),
                (SELECT COUNT(*) FROM dup)
         FROM sync_batch"
    );
    let code = |r: RejectReason| r.code_for(identifier).code;
    let statement = tx.prepare_cached(&sql).await?;
    let row = tx
        .query_one(
            &statement,
            &[
                &job.sync_id,
                &code(RejectReason::Missing),
                &code(RejectReason::Empty),
                &code(RejectReason::Unmatched),
                &code(RejectReason::Duplicate),
            ],
        )
        .await?;
    let paired = count(row.get(0));
    let mut rejected = vec![
        (RejectReason::Missing, count(row.get(1))),
        (RejectReason::Empty, count(row.get(2))),
        (RejectReason::Unmatched, count(row.get(3))),
    ];
    if paired > matched {
        rejected.push((RejectReason::Duplicate, count(row.get(4))));
    }
    Ok(rejected)
}
