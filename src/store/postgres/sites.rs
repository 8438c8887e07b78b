//! Sites, users, OAuth clients and tokens on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{PostgresStore, error};
use crate::domain::clock::Timestamp;
use crate::domain::site::{OAuthClient, Principal, Site, TokenKind, User, UserCredentials};
use crate::store::{NewToken, NewUser, SiteStore, StoreError, StoreResult, TokenGrant};

const USER_COLUMNS: &str =
    "u.id, u.site_id, u.username, u.display_name, u.email_address, u.api_access";

fn user_from(row: &Row) -> User {
    User {
        id: row.get(0),
        site_id: row.get(1),
        username: row.get(2),
        display_name: row.get(3),
        email_address: row.get(4),
        api_access: row.get(5),
    }
}

fn site_from(row: &Row) -> Site {
    Site {
        id: row.get(0),
        name: row.get(1),
    }
}

#[async_trait]
impl SiteStore for PostgresStore {
    async fn create_site(&self, name: &str) -> StoreResult<Site> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO sites (name, created_at) VALUES ($1, $2) RETURNING id",
                &[&name, &self.now().as_nanos()],
            )
            .await?;
        Ok(Site {
            id: row.get(0),
            name: name.to_owned(),
        })
    }

    async fn site_by_name(&self, name: &str) -> StoreResult<Option<Site>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT id, name FROM sites WHERE lower(name) = lower($1)",
                &[&name],
            )
            .await?;
        Ok(row.as_ref().map(site_from))
    }

    async fn list_sites(&self) -> StoreResult<Vec<Site>> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT id, name FROM sites ORDER BY id", &[])
            .await?;
        Ok(rows.iter().map(site_from).collect())
    }

    async fn add_user(&self, site_id: i64, user: NewUser) -> StoreResult<User> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO users (site_id, username, password_hash, display_name, email_address, api_access, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &site_id,
                    &user.username,
                    &user.password_hash,
                    &user.display_name,
                    &user.email_address,
                    &user.api_access,
                    &self.now().as_nanos(),
                ],
            )
            .await?;
        Ok(User {
            id: row.get(0),
            site_id,
            username: user.username,
            display_name: user.display_name,
            email_address: user.email_address,
            api_access: user.api_access,
        })
    }

    async fn list_users(&self, site_id: i64) -> StoreResult<Vec<User>> {
        let client = self.client().await?;
        // Byte order of the lowered name, as SQLite's NOCASE collation sorts (not the
        // database locale's order).
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.site_id = $1
             ORDER BY lower(u.username) COLLATE \"C\", u.id"
        );
        let rows = client.query(sql.as_str(), &[&site_id]).await?;
        Ok(rows.iter().map(user_from).collect())
    }

    async fn remove_user(&self, site_id: i64, username: &str) -> StoreResult<()> {
        let client = self.client().await?;
        // Tokens go by cascade.
        let removed = client
            .execute(
                "DELETE FROM users WHERE site_id = $1 AND lower(username) = lower($2)",
                &[&site_id, &username],
            )
            .await?;
        if removed == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn set_password(&self, site_id: i64, username: &str, hash: &str) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let id: i64 = tx
            .query_opt(
                "UPDATE users SET password_hash = $3 WHERE site_id = $1 AND lower(username) = lower($2)
                 RETURNING id",
                &[&site_id, &username, &hash],
            )
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0);
        // A new password ends every session opened with the old one.
        tx.execute("DELETE FROM oauth_tokens WHERE user_id = $1", &[&id])
            .await?;
        tx.commit().await.map_err(error::map)
    }

    async fn credentials(
        &self,
        site_name: &str,
        username: &str,
    ) -> StoreResult<Option<UserCredentials>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.name, u.password_hash FROM users u JOIN sites s ON s.id = u.site_id
             WHERE lower(s.name) = lower($1) AND lower(u.username) = lower($2)"
        );
        let stmt = client.prepare_cached(&sql).await?;
        let row = client.query_opt(&stmt, &[&site_name, &username]).await?;
        Ok(row.map(|row| UserCredentials {
            user: user_from(&row),
            site_name: row.get(6),
            password_hash: row.get(7),
        }))
    }

    async fn add_oauth_client(&self, client: OAuthClient) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO oauth_clients (client_id, secret_hash, name, created_at) VALUES ($1, $2, $3, $4)",
            &[
                &client.client_id,
                &client.secret_hash,
                &client.name,
                &self.now().as_nanos(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn oauth_client(&self, client_id: &str) -> StoreResult<Option<OAuthClient>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT client_id, secret_hash, name FROM oauth_clients WHERE client_id = $1",
            )
            .await?;
        let row = client.query_opt(&stmt, &[&client_id]).await?;
        Ok(row.map(|row| OAuthClient {
            client_id: row.get(0),
            secret_hash: row.get(1),
            name: row.get(2),
        }))
    }

    async fn insert_token(&self, token: NewToken) -> StoreResult<()> {
        let now = self.now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "DELETE FROM oauth_tokens WHERE expires_at <= $1",
            &[&now.as_nanos()],
        )
        .await?;
        tx.execute(
            "INSERT INTO oauth_tokens (token_hash, kind, user_id, client_id, expires_at, grant_id) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &token.token_hash,
                &token.kind.as_str(),
                &token.user_id,
                &token.client_id,
                &token.expires_at.as_nanos(),
                &token.grant_id,
            ],
        )
        .await?;
        tx.commit().await.map_err(error::map)
    }

    async fn token_grant(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>> {
        let client = self.client().await?;
        // Every API call authenticates: the statement is prepared once per connection.
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.name, t.client_id, COALESCE(t.grant_id, t.token_hash)
             FROM oauth_tokens t
             JOIN users u ON u.id = t.user_id JOIN sites s ON s.id = u.site_id
             WHERE t.token_hash = $1 AND t.kind = $2 AND t.expires_at > $3"
        );
        let stmt = client.prepare_cached(&sql).await?;
        let row = client
            .query_opt(&stmt, &[&token_hash, &kind.as_str(), &now.as_nanos()])
            .await?;
        Ok(row.as_ref().map(grant_from))
    }

    async fn redeem_refresh_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>> {
        let client = self.client().await?;
        // A concurrent redemption deleting the same row first leaves this DELETE nothing to
        // delete (it re-checks the row after waiting for the other to commit), so it finds none.
        let sql = format!(
            "WITH gone AS (
                 DELETE FROM oauth_tokens
                 WHERE token_hash = $1 AND kind = 'refresh' AND client_id = $2 AND expires_at > $3
                 RETURNING user_id, client_id, COALESCE(grant_id, token_hash) AS grant_id
             )
             SELECT {USER_COLUMNS}, s.name, g.client_id, g.grant_id FROM gone g
             JOIN users u ON u.id = g.user_id JOIN sites s ON s.id = u.site_id"
        );
        let row = client
            .query_opt(&sql, &[&token_hash, &client_id, &now.as_nanos()])
            .await?;
        Ok(row.as_ref().map(grant_from))
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let gone = tx
            .query_opt(
                "DELETE FROM oauth_tokens WHERE token_hash = $1 RETURNING kind, grant_id",
                &[&token_hash],
            )
            .await?;
        if let Some(row) = &gone {
            let (kind, grant_id): (String, Option<String>) = (row.get(0), row.get(1));
            if kind == TokenKind::Refresh.as_str() {
                tx.execute("DELETE FROM oauth_tokens WHERE grant_id = $1", &[&grant_id])
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(gone.is_some())
    }
}

/// A token grant from a row of `USER_COLUMNS`, site name, client id and grant id.
fn grant_from(row: &Row) -> TokenGrant {
    let user = user_from(row);
    let site = Site {
        id: user.site_id,
        name: row.get(6),
    };
    TokenGrant {
        principal: Principal { site, user },
        client_id: row.get(7),
        grant_id: row.get(8),
    }
}
