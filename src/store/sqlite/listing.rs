//! Runs the shared [`Listing`] statements on SQLite, and reads shared statements' rows.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row};

use super::SqliteStore;
use crate::domain::query::ListQuery;
pub(super) use crate::store::listing::Listing;
pub(super) use crate::store::sql_text::like_pattern;
use crate::store::sql_text::{Backend, SqlValue, StoredRow, delete_owned};
use crate::store::{Page, StoreError, StoreResult};

/// A shared statement's values as SQLite binds them (flags as 0 or 1).
pub(super) fn values(params: impl IntoIterator<Item = SqlValue>) -> Vec<Value> {
    params
        .into_iter()
        .map(|value| match value {
            SqlValue::Int(Some(n)) => Value::Integer(n),
            SqlValue::Text(Some(text)) => Value::Text(text),
            SqlValue::Flag(flag) => Value::Integer(i64::from(flag)),
            SqlValue::Int(None) | SqlValue::Text(None) => Value::Null,
        })
        .collect()
}

/// Runs `listing`'s query for `site_id` on SQLite, mapping rows with `map`.
pub(super) fn page<F: Copy, T, E>(
    listing: &Listing<'_, F>,
    conn: &Connection,
    site_id: i64,
    query: &ListQuery<F>,
    map: impl Fn(&Row<'_>) -> Result<T, E>,
) -> StoreResult<Page<T>>
where
    StoreError: From<E>,
{
    let statement = listing.statement(Backend::Sqlite, site_id, query);
    let params = values(statement.params);
    let mut stmt = conn.prepare(&statement.rows)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        items.push(map(row)?);
    }
    let total = match statement.count {
        Some(sql) => {
            let total: i64 =
                conn.query_row(&sql, rusqlite::params_from_iter(params.iter()), |r| {
                    r.get(0)
                })?;
            Some(u64::try_from(total).unwrap_or(0))
        }
        None => None,
    };
    Ok(Page::assemble(items, query.limit, query.offset, total))
}

impl SqliteStore {
    /// A page of `listing` for `site_id`, each row read by `map`.
    pub(super) async fn list_page<F, T>(
        &self,
        listing: Listing<'static, F>,
        site_id: i64,
        query: &ListQuery<F>,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Page<T>>
    where
        F: Copy + Send + Sync + 'static,
        T: Send + 'static,
    {
        let query = query.clone();
        self.read(move |conn| page(&listing, conn, site_id, &query, map))
            .await
    }

    /// Two counts for each distinct id of `ids` that `sql` (`?1` site, `?2` id, one row of
    /// two integers) finds, in ascending id order; ids it finds nothing for are left out.
    pub(super) async fn counts_by_id(
        &self,
        sql: &'static str,
        site_id: i64,
        ids: &[i64],
    ) -> StoreResult<Vec<(i64, u64, u64)>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.read(move |conn| {
            let mut query = conn.prepare_cached(sql)?;
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                let counts = query
                    .query_row(rusqlite::params![site_id, id], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .optional()?;
                if let Some((a, b)) = counts {
                    let count = |n: i64| u64::try_from(n).unwrap_or(0);
                    found.push((id, count(a), count(b)));
                }
            }
            Ok(found)
        })
        .await
    }

    /// Deletes record `id` of `site_id` from `table` (triggers remove what hangs on it);
    /// [`StoreError::NotFound`] when the site has none.
    pub(super) async fn delete_owned(
        &self,
        table: &'static str,
        site_id: i64,
        id: i64,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            let sql = Backend::Sqlite.placeholders(&delete_owned(table));
            match tx.execute(&sql, rusqlite::params![site_id, id])? {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
        .await
    }
}

impl StoredRow for Row<'_> {
    fn int(&self, i: usize) -> StoreResult<i64> {
        Ok(self.get(i)?)
    }

    fn text(&self, i: usize) -> StoreResult<String> {
        Ok(self.get(i)?)
    }

    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.get(i)?)
    }

    fn flag(&self, i: usize) -> StoreResult<bool> {
        Ok(self.get(i)?)
    }
}
