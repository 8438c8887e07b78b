//! Applying a plan to a group of staged row ranges, set-based, in the caller's transaction.
//!
//! Each row's contact is looked up once: the lookup inserts straight into `sync_seen`, the
//! contacts the running sync has matched, keyed by the first record that matched each
//! (`ON CONFLICT DO NOTHING`: the first row to match a contact claims it). The affected-row
//! count is then the number of contacts the group matched first, and the effects read those
//! contacts back by record range. Only a group where some row did not match a new contact
//! pays for a second pass that writes its rejects. A re-run after a failover starts from a
//! clean `sync_seen` (`begin_apply` clears the sync's rows), and the effects are idempotent.
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
use crate::domain::plan::{ApplyPlan, RejectReason};
use crate::store::{BatchCounts, RowRange, StoreResult, SyncJob};

/// How an identifier value finds its contacts (`r` = staged row, `c` = contacts, `$2` = site).
fn match_clause(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress => "c.site_id = $2 AND lower(c.email_address) = lower(r.value)",
        Identifier::ContactIdExt => "c.site_id = $2 AND c.contact_id_ext = r.value",
        // Digits only, and few enough for a BIGINT (CASE keeps the cast from ever failing).
        Identifier::ContactId => {
            "c.site_id = $2 AND c.id = (CASE WHEN r.value ~ '^[0-9]+$'
                 AND length(ltrim(r.value, '0')) <= 18 THEN r.value::bigint END)"
        }
    }
}

/// The staged rows of the ranges `($3, $4, $5, $6)` = (file, first seq, end seq, record
/// offset), as `g` and `r`.
const ROWS: &str =
    "unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS g(file_id, lo, hi, off)
    JOIN staged_rows r ON r.file_id = g.file_id AND r.seq >= g.lo AND r.seq < g.hi";

/// The record numbers of a contiguous part of a group, first and last inclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Records {
    /// First record index.
    pub first: i64,
    /// Last record index.
    pub last: i64,
}

/// Applies the plan to the rows of `ranges`.
pub(super) async fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    ranges: &[RowRange],
    now: Timestamp,
) -> StoreResult<BatchCounts> {
    // The planner cannot know how many rows the ranges hold and costs these statements high
    // enough for JIT compilation, which would cost more than the statements themselves; a
    // group's sorts fit in memory.
    tx.batch_execute("SET LOCAL jit = off; SET LOCAL work_mem = '32MB'")
        .await?;
    let files: Vec<i64> = ranges.iter().map(|r| r.file.file_id).collect();
    let froms: Vec<i64> = ranges.iter().map(|r| big(r.from)).collect();
    let tos: Vec<i64> = ranges.iter().map(|r| big(r.to)).collect();
    let offsets: Vec<i64> = ranges.iter().map(|r| big(r.file.offset)).collect();
    let rows: u64 = ranges.iter().map(|r| r.to.saturating_sub(r.from)).sum();
    // The first row to match a contact in this sync claims it; a later row matching the same
    // contact is ignored here and reported as a duplicate.
    let claim = format!(
        "INSERT INTO sync_seen (sync_id, contact_id, first_index)
         SELECT $1, c.id, g.off + r.seq + 1 FROM {ROWS}
         CROSS JOIN LATERAL (SELECT c.id FROM contacts c WHERE {} OFFSET 0) c
         WHERE r.kind = {KIND_VALUE}
         ORDER BY g.off + r.seq
         ON CONFLICT DO NOTHING",
        match_clause(plan.identifier)
    );
    let statement = tx.prepare_cached(&claim).await?;
    let matched = tx
        .execute(
            &statement,
            &[&job.sync_id, &job.site_id, &files, &froms, &tos, &offsets],
        )
        .await?;
    // With one contact per identifier, as many first matches as rows means nothing to reject.
    let clean = plan.identifier != Identifier::ContactIdExt && matched == rows;
    let spans = spans(ranges);
    let rejected = if clean {
        Vec::new()
    } else {
        let arrays = [&files, &froms, &tos, &offsets];
        // Every record of the group lies between its first and its last.
        let records = Records {
            first: spans.iter().map(|s| s.first).min().unwrap_or(0),
            last: spans.iter().map(|s| s.last).max().unwrap_or(0),
        };
        reject(tx, job, plan, arrays, records, matched).await?
    };
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let mut applied = true;
        for span in &spans {
            applied &= apply_effect(tx, job, &action.effect, *span, now).await?;
        }
        per_action.push(if applied { matched } else { 0 });
    }
    Ok(BatchCounts {
        per_action,
        rejected,
    })
}

/// The record numbers the ranges cover, as few contiguous spans as possible (one for the
/// groups the engine makes: consecutive rows in upload order).
fn spans(ranges: &[RowRange]) -> Vec<Records> {
    let mut spans: Vec<Records> = Vec::new();
    for range in ranges.iter().filter(|r| r.to > r.from) {
        let first = big(range.file.offset + range.from + 1);
        let last = big(range.file.offset + range.to);
        match spans.last_mut() {
            Some(span) if span.last + 1 == first => span.last = last,
            _ => spans.push(Records { first, last }),
        }
    }
    spans
}

/// Resolves the rows again, keeping every row, and writes their rejects; counts them by
/// reason. One statement: the resolved rows are a CTE that the reject inserts and the counts
/// read.
async fn reject(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ApplyPlan,
    [files, froms, tos, offsets]: [&Vec<i64>; 4],
    records: Records,
    matched: u64,
) -> StoreResult<Vec<(RejectReason, u64)>> {
    let sql = format!(
        "WITH b AS MATERIALIZED (
             SELECT g.off + r.seq + 1 AS record_index, r.kind, COALESCE(r.raw, r.value) AS value,
                    c.id AS contact_id
             FROM {ROWS}
             LEFT JOIN LATERAL (SELECT c.id FROM contacts c WHERE r.kind = {KIND_VALUE} AND {} OFFSET 0) c ON true
         ),
         bad AS (
             INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
             SELECT $1, record_index,
                    CASE kind WHEN {KIND_MISSING} THEN $8::text WHEN {KIND_EMPTY} THEN $9::text ELSE $10::text END, value
             FROM b WHERE kind <> {KIND_VALUE} OR contact_id IS NULL
         ),
         -- A row that matched contacts but claimed none of them (an earlier row matched each
         -- first) is a duplicate: no `sync_seen` row names it as first record. Looked up among
         -- the group's own records ($12..$13), so the cost stays that of the group however far
         -- the sync has got; only looked for when rows paired with more contacts than they
         -- claimed.
         dup AS (
             INSERT INTO sync_rejects (sync_id, record_index, status_code, value)
             SELECT DISTINCT $1::bigint, b.record_index, $11::text, b.value FROM b
             WHERE b.contact_id IS NOT NULL AND (SELECT COUNT(contact_id) FROM b) > $7::bigint
               AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.sync_id = $1
                   AND s.first_index BETWEEN $12 AND $13 AND s.first_index = b.record_index)
             ON CONFLICT DO NOTHING
             RETURNING 1
         )
         SELECT COUNT(contact_id), COUNT(*) FILTER (WHERE kind = {KIND_MISSING}),
                COUNT(*) FILTER (WHERE kind = {KIND_EMPTY}),
                COUNT(*) FILTER (WHERE kind = {KIND_VALUE} AND contact_id IS NULL),
                (SELECT COUNT(*) FROM dup)
         FROM b",
        match_clause(plan.identifier)
    );
    let code = |r: RejectReason| r.code().code;
    let statement = tx.prepare_cached(&sql).await?;
    let row = tx
        .query_one(
            &statement,
            &[
                &job.sync_id,
                &job.site_id,
                files,
                froms,
                tos,
                offsets,
                &big(matched),
                &code(RejectReason::Missing),
                &code(RejectReason::Empty),
                &code(RejectReason::Unmatched),
                &code(RejectReason::Duplicate),
                &records.first,
                &records.last,
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
