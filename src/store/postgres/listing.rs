//! Turns a [`ListQuery`] into bound SQL: column names come from each resource's fixed
//! mapping, every client value is a parameter.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::domain::query::{Condition, ListQuery, Op, Operand};
pub(super) use crate::store::sql_text::like_pattern;
use crate::store::sql_text::{direction, list_op, time_condition};
use crate::store::{Page, StoreResult};

/// A bound parameter of a statement built at run time.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// The parameters as the driver takes them.
pub(super) fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

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
    pub async fn page<T>(
        &self,
        client: &impl GenericClient,
        site_id: i64,
        query: &ListQuery<F>,
        map: impl Fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Page<T>> {
        let mut params: Vec<Param> = vec![Box::new(site_id)];
        let mut filter = format!("{} = $1", self.site_column);
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
        let rows = client.query(sql.as_str(), &refs(&params)).await?;
        let items = rows.iter().map(map).collect::<StoreResult<Vec<T>>>()?;
        let total = if query.total_results {
            let count_sql = format!(
                "SELECT COUNT(*) FROM ({} WHERE {filter}) counted",
                self.select
            );
            let total: i64 = client
                .query_one(count_sql.as_str(), &refs(&params))
                .await?
                .get(0);
            Some(u64::try_from(total).unwrap_or(0))
        } else {
            None
        };
        Ok(Page::assemble(items, query.limit, query.offset, total))
    }

    fn condition(&self, condition: &Condition<F>, params: &mut Vec<Param>) -> String {
        let column = (self.column)(condition.field);
        let n = params.len() + 1;
        match &condition.operand {
            Operand::Text(text) if text.contains('*') => {
                params.push(Box::new(like_pattern(text)));
                let not = if condition.op == Op::Ne { "NOT " } else { "" };
                format!("{column} {not}ILIKE ${n}")
            }
            Operand::Text(text) => {
                params.push(Box::new(text.clone()));
                format!("lower({column}) {} lower(${n})", list_op(condition.op))
            }
            Operand::Time(at) => time_condition(column, condition.op, *at, |bound| {
                params.push(Box::new(bound));
                format!("${}", params.len())
            }),
            Operand::Integer(value) => {
                params.push(Box::new(*value));
                format!("{column} {} ${n}", list_op(condition.op))
            }
        }
    }
}
