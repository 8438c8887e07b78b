//! The query language of Bulk collection endpoints (§3.3): `limit`, `offset`, `orderBy`, `q`
//! and `totalResults`, parsed into a typed [`ListQuery`] that names resource fields, never columns.

use std::fmt;

use super::clock::Timestamp;
use super::failure::Failure;

/// Largest `limit` a collection endpoint accepts (and its default).
pub const MAX_PAGE: u32 = 1000;

/// The type of a field that `q` and `orderBy` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Compared as text; `*` is a wildcard with `=` and `!=`.
    Text,
    /// A date-time, compared with every operator.
    Time,
    /// An integer, compared with every operator.
    Integer,
}

/// A field of one resource that clients may filter and sort on.
pub trait QueryField: Sized + Copy + fmt::Debug {
    /// The field named `name` in a query, if this resource has one (case-insensitive).
    fn from_name(name: &str) -> Option<Self>;
    /// How values of this field compare.
    fn kind(self) -> FieldKind;
    /// Every field name accepted, for error messages.
    fn names() -> &'static [&'static str];
}

/// A comparison operator of `q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
}

/// The right-hand side of a condition, typed by the field it compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// Text, possibly with `*` wildcards.
    Text(String),
    /// A point in time.
    Time(Timestamp),
    /// An integer.
    Integer(i64),
}

/// One `term operator value` of `q`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition<F> {
    /// The field compared.
    pub field: F,
    /// The comparison.
    pub op: Op,
    /// The value compared with.
    pub operand: Operand,
}

/// Sort direction of `orderBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `ASC`
    Ascending,
    /// `DESC`
    Descending,
}

/// A parsed collection request: every condition must hold (they are ANDed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery<F> {
    /// Conditions from `q`.
    pub conditions: Vec<Condition<F>>,
    /// Sort order from `orderBy`; the store falls back to id order, so pages are stable.
    pub order: Option<(F, Direction)>,
    /// Page size.
    pub limit: u32,
    /// Items skipped.
    pub offset: u64,
    /// Whether the response carries `totalResults` (and so whether a full count is needed).
    pub total_results: bool,
}

impl<F> ListQuery<F> {
    /// The first page of everything, in id order.
    pub fn all() -> Self {
        Self {
            conditions: Vec::new(),
            order: None,
            limit: MAX_PAGE,
            offset: 0,
            total_results: true,
        }
    }
}

/// The raw query-string parameters, as the API layer received them.
#[derive(Debug, Clone, Default)]
pub struct RawListParams {
    /// `limit`
    pub limit: Option<String>,
    /// `offset`
    pub offset: Option<String>,
    /// `orderBy`
    pub order_by: Option<String>,
    /// `q`
    pub q: Option<String>,
    /// `totalResults`
    pub total_results: Option<String>,
}

impl RawListParams {
    /// Parses every parameter, collecting one failure per bad parameter.
    ///
    /// # Errors
    /// A failure naming each parameter that is malformed or out of range.
    pub fn parse<F: QueryField>(&self, max_limit: u32) -> Result<ListQuery<F>, Vec<Failure>> {
        let mut failures = Vec::new();
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => max_limit.min(MAX_PAGE),
            Some(text) => match text.parse::<u32>() {
                Ok(n) if (1..=max_limit).contains(&n) => n,
                _ => {
                    failures.push(Failure::new(
                        "limit",
                        format!("Must be an integer from 1 to {max_limit}."),
                        Some(text.to_owned()),
                    ));
                    0
                }
            },
        };
        let offset = match self.offset.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= i64::MAX as u64)
                .unwrap_or_else(|| {
                    failures.push(Failure::new(
                        "offset",
                        "Must be an integer of 0 or more.",
                        Some(text.to_owned()),
                    ));
                    0
                }),
        };
        let total_results = match self.total_results.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(t) if t.eq_ignore_ascii_case("true") => true,
            Some(t) if t.eq_ignore_ascii_case("false") => false,
            Some(other) => {
                failures.push(Failure::new(
                    "totalResults",
                    "Must be true or false.",
                    Some(other.to_owned()),
                ));
                true
            }
        };
        let order = self
            .order_by
            .as_deref()
            .map(parse_order_by)
            .transpose()
            .unwrap_or_else(|f| {
                failures.push(f);
                None
            });
        let conditions = self
            .q
            .as_deref()
            .map(parse_q)
            .transpose()
            .unwrap_or_else(|f| {
                failures.push(f);
                None
            })
            .unwrap_or_default();
        if failures.is_empty() {
            Ok(ListQuery {
                conditions,
                order: order.flatten(),
                limit,
                offset,
                total_results,
            })
        } else {
            Err(failures)
        }
    }
}

fn parse_order_by<F: QueryField>(text: &str) -> Result<Option<(F, Direction)>, Failure> {
    let fail = |why: String| Failure::new("orderBy", why, Some(text.to_owned()));
    let cleaned = strip_quotes(text.trim());
    let mut words = cleaned.split_whitespace();
    let Some(name) = words.next() else {
        return Ok(None);
    };
    let field = F::from_name(name).ok_or_else(|| {
        fail(format!(
            "Unknown property '{name}'; sortable: {}.",
            F::names().join(", ")
        ))
    })?;
    let direction = match words.next() {
        None => Direction::Ascending,
        Some(d) if d.eq_ignore_ascii_case("asc") => Direction::Ascending,
        Some(d) if d.eq_ignore_ascii_case("desc") => Direction::Descending,
        Some(d) => return Err(fail(format!("Direction must be ASC or DESC, not '{d}'."))),
    };
    if words.next().is_some() {
        return Err(fail(
            "Must be '<property> ASC' or '<property> DESC'.".into(),
        ));
    }
    Ok(Some((field, direction)))
}

/// Removes one pair of matching surrounding quotes, as clients send `q="name=*Test*"`.
fn strip_quotes(text: &str) -> &str {
    for quote in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            let inner = &text[1..text.len() - 1];
            // `'a'='b'` starts and ends with quotes without being wrapped in them.
            if !inner.contains(quote) {
                return inner;
            }
        }
    }
    text
}

fn parse_q<F: QueryField>(text: &str) -> Result<Vec<Condition<F>>, Failure> {
    let fail = |why: String| Failure::new("q", why, Some(text.to_owned()));
    let body = strip_quotes(text.trim());
    let mut conditions = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let (condition, tail) = parse_condition::<F>(rest).map_err(fail)?;
        conditions.push(condition);
        rest = tail.trim_start();
        // Terms are separated by whitespace, optionally with AND between them.
        if let Some(after) = strip_keyword(rest, "and") {
            rest = after.trim_start();
            if rest.is_empty() {
                return Err(fail("Expected a condition after AND.".into()));
            }
        }
    }
    Ok(conditions)
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    let tail = &text[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword) && tail.starts_with(char::is_whitespace)).then_some(tail)
}

fn parse_condition<F: QueryField>(text: &str) -> Result<(Condition<F>, &str), String> {
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let name = &text[..name_end];
    if name.is_empty() {
        return Err(format!("Expected a property name at '{}'.", preview(text)));
    }
    let field = F::from_name(name).ok_or_else(|| {
        format!(
            "Unknown property '{name}'; searchable: {}.",
            F::names().join(", ")
        )
    })?;
    let after_name = text[name_end..].trim_start();
    let (op, after_op) = [
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .into_iter()
    .find_map(|(sym, op)| after_name.strip_prefix(sym).map(|rest| (op, rest)))
    .ok_or_else(|| format!("Expected an operator (=, !=, >, <, >=, <=) after '{name}'."))?;
    let (raw, tail) = take_value(after_op.trim_start())?;
    let operand = typed_operand(field, op, raw)?;
    Ok((Condition { field, op, operand }, tail))
}

/// Reads a quoted (`'…'` or `"…"`) or bare value; returns it and what follows.
fn take_value(text: &str) -> Result<(&str, &str), String> {
    match text.chars().next() {
        Some(quote @ ('\'' | '"')) => {
            let inner = &text[1..];
            let end = inner
                .find(quote)
                .ok_or_else(|| format!("Unterminated quoted value at '{}'.", preview(text)))?;
            Ok((&inner[..end], &inner[end + 1..]))
        }
        Some(_) => {
            let end = text.find(char::is_whitespace).unwrap_or(text.len());
            Ok((&text[..end], &text[end..]))
        }
        None => Err("Expected a value after the operator.".into()),
    }
}

fn typed_operand<F: QueryField>(field: F, op: Op, raw: &str) -> Result<Operand, String> {
    match field.kind() {
        FieldKind::Text if matches!(op, Op::Eq | Op::Ne) => Ok(Operand::Text(raw.to_owned())),
        FieldKind::Text => Err(format!(
            "Text properties compare with = and != only ({field:?})."
        )),
        FieldKind::Time => Timestamp::parse_lenient(raw)
            .map(Operand::Time)
            .ok_or_else(|| {
                format!("'{raw}' is not a date such as 2024-05-01 or 2024-05-01T12:00:00Z.")
            }),
        FieldKind::Integer => raw
            .parse::<i64>()
            .map(Operand::Integer)
            .map_err(|_| format!("'{raw}' is not an integer.")),
    }
}

fn preview(text: &str) -> String {
    text.chars().take(20).collect()
}

#[cfg(test)]
mod tests;
