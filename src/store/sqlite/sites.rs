//! Sites, users, OAuth clients and tokens on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, error};
use crate::domain::clock::Timestamp;
use crate::domain::site::{OAuthClient, Principal, Site, TokenKind, User, UserCredentials};
use crate::store::sites::{NewToken, NewUser, TokenGrant};
use crate::store::{SiteStore, StoreError, StoreResult};

const USER_COLUMNS: &str =
    "u.id, u.site_id, u.username, u.display_name, u.email_address, u.api_access";

fn user_from(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        site_id: row.get(1)?,
        username: row.get(2)?,
        display_name: row.get(3)?,
        email_address: row.get(4)?,
        api_access: row.get(5)?,
    })
}

#[async_trait]
impl SiteStore for SqliteStore {
    async fn create_site(&self, name: &str) -> StoreResult<Site> {
        let name = name.to_owned();
        let now = self.now();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO sites (name, created_at) VALUES (?1, ?2)",
                params![name, now.as_nanos()],
            )?;
            Ok(Site {
                id: tx.last_insert_rowid(),
                name,
            })
        })
        .await
    }

    async fn site_by_name(&self, name: &str) -> StoreResult<Option<Site>> {
        let name = name.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, name FROM sites WHERE name = ?1 COLLATE NOCASE",
                [name],
                |row| {
                    Ok(Site {
                        id: row.get(0)?,
                        name: row.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(error::map)
        })
        .await
    }

    async fn list_sites(&self) -> StoreResult<Vec<Site>> {
        self.read(|conn| {
            let mut stmt = conn.prepare("SELECT id, name FROM sites ORDER BY id")?;
            let rows = stmt.query_map([], |row| {
                Ok(Site {
                    id: row.get(0)?,
                    name: row.get(1)?,
                })
            })?;
            rows.collect::<rusqlite::Result<_>>().map_err(error::map)
        })
        .await
    }

    async fn add_user(&self, site_id: i64, user: NewUser) -> StoreResult<User> {
        let now = self.now();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO users (site_id, username, password_hash, display_name, email_address, api_access, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![site_id, user.username, user.password_hash, user.display_name, user.email_address, user.api_access, now.as_nanos()],
            )?;
            Ok(User {
                id: tx.last_insert_rowid(),
                site_id,
                username: user.username,
                display_name: user.display_name,
                email_address: user.email_address,
                api_access: user.api_access,
            })
        })
        .await
    }

    async fn list_users(&self, site_id: i64) -> StoreResult<Vec<User>> {
        self.read(move |conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.site_id = ?1 ORDER BY u.username COLLATE NOCASE");
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([site_id], user_from)?;
            rows.collect::<rusqlite::Result<_>>().map_err(error::map)
        })
        .await
    }

    async fn remove_user(&self, site_id: i64, username: &str) -> StoreResult<()> {
        let username = username.to_owned();
        self.write(move |tx| {
            let removed = tx.execute(
                "DELETE FROM users WHERE site_id = ?1 AND username = ?2 COLLATE NOCASE",
                params![site_id, username],
            )?;
            if removed == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        })
        .await
    }

    async fn set_password(&self, site_id: i64, username: &str, hash: &str) -> StoreResult<()> {
        let (username, hash) = (username.to_owned(), hash.to_owned());
        self.write(move |tx| {
            let id: i64 = tx.query_row(
                "SELECT id FROM users WHERE site_id = ?1 AND username = ?2 COLLATE NOCASE",
                params![site_id, username],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                params![hash, id],
            )?;
            // A new password ends every session opened with the old one.
            tx.execute("DELETE FROM oauth_tokens WHERE user_id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn credentials(
        &self,
        site_name: &str,
        username: &str,
    ) -> StoreResult<Option<UserCredentials>> {
        let (site_name, username) = (site_name.to_owned(), username.to_owned());
        self.read(move |conn| {
            let sql = format!(
                "SELECT {USER_COLUMNS}, s.name, u.password_hash FROM users u JOIN sites s ON s.id = u.site_id
                 WHERE s.name = ?1 COLLATE NOCASE AND u.username = ?2 COLLATE NOCASE"
            );
            conn.query_row(&sql, params![site_name, username], |row| {
                Ok(UserCredentials { user: user_from(row)?, site_name: row.get(6)?, password_hash: row.get(7)? })
            })
            .optional()
            .map_err(error::map)
        })
        .await
    }

    async fn add_oauth_client(&self, client: OAuthClient) -> StoreResult<()> {
        let now = self.now();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO oauth_clients (client_id, secret_hash, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![client.client_id, client.secret_hash, client.name, now.as_nanos()],
            )?;
            Ok(())
        })
        .await
    }

    async fn oauth_client(&self, client_id: &str) -> StoreResult<Option<OAuthClient>> {
        let client_id = client_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT client_id, secret_hash, name FROM oauth_clients WHERE client_id = ?1",
                [client_id],
                |row| {
                    Ok(OAuthClient {
                        client_id: row.get(0)?,
                        secret_hash: row.get(1)?,
                        name: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(error::map)
        })
        .await
    }

    async fn insert_token(&self, token: NewToken) -> StoreResult<()> {
        let now = self.now();
        self.write(move |tx| {
            tx.execute("DELETE FROM oauth_tokens WHERE expires_at <= ?1", [now.as_nanos()])?;
            tx.execute(
                "INSERT INTO oauth_tokens (token_hash, kind, user_id, client_id, expires_at, grant_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![token.token_hash, token.kind.as_str(), token.user_id, token.client_id, token.expires_at.as_nanos(), token.grant_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn token_grant(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| find_grant(conn, &token_hash, kind, None, now))
            .await
    }

    async fn redeem_refresh_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>> {
        let (token_hash, client_id) = (token_hash.to_owned(), client_id.to_owned());
        // One write transaction at a time: the token found here is still there to delete.
        self.write(move |tx| {
            let grant = find_grant(tx, &token_hash, TokenKind::Refresh, Some(&client_id), now)?;
            if grant.is_some() {
                tx.execute(
                    "DELETE FROM oauth_tokens WHERE token_hash = ?1",
                    [&token_hash],
                )?;
            }
            Ok(grant)
        })
        .await
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            let gone: Option<(String, Option<String>)> = tx
                .query_row(
                    "DELETE FROM oauth_tokens WHERE token_hash = ?1 RETURNING kind, grant_id",
                    [&token_hash],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            if let Some((kind, Some(grant_id))) = &gone {
                if kind == TokenKind::Refresh.as_str() {
                    tx.execute("DELETE FROM oauth_tokens WHERE grant_id = ?1", [grant_id])?;
                }
            }
            Ok(gone.is_some())
        })
        .await
    }
}

/// The live token of `kind` (issued to `client_id`, when given) with its user and site.
fn find_grant(
    conn: &rusqlite::Connection,
    token_hash: &str,
    kind: TokenKind,
    client_id: Option<&str>,
    now: Timestamp,
) -> StoreResult<Option<TokenGrant>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, s.name, t.client_id, COALESCE(t.grant_id, t.token_hash)
         FROM oauth_tokens t
         JOIN users u ON u.id = t.user_id JOIN sites s ON s.id = u.site_id
         WHERE t.token_hash = ?1 AND t.kind = ?2 AND t.expires_at > ?3
           AND (?4 IS NULL OR t.client_id = ?4)"
    );
    conn.query_row(
        &sql,
        params![token_hash, kind.as_str(), now.as_nanos(), client_id],
        |row| {
            let user = user_from(row)?;
            let site = Site {
                id: user.site_id,
                name: row.get(6)?,
            };
            Ok(TokenGrant {
                principal: Principal { site, user },
                client_id: row.get(7)?,
                grant_id: row.get(8)?,
            })
        },
    )
    .optional()
    .map_err(error::map)
}
