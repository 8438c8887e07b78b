//! Turns a [`ListQuery`] into bound SQL, once for both backends: column names come from each
//! resource's fixed mapping, every client value is a parameter ([`SqlValue`]), and the text
//! is written in the running backend's placeholder style ([`Backend`]).

use crate::domain::query::{Condition, ListQuery, Op, Operand};
use crate::store::sql_text::{Backend, SqlValue, direction, like_pattern, list_op, time_condition};

/// A resource's table and how its query fields map to columns.
pub(crate) struct Listing<'a, F> {
    /// `SELECT … FROM …` up to (not including) `WHERE`; must expose `site_id` and `id`.
    pub select: &'a str,
    /// Qualified column of each field.
    pub column: fn(F) -> &'static str,
    /// The site filter column, e.g. `d.site_id`.
    pub site_column: &'a str,
    /// The id column used as tie-breaker, e.g. `d.id`.
    pub id_column: &'a str,
    /// A further column every row must hold a fixed value in (a definition's record type);
    /// both are the server's own text, never the client's.
    pub scope: Option<(&'static str, &'static str)>,
}

/// One page's statements and the values both bind.
pub(crate) struct ListStatement {
    /// The page's rows (one more than the limit when no total is asked for).
    pub rows: String,
    /// Every match counted, when the query asked for a total.
    pub count: Option<String>,
    /// Values of the placeholders, in number order.
    pub params: Vec<SqlValue>,
}

impl<F: Copy> Listing<'_, F> {
    /// The statements of `query` for `site_id` on `backend`.
    pub(crate) fn statement(
        &self,
        backend: Backend,
        site_id: i64,
        query: &ListQuery<F>,
    ) -> ListStatement {
        let mut params = vec![SqlValue::Int(Some(site_id))];
        let mut filter = format!("{} = $1", self.site_column);
        if let Some((column, value)) = self.scope {
            filter.push_str(&format!(" AND {column} = '{value}'"));
        }
        for condition in &query.conditions {
            filter.push_str(" AND ");
            filter.push_str(&self.condition(backend, condition, &mut params));
        }
        let order = match query.order {
            Some((field, dir)) => format!(
                "{} {}, {} {}",
                (self.column)(field),
                direction(dir),
                self.id_column,
                direction(dir)
            ),
            None => format!("{} ASC", self.id_column),
        };
        // Without a total, one extra row tells whether more follow.
        let fetch = i64::from(query.limit) + i64::from(!query.total_results);
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let rows = format!(
            "{} WHERE {filter} ORDER BY {order} LIMIT {fetch} OFFSET {offset}",
            self.select
        );
        let count = query.total_results.then(|| {
            format!(
                "SELECT COUNT(*) FROM ({} WHERE {filter}) counted",
                self.select
            )
        });
        ListStatement {
            rows: backend.placeholders(&rows),
            count: count.map(|sql| backend.placeholders(&sql)),
            params,
        }
    }

    fn condition(
        &self,
        backend: Backend,
        condition: &Condition<F>,
        params: &mut Vec<SqlValue>,
    ) -> String {
        let column = (self.column)(condition.field);
        let mut bind = |value: SqlValue| {
            params.push(value);
            format!("${}", params.len())
        };
        match &condition.operand {
            Operand::Text(text) if text.contains('*') => {
                let pattern = bind(SqlValue::Text(Some(like_pattern(text))));
                backend.like(column, condition.op == Op::Ne, &pattern)
            }
            Operand::Text(text) => {
                let value = bind(SqlValue::Text(Some(text.clone())));
                backend.text_compare(column, list_op(condition.op), &value)
            }
            Operand::Time(at) => time_condition(column, condition.op, *at, |bound| {
                bind(SqlValue::Int(Some(bound)))
            }),
            Operand::Integer(n) => {
                let value = bind(SqlValue::Int(Some(*n)));
                format!("{column} {} {value}", list_op(condition.op))
            }
        }
    }
}
