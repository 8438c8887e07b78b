//! Where a contact field's value is read from in a filter: a column of `c` or the field's
//! `contact_custom_values` row. The text is the same on both backends (`COALESCE` and `FALSE`
//! are SQLite's as well as PostgreSQL's).

use crate::domain::contact_fields::{RecordField, Storage};
use crate::domain::record_type::Tables;

/// Where a field's value is read from.
pub(crate) enum Source {
    /// A column of `c`, and whether it is NOT NULL.
    Column(&'static str, bool),
    /// The custom values row of this field id, in the record type's values table.
    Custom(i64, &'static Tables),
}

impl Source {
    /// Where `field` of a record type stored in `tables` is stored.
    pub(crate) fn of(field: &RecordField, tables: &'static Tables) -> Self {
        match field.storage {
            // Compared as dates before a source is needed (`filter_sql::Compiler::compare`).
            Storage::Column(column) | Storage::Timestamp(column) => {
                Self::Column(column, field.not_null)
            }
            Storage::Custom => Self::Custom(field.id, tables),
        }
    }

    /// The value as text, `''` when there is none; references the value once.
    pub(crate) fn text(&self) -> String {
        match self {
            Self::Column(column, true) => format!("c.{column}"),
            Self::Column(column, false) => format!("COALESCE(c.{column}, '')"),
            Self::Custom(id, tables) => format!(
                "COALESCE((SELECT v.value FROM {} v \
                 WHERE v.field_id = {id} AND v.{} = c.id), '')",
                tables.custom_values, tables.record_key
            ),
        }
    }

    /// `predicate` over the stored value, false when there is none or the predicate is NULL.
    /// The predicate may read its argument several times and is written once (its
    /// placeholders bind once).
    pub(crate) fn test(&self, predicate: impl FnOnce(&str) -> String) -> String {
        match self {
            Self::Column(column, _) => {
                format!("COALESCE({}, FALSE)", predicate(&format!("c.{column}")))
            }
            Self::Custom(id, tables) => format!(
                "COALESCE((SELECT {} FROM {} v \
                 WHERE v.field_id = {id} AND v.{} = c.id), FALSE)",
                predicate("v.value"),
                tables.custom_values,
                tables.record_key
            ),
        }
    }
}
