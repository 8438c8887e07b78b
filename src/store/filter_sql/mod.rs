//! The export filter compiler, written once: it turns a parsed filter ([`Filter`]) into one
//! boolean SQL expression over the records table (contacts, accounts) aliased `c`, with every client value bound as
//! a parameter. Column names and custom field ids come from the field catalogue, never from
//! the filter text. What differs between SQLite and PostgreSQL (placeholders, booleans,
//! case-insensitive text, and how stored numbers and dates are read) is a [`Dialect`]; the
//! semantics every dialect keeps are in each backend's `filter_sql` module docs.
//!
//! Chains of one operator (`a AND b AND …`) are regrouped into a balanced tree: AND and OR are
//! associative, and a left-deep chain of 1000 conditions would pass SQLite's expression depth
//! limit (1000). Every other grouping is kept, and every sub-expression is parenthesised.
//! Recursion follows `NOT` and parentheses only, which [`crate::domain::filter::parse`] bounds.

pub(crate) mod source;
#[cfg(test)]
pub(crate) mod suite;

use crate::domain::appcloud::InstanceKind;
use crate::domain::contact_fields::{self, RecordField};
use crate::domain::filter::{CompareOp, FieldRef, Filter, Membership, StatusOp};
use crate::domain::markup::InstanceId;
use crate::domain::record_type::{ACCOUNTS, CONTACTS, RecordType, Tables};
use crate::store::contacts::ListTables;
use crate::store::sql_text::{
    FilterSqlError, Junction, balanced, filter_op as sql_op, unsupported,
};

/// What a backend writes its own way. Every `bind_…` stores a value and returns its
/// placeholder; values are bound in the order their placeholders appear in the text (SQLite's
/// anonymous `?` depend on it).
pub(crate) trait Dialect {
    /// A condition that matches no contact.
    const NOTHING: &'static str;
    /// Binds an integer.
    fn bind_int(&mut self, value: i64) -> String;
    /// Binds a text.
    fn bind_text(&mut self, value: String) -> String;
    /// Binds a flag as the contacts table stores `is_subscribed`/`is_bounced`.
    fn bind_flag(&mut self, value: bool) -> String;
    /// `column cmp value` for `=` or `<>`, ignoring ASCII case, ordered by bytes.
    fn text_cmp(&mut self, column: &str, cmp: &str, value: &str) -> String;
    /// `c.id` as decimal text LIKE `pattern` (already a LIKE pattern).
    fn id_like(&mut self, pattern: String) -> String;
    /// A comparison of a standard or custom field, of a record type stored in `tables`, with
    /// a literal.
    fn field(
        &mut self,
        field: &RecordField,
        tables: &'static Tables,
        op: CompareOp,
        value: &str,
    ) -> String;
}

/// Compiles `filter` for `site_id` in `dialect`, resolving field names against the standard
/// fields and then `custom` (the site's custom fields), both without regard to case. The
/// caller still restricts `c.site_id`; the expression only scopes lists and instances.
///
/// # Errors
/// [`FilterSqlError::UnknownField`] for a field that is not found;
/// [`FilterSqlError::Unsupported`] for segments, shared filters, feeder instances and ordering
/// or LIKE on `IsSubscribed`/`IsBounced`.
pub(crate) fn compile<D: Dialect>(
    dialect: &mut D,
    record_type: &'static RecordType,
    filter: &Filter,
    site_id: i64,
    custom: &[RecordField],
) -> Result<String, FilterSqlError> {
    Compiler {
        dialect,
        record_type,
        site_id,
        custom,
    }
    .node(filter)
}

struct Compiler<'a, D> {
    dialect: &'a mut D,
    /// The records `c` holds (contacts, accounts).
    record_type: &'static RecordType,
    site_id: i64,
    custom: &'a [RecordField],
}

impl<D: Dialect> Compiler<'_, D> {
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
        Ok(balanced(&operands, junction.keyword(), D::NOTHING))
    }

    fn exists(&mut self, membership: Membership) -> Result<String, FilterSqlError> {
        let (list, tables) = match membership {
            Membership::ContactList(id) => (id, ListTables::of(&CONTACTS)),
            Membership::AccountList(id) => (id, ListTables::of(&ACCOUNTS)),
            Membership::ContactSegment(_) => return Err(unsupported("contact segments")),
            Membership::ContactFilter(_) => return Err(unsupported("shared contact filters")),
        };
        let Ok(list) = i64::try_from(list) else {
            return Ok(D::NOTHING.to_owned());
        };
        let list = self.dialect.bind_int(list);
        let site = self.dialect.bind_int(self.site_id);
        let ListTables {
            lists,
            members,
            member,
            ..
        } = tables;
        Ok(format!(
            "(c.id IN (SELECT m.{member} FROM {members} m \
             JOIN {lists} l ON l.id = m.list_id WHERE m.list_id = {list} AND l.site_id = {site}))"
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
            return Ok(D::NOTHING.to_owned());
        };
        let cmp = if op == StatusOp::Eq { "=" } else { "<>" };
        let site = self.dialect.bind_int(self.site_id);
        let guid = self.dialect.bind_text(instance.as_str().to_owned());
        let kind = self.dialect.bind_text(kind.as_str().to_owned());
        let execution = self.dialect.bind_int(execution);
        let status = self.dialect.text_cmp("m.status", cmp, value);
        Ok(format!(
            "(c.id IN (SELECT m.contact_id FROM appcloud_members m \
             JOIN appcloud_instances i ON i.id = m.instance_id \
             WHERE i.site_id = {site} AND i.guid = {guid} AND i.kind = {kind} \
             AND m.execution_id = {execution} AND {status}))"
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
            FieldRef::CreatedAt => Ok(self.time("c.created_at", op, value)),
            FieldRef::UpdatedAt => Ok(self.time("c.updated_at", op, value)),
            FieldRef::Field(name) => {
                let field = (self.record_type.fields.standard(name))
                    .or_else(|| {
                        let mut custom = self.custom.iter();
                        custom
                            .find(|f| f.internal_name.eq_ignore_ascii_case(name))
                            .cloned()
                    })
                    .ok_or_else(|| FilterSqlError::UnknownField(name.clone()))?;
                if let contact_fields::Storage::Timestamp(column) = field.storage {
                    return Ok(self.time(&format!("c.{column}"), op, value));
                }
                let tables = &self.record_type.tables;
                Ok(self.dialect.field(&field, tables, op, value))
            }
        }
    }

    fn id(&mut self, op: CompareOp, value: &str) -> String {
        if op == CompareOp::Like {
            return self
                .dialect
                .id_like(crate::store::sql_text::like_pattern(value));
        }
        match value.trim().parse::<i64>() {
            Ok(id) => {
                let id = self.dialect.bind_int(id);
                format!("(c.id {} {id})", sql_op(op))
            }
            Err(_) => D::NOTHING.to_owned(),
        }
    }

    /// A stored time (nanoseconds) against a date, at the date's precision: whole seconds
    /// unless it has a fraction, then milliseconds, so `= '2024-01-01 10:00:00'` matches any
    /// time within that second and `>` starts after it. Times and dates are UTC.
    fn time(&mut self, column: &str, op: CompareOp, value: &str) -> String {
        // The parser refuses other dates and `~`; a stored filter was parsed.
        let Some(at) = crate::domain::clock::Timestamp::parse_lenient(value) else {
            return D::NOTHING.to_owned();
        };
        if op == CompareOp::Like {
            return D::NOTHING.to_owned();
        }
        let unit: i64 = if value.contains('.') {
            1_000_000
        } else {
            1_000_000_000
        };
        let unit_sql = self.dialect.bind_int(unit);
        let at = self.dialect.bind_int(at.as_nanos().div_euclid(unit));
        format!("(({column} / {unit_sql}) {} {at})", sql_op(op))
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
            _ => return Ok(D::NOTHING.to_owned()),
        };
        let flag = self.dialect.bind_flag(flag);
        Ok(format!("({column} {} {flag})", sql_op(op)))
    }
}
