//! Field comparisons: where a field's value is read (a column of `c` or its custom values
//! row) and how a literal compares with it, by field type.

use rusqlite::types::Value;

use super::{NOTHING, sql_op};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::{FieldType, RecordField};
use crate::domain::filter::CompareOp;
use crate::domain::record_type::Tables;
use crate::store::filter_sql::source::Source;
use crate::store::sqlite::listing::like_pattern;

/// `field op value` for a field of the catalogue; pushes the parameters its `?`s bind.
pub(super) fn condition(
    field: &RecordField,
    tables: &'static Tables,
    op: CompareOp,
    value: &str,
    params: &mut Vec<Value>,
) -> String {
    let source = Source::of(field, tables);
    if op == CompareOp::Like {
        params.push(Value::Text(like_pattern(value)));
        return format!("({} LIKE ? ESCAPE '\\')", source.text());
    }
    let typed = match field.data_type {
        FieldType::Numeric => Typed::number(value),
        FieldType::Date => Typed::date(value),
        _ => None,
    };
    let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
    match typed {
        Some(typed) => {
            let cmp = if op == CompareOp::Ne { "=" } else { sql_op(op) };
            let (read, param) = typed.sql();
            params.push(typed.into_value());
            let test = source.test(|x| format!("{} {cmp} {param}", read(x)));
            if op == CompareOp::Ne {
                format!("(NOT {test})")
            } else {
                format!("({test})")
            }
        }
        None if ordering && matches!(field.data_type, FieldType::Numeric | FieldType::Date) => {
            NOTHING.to_owned()
        }
        None if ordering => {
            params.push(Value::Text(value.to_owned()));
            let cmp = sql_op(op);
            format!(
                "({})",
                source.test(|x| format!("{x} {cmp} ? COLLATE NOCASE"))
            )
        }
        None => {
            params.push(Value::Text(value.to_owned()));
            format!("({} {} ? COLLATE NOCASE)", source.text(), sql_op(op))
        }
    }
}

/// A literal read as the field's type.
enum Typed {
    /// A finite number.
    Number(f64),
    /// An instant, rendered so that SQLite's `julianday` reads it.
    Date(String),
}

impl Typed {
    fn number(value: &str) -> Option<Self> {
        let number = value.trim().parse::<f64>().ok()?;
        number.is_finite().then_some(Self::Number(number))
    }

    fn date(value: &str) -> Option<Self> {
        Timestamp::parse_lenient(value).map(|at| Self::Date(at.to_string()))
    }

    /// How to read a stored value (NULL when it is not of the type) and the matching parameter.
    fn sql(&self) -> (fn(&str) -> String, &'static str) {
        match self {
            Self::Number(_) => (
                |x| {
                    format!(
                        "CASE WHEN loquat_valid('numeric', {x}) AND trim({x}) <> '' \
                         THEN CAST(trim({x}) AS REAL) END"
                    )
                },
                "?",
            ),
            Self::Date(_) => (
                |x| format!("CASE WHEN loquat_valid('date', {x}) THEN julianday(trim({x})) END"),
                "julianday(?)",
            ),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Number(number) => Value::Real(number),
            Self::Date(at) => Value::Text(at),
        }
    }
}
