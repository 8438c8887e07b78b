//! Accounts on SQLite. Column names come from the standard account field catalogue, never
//! from client text; values are bound.

use std::collections::BTreeMap;

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::{SqliteStore, error};
use crate::domain::account::{Account, AccountInput, columns};
use crate::domain::clock::Timestamp;
use crate::store::accounts::select_sql;
use crate::store::sql_text::like_pattern;
use crate::store::{AccountPage, AccountStore, StoreError, StoreResult};

fn account_from(row: &Row<'_>) -> rusqlite::Result<Account> {
    let mut values = BTreeMap::new();
    for (index, column) in columns().into_iter().enumerate() {
        if let Some(value) = row.get::<_, Option<String>>(index + 3)? {
            values.insert(column, value);
        }
    }
    Ok(Account {
        id: row.get(0)?,
        values,
        created_at: Timestamp::from_nanos(row.get(1)?),
        updated_at: Timestamp::from_nanos(row.get(2)?),
    })
}

fn load(conn: &Connection, site_id: i64, id: i64) -> StoreResult<Account> {
    conn.query_row(
        &format!("{} WHERE site_id = ?1 AND id = ?2", select_sql()),
        params![site_id, id],
        account_from,
    )
    .map_err(error::map)
}

/// The input's values in [`columns`] order, NULL where it has none.
fn bound(input: &AccountInput) -> Vec<Value> {
    columns()
        .into_iter()
        .map(|c| {
            input
                .values
                .get(c)
                .map_or(Value::Null, |v| Value::Text(v.clone()))
        })
        .collect()
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_account(&self, site_id: i64, input: &AccountInput) -> StoreResult<Account> {
        let (now, values) = (self.now().as_nanos(), bound(input));
        self.write(move |tx| {
            let columns = columns();
            let holes: Vec<String> = (0..columns.len()).map(|n| format!("?{}", n + 3)).collect();
            let sql = format!(
                "INSERT INTO accounts (site_id, created_at, updated_at, {}) VALUES (?1, ?2, ?2, {})",
                columns.join(", "),
                holes.join(", ")
            );
            let args = [Value::Integer(site_id), Value::Integer(now)]
                .into_iter()
                .chain(values);
            tx.execute(&sql, params_from_iter(args))?;
            load(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_account(&self, site_id: i64, id: i64) -> StoreResult<Account> {
        self.read(move |conn| load(conn, site_id, id)).await
    }

    async fn update_account(
        &self,
        site_id: i64,
        id: i64,
        input: &AccountInput,
    ) -> StoreResult<Account> {
        let (now, values) = (self.now().as_nanos(), bound(input));
        self.write(move |tx| {
            let sets: Vec<String> = columns()
                .into_iter()
                .enumerate()
                .map(|(n, c)| format!("{c} = ?{}", n + 4))
                .collect();
            let sql = format!(
                "UPDATE accounts SET updated_at = ?3, {} WHERE site_id = ?1 AND id = ?2",
                sets.join(", ")
            );
            let args = [
                Value::Integer(site_id),
                Value::Integer(id),
                Value::Integer(now),
            ]
            .into_iter()
            .chain(values);
            if tx.execute(&sql, params_from_iter(args))? == 0 {
                return Err(StoreError::NotFound);
            }
            load(tx, site_id, id)
        })
        .await
    }

    async fn delete_account(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |tx| {
            let n = tx.execute(
                "DELETE FROM accounts WHERE site_id = ?1 AND id = ?2",
                params![site_id, id],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn search_accounts(
        &self,
        site_id: i64,
        pattern: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<AccountPage> {
        let like = pattern.map(like_pattern);
        let (offset, limit) = (
            i64::try_from(offset).unwrap_or(i64::MAX),
            i64::try_from(limit).unwrap_or(i64::MAX),
        );
        self.read(move |conn| {
            let filter = "site_id = ?1 AND (?2 IS NULL OR company_name LIKE ?2 ESCAPE '\\')";
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM accounts WHERE {filter}"),
                params![site_id, like],
                |r| r.get(0),
            )?;
            let accounts = conn
                .prepare(&format!(
                    "{} WHERE {filter} ORDER BY id LIMIT ?3 OFFSET ?4",
                    select_sql()
                ))?
                .query_map(params![site_id, like, limit, offset], account_from)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((accounts, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }
}
