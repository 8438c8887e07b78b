//! Applying an import plan to one batch of staged rows, set-based: one statement reads each
//! row once into the batch table (its identifier, contact and first fault), the rest works
//! on that table; then matched contacts are updated, new ones created
//! (`import_contacts.rs`), and the import's sync actions run on every imported contact.
//!
//! Column names in these statements come from the plan (fixed `v{n}` staging columns and
//! contact columns of the standard field catalogue); every client value is a bound parameter.

use rusqlite::types::Value;
use rusqlite::{Transaction, params, params_from_iter};

use super::batch::Records;
use super::effects::{apply_effect, matched};
use super::import_contacts;
use super::staging;
use crate::domain::clock::Timestamp;
use crate::domain::import_plan::{ColumnTarget, ImportKey, ImportPlan, ImportReject};
use crate::store::{ImportCounts, StoreResult, SyncFile, SyncJob};

/// Creates (or empties) the per-sync temporary tables. `import_batch` holds one batch:
/// `email` is the row's address as a new contact would take it, `fault` the position of its
/// first fault among the plan's checks, `fresh` marks rows given a new contact's id.
pub(super) fn begin(tx: &Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS sync_seen (first_index INTEGER NOT NULL, contact_id INTEGER NOT NULL,
             PRIMARY KEY (first_index, contact_id)) WITHOUT ROWID;
         CREATE UNIQUE INDEX IF NOT EXISTS temp.sync_seen_contact ON sync_seen (contact_id);
         DELETE FROM temp.sync_seen;
         CREATE TEMP TABLE IF NOT EXISTS import_new (ident TEXT PRIMARY KEY COLLATE NOCASE, first_index INTEGER NOT NULL);
         DELETE FROM temp.import_new;
         CREATE TEMP TABLE IF NOT EXISTS import_batch (record_index INTEGER PRIMARY KEY, rowkey INTEGER NOT NULL,
             ident TEXT, email TEXT, contact_id INTEGER, fault INTEGER, reject TEXT, invalid TEXT,
             fresh INTEGER NOT NULL DEFAULT 0);",
    )?;
    Ok(())
}

/// The staged value of column `index`.
pub(super) fn v(index: usize) -> String {
    format!("r.v{index}")
}

/// How the identifier finds a contact, given the identifier text `ident`.
fn key_match(key: ImportKey) -> &'static str {
    match key {
        ImportKey::EmailAddress => "c.email_address = ident COLLATE NOCASE",
        ImportKey::ContactIdExt => "c.contact_id_ext = ident",
        ImportKey::ContactId => "ident NOT GLOB '*[^0-9]*' AND c.id = CAST(ident AS INTEGER)",
    }
}

/// The name of the identifier column, which rejects about the identifier point at.
fn key_name(plan: &ImportPlan) -> String {
    plan.columns
        .iter()
        .find(|c| c.index == plan.key.0)
        .map_or(String::new(), |c| c.name.clone())
}

/// Applies `plan` to rows `from..to` of `file`.
pub(super) fn batch(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ImportPlan,
    file: &SyncFile,
    (from, to): (u64, u64),
    now: Timestamp,
) -> StoreResult<ImportCounts> {
    let to_i = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let records = Records {
        first: to_i(file.offset + from + 1),
        last: to_i(file.offset + to),
    };
    let range = (
        staging::row_key(file.file_id, 0),
        to_i(file.offset),
        to_i(from),
        to_i(to),
    );
    classify(tx, job.site_id, plan, range)?;
    let updated = import_contacts::update(tx, job.site_id, plan, now)?;
    let created = match plan.email {
        Some(email) if plan.creates() => {
            import_contacts::create(tx, (job.site_id, now), plan, email, &key_name(plan))?
        }
        _ => 0,
    };
    write_rejects(tx, job.sync_id, plan)?;
    for column in &plan.columns {
        if let ColumnTarget::Custom(field_id) = column.target {
            import_contacts::custom_values(tx, field_id, column)?;
        }
    }
    let rejected = reject_counts(tx)?;
    // Actions run for the contacts this batch imported first (the ones in `sync_seen`).
    let imported: i64 = tx.query_row(
        "SELECT COUNT(*) FROM temp.sync_seen WHERE first_index >= ?1 AND first_index <= ?2",
        params![records.first, records.last],
        |r| r.get(0),
    )?;
    let imported = u64::try_from(imported).unwrap_or(0);
    let mut per_action = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let applied = apply_effect(tx, job.site_id, &action.effect, &matched(records), now)?;
        per_action.push(if applied { imported } else { 0 });
    }
    Ok(ImportCounts {
        created,
        updated,
        per_action,
        rejected,
    })
}

/// Marks the batch rows meeting `condition` (over `import_batch`) and not rejected yet.
pub(super) fn set_reject(
    tx: &Transaction<'_>,
    reason: ImportReject,
    column: &str,
    condition: &str,
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE temp.import_batch SET reject = ?1, invalid = json_array(?2)
         WHERE reject IS NULL AND ({condition})"
    );
    tx.execute(&sql, params![reason.code().code, column])?;
    Ok(())
}

/// The checks a row can fail before its contact is known, in the order they are reported:
/// each with its reason, the column it blames and its condition over `r` (the staged row).
fn checks(plan: &ImportPlan, ident: &str) -> Vec<(ImportReject, String, String)> {
    let mut checks = vec![(
        ImportReject::Missing,
        key_name(plan),
        format!("{ident} IS NULL"),
    )];
    for column in &plan.columns {
        let typed = matches!(
            column.data_type.as_str(),
            "emailAddress" | "numeric" | "date"
        );
        if !typed || column.target == ColumnTarget::MatchOnly {
            continue;
        }
        let reason = if column.data_type.as_str() == "emailAddress" {
            ImportReject::InvalidEmail
        } else {
            ImportReject::InvalidValue
        };
        let value = v(column.index);
        let condition = format!(
            "NULLIF(trim({value}), '') IS NOT NULL AND NOT loquat_valid('{}', trim({value}))",
            column.data_type.as_str()
        );
        checks.push((reason, column.name.clone(), condition));
    }
    // Rows that match no contact become new contacts only with an email address (checked
    // once the contacts are looked up).
    let reason = if plan.creates() {
        ImportReject::Missing
    } else {
        ImportReject::Unmatched
    };
    checks.push((reason, key_name(plan), String::new()));
    checks
}

/// Reads rows `from..to` of the file whose first row key is `base` (its records start after
/// `offset`) into the batch table, each with its contact and first fault, and marks every
/// rejected row with its reason; a contact (or a new identifier) that an earlier row of the
/// sync claimed makes a duplicate.
fn classify(
    tx: &Transaction<'_>,
    site_id: i64,
    plan: &ImportPlan,
    (base, offset, from, to): (i64, i64, i64, i64),
) -> StoreResult<()> {
    let (key_index, key) = plan.key;
    let ident = format!("NULLIF(trim({}), '')", v(key_index));
    let email = plan.email.map_or("NULL".to_owned(), |email| {
        format!("NULLIF(trim({}), '')", v(email))
    });
    let checks = checks(plan, &ident);
    let unmatched = checks.len();
    let fault: String = checks[..unmatched - 1]
        .iter()
        .enumerate()
        .map(|(n, (_, _, condition))| format!(" WHEN {condition} THEN {}", n + 1))
        .collect();
    tx.execute("DELETE FROM temp.import_batch", [])?;
    // One pass over the staged rows: each row's identifier, its contact and its first fault.
    let resolve = format!(
        "INSERT INTO temp.import_batch (record_index, rowkey, ident, email, fault, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, r.id, {ident}, {email}, CASE{fault} END,
                (SELECT c.id FROM contacts c WHERE c.site_id = ?2 AND {} ORDER BY c.id LIMIT 1)
         FROM import_rows r WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5",
        key_match(key).replace("ident", &ident)
    );
    tx.execute(&resolve, params![offset, site_id, base, from, to])?;
    let no_email = if plan.creates() {
        " AND email IS NULL"
    } else {
        ""
    };
    tx.execute(
        &format!("UPDATE temp.import_batch SET fault = ?1 WHERE fault IS NULL AND contact_id IS NULL{no_email}"),
        [unmatched],
    )?;
    // Faults become reasons and blamed columns, on the few rows that have one.
    let mut args: Vec<Value> = Vec::with_capacity(2 * checks.len());
    let (mut reasons, mut names) = (String::new(), String::new());
    for (n, (reason, column, _)) in checks.into_iter().enumerate() {
        reasons.push_str(&format!(" WHEN {} THEN ?{}", n + 1, 2 * n + 1));
        names.push_str(&format!(" WHEN {} THEN ?{}", n + 1, 2 * n + 2));
        args.push(Value::Text(reason.code().code.to_owned()));
        args.push(Value::Text(column));
    }
    tx.execute(
        &format!(
            "UPDATE temp.import_batch SET reject = CASE fault{reasons} END,
                 invalid = json_array(CASE fault{names} END) WHERE fault IS NOT NULL"
        ),
        params_from_iter(args),
    )?;
    let key_name = key_name(plan);
    // A `createOnly` import refuses rows matching a contact it did not create itself.
    if plan.refuses_existing() {
        set_reject(
            tx,
            ImportReject::Exists,
            &key_name,
            "contact_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM temp.sync_seen s WHERE s.contact_id = import_batch.contact_id)",
        )?;
    }
    // A contact claimed by an earlier row of the sync makes a duplicate.
    tx.execute(
        "INSERT OR IGNORE INTO temp.sync_seen (first_index, contact_id)
         SELECT record_index, contact_id FROM temp.import_batch
         WHERE reject IS NULL AND contact_id IS NOT NULL ORDER BY record_index",
        [],
    )?;
    set_reject(
        tx,
        ImportReject::Duplicate,
        &key_name,
        "contact_id IS NOT NULL AND record_index <> (SELECT s.first_index FROM temp.sync_seen s WHERE s.contact_id = import_batch.contact_id)",
    )?;
    // So does a new identifier an earlier row of the sync had. When the identifier is the
    // email address, the earlier row's contact carries it: the row above found it, or the
    // creation finds it (`import_contacts::create`). Otherwise the identifiers are kept.
    if plan.creates() && plan.email != Some(key_index) {
        tx.execute(
            "INSERT OR IGNORE INTO temp.import_new (ident, first_index)
             SELECT ident, record_index FROM temp.import_batch
             WHERE reject IS NULL AND contact_id IS NULL ORDER BY record_index",
            [],
        )?;
        set_reject(
            tx,
            ImportReject::Duplicate,
            &key_name,
            "contact_id IS NULL AND record_index <> (SELECT n.first_index FROM temp.import_new n WHERE n.ident = import_batch.ident)",
        )?;
    }
    Ok(())
}

/// Writes one reject per rejected row, with the whole row as `fieldValues`.
fn write_rejects(tx: &Transaction<'_>, sync_id: i64, plan: &ImportPlan) -> StoreResult<()> {
    let pairs: Vec<String> = plan
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("?{}, {}", i + 2, v(c.index)))
        .collect();
    let object = if pairs.is_empty() {
        "json_object()".to_owned()
    } else {
        format!("json_object({})", pairs.join(", "))
    };
    let sql = format!(
        "INSERT OR REPLACE INTO sync_rejects (sync_id, record_index, status_code, value, field_values, invalid_fields)
         SELECT ?1, b.record_index, b.reject, b.ident, {object}, b.invalid
         FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey WHERE b.reject IS NOT NULL"
    );
    let mut args: Vec<Value> = vec![sync_id.into()];
    args.extend(plan.columns.iter().map(|c| Value::Text(c.name.clone())));
    tx.execute(&sql, params_from_iter(args))?;
    Ok(())
}

fn reject_counts(tx: &Transaction<'_>) -> StoreResult<Vec<(ImportReject, u64)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT reject, COUNT(*) FROM temp.import_batch WHERE reject IS NOT NULL GROUP BY reject",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut counts = Vec::new();
    for row in rows {
        let (code, n) = row?;
        if let Some(reason) = ImportReject::from_code(&code) {
            counts.push((reason, u64::try_from(n).unwrap_or(0)));
        }
    }
    Ok(counts)
}
