//! The contact writes of an import batch: updating matched contacts, creating new ones, and
//! writing custom field values, all set-based over the batch table (see `import_batch.rs`).

use deadpool_postgres::{GenericClient, Transaction};

use super::import_batch::{boolean, duplicates, v};
use crate::domain::clock::Timestamp;
use crate::domain::definition::UpdateRule;
use crate::domain::import_plan::{ColumnTarget, ImportColumn, ImportKey, ImportPlan};
use crate::store::imports::{account_lookup, contact_column, rule_expression};
use crate::store::{StoreResult, SyncJob};

/// Updates every matched, accepted contact; returns how many.
///
/// SQLite's `UPDATE OR IGNORE` leaves a contact alone when its new email address belongs to
/// another contact; here that contact is left out of the update: when another contact has the
/// address already, or an earlier row of the batch gives it to another contact first. (One
/// created meanwhile by another node fails the batch, which the engine runs again.)
pub(super) async fn update(
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
                format!(
                    "{name} = {}",
                    rule_expression(
                        c,
                        (&format!("contacts.{name}"), "contacts.site_id"),
                        &v(c.index),
                        &boolean(c.index)
                    )
                )
            })
        })
        .collect();
    let matched: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM import_batch WHERE reject IS NULL AND contact_id IS NOT NULL AND NOT fresh",
            &[],
        )
        .await?
        .get(0);
    let mut updated = super::count(matched);
    // A contact whose custom values alone change is updated too.
    let custom = plan
        .columns
        .iter()
        .any(|c| matches!(c.target, ColumnTarget::Custom(_)));
    if (sets.is_empty() && !custom) || matched == 0 {
        return Ok(updated);
    }
    let sets: Vec<String> = sets
        .into_iter()
        .chain(["updated_at = $1".to_owned()])
        .collect();
    // An address that matched its contact (the identifier) changes at most its case: it
    // cannot collide.
    let new_email = plan
        .columns
        .iter()
        .find(|c| {
            c.target == ColumnTarget::Standard("email_address")
                && c.rule != UpdateRule::IfExistingIsNull
                && plan.key != (c.index, ImportKey::EmailAddress)
        })
        .map(|c| format!("NULLIF(btrim({}), '')", v(c.index)));
    let (nth, unique) = match &new_email {
        Some(new) => (
            format!(", row_number() OVER (PARTITION BY lower({new}) ORDER BY b.record_index) AS nth"),
            format!(
                " AND ({new} IS NULL OR (b.nth = 1 AND NOT EXISTS (SELECT 1 FROM contacts o
                   WHERE o.site_id = contacts.site_id AND lower(o.email_address) = lower({new}) AND o.id <> contacts.id)))"
            ),
        ),
        None => (String::new(), String::new()),
    };
    let rows = format!(
        "(SELECT b.record_index, b.vals, b.flags, b.ident, b.contact_id{nth}
          FROM import_batch b WHERE b.reject IS NULL AND b.contact_id IS NOT NULL AND NOT b.fresh) b"
    );
    let sql = format!(
        "UPDATE contacts SET {} FROM {rows} WHERE contacts.id = b.contact_id{unique}",
        sets.join(", ")
    );
    tx.execute(sql.as_str(), &[&now.as_nanos()]).await?;
    // Only ContactIDExt can match several contacts; the first (by id) is updated above.
    if plan.multiple && plan.key.1 == ImportKey::ContactIdExt {
        let others = format!(
            "UPDATE contacts SET {} FROM {rows}
             WHERE contacts.site_id = $2 AND contacts.contact_id_ext = b.ident AND contacts.id <> b.contact_id{unique}",
            sets.join(", ")
        );
        updated += tx
            .execute(others.as_str(), &[&now.as_nanos(), &site_id])
            .await?;
    }
    Ok(updated)
}

/// Creates a contact for each accepted row that matched none (`fresh`: the batch gave it its
/// contact's id from the contacts' own sequence, in record order, so the rows know their
/// contacts without looking them up again); returns how many. `newest` is the newest contact
/// before the batch.
///
/// Another node's import may create the same contact meanwhile: `ON CONFLICT` on the unique
/// email address leaves it to that one (as SQLite's `INSERT OR IGNORE` does for an earlier row).
pub(super) async fn create(
    tx: &Transaction<'_>,
    job: &SyncJob,
    plan: &ImportPlan,
    key_name: &str,
    newest: i64,
    now: Timestamp,
) -> StoreResult<u64> {
    let Some(email) = plan.email else {
        return Ok(0);
    };
    let fresh: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM import_batch WHERE reject IS NULL AND fresh",
            &[],
        )
        .await?
        .get(0);
    let fresh = super::count(fresh);
    if fresh == 0 {
        return Ok(0);
    }
    let mut names = vec!["id", "site_id", "created_at", "updated_at"];
    let mut values = vec![
        "b.contact_id".to_owned(),
        "$1".to_owned(),
        "$2".to_owned(),
        "$2".to_owned(),
    ];
    for column in &plan.columns {
        let Some(name) = contact_column(&column.target) else {
            continue;
        };
        names.push(name);
        values.push(match &column.target {
            ColumnTarget::Standard("email_address") => format!("btrim({})", v(email)),
            ColumnTarget::IsSubscribed => format!("COALESCE({}, TRUE)", boolean(column.index)),
            ColumnTarget::IsBounced => format!("COALESCE({}, FALSE)", boolean(column.index)),
            ColumnTarget::AccountLink(by) => account_lookup(by, &v(column.index), "$1"),
            _ => format!("NULLIF({}, '')", v(column.index)),
        });
    }
    let insert = format!(
        "INSERT INTO contacts ({}) SELECT {} FROM import_batch b
         WHERE b.reject IS NULL AND b.fresh ORDER BY b.record_index
         ON CONFLICT (site_id, lower(email_address)) DO NOTHING",
        names.join(", "),
        values.join(", ")
    );
    let created = tx
        .execute(insert.as_str(), &[&job.site_id, &now.as_nanos()])
        .await?;
    if created < fresh {
        relink(tx, job, email, key_name, newest).await?;
    }
    tx.execute(
        "INSERT INTO sync_seen (sync_id, contact_id, first_index)
         SELECT $1, contact_id, record_index FROM import_batch WHERE reject IS NULL AND fresh",
        &[&job.sync_id],
    )
    .await?;
    Ok(created)
}

/// Rows whose address a contact had already (an earlier row of the batch, or another node's
/// import meanwhile) take that contact instead; then a new row whose contact another row of
/// the sync took first is a duplicate: one left without a contact, one whose contact an
/// earlier batch or a matched row claimed, one whose contact an earlier new row of the batch
/// took.
async fn relink(
    tx: &Transaction<'_>,
    job: &SyncJob,
    email: usize,
    key_name: &str,
    newest: i64,
) -> StoreResult<()> {
    let link = format!(
        "UPDATE import_batch b SET contact_id = (SELECT c.id FROM contacts c
             WHERE c.site_id = $1 AND lower(c.email_address) = lower(btrim({})))
         WHERE b.reject IS NULL AND b.fresh
         AND (SELECT x.id FROM contacts x WHERE x.id = b.contact_id) IS NULL",
        v(email)
    );
    tx.execute(link.as_str(), &[&job.site_id]).await?;
    duplicates(tx, key_name, "WHERE b.contact_id IS NULL", &[]).await?;
    duplicates(
        tx,
        key_name,
        "FROM sync_seen s WHERE b.fresh AND b.contact_id <= $4 AND s.sync_id = $3 AND s.contact_id = b.contact_id",
        &[&job.sync_id, &newest],
    )
    .await?;
    duplicates(
        tx,
        key_name,
        "FROM (SELECT w.record_index FROM (
             SELECT record_index, row_number() OVER (PARTITION BY contact_id ORDER BY record_index) AS nth
             FROM import_batch WHERE reject IS NULL AND fresh) w WHERE w.nth > 1) d
         WHERE d.record_index = b.record_index",
        &[],
    )
    .await?;
    Ok(())
}

/// Writes one custom field's values for the batch's imported contacts under the column's rule.
pub(super) async fn custom_values(
    tx: &Transaction<'_>,
    field_id: i64,
    column: &ImportColumn,
) -> StoreResult<()> {
    let value = v(column.index);
    let rows = "FROM import_batch b WHERE b.reject IS NULL AND b.contact_id IS NOT NULL";
    let conflict = if column.rule == UpdateRule::IfExistingIsNull {
        "DO NOTHING"
    } else {
        "DO UPDATE SET value = excluded.value"
    };
    let upsert = format!(
        "INSERT INTO contact_custom_values (field_id, contact_id, value)
         SELECT $1, b.contact_id, {value} {rows} AND NULLIF({value}, '') IS NOT NULL
         ON CONFLICT (field_id, contact_id) {conflict}"
    );
    tx.execute(upsert.as_str(), &[&field_id]).await?;
    if column.rule == UpdateRule::Always {
        let clear = format!(
            "DELETE FROM contact_custom_values WHERE field_id = $1 AND contact_id IN (SELECT b.contact_id {rows} AND {value} = '')"
        );
        tx.execute(clear.as_str(), &[&field_id]).await?;
    }
    Ok(())
}
