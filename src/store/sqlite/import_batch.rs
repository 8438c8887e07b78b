//! Applying an import plan to one batch of staged rows, set-based: resolve each row's contact,
//! classify rejects, update matched contacts, create new ones, write custom field values, then
//! run the import's sync actions on every imported contact.
//!
//! Column names in these statements come from the plan (fixed `v{n}` staging columns and
//! contact columns of the standard field catalogue); every client value is a bound parameter.

use rusqlite::{Transaction, params, params_from_iter};

use super::batch::Records;
use super::effects::{apply_effect, matched};
use super::{error, staging};
use crate::domain::clock::Timestamp;
use crate::domain::definition::UpdateRule;
use crate::domain::import_plan::{ColumnTarget, ImportColumn, ImportKey, ImportPlan, ImportReject};
use crate::store::imports::{contact_column, rule_expression};
use crate::store::{ImportCounts, StoreResult, SyncFile, SyncJob};

/// Creates (or empties) the per-sync temporary tables.
pub(super) fn begin(tx: &Transaction<'_>) -> StoreResult<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS sync_seen (first_index INTEGER NOT NULL, contact_id INTEGER NOT NULL,
             PRIMARY KEY (first_index, contact_id)) WITHOUT ROWID;
         CREATE UNIQUE INDEX IF NOT EXISTS temp.sync_seen_contact ON sync_seen (contact_id);
         DELETE FROM temp.sync_seen;
         CREATE TEMP TABLE IF NOT EXISTS import_new (ident TEXT PRIMARY KEY COLLATE NOCASE, first_index INTEGER NOT NULL);
         DELETE FROM temp.import_new;
         CREATE TEMP TABLE IF NOT EXISTS import_batch (record_index INTEGER PRIMARY KEY, rowkey INTEGER NOT NULL,
             ident TEXT, contact_id INTEGER, reject TEXT, invalid TEXT);",
    )
    .map_err(error::map)
}

fn v(index: usize) -> String {
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
    let base = staging::row_key(file.file_id, 0);
    let records = Records {
        first: to_i(file.offset + from + 1),
        last: to_i(file.offset + to),
    };
    let (key_index, key) = plan.key;
    tx.execute("DELETE FROM temp.import_batch", [])?;
    let ident = format!("NULLIF(trim({}), '')", v(key_index));
    let resolve = format!(
        "INSERT INTO temp.import_batch (record_index, rowkey, ident, contact_id)
         SELECT ?1 + (r.id - ?3) + 1, r.id, {ident},
                (SELECT c.id FROM contacts c WHERE c.site_id = ?2 AND {} ORDER BY c.id LIMIT 1)
         FROM import_rows r WHERE r.id >= ?3 + ?4 AND r.id < ?3 + ?5",
        key_match(key).replace("ident", &ident)
    );
    tx.execute(
        &resolve,
        params![to_i(file.offset), job.site_id, base, to_i(from), to_i(to)],
    )?;
    classify(tx, plan)?;
    let updated = update(tx, job.site_id, plan, now)?;
    let created = if plan.creates() {
        create(tx, job.site_id, plan, now)?
    } else {
        0
    };
    write_rejects(tx, job.sync_id, plan)?;
    for column in &plan.columns {
        if let ColumnTarget::Custom(field_id) = column.target {
            custom_values(tx, field_id, column)?;
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

fn set_reject(
    tx: &Transaction<'_>,
    reason: ImportReject,
    column: &str,
    condition: &str,
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE temp.import_batch SET reject = ?1, invalid = json_array(?2)
         WHERE reject IS NULL AND rowkey IN (SELECT r.id FROM import_rows r JOIN temp.import_batch b ON b.rowkey = r.id WHERE {condition})"
    );
    tx.execute(&sql, params![reason.code().code, column])?;
    Ok(())
}

/// Marks each rejected row with its first reason.
fn classify(tx: &Transaction<'_>, plan: &ImportPlan) -> StoreResult<()> {
    let key_name = &plan
        .columns
        .iter()
        .find(|c| c.index == plan.key.0)
        .map_or(String::new(), |c| c.name.clone());
    set_reject(tx, ImportReject::Missing, key_name, "b.ident IS NULL")?;
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
        set_reject(tx, reason, &column.name, &condition)?;
    }
    // Rows that match no contact become new contacts only with an email address.
    let unmatched = match plan.email {
        Some(email) if plan.creates() => format!(
            "b.contact_id IS NULL AND NULLIF(trim({}), '') IS NULL",
            v(email)
        ),
        _ => "b.contact_id IS NULL".to_owned(),
    };
    let reason = if plan.creates() {
        ImportReject::Missing
    } else {
        ImportReject::Unmatched
    };
    set_reject(tx, reason, key_name, &unmatched)?;
    // A contact (or a new identifier) claimed by an earlier row of the sync is a duplicate.
    tx.execute_batch(
        "INSERT OR IGNORE INTO temp.sync_seen (first_index, contact_id)
             SELECT record_index, contact_id FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NOT NULL ORDER BY record_index;
         INSERT OR IGNORE INTO temp.import_new (ident, first_index)
             SELECT ident, record_index FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NULL ORDER BY record_index;",
    )?;
    let duplicate = "(b.contact_id IS NOT NULL AND b.record_index <> (SELECT s.first_index FROM temp.sync_seen s WHERE s.contact_id = b.contact_id))
         OR (b.contact_id IS NULL AND b.record_index <> (SELECT n.first_index FROM temp.import_new n WHERE n.ident = b.ident))";
    set_reject(tx, ImportReject::Duplicate, key_name, duplicate)
}

/// Updates every matched, accepted contact; returns how many.
fn update(
    tx: &Transaction<'_>,
    site_id: i64,
    plan: &ImportPlan,
    now: Timestamp,
) -> StoreResult<u64> {
    let sets: Vec<String> = plan
        .columns
        .iter()
        .filter_map(|c| {
            contact_column(&c.target).map(|name| {
                let value = v(c.index);
                let flag = format!("loquat_bool({value})");
                format!("{name} = {}", rule_expression(c, name, &value, &flag))
            })
        })
        .collect();
    let matched: i64 = tx.query_row(
        "SELECT COUNT(*) FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let mut updated = u64::try_from(matched).unwrap_or(0);
    if !sets.is_empty() && matched > 0 {
        // OR IGNORE: an email address another contact has already is left unchanged.
        let sql = format!(
            "UPDATE OR IGNORE contacts SET {}, updated_at = ?1
             FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey
             WHERE contacts.id = b.contact_id AND b.reject IS NULL",
            sets.join(", ")
        );
        tx.execute(&sql, [now.as_nanos()])?;
        // Only ContactIDExt can match several contacts; the first (by id) is updated above.
        if plan.multiple && plan.key.1 == ImportKey::ContactIdExt {
            let others = format!(
                "UPDATE OR IGNORE contacts SET {}, updated_at = ?1
                 FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey
                 WHERE b.reject IS NULL AND b.contact_id IS NOT NULL AND contacts.site_id = ?2
                 AND contacts.contact_id_ext = b.ident AND contacts.id <> b.contact_id",
                sets.join(", ")
            );
            updated += tx.execute(&others, params![now.as_nanos(), site_id])? as u64;
        }
    }
    Ok(updated)
}

/// Creates a contact for each accepted row that matched none; returns how many.
fn create(
    tx: &Transaction<'_>,
    site_id: i64,
    plan: &ImportPlan,
    now: Timestamp,
) -> StoreResult<u64> {
    let Some(email) = plan.email else {
        return Ok(0);
    };
    let mut names = vec![
        "site_id".to_owned(),
        "created_at".to_owned(),
        "updated_at".to_owned(),
    ];
    let mut values = vec!["?1".to_owned(), "?2".to_owned(), "?2".to_owned()];
    for column in &plan.columns {
        let Some(name) = contact_column(&column.target) else {
            continue;
        };
        names.push(name.to_owned());
        values.push(match &column.target {
            ColumnTarget::Standard("email_address") => format!("trim({})", v(email)),
            ColumnTarget::IsSubscribed => format!("COALESCE(loquat_bool({}), 1)", v(column.index)),
            ColumnTarget::IsBounced => format!("COALESCE(loquat_bool({}), 0)", v(column.index)),
            _ => format!("NULLIF({}, '')", v(column.index)),
        });
    }
    let sql = format!(
        "INSERT OR IGNORE INTO contacts ({}) SELECT {} FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey
         WHERE b.reject IS NULL AND b.contact_id IS NULL ORDER BY b.record_index",
        names.join(", "),
        values.join(", ")
    );
    let created = tx.execute(&sql, params![site_id, now.as_nanos()])?;
    let link = format!(
        "UPDATE temp.import_batch SET contact_id = (SELECT c.id FROM contacts c JOIN import_rows r ON r.id = import_batch.rowkey
             WHERE c.site_id = ?1 AND c.email_address = trim({}) COLLATE NOCASE)
         WHERE reject IS NULL AND contact_id IS NULL",
        v(email)
    );
    tx.execute(&link, [site_id])?;
    // A new row whose email address another new row of the sync took first is a duplicate.
    let key_name = plan
        .columns
        .iter()
        .find(|c| c.index == plan.key.0)
        .map_or(String::new(), |c| c.name.clone());
    tx.execute(
        "INSERT OR IGNORE INTO temp.sync_seen (first_index, contact_id)
         SELECT record_index, contact_id FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NOT NULL ORDER BY record_index",
        [],
    )?;
    set_reject(
        tx,
        ImportReject::Duplicate,
        &key_name,
        "b.contact_id IS NULL OR b.record_index <> (SELECT s.first_index FROM temp.sync_seen s WHERE s.contact_id = b.contact_id)",
    )?;
    Ok(created as u64)
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
    let mut args: Vec<rusqlite::types::Value> = vec![sync_id.into()];
    args.extend(
        plan.columns
            .iter()
            .map(|c| rusqlite::types::Value::Text(c.name.clone())),
    );
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

/// Writes one custom field's values for the batch's imported contacts under the column's rule.
fn custom_values(tx: &Transaction<'_>, field_id: i64, column: &ImportColumn) -> StoreResult<()> {
    let value = v(column.index);
    let rows = "FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey \
                WHERE b.reject IS NULL AND b.contact_id IS NOT NULL";
    let conflict = if column.rule == UpdateRule::IfExistingIsNull {
        "DO NOTHING"
    } else {
        "DO UPDATE SET value = excluded.value"
    };
    let upsert = format!(
        "INSERT INTO contact_custom_values (field_id, contact_id, value) SELECT ?1, b.contact_id, {value} {rows} AND NULLIF({value}, '') IS NOT NULL
         ON CONFLICT (field_id, contact_id) {conflict}"
    );
    tx.execute(&upsert, [field_id])?;
    if column.rule == UpdateRule::Always {
        let clear = format!(
            "DELETE FROM contact_custom_values WHERE field_id = ?1 AND contact_id IN (SELECT b.contact_id {rows} AND {value} = '')"
        );
        tx.execute(&clear, [field_id])?;
    }
    Ok(())
}
