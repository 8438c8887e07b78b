//! Compiles a parsed export filter ([`Filter`]) into one PostgreSQL boolean expression over the
//! contacts table aliased `c`, with every client value bound as a `$n` parameter. Column names
//! and custom field ids come from the field catalogue, never from the filter text.
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
//!
//! Chains of one operator (`a AND b AND …`) are regrouped into a balanced tree: AND and OR are
//! associative, and a left-deep chain of 1000 conditions would nest as deep as it is long.
//! Every other grouping is kept, and every sub-expression is parenthesised.

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fields;
mod values;

use tokio_postgres::types::ToSql;

use super::listing::Param;
use crate::domain::appcloud::InstanceKind;
use crate::domain::contact_fields::{self, ContactField};
use crate::domain::filter::{CompareOp, FieldRef, Filter, Membership, StatusOp};
use crate::domain::markup::InstanceId;
use crate::store::sql_text::{
    FilterSqlError, Junction, balanced, filter_op as sql_op, like_pattern, unsupported,
};

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
pub(super) const NOTHING: &str = "(FALSE)";

/// Compiles `filter` for `site_id`, resolving field names against the standard fields and then
/// `custom` (the site's custom fields), both without regard to case. The statement it goes
/// into has `preceding` parameters of its own before the filter's.
///
/// Recursion follows `NOT` and parentheses only, which [`crate::domain::filter::parse`] bounds.
///
/// # Errors
/// [`FilterSqlError::UnknownField`] for a field that is not found;
/// [`FilterSqlError::Unsupported`] for segments, shared filters, feeder instances and ordering
/// or LIKE on `IsSubscribed`/`IsBounced`.
pub(super) fn compile(
    filter: &Filter,
    site_id: i64,
    custom: &[ContactField],
    preceding: usize,
) -> Result<CompiledFilter, FilterSqlError> {
    let mut compiler = Compiler {
        site_id,
        custom,
        params: Binder {
            preceding,
            values: Vec::new(),
        },
    };
    let sql = compiler.node(filter)?;
    Ok(CompiledFilter {
        sql,
        params: compiler.params.values,
    })
}

/// The parameters bound so far, and the placeholder of the next.
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

/// Compilation state.
struct Compiler<'a> {
    site_id: i64,
    custom: &'a [ContactField],
    params: Binder,
}

impl Compiler<'_> {
    fn node(&mut self, filter: &Filter) -> Result<String, FilterSqlError> {
        match filter {
            Filter::And(..) => self.chain(filter, Junction::And),
            Filter::Or(..) => self.chain(filter, Junction::Or),
            Filter::Not(inner) => Ok(format!("(NOT {})", self.node(inner)?)),
            Filter::Exists(membership) => self.exists(*membership),
            Filter::Status {
                instance,
                kind,
                execution,
                op,
                value,
            } => self.status(instance, *kind, *execution, *op, value),
            Filter::Compare { field, op, value } => self.compare(field, *op, value),
        }
    }

    /// `filter` and every node of the same junction below it, as one balanced tree.
    fn chain(&mut self, filter: &Filter, junction: Junction) -> Result<String, FilterSqlError> {
        let mut operands = Vec::new();
        // Explicit stack, left operand on top: a left-deep chain is as deep as it is long.
        let mut stack = vec![filter];
        while let Some(node) = stack.pop() {
            match (node, junction) {
                (Filter::And(left, right), Junction::And)
                | (Filter::Or(left, right), Junction::Or) => {
                    stack.push(right);
                    stack.push(left);
                }
                _ => operands.push(self.node(node)?),
            }
        }
        Ok(balanced(&operands, junction.keyword(), NOTHING))
    }

    fn exists(&mut self, membership: Membership) -> Result<String, FilterSqlError> {
        let list = match membership {
            Membership::ContactList(id) => id,
            Membership::ContactSegment(_) => return Err(unsupported("contact segments")),
            Membership::ContactFilter(_) => return Err(unsupported("shared contact filters")),
        };
        let Ok(list) = i64::try_from(list) else {
            return Ok(NOTHING.to_owned());
        };
        let list = self.params.bind(list);
        let site = self.params.bind(self.site_id);
        Ok(format!(
            "(c.id IN (SELECT m.contact_id FROM contact_list_members m \
             JOIN contact_lists l ON l.id = m.list_id WHERE m.list_id = {list} AND l.site_id = {site}))"
        ))
    }

    fn status(
        &mut self,
        instance: &InstanceId,
        kind: InstanceKind,
        execution: u64,
        op: StatusOp,
        value: &str,
    ) -> Result<String, FilterSqlError> {
        if kind == InstanceKind::Feeder {
            return Err(FilterSqlError::Unsupported(
                "feeder instances have no executions, so no STATUS".to_owned(),
            ));
        }
        let Ok(execution) = i64::try_from(execution) else {
            return Ok(NOTHING.to_owned());
        };
        let cmp = if op == StatusOp::Eq { "=" } else { "<>" };
        let site = self.params.bind(self.site_id);
        let guid = self.params.bind(instance.as_str().to_owned());
        let kind = self.params.bind(kind.as_str().to_owned());
        let execution = self.params.bind(execution);
        let status = self.params.bind(value.to_ascii_lowercase());
        Ok(format!(
            "(c.id IN (SELECT m.contact_id FROM appcloud_members m \
             JOIN appcloud_instances i ON i.id = m.instance_id \
             WHERE i.site_id = {site} AND i.guid = {guid} AND i.kind = {kind} \
             AND m.execution_id = {execution} AND {} {cmp} {status}))",
            fold("m.status")
        ))
    }

    fn compare(
        &mut self,
        field: &FieldRef,
        op: CompareOp,
        value: &str,
    ) -> Result<String, FilterSqlError> {
        match field {
            FieldRef::Id => Ok(self.id(op, value)),
            FieldRef::IsSubscribed => self.flag("c.is_subscribed", field, op, value),
            FieldRef::IsBounced => self.flag("c.is_bounced", field, op, value),
            FieldRef::Field(name) => {
                let field = contact_fields::standard_field(name)
                    .or_else(|| {
                        let mut custom = self.custom.iter();
                        custom
                            .find(|f| f.internal_name.eq_ignore_ascii_case(name))
                            .cloned()
                    })
                    .ok_or_else(|| FilterSqlError::UnknownField(name.clone()))?;
                Ok(values::condition(&field, op, value, &mut self.params))
            }
        }
    }

    fn id(&mut self, op: CompareOp, value: &str) -> String {
        if op == CompareOp::Like {
            let pattern = self.params.bind(like_pattern(value));
            return format!("(c.id::text LIKE {pattern})");
        }
        match value.trim().parse::<i64>() {
            Ok(id) => {
                let id = self.params.bind(id);
                format!("(c.id {} {id})", sql_op(op))
            }
            Err(_) => NOTHING.to_owned(),
        }
    }

    fn flag(
        &mut self,
        column: &str,
        field: &FieldRef,
        op: CompareOp,
        value: &str,
    ) -> Result<String, FilterSqlError> {
        if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
            return Err(FilterSqlError::Unsupported(format!(
                "{field} can only be compared with '=' or '!=', not '{op}'"
            )));
        }
        let flag = match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Ok(NOTHING.to_owned()),
        };
        let flag = self.params.bind(flag);
        Ok(format!("({column} {} {flag})", sql_op(op)))
    }
}

/// `text` with ASCII letters lowered and nothing else changed, ordered by bytes: SQLite's
/// `NOCASE`. Compare it with a value lowered by `str::to_ascii_lowercase`.
pub(super) fn fold(text: &str) -> String {
    format!("lower(({text}) COLLATE \"C\")")
}
