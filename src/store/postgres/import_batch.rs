//! Applying an import plan to one batch of staged rows, set-based: resolve each row's contact,
//! classify rejects, update matched contacts, create new ones, write custom field values, then
//! run the import's sync actions on every imported contact.
//!
//! The batch lives in a per-connection temporary table emptied at every commit; what spans
//! batches (contacts and new identifiers already seen) lives in `sync_seen` and `import_new`,
//! keyed by sync, since the batches of one sync may run on different connections or nodes.
//!
//! Column names in these statements come from the plan (fixed `vals[n]` positions and contact
//! columns of the standard field catalogue); every client value is a bound parameter.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::types::ToSql;

use super::batch::Records;
use super::effects::apply_effect;
use super::import_contacts;
use super::import_stage::{BOOL_FALSE, BOOL_TRUE, NOT_DATE, NOT_EMAIL, NOT_NUMERIC};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::FieldType;
use crate::domain::import_plan::{ColumnTarget, ImportKey, ImportPlan, ImportReject};
use crate::store::{ImportCounts, StoreResult, SyncFile, SyncJob};

/// Forgets what an earlier run of the sync saw.
pub(super) async fn begin(tx: &Transaction<'_>, sync_id: i64) -> StoreResult<()> {
    for sql in [
        "DELETE FROM sync_seen WHERE sync_id = $1",
        "DELETE FROM import_new WHERE sync_id = $1",
    ] {
        tx.execute(sql, &[&sync_id]).await?;
    }
    Ok(())
}

/// The batch table (one per connection, emptied at every commit). `fresh` marks rows linked
/// to a contact by [`import_contacts::create`] (rather than matched by their identifier).
const BATCH_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS import_batch (
    record_index BIGINT PRIMARY KEY, vals TEXT[] NOT NULL, flags BYTEA NOT NULL,
    ident TEXT, contact_id BIGINT, reject TEXT, invalid TEXT,
    fresh BOOLEAN NOT NULL DEFAULT FALSE) ON COMMIT DELETE ROWS";

/// The value of staged column `index`.
pub(super) fn v(index: usize) -> String {
    format!("b.vals[{}]", index + 1)
}

/// The flags of staged column `index` (0 when the row has no such column).
fn flag(index: usize) -> String {
    format!("(CASE WHEN length(b.flags) > {index} THEN get_byte(b.flags, {index}) ELSE 0 END)")
}

/// What `loquat_bool` gives on SQLite: true, false, or NULL for anything else.
pub(super) fn boolean(index: usize) -> String {
    let flag = flag(index);
    format!(
        "(CASE WHEN {flag} & {BOOL_TRUE} <> 0 THEN TRUE WHEN {flag} & {BOOL_FALSE} <> 0 THEN FALSE END)"
    )
}

/// How the identifier finds a contact, given the identifier text `k.ident`.
fn key_match(key: ImportKey) -> &'static str {
    match key {
        ImportKey::EmailAddress => "lower(c.email_address) = lower(k.ident)",
        ImportKey::ContactIdExt => "c.contact_id_ext = k.ident",
        // Digits only; more than 18 (after leading zeros) names no contact and would overflow.
        ImportKey::ContactId => {
            "c.id = CASE WHEN k.ident ~ '^0*[0-9]{1,18}$' THEN k.ident::BIGINT END"
        }
    }
}

/// Applies `plan` to rows `from..to` of `file`.
pub(super) async fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ImportPlan,
    file: &SyncFile,
    (from, to): (u64, u64),
    now: Timestamp,
) -> StoreResult<ImportCounts> {
    let big = super::big;
    let records = Records {
        first: big(file.offset + from + 1),
        last: big(file.offset + to),
    };
    let (key_index, key) = plan.key;
    tx.batch_execute(BATCH_TABLE).await?;
    let resolve = format!(
        "INSERT INTO import_batch (record_index, vals, flags, ident, contact_id)
         SELECT $1 + r.seq + 1, r.vals, r.flags, k.ident,
                (SELECT c.id FROM contacts c WHERE c.site_id = $2 AND {} ORDER BY c.id LIMIT 1)
         FROM import_rows r CROSS JOIN LATERAL (SELECT NULLIF(btrim(r.vals[{}]), '') AS ident) k
         WHERE r.file_id = $3 AND r.seq >= $4 AND r.seq < $5",
        key_match(key),
        key_index + 1
    );
    tx.execute(
        resolve.as_str(),
        &[
            &big(file.offset),
            &job.site_id,
            &file.file_id,
            &big(from),
            &big(to),
        ],
    )
    .await?;
    let key_name = plan
        .columns
        .iter()
        .find(|c| c.index == key_index)
        .map_or(String::new(), |c| c.name.clone());
    classify(tx, job.sync_id, plan, &key_name, file.offset + from == 0).await?;
    let updated = import_contacts::update(tx, job.site_id, plan, now).await?;
    let created = if plan.creates() {
        import_contacts::create(tx, job, plan, &key_name, now).await?
    } else {
        0
    };
    write_rejects(tx, job.sync_id, plan).await?;
    for column in &plan.columns {
        if let ColumnTarget::Custom(field_id) = column.target {
            import_contacts::custom_values(tx, field_id, column).await?;
        }
    }
    let rejected = reject_counts(tx).await?;
    // Actions run for the contacts this batch imported first (the ones in `sync_seen`).
    let imported: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM sync_seen WHERE sync_id = $1 AND first_index >= $2 AND first_index <= $3",
            &[&job.sync_id, &records.first, &records.last],
        )
        .await?
        .get(0);
    let imported = super::count(imported);
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job, &action.effect, records, now).await?;
        per_action.push(if applied { imported } else { 0 });
    }
    Ok(ImportCounts {
        created,
        updated,
        per_action,
        rejected,
    })
}

/// Marks the rows meeting `condition` (over `b`) and not rejected yet with `reason`.
pub(super) async fn set_reject(
    tx: &Transaction<'_>,
    reason: ImportReject,
    column: &str,
    condition: &str,
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE import_batch b SET reject = $1, invalid = json_build_array($2::TEXT)::TEXT
         WHERE b.reject IS NULL AND ({condition})"
    );
    tx.execute(sql.as_str(), &[&reason.code().code, &column])
        .await?;
    Ok(())
}

/// Marks each rejected row with its first reason.
async fn classify(
    tx: &Transaction<'_>,
    sync_id: i64,
    plan: &ImportPlan,
    key_name: &str,
    first_batch: bool,
) -> StoreResult<()> {
    set_reject(tx, ImportReject::Missing, key_name, "b.ident IS NULL").await?;
    for column in &plan.columns {
        let (reason, bit) = match column.data_type {
            FieldType::EmailAddress => (ImportReject::InvalidEmail, NOT_EMAIL),
            FieldType::Numeric => (ImportReject::InvalidValue, NOT_NUMERIC),
            FieldType::Date => (ImportReject::InvalidValue, NOT_DATE),
            FieldType::Text | FieldType::LargeText => continue,
        };
        if column.target == ColumnTarget::MatchOnly {
            continue;
        }
        // The flags say what `FieldType::accepts` answered for the value while staging.
        let condition = format!("{} & {bit} <> 0", flag(column.index));
        set_reject(tx, reason, &column.name, &condition).await?;
    }
    // Rows that match no contact become new contacts only with an email address.
    let unmatched = match plan.email {
        Some(email) if plan.creates() => format!(
            "b.contact_id IS NULL AND NULLIF(btrim({}), '') IS NULL",
            v(email)
        ),
        _ => "b.contact_id IS NULL".to_owned(),
    };
    let reason = if plan.creates() {
        ImportReject::Missing
    } else {
        ImportReject::Unmatched
    };
    set_reject(tx, reason, key_name, &unmatched).await?;
    // A contact (or a new identifier) claimed by an earlier row of the sync is a duplicate:
    // by a row of an earlier batch (none before the first) ...
    if !first_batch {
        duplicates(
            tx,
            key_name,
            "FROM sync_seen s WHERE b.contact_id IS NOT NULL AND s.sync_id = $3 AND s.contact_id = b.contact_id",
            &[&sync_id],
        )
        .await?;
        if plan.key.1 == ImportKey::ContactIdExt {
            duplicates(
                tx,
                key_name,
                "FROM import_new n WHERE b.contact_id IS NULL AND n.sync_id = $3 AND n.ident = lower(b.ident)",
                &[&sync_id],
            )
            .await?;
        }
    }
    // ... or by an earlier row of this batch.
    duplicates(
        tx,
        key_name,
        "FROM (SELECT w.record_index FROM (
             SELECT record_index, row_number() OVER (PARTITION BY contact_id,
                 CASE WHEN contact_id IS NULL THEN lower(ident) END ORDER BY record_index) AS nth
             FROM import_batch WHERE reject IS NULL) w WHERE w.nth > 1) d
         WHERE d.record_index = b.record_index",
        &[],
    )
    .await?;
    // The rest claim their contacts, and new external ids their identifier: a new external id
    // may stay unmatchable in later batches (case, spaces, or a contact that had the row's
    // address took it). A new email address has its contact by the end of the batch, so later
    // batches match it instead.
    tx.execute(
        "INSERT INTO sync_seen (sync_id, contact_id, first_index)
         SELECT $1, contact_id, record_index FROM import_batch WHERE reject IS NULL AND contact_id IS NOT NULL",
        &[&sync_id],
    )
    .await?;
    if plan.key.1 == ImportKey::ContactIdExt {
        tx.execute(
            "INSERT INTO import_new (sync_id, ident, first_index)
             SELECT $1, lower(ident), record_index FROM import_batch WHERE reject IS NULL AND contact_id IS NULL",
            &[&sync_id],
        )
        .await?;
    }
    Ok(())
}

/// Marks the rows `b` that `from` (a `FROM … WHERE …` joining `b`; `extra` binds `$3`
/// onwards) selects and are not rejected yet as duplicates. Joins go to tables, or to derived
/// tables on the primary key, so no plan rescans an underestimated set once per row.
pub(super) async fn duplicates(
    tx: &Transaction<'_>,
    key_name: &str,
    from: &str,
    extra: &[&(dyn ToSql + Sync)],
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE import_batch b SET reject = $1, invalid = json_build_array($2::TEXT)::TEXT
         {from} AND b.reject IS NULL"
    );
    let code = ImportReject::Duplicate.code().code;
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&code, &key_name];
    params.extend_from_slice(extra);
    tx.execute(sql.as_str(), &params).await?;
    Ok(())
}

/// Writes one reject per rejected row, with the whole row as `fieldValues`.
async fn write_rejects(tx: &Transaction<'_>, sync_id: i64, plan: &ImportPlan) -> StoreResult<()> {
    let names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    let values: Vec<String> = plan.columns.iter().map(|c| v(c.index)).collect();
    let sql = format!(
        "INSERT INTO sync_rejects (sync_id, record_index, status_code, value, field_values, invalid_fields)
         SELECT $1, b.record_index, b.reject, b.ident, json_object($2::TEXT[], ARRAY[{}]::TEXT[])::TEXT, b.invalid
         FROM import_batch b WHERE b.reject IS NOT NULL
         ON CONFLICT (sync_id, record_index) DO UPDATE SET status_code = excluded.status_code,
             value = excluded.value, field_values = excluded.field_values, invalid_fields = excluded.invalid_fields",
        values.join(", ")
    );
    tx.execute(sql.as_str(), &[&sync_id, &names]).await?;
    Ok(())
}

async fn reject_counts(tx: &Transaction<'_>) -> StoreResult<Vec<(ImportReject, u64)>> {
    let rows = tx
        .query(
            "SELECT reject, COUNT(*) FROM import_batch WHERE reject IS NOT NULL GROUP BY reject ORDER BY reject",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            ImportReject::from_code(row.get(0)).map(|reason| (reason, super::count(row.get(1))))
        })
        .collect())
}
