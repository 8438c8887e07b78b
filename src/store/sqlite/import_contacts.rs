//! What an import batch writes to contacts: updates of matched contacts, new contacts, and
//! custom field values, each one statement over the batch table (`import_batch.rs`).

use rusqlite::{Transaction, params};

use super::import_batch::{set_reject, v};
use crate::domain::clock::Timestamp;
use crate::domain::definition::UpdateRule;
use crate::domain::import_plan::{ColumnTarget, ImportColumn, ImportKey, ImportPlan, ImportReject};
use crate::store::StoreResult;
use crate::store::imports::{account_lookup, contact_column, rule_expression};

/// Updates every matched, accepted contact; returns how many.
pub(super) fn update(
    tx: &Transaction<'_>,
    site_id: i64,
    plan: &ImportPlan,
    now: Timestamp,
) -> StoreResult<u64> {
    let mut sets = Vec::new();
    for column in &plan.columns {
        if let Some(name) = contact_column(&column.target) {
            let value = v(column.index);
            let flag = format!("loquat_bool({value})");
            let new = rule_expression(column, (name, "contacts.site_id"), &value, &flag);
            sets.push(format!("{name} = {new}"));
        }
    }
    let matched: i64 = tx.query_row(
        "SELECT COUNT(*) FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let mut updated = u64::try_from(matched).unwrap_or(0);
    // A contact whose custom values alone change is updated too.
    let custom = plan
        .columns
        .iter()
        .any(|c| matches!(c.target, ColumnTarget::Custom(_)));
    if (!sets.is_empty() || custom) && matched > 0 {
        sets.push("updated_at = ?1".to_owned());
        // OR IGNORE: an email address another contact has already is left unchanged.
        let sql = format!(
            "UPDATE OR IGNORE contacts SET {}
             FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey
             WHERE contacts.id = b.contact_id AND b.reject IS NULL",
            sets.join(", ")
        );
        tx.execute(&sql, [now.as_nanos()])?;
        // Only ContactIDExt can match several contacts; the first (by id) is updated above.
        if plan.multiple && plan.key.1 == ImportKey::ContactIdExt {
            let others = format!(
                "UPDATE OR IGNORE contacts SET {}
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

/// Creates a contact for each accepted row that matched none, its address from staged column
/// `email`; returns how many.
pub(super) fn create(
    tx: &Transaction<'_>,
    (site_id, now): (i64, Timestamp),
    plan: &ImportPlan,
    email: usize,
    key_name: &str,
) -> StoreResult<u64> {
    // Each new row gets its contact's id before the insert, in record order, after every id
    // the contacts have had (AUTOINCREMENT never reuses one): the rows know their contacts
    // without looking them up again, and the contacts are appended to the table.
    let newest: i64 = tx.query_row(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0),
                    COALESCE((SELECT MAX(id) FROM contacts), 0))",
        [],
        |r| r.get(0),
    )?;
    let fresh = tx.execute(
        "UPDATE temp.import_batch SET contact_id = ?1 + n.nth, fresh = 1
         FROM (SELECT record_index AS ri, row_number() OVER (ORDER BY record_index) AS nth
               FROM temp.import_batch WHERE reject IS NULL AND contact_id IS NULL) n
         WHERE import_batch.record_index = n.ri",
        [newest],
    )?;
    let columns = plan.columns.iter().filter_map(|column| {
        let value = match &column.target {
            ColumnTarget::Standard("email_address") => format!("trim({})", v(email)),
            ColumnTarget::IsSubscribed => format!("COALESCE(loquat_bool({}), 1)", v(column.index)),
            ColumnTarget::IsBounced => format!("COALESCE(loquat_bool({}), 0)", v(column.index)),
            ColumnTarget::AccountLink(by) => account_lookup(by, &v(column.index), "?1"),
            _ => format!("NULLIF({}, '')", v(column.index)),
        };
        contact_column(&column.target).map(|name| (name, value))
    });
    let fixed = [
        ("id", "b.contact_id"),
        ("site_id", "?1"),
        ("created_at", "?2"),
        ("updated_at", "?2"),
    ];
    let (names, values): (Vec<&str>, Vec<String>) = fixed
        .into_iter()
        .map(|(name, value)| (name, value.to_owned()))
        .chain(columns)
        .unzip();
    // OR IGNORE: a row whose address a contact has already (an earlier row of the batch)
    // creates nothing.
    let sql = format!(
        "INSERT OR IGNORE INTO contacts ({}) SELECT {} FROM temp.import_batch b JOIN import_rows r ON r.id = b.rowkey
         WHERE b.fresh ORDER BY b.record_index",
        names.join(", "),
        values.join(", ")
    );
    let created = tx.execute(&sql, params![site_id, now.as_nanos()])?;
    if created < fresh {
        // Those rows take the contact that has their address.
        tx.execute(
            "UPDATE temp.import_batch SET contact_id = (SELECT c.id FROM contacts c
                 WHERE c.site_id = ?1 AND c.email_address = import_batch.email COLLATE NOCASE)
             WHERE fresh AND NOT EXISTS (SELECT 1 FROM contacts x WHERE x.id = import_batch.contact_id)",
            [site_id],
        )?;
    }
    // A new row whose contact another row of the sync took first is a duplicate.
    tx.execute(
        "INSERT OR IGNORE INTO temp.sync_seen (first_index, contact_id)
         SELECT record_index, contact_id FROM temp.import_batch
         WHERE fresh AND contact_id IS NOT NULL ORDER BY record_index",
        [],
    )?;
    set_reject(
        tx,
        ImportReject::Duplicate,
        key_name,
        "fresh AND (contact_id IS NULL OR record_index <> (SELECT s.first_index FROM temp.sync_seen s WHERE s.contact_id = import_batch.contact_id))",
    )?;
    Ok(created as u64)
}

/// Writes one custom field's values for the batch's imported contacts under the column's rule.
pub(super) fn custom_values(
    tx: &Transaction<'_>,
    field_id: i64,
    column: &ImportColumn,
) -> StoreResult<()> {
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
