//! Runs the shared [`Listing`] statements on PostgreSQL, and reads shared statements' rows.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::PostgresStore;
use crate::domain::query::ListQuery;
pub(super) use crate::store::listing::Listing;
pub(super) use crate::store::sql_text::like_pattern;
use crate::store::sql_text::{Backend, SqlValue, StoredRow, delete_owned};
use crate::store::{Page, StoreError, StoreResult};

/// A bound parameter of a statement built at run time.
pub(super) type Param = Box<dyn ToSql + Sync + Send>;

/// The parameters as the driver takes them.
pub(super) fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// A shared statement's values as PostgreSQL binds them.
pub(super) fn values(params: impl IntoIterator<Item = SqlValue>) -> Vec<Param> {
    params
        .into_iter()
        .map(|value| -> Param {
            match value {
                SqlValue::Int(n) => Box::new(n),
                SqlValue::Text(text) => Box::new(text),
                SqlValue::Flag(flag) => Box::new(flag),
            }
        })
        .collect()
}

/// Runs `listing`'s query for `site_id` on PostgreSQL, mapping rows with `map`.
pub(super) async fn page<F: Copy, T>(
    listing: &Listing<'_, F>,
    client: &impl GenericClient,
    site_id: i64,
    query: &ListQuery<F>,
    map: impl Fn(&Row) -> StoreResult<T>,
) -> StoreResult<Page<T>> {
    let statement = listing.statement(Backend::Postgres, site_id, query);
    let params = values(statement.params);
    let rows = client
        .query(statement.rows.as_str(), &refs(&params))
        .await?;
    let items = rows.iter().map(map).collect::<StoreResult<Vec<T>>>()?;
    let total = match statement.count {
        Some(sql) => {
            let total: i64 = client.query_one(sql.as_str(), &refs(&params)).await?.get(0);
            Some(u64::try_from(total).unwrap_or(0))
        }
        None => None,
    };
    Ok(Page::assemble(items, query.limit, query.offset, total))
}

impl PostgresStore {
    /// A page of `listing` for `site_id`, each row read by `map`.
    pub(super) async fn list_page<F: Copy + Sync, T>(
        &self,
        listing: Listing<'_, F>,
        site_id: i64,
        query: &ListQuery<F>,
        map: impl Fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Page<T>> {
        let client = self.client().await?;
        page(&listing, &client, site_id, query, map).await
    }

    /// Deletes record `id` of `site_id` from `table` (triggers remove what hangs on it);
    /// [`StoreError::NotFound`] when the site has none.
    pub(super) async fn delete_owned(
        &self,
        table: &'static str,
        site_id: i64,
        id: i64,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        match client
            .execute(&delete_owned(table), &[&site_id, &id])
            .await?
        {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}

impl StoredRow for Row {
    fn int(&self, i: usize) -> StoreResult<i64> {
        Ok(self.try_get(i)?)
    }

    fn text(&self, i: usize) -> StoreResult<String> {
        Ok(self.try_get(i)?)
    }

    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.try_get(i)?)
    }

    fn flag(&self, i: usize) -> StoreResult<bool> {
        Ok(self.try_get(i)?)
    }
}
