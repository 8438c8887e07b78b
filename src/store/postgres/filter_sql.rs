//! The PostgreSQL [`Dialect`] of the export filter compiler ([`crate::store::filter_sql`]): one
//! boolean expression over the contacts table aliased `c`, with every client value bound as a
//! `$n` parameter.
//!
//! The semantics are SQLite's (`store::sqlite::filter_sql`), condition for condition
//! (two-valued: every condition is TRUE or FALSE, never NULL, so `NOT` flips it exactly):
//! - `EXISTS('{{ContactList[id]}}')`: members of that list if it is `site_id`'s; a foreign or
//!   missing list matches nothing. Segments and shared filters are [`FilterSqlError::Unsupported`].
//! - `STATUS('{{ActionInstance(guid).Execution[id]}}') = 'v'` (or `DecisionInstance`): members of
//!   that execution of `site_id`'s instance of that GUID *and kind*, with status `v` (ASCII case
//!   ignored). `!=` matches the execution's members with another status; non-members never match.
//! - `=`, `!=`, `~` read a missing value as `''`; `~` is LIKE with `*` as the only wildcard.
//!   Text compares ignore ASCII case only, and order by bytes, as SQLite's `NOCASE` does
//!   (`lower(x COLLATE "C")`, whatever the database's collation).
//! - `numeric` fields compare as numbers (`float8`) when the literal is a number; a stored value
//!   is read as a number only when it is one by Rust's rules and finite as an `f64`, else it
//!   never matches. `date` fields compare as instants, to the millisecond (as SQLite's
//!   `julianday` does), when the literal is a date (`Timestamp::parse_lenient`); stored text
//!   is read when it is an ISO-8601 date as both `parse_lenient` and `julianday` take it
//!   (`2024-05-01`, `2024-05-01 12:00[:00[.fff]]`, `T` separator, `Z`/`±HH:MM` offset after
//!   seconds) and names a real day and time. Both are checked by regular expression and
//!   arithmetic before any cast, so no stored value can make a statement fail.
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
#[cfg(test)]
mod tests_values;
mod values;

use tokio_postgres::types::ToSql;

use super::listing::Param;
use crate::domain::contact_fields::RecordField;
use crate::domain::filter::{CompareOp, Filter};
use crate::domain::record_type::{RecordType, Tables};
use crate::store::filter_sql::{self, Dialect};
use crate::store::sql_text::FilterSqlError;
pub(super) use crate::store::sql_text::filter_op as sql_op;

/// A filter as SQL: `sql` is a boolean expression over `contacts c`; `params` bind its
/// placeholders, which are numbered from `preceding + 1` (see [`compile`]) in `params` order.
///
/// The caller writes its own parameters `$1`…`$preceding`, and binds them followed by
/// `params`. The caller still restricts `c.site_id`; the fragment only scopes lists and
/// instances.
#[derive(Debug)]
pub(super) struct CompiledFilter {
    /// The boolean expression, parenthesised.
    pub sql: String,
    /// Values for its placeholders, in number order.
    pub params: Vec<Param>,
}

/// A condition that matches no contact.
pub(super) const NOTHING: &str = <Binder as Dialect>::NOTHING;

/// Compiles `filter` for `site_id` (see [`filter_sql::compile`]) into a statement that has
/// `preceding` parameters of its own before the filter's.
///
/// # Errors
/// As [`filter_sql::compile`].
pub(super) fn compile(
    record_type: &'static RecordType,
    filter: &Filter,
    site_id: i64,
    custom: &[RecordField],
    preceding: usize,
) -> Result<CompiledFilter, FilterSqlError> {
    let mut binder = Binder {
        preceding,
        values: Vec::new(),
    };
    let sql = filter_sql::compile(&mut binder, record_type, filter, site_id, custom)?;
    Ok(CompiledFilter {
        sql,
        params: binder.values,
    })
}

/// The parameters bound so far, and the placeholder of the next: PostgreSQL's dialect.
pub(super) struct Binder {
    preceding: usize,
    values: Vec<Param>,
}

impl Binder {
    /// Binds `value`; returns its placeholder (`$n`).
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.preceding + self.values.len())
    }
}

impl Dialect for Binder {
    const NOTHING: &'static str = "(FALSE)";

    fn bind_int(&mut self, value: i64) -> String {
        self.bind(value)
    }

    fn bind_text(&mut self, value: String) -> String {
        self.bind(value)
    }

    fn bind_flag(&mut self, value: bool) -> String {
        self.bind(value)
    }

    fn text_cmp(&mut self, column: &str, cmp: &str, value: &str) -> String {
        let value = self.bind(value.to_ascii_lowercase());
        format!("{} {cmp} {value}", fold(column))
    }

    fn id_like(&mut self, pattern: String) -> String {
        let pattern = self.bind(pattern);
        format!("(c.id::text LIKE {pattern})")
    }

    fn field(
        &mut self,
        field: &RecordField,
        tables: &'static Tables,
        op: CompareOp,
        value: &str,
    ) -> String {
        values::condition(field, tables, op, value, self)
    }
}

/// `text` with ASCII letters lowered and nothing else changed, ordered by bytes: SQLite's
/// `NOCASE`. Compare it with a value lowered by `str::to_ascii_lowercase`.
pub(super) fn fold(text: &str) -> String {
    format!("lower(({text}) COLLATE \"C\")")
}
