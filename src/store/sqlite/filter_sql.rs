//! Compiles a parsed export filter ([`Filter`]) into one SQLite boolean expression over the
//! contacts table aliased `c`, with every client value bound as a parameter. Column names and
//! custom field ids come from the field catalogue, never from the filter text.
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
//!
//! Chains of one operator (`a AND b AND …`) are regrouped into a balanced tree: AND and OR are
//! associative, and a left-deep chain of 1000 conditions would pass SQLite's expression depth
//! limit (1000). Every other grouping is kept, and every sub-expression is parenthesised.

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fields;
mod values;

use rusqlite::types::Value;

use crate::domain::appcloud::InstanceKind;
use crate::domain::contact_fields::{self, ContactField};
use crate::domain::filter::{CompareOp, FieldRef, Filter, Membership, StatusOp};
use crate::domain::markup::InstanceId;
use crate::store::sql_text::{
    FilterSqlError, Junction, balanced, filter_op as sql_op, like_pattern, unsupported,
};

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
pub(super) const NOTHING: &str = "(0)";

/// Compiles `filter` for `site_id`, resolving field names against the standard fields and then
/// `custom` (the site's custom fields), both without regard to case.
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
) -> Result<CompiledFilter, FilterSqlError> {
    let mut compiler = Compiler {
        site_id,
        custom,
        params: Vec::new(),
    };
    let sql = compiler.node(filter)?;
    Ok(CompiledFilter {
        sql,
        params: compiler.params,
    })
}

/// Compilation state: parameters are pushed in the order their `?`s are written.
struct Compiler<'a> {
    site_id: i64,
    custom: &'a [ContactField],
    params: Vec<Value>,
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
        self.params
            .extend([Value::Integer(list), Value::Integer(self.site_id)]);
        Ok("(c.id IN (SELECT m.contact_id FROM contact_list_members m \
            JOIN contact_lists l ON l.id = m.list_id WHERE m.list_id = ? AND l.site_id = ?))"
            .to_owned())
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
        self.params.extend([
            Value::Integer(self.site_id),
            Value::Text(instance.as_str().to_owned()),
            Value::Text(kind.as_str().to_owned()),
            Value::Integer(execution),
            Value::Text(value.to_owned()),
        ]);
        Ok(format!(
            "(c.id IN (SELECT m.contact_id FROM appcloud_members m \
             JOIN appcloud_instances i ON i.id = m.instance_id \
             WHERE i.site_id = ? AND i.guid = ? AND i.kind = ? AND m.execution_id = ? \
             AND m.status {cmp} ? COLLATE NOCASE))"
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
            self.params.push(Value::Text(like_pattern(value)));
            return "(CAST(c.id AS TEXT) LIKE ? ESCAPE '\\')".to_owned();
        }
        match value.trim().parse::<i64>() {
            Ok(id) => {
                self.params.push(Value::Integer(id));
                format!("(c.id {} ?)", sql_op(op))
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
            "true" | "1" | "yes" => 1,
            "false" | "0" | "no" => 0,
            _ => return Ok(NOTHING.to_owned()),
        };
        self.params.push(Value::Integer(flag));
        Ok(format!("({column} {} ?)", sql_op(op)))
    }
}
