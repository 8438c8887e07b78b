//! Applying an import plan to one batch of staged rows, set-based: resolve each row's contact
//! and its verdict (the first reason to reject it, or the id of the contact it creates) in one
//! statement, update matched contacts, create new ones, write custom field values and
//! rejects, then run the import's sync actions on every imported contact. A batch reads its
//! staged rows once and writes each row of its table once.
//!
//! The batch lives in a per-connection temporary table emptied at every commit; what spans
//! batches (contacts and new identifiers already seen) lives in `sync_seen` and `import_new`,
//! keyed by sync, since the batches of one sync may run on different connections or nodes.
//!
//! Column names in these statements come from the plan (fixed `vals[n]` positions and contact
//! columns of the standard field catalogue); every client value is a bound parameter.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::types::ToSql;

use super::batch::UNHURRIED;
use super::effects::apply_effect;
use super::import_contacts;
use super::import_stage::{BOOL_FALSE, BOOL_TRUE, NOT_DATE, NOT_EMAIL, NOT_NUMERIC};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::FieldType;
use crate::domain::import_plan::{ColumnTarget, ImportKey, ImportPlan, ImportReject};
use crate::store::{ImportCounts, StoreError, StoreResult, SyncFile, SyncJob};

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

/// The batch table (one per connection, emptied at every commit). `fresh` marks rows given a
/// new contact's id, which [`import_contacts::create`] creates (rather than matched by their
/// identifier).
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

/// How the identifier finds a contact, given the identifier text `k.ident`: the first by id
/// of those it names (an email address or a contact id names one at most, which needs no
/// ordering).
fn key_match(key: ImportKey) -> &'static str {
    match key {
        ImportKey::EmailAddress => "lower(c.email_address) = lower(k.ident)",
        ImportKey::ContactIdExt => "c.contact_id_ext = k.ident ORDER BY c.id LIMIT 1",
        // Digits only; more than 18 (after leading zeros) names no contact and would overflow.
        ImportKey::ContactId => {
            "c.id = CASE WHEN k.ident ~ '^0*[0-9]{1,18}$' THEN k.ident::BIGINT END"
        }
    }
}

/// The contacts a batch imported, for its actions: its accepted rows (each names its own
/// contact: the ones an earlier row claimed are duplicates).
const IMPORTED: &str =
    "SELECT contact_id FROM import_batch WHERE reject IS NULL AND contact_id IS NOT NULL";

/// Applies `plan` to rows `from..to` of `file`.
pub(super) async fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ImportPlan,
    file: &SyncFile,
    (from, to): (u64, u64),
    now: Timestamp,
) -> StoreResult<ImportCounts> {
    tx.batch_execute(&format!("{UNHURRIED} {BATCH_TABLE}"))
        .await?;
    let (key_index, key) = plan.key;
    let key_name = plan
        .columns
        .iter()
        .find(|c| c.index == key_index)
        .map_or(String::new(), |c| c.name.clone());
    // Ids drawn from here on are new: no row of the sync can have claimed them yet.
    let (newest, sequence) = if plan.creates() {
        let row = tx
            .query_one(
                "SELECT COALESCE(MAX(id), 0), pg_get_serial_sequence('contacts', 'id') FROM contacts",
                &[],
            )
            .await?;
        let sequence: Option<String> = row.get(1);
        let sequence = sequence
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("contacts.id has no sequence")))?;
        (row.get::<_, i64>(0), sequence)
    } else {
        (0, String::new())
    };
    let verdicts = Verdicts::of(plan, &key_name);
    // Each level is computed once per row (`OFFSET 0` keeps the planner from copying a
    // level's expressions, and their lookups, into every place the next one uses them).
    let resolve = format!(
        "INSERT INTO import_batch (record_index, vals, flags, ident, contact_id, reject, invalid, fresh)
         SELECT b.record_index, b.vals, b.flags, b.ident,
                CASE WHEN b.fresh THEN nextval($9::TEXT::REGCLASS) ELSE b.contact_id END,
                ($7::TEXT[])[b.verdict],
                CASE WHEN b.verdict IS NOT NULL THEN json_build_array(($8::TEXT[])[b.verdict])::TEXT END,
                b.fresh
         FROM (
             SELECT w.*, (w.verdict IS NULL AND w.contact_id IS NULL AND $10::BOOLEAN) AS fresh FROM (
                 SELECT v.*, COALESCE(v.first, CASE WHEN v.first IS NULL AND row_number() OVER (
                     PARTITION BY v.first IS NULL, v.contact_id,
                         CASE WHEN v.contact_id IS NULL THEN lower(v.ident) END
                     ORDER BY v.record_index) > 1 THEN {} END) AS verdict
                 FROM (
                     SELECT b.*, {} AS first FROM (
                         SELECT $1 + r.seq + 1 AS record_index, r.vals, r.flags, k.ident, c.id AS contact_id
                         FROM import_rows r CROSS JOIN LATERAL (SELECT NULLIF(btrim(r.vals[{}]), '') AS ident) k
                         LEFT JOIN LATERAL (
                             SELECT c.id FROM contacts c WHERE c.site_id = $2 AND {}) c ON true
                         WHERE r.file_id = $3 AND r.seq >= $4 AND r.seq < $5 OFFSET 0) b OFFSET 0) v) w) b
         ORDER BY b.record_index",
        verdicts.duplicate,
        verdicts.case,
        key_index + 1,
        key_match(key)
    );
    tx.execute(
        resolve.as_str(),
        &[
            &super::big(file.offset),
            &job.site_id,
            &file.file_id,
            &super::big(from),
            &super::big(to),
            &job.sync_id,
            &verdicts.codes,
            &verdicts.columns,
            &sequence,
            &plan.creates(),
        ],
    )
    .await?;
    claim(tx, job.sync_id, plan).await?;
    let updated = import_contacts::update(tx, job.site_id, plan, now).await?;
    let created = if plan.creates() {
        import_contacts::create(tx, job, plan, &key_name, newest, now).await?
    } else {
        0
    };
    for column in &plan.columns {
        if let ColumnTarget::Custom(field_id) = column.target {
            import_contacts::custom_values(tx, field_id, column).await?;
        }
    }
    let rejected = write_rejects(tx, job.sync_id, plan).await?;
    let mut per_action = Vec::with_capacity(plan.actions.len());
    if !plan.actions.is_empty() {
        let imported: i64 = tx
            .query_one(&format!("SELECT COUNT(*) FROM ({IMPORTED}) i"), &[])
            .await?
            .get(0);
        let imported = super::count(imported);
        for action in &plan.actions {
            let applied = apply_effect(tx, job, &action.effect, IMPORTED, now).await?;
            per_action.push(if applied { imported } else { 0 });
        }
    }
    Ok(ImportCounts {
        created,
        updated,
        per_action,
        rejected,
    })
}

/// Why rows are rejected, in the order the reasons apply (a row takes the first that holds),
/// as one `CASE` over the resolved row `b` giving the reason's position in `codes` and
/// `columns` (the reject's code and the column at fault). `$6` is the sync.
struct Verdicts {
    case: String,
    codes: Vec<&'static str>,
    columns: Vec<String>,
    /// The position of the duplicate reason (a row whose contact, or new identifier, an
    /// earlier row of the batch claimed).
    duplicate: usize,
}

impl Verdicts {
    fn of(plan: &ImportPlan, key_name: &str) -> Self {
        let mut verdicts = Self {
            case: String::from("CASE"),
            codes: Vec::new(),
            columns: Vec::new(),
            duplicate: 0,
        };
        verdicts.add("b.ident IS NULL", ImportReject::Missing, key_name);
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
            verdicts.add(&condition, reason, &column.name);
        }
        // Rows that match no contact become new contacts only with an email address.
        let (unmatched, reason) = match plan.email {
            Some(email) if plan.creates() => (
                format!(
                    "b.contact_id IS NULL AND NULLIF(btrim({}), '') IS NULL",
                    v(email)
                ),
                ImportReject::Missing,
            ),
            _ => ("b.contact_id IS NULL".to_owned(), ImportReject::Unmatched),
        };
        verdicts.add(&unmatched, reason, key_name);
        // A `createOnly` import refuses rows matching a contact it did not create itself.
        if plan.refuses_existing() {
            verdicts.add(
                "b.contact_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sync_seen s
                     WHERE s.sync_id = $6 AND s.contact_id = b.contact_id)",
                ImportReject::Exists,
                key_name,
            );
        }
        // A contact (or a new identifier) claimed by a row of an earlier batch; the last
        // reason, which rows repeating an earlier row of the batch also take.
        verdicts.add(
            "b.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM sync_seen s
                 WHERE s.sync_id = $6 AND s.contact_id = b.contact_id)",
            ImportReject::Duplicate,
            key_name,
        );
        if plan.key.1 == ImportKey::ContactIdExt {
            verdicts.add(
                "b.contact_id IS NULL AND EXISTS (SELECT 1 FROM import_new n
                     WHERE n.sync_id = $6 AND n.ident = lower(b.ident))",
                ImportReject::Duplicate,
                key_name,
            );
        }
        verdicts.duplicate = verdicts.codes.len();
        verdicts.case.push_str(" END");
        verdicts
    }

    fn add(&mut self, condition: &str, reason: ImportReject, column: &str) {
        self.codes.push(reason.code().code);
        self.columns.push(column.to_owned());
        let position = self.codes.len();
        self.case
            .push_str(&format!(" WHEN {condition} THEN {position}"));
    }
}

/// Claims the contacts of the batch's accepted rows that matched one, and new external ids
/// their identifier: a new external id may stay unmatchable in later batches (case, spaces,
/// or a contact that had the row's address took it). A new email address has its contact by
/// the end of the batch, so later batches match it instead. (New contacts are claimed once
/// created.)
async fn claim(tx: &Transaction<'_>, sync_id: i64, plan: &ImportPlan) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO sync_seen (sync_id, contact_id, first_index)
         SELECT $1, contact_id, record_index FROM import_batch
         WHERE reject IS NULL AND contact_id IS NOT NULL AND NOT fresh",
        &[&sync_id],
    )
    .await?;
    if plan.key.1 == ImportKey::ContactIdExt {
        tx.execute(
            "INSERT INTO import_new (sync_id, ident, first_index)
             SELECT $1, lower(ident), record_index FROM import_batch
             WHERE reject IS NULL AND (contact_id IS NULL OR fresh)",
            &[&sync_id],
        )
        .await?;
    }
    Ok(())
}

/// Marks the rows `b` that `from` (a `FROM … WHERE …` joining `b`, or a `WHERE …`; `extra` binds `$3`
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

/// Writes one reject per rejected row, with the whole row as `fieldValues`; counts them by
/// reason.
async fn write_rejects(
    tx: &Transaction<'_>,
    sync_id: i64,
    plan: &ImportPlan,
) -> StoreResult<Vec<(ImportReject, u64)>> {
    let names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    let values: Vec<String> = plan.columns.iter().map(|c| v(c.index)).collect();
    let sql = format!(
        "WITH written AS (
             INSERT INTO sync_rejects (sync_id, record_index, status_code, value, field_values, invalid_fields)
             SELECT $1, b.record_index, b.reject, b.ident, json_object($2::TEXT[], ARRAY[{}]::TEXT[])::TEXT, b.invalid
             FROM import_batch b WHERE b.reject IS NOT NULL
             ON CONFLICT (sync_id, record_index) DO UPDATE SET status_code = excluded.status_code,
                 value = excluded.value, field_values = excluded.field_values, invalid_fields = excluded.invalid_fields
             RETURNING status_code)
         SELECT status_code, COUNT(*) FROM written GROUP BY status_code ORDER BY status_code",
        values.join(", ")
    );
    let rows = tx.query(sql.as_str(), &[&sync_id, &names]).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            ImportReject::from_code(row.get(0)).map(|reason| (reason, super::count(row.get(1))))
        })
        .collect())
}
