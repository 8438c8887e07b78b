//! The statements of every operation on definitions, built from a kind's description in `$n`
//! placeholders (each backend rewrites them to its own style), and the decoding of their rows.

use super::{DefinitionRecordOf, Record, StoredKind};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::fields::DefinitionField;
use crate::domain::record_type::RecordType;
use crate::store::listing::Listing;
use crate::store::sql_text::{SqlValue, StoredRow};
use crate::store::{StoreError, StoreResult};

/// `SELECT` of kind `K`'s definitions: id, audit, `kb_used`, then the kind's own columns.
/// `kb_used` counts the bytes of files still staged or owned by a sync that has not ended
/// (a sum is cast back to an integer before the division: PostgreSQL sums to NUMERIC).
pub(crate) fn select<K: StoredKind>() -> String {
    let kb_used = match K::STAGED_FILES {
        Some(files) => format!(
            "(SELECT (CAST(COALESCE(SUM(f.bytes), 0) AS BIGINT) + 1023) / 1024 FROM {files} f
              WHERE f.definition_id = d.id AND (f.sync_id IS NULL
              OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active'))))"
        ),
        None => "CAST(0 AS BIGINT)".to_owned(),
    };
    format!(
        "SELECT d.id, d.created_by, d.created_at, d.updated_by, d.updated_at, {kb_used},
         d.record_type, {} FROM {} d",
        K::READ,
        K::TABLE
    )
}

/// One definition of a site: `$1` site, `$2` id.
pub(crate) fn load_sql<K: StoredKind>() -> String {
    format!("{} WHERE d.site_id = $1 AND d.id = $2", select::<K>())
}

/// The columns a definition of kind `K` is written to: the kind's own, then its record type.
fn columns<K: StoredKind>() -> Vec<&'static str> {
    K::COLUMNS.iter().copied().chain(["record_type"]).collect()
}

/// The values of [`columns`] for `definition`.
pub(crate) fn encoded<K: StoredKind>(definition: &K::Definition) -> Vec<SqlValue> {
    let record_type = K::record_type(definition).segment.to_owned();
    let mut values = K::encode(definition);
    values.push(SqlValue::Text(Some(record_type)));
    values
}

/// A new definition returning its id: `$1` site, the kind's columns, then who and when.
pub(crate) fn insert_sql<K: StoredKind>() -> String {
    let columns = columns::<K>();
    let n = columns.len();
    let marks: Vec<String> = (2..n + 2).map(|i| format!("${i}")).collect();
    let (by, at) = (n + 2, n + 3);
    format!(
        "INSERT INTO {} (site_id, {}, created_by, created_at, updated_by, updated_at)
         VALUES ($1, {}, ${by}, ${at}, ${by}, ${at}) RETURNING id",
        K::TABLE,
        columns.join(", "),
        marks.join(", ")
    )
}

/// A definition replaced: `$1` site, `$2` id, the kind's columns, then who and when.
pub(crate) fn update_sql<K: StoredKind>() -> String {
    let columns = columns::<K>();
    let n = columns.len();
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 3))
        .collect();
    format!(
        "UPDATE {} SET {}, updated_by = ${}, updated_at = ${} WHERE site_id = $1 AND id = $2",
        K::TABLE,
        sets.join(", "),
        n + 3,
        n + 4
    )
}

/// Deletes a definition of a site (`$1`, `$2`) with all its staged files, including those a
/// pending or active sync took: files first, so a trigger removes their rows; the syncs stay
/// and report the definition gone. The last statement's count tells whether it existed.
pub(crate) fn delete_sql<K: StoredKind>() -> Vec<String> {
    let definition = format!("DELETE FROM {} WHERE site_id = $1 AND id = $2", K::TABLE);
    let files = K::STAGED_FILES.map(|files| {
        format!(
            "DELETE FROM {files} WHERE definition_id IN
             (SELECT id FROM {} WHERE site_id = $1 AND id = $2)",
            K::TABLE
        )
    });
    files.into_iter().chain([definition]).collect()
}

/// Whether definition `$2` of site `$1` exists (before its staged data is discarded).
pub(crate) fn exists_sql<K: StoredKind>() -> String {
    format!("SELECT 1 FROM {} WHERE site_id = $1 AND id = $2", K::TABLE)
}

/// Whether definition `$2` of site `$1` exists under record type `$3` (before a sync of it
/// is created: a `syncedInstanceUri` names the record type too).
pub(crate) fn typed_exists_sql<K: StoredKind>() -> String {
    format!(
        "SELECT 1 FROM {} WHERE site_id = $1 AND id = $2 AND record_type = $3",
        K::TABLE
    )
}

/// Discarding definition `$1`'s unsynced staged files: a query finding a pending or active
/// sync of it (which makes the discard a conflict), then the delete. `None` for a kind that
/// stages nothing.
pub(crate) fn discard_sql<K: StoredKind>() -> Option<[String; 2]> {
    K::STAGED_FILES.map(|files| {
        [
            format!(
                "SELECT 1 FROM syncs WHERE kind = '{}' AND definition_id = $1
                 AND status IN ('pending', 'active') LIMIT 1",
                K::SYNC.as_str()
            ),
            format!("DELETE FROM {files} WHERE definition_id = $1 AND sync_id IS NULL"),
        ]
    })
}

/// Gives the staged files of definition `$2` not yet taken to sync `$1`.
pub(crate) fn claim_files_sql(files: &str) -> String {
    format!("UPDATE {files} SET sync_id = $1 WHERE definition_id = $2 AND sync_id IS NULL")
}

/// The listing of kind `K` over `select` (from [`select`], in the backend's placeholders),
/// of one record type's definitions or, without one, of all.
pub(crate) fn listing<'a>(
    select: &'a str,
    record_type: Option<&'static RecordType>,
) -> Listing<'a, DefinitionField> {
    Listing {
        select,
        column,
        site_column: "d.site_id",
        id_column: "d.id",
        scope: record_type.map(|t| ("d.record_type", t.segment)),
    }
}

/// The column a definition query field reads.
fn column(field: DefinitionField) -> &'static str {
    match field {
        DefinitionField::Name => "d.name",
        DefinitionField::CreatedAt => "d.created_at",
        DefinitionField::UpdatedAt => "d.updated_at",
        DefinitionField::CreatedBy => "d.created_by",
        DefinitionField::UpdatedBy => "d.updated_by",
        DefinitionField::Id => "d.id",
    }
}

/// A row of [`select`] as a record; a definition that no longer parses is a corrupt row.
pub(crate) fn record<K: StoredKind>(row: &dyn StoredRow) -> StoreResult<Record<K>> {
    let id = row.int(0)?;
    let corrupt = |e: String| StoreError::Other(anyhow::anyhow!("stored {} {id}: {e}", K::TABLE));
    let definition = K::decode(row)?.map_err(corrupt)?;
    let segment = row.text(super::RECORD_TYPE)?;
    let record_type = RecordType::by_segment(&segment)
        .ok_or_else(|| corrupt(format!("record type {segment:?}")))?;
    Ok(DefinitionRecordOf {
        id,
        record_type,
        definition,
        kb_used: row.int(5)?,
        audit: Audit {
            created_by: row.text(1)?,
            created_at: Timestamp::from_nanos(row.int(2)?),
            updated_by: row.text(3)?,
            updated_at: Timestamp::from_nanos(row.int(4)?),
        },
    })
}
