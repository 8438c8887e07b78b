//! Accounts on PostgreSQL. Column names come from the standard account field catalogue,
//! never from client text; values are bound.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::PostgresStore;
use crate::domain::account::{Account, AccountInput, columns};
use crate::domain::clock::Timestamp;
use crate::store::accounts::select_sql;
use crate::store::sql_text::like_pattern;
use crate::store::{AccountPage, AccountStore, StoreError, StoreResult};

fn account_from(row: &Row) -> Account {
    let mut values = BTreeMap::new();
    for (index, column) in columns().into_iter().enumerate() {
        if let Some(value) = row.get::<_, Option<String>>(index + 3) {
            values.insert(column, value);
        }
    }
    Account {
        id: row.get(0),
        values,
        created_at: Timestamp::from_nanos(row.get(1)),
        updated_at: Timestamp::from_nanos(row.get(2)),
    }
}

/// The input's values in [`columns`] order, NULL where it has none.
fn bound(input: &AccountInput) -> Vec<Option<String>> {
    columns()
        .into_iter()
        .map(|c| input.values.get(c).cloned())
        .collect()
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn create_account(&self, site_id: i64, input: &AccountInput) -> StoreResult<Account> {
        let (now, values) = (self.now().as_nanos(), bound(input));
        let columns = columns();
        let holes: Vec<String> = (0..columns.len()).map(|n| format!("${}", n + 3)).collect();
        let sql = format!(
            "INSERT INTO accounts (site_id, created_at, updated_at, {}) VALUES ($1, $2, $2, {})
             RETURNING id, created_at, updated_at, {}",
            columns.join(", "),
            holes.join(", "),
            columns.join(", ")
        );
        let mut args: Vec<&(dyn ToSql + Sync)> = vec![&site_id, &now];
        args.extend(values.iter().map(|v| v as &(dyn ToSql + Sync)));
        let client = self.client().await?;
        Ok(account_from(&client.query_one(sql.as_str(), &args).await?))
    }

    async fn get_account(&self, site_id: i64, id: i64) -> StoreResult<Account> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("{} WHERE site_id = $1 AND id = $2", select_sql()),
                &[&site_id, &id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(account_from(&row))
    }

    async fn update_account(
        &self,
        site_id: i64,
        id: i64,
        input: &AccountInput,
    ) -> StoreResult<Account> {
        let (now, values) = (self.now().as_nanos(), bound(input));
        let columns = columns();
        let sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(n, c)| format!("{c} = ${}", n + 4))
            .collect();
        let sql = format!(
            "UPDATE accounts SET updated_at = $3, {} WHERE site_id = $1 AND id = $2
             RETURNING id, created_at, updated_at, {}",
            sets.join(", "),
            columns.join(", ")
        );
        let mut args: Vec<&(dyn ToSql + Sync)> = vec![&site_id, &id, &now];
        args.extend(values.iter().map(|v| v as &(dyn ToSql + Sync)));
        let client = self.client().await?;
        let row = client
            .query_opt(sql.as_str(), &args)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(account_from(&row))
    }

    async fn delete_account(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.delete_owned("accounts", site_id, id).await
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
        let client = self.client().await?;
        let filter = "site_id = $1 AND ($2::text IS NULL OR company_name ILIKE $2 ESCAPE '\\')";
        let total: i64 = client
            .query_one(
                &format!("SELECT COUNT(*) FROM accounts WHERE {filter}"),
                &[&site_id, &like],
            )
            .await?
            .get(0);
        let rows = client
            .query(
                &format!(
                    "{} WHERE {filter} ORDER BY id LIMIT $3 OFFSET $4",
                    select_sql()
                ),
                &[&site_id, &like, &limit, &offset],
            )
            .await?;
        Ok((
            rows.iter().map(account_from).collect(),
            u64::try_from(total).unwrap_or(0),
        ))
    }
}
