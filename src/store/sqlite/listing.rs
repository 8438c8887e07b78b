//! Turns a [`ListQuery`] into bound SQL: column names come from each resource's fixed
//! mapping, every client value is a parameter.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::domain::query::{Condition, ListQuery, Op, Operand};
pub(super) use crate::store::sql_text::like_pattern;
use crate::store::sql_text::{direction, list_op, time_condition};
use crate::store::{Page, StoreResult};

/// A resource's table and how its query fields map to columns.
pub(super) struct Listing<'a, F> {
    /// `SELECT … FROM …` up to (not including) `WHERE`; must expose `site_id` and `id`.
    pub select: &'a str,
    /// Qualified column of each field.
    pub column: fn(F) -> &'static str,
    /// The site filter column, e.g. `d.site_id`.
    pub site_column: &'a str,
    /// The id column used as tie-breaker, e.g. `d.id`.
    pub id_column: &'a str,
}

impl<F: Copy> Listing<'_, F> {
    /// Runs the query for `site_id`, mapping rows with `map`.
    pub fn page<T>(
        &self,
        conn: &Connection,
        site_id: i64,
        query: &ListQuery<F>,
        map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Page<T>> {
        let mut params: Vec<Value> = vec![Value::Integer(site_id)];
        let mut filter = format!("{} = ?", self.site_column);
        for condition in &query.conditions {
            filter.push_str(" AND ");
            filter.push_str(&self.condition(condition, &mut params));
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
        let sql = format!(
            "{} WHERE {filter} ORDER BY {order} LIMIT {fetch} OFFSET {offset}",
            self.select
        );
        let mut stmt = conn.prepare(&sql)?;
        let items = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), &map)?
            .collect::<rusqlite::Result<Vec<T>>>()?;
        let total = if query.total_results {
            let count_sql = format!("SELECT COUNT(*) FROM ({} WHERE {filter})", self.select);
            let total: i64 =
                conn.query_row(&count_sql, rusqlite::params_from_iter(params.iter()), |r| {
                    r.get(0)
                })?;
            Some(u64::try_from(total).unwrap_or(0))
        } else {
            None
        };
        Ok(Page::assemble(items, query.limit, query.offset, total))
    }

    fn condition(&self, condition: &Condition<F>, params: &mut Vec<Value>) -> String {
        let column = (self.column)(condition.field);
        match &condition.operand {
            Operand::Text(text) if text.contains('*') => {
                params.push(Value::Text(like_pattern(text)));
                let not = if condition.op == Op::Ne { "NOT " } else { "" };
                format!("{column} {not}LIKE ? ESCAPE '\\'")
            }
            Operand::Text(text) => {
                params.push(Value::Text(text.clone()));
                format!("{column} {} ? COLLATE NOCASE", list_op(condition.op))
            }
            Operand::Time(at) => time_condition(column, condition.op, *at, |bound| {
                params.push(Value::Integer(bound));
                "?".to_owned()
            }),
            Operand::Integer(n) => {
                params.push(Value::Integer(*n));
                format!("{column} {} ?", list_op(condition.op))
            }
        }
    }
}
