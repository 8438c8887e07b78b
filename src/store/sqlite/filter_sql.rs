//! The SQLite [`Dialect`] of the export filter compiler ([`crate::store::filter_sql`]): one
//! boolean expression over the contacts table aliased `c`, with every client value bound as an
//! anonymous `?` parameter.
//!
//! Semantics (two-valued: every condition is 0 or 1, never NULL, so `NOT` flips it exactly):
//! - `EXISTS('{{ContactList[id]}}')`: members of that list if it is `site_id`'s; a foreign or
//!   missing list matches nothing. Segments and shared filters are [`FilterSqlError::Unsupported`].
//! - `STATUS('{{ActionInstance(guid).Execution[id]}}') = 'v'` (or `DecisionInstance`): members of
//!   that execution of `site_id`'s instance of that GUID *and kind*, with status `v` (ASCII case
//!   ignored). `!=` matches the execution's members with another status; non-members never match.
//! - `=`, `!=`, `~` read a missing value as `''`; `~` is LIKE with `*` as the only wildcard.
//!   Text compares ignore ASCII case (`COLLATE NOCASE`, LIKE).
//! - `numeric` fields compare as numbers when the literal is a number (stored values that
//!   `loquat_valid('numeric', …)` refuses never match); `date` fields compare as instants when
//!   the literal is a date (`Timestamp::parse_lenient`): stored text must be valid for
//!   `loquat_valid('date', …)` and is read by SQLite's `julianday`, i.e. ISO-8601
//!   (`2024-05-01`, `2024-05-01 12:00[:00[.fff]]`, `T` separator, `Z`/`±HH:MM` offset).
//!   `!=` is always exactly `NOT =`. Otherwise fields compare as text.
//! - `>`, `<`, `>=`, `<=` never match a contact without a value; a literal that is not a number
//!   (numeric field) or date (date field) matches nothing.
//! - `{{Contact.Id}}` compares as an integer (`~` on its decimal text); booleans accept
//!   true/false, 1/0, yes/no with `=`/`!=` only. A literal that is not valid for them matches
//!   nothing, whatever the operator.

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests {
    crate::store::filter_sql::suite::filter_suite!(super::fixture::fixture);
}
mod values;

use rusqlite::types::Value;

use crate::domain::contact_fields::RecordField;
use crate::domain::filter::{CompareOp, Filter};
use crate::domain::record_type::{RecordType, Tables};
use crate::store::filter_sql::{self, Dialect};
use crate::store::sql_text::FilterSqlError;
pub(super) use crate::store::sql_text::filter_op as sql_op;

/// A filter as SQL: `sql` is a boolean expression over `contacts c`; `params` bind its `?`s in order.
///
/// `sql` is wrapped in parentheses and uses only anonymous `?` placeholders. SQLite numbers
/// an anonymous `?` one above the highest parameter number used before it in the statement,
/// so: write the caller's own parameters `?1`…`?N` (numbered or anonymous) *before* the
/// fragment, and bind the caller's N values followed by `params` in order. A parameter written
/// after the fragment must be anonymous (it becomes `N + params.len() + 1`) or numbered ≤ N.
/// The caller still restricts `c.site_id`; the fragment only scopes lists and instances.
/// It calls `loquat_valid`, which every store connection registers (`functions::register`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompiledFilter {
    /// The boolean expression.
    pub sql: String,
    /// Values for its `?`s, in text order.
    pub params: Vec<Value>,
}

/// A condition that matches no contact.
pub(super) const NOTHING: &str = <Sqlite as Dialect>::NOTHING;

/// Compiles `filter` for `site_id` (see [`filter_sql::compile`]).
///
/// # Errors
/// As [`filter_sql::compile`].
pub(super) fn compile(
    record_type: &'static RecordType,
    filter: &Filter,
    site_id: i64,
    custom: &[RecordField],
) -> Result<CompiledFilter, FilterSqlError> {
    let mut dialect = Sqlite { params: Vec::new() };
    let sql = filter_sql::compile(&mut dialect, record_type, filter, site_id, custom)?;
    Ok(CompiledFilter {
        sql,
        params: dialect.params,
    })
}

/// SQLite's spelling: anonymous `?`s bound in text order, flags as 0/1, `COLLATE NOCASE`.
struct Sqlite {
    params: Vec<Value>,
}

impl Dialect for Sqlite {
    const NOTHING: &'static str = "(0)";

    fn bind_int(&mut self, value: i64) -> String {
        self.params.push(Value::Integer(value));
        "?".to_owned()
    }

    fn bind_text(&mut self, value: String) -> String {
        self.params.push(Value::Text(value));
        "?".to_owned()
    }

    fn bind_flag(&mut self, value: bool) -> String {
        self.bind_int(i64::from(value))
    }

    fn text_cmp(&mut self, column: &str, cmp: &str, value: &str) -> String {
        let value = self.bind_text(value.to_owned());
        format!("{column} {cmp} {value} COLLATE NOCASE")
    }

    fn id_like(&mut self, pattern: String) -> String {
        let pattern = self.bind_text(pattern);
        format!("(CAST(c.id AS TEXT) LIKE {pattern} ESCAPE '\\')")
    }

    fn field(
        &mut self,
        field: &RecordField,
        tables: &'static Tables,
        op: CompareOp,
        value: &str,
    ) -> String {
        values::condition(field, tables, op, value, &mut self.params)
    }
}
