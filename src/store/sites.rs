//! Sites, users, OAuth clients and tokens.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::clock::Timestamp;
use crate::domain::site::{OAuthClient, Principal, Site, TokenKind, User, UserCredentials};

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
    /// Name shown by `/id`.
    pub display_name: Option<String>,
    /// Address shown by `/id`.
    pub email_address: Option<String>,
    /// API permission.
    pub api_access: bool,
}

/// A token to remember, by digest.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 hex digest of the token text.
    pub token_hash: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// Whose token it is.
    pub user_id: i64,
    /// The OAuth client it was issued to.
    pub client_id: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// The grant it belongs to: the pair issued together and the pairs refreshed from it.
    pub grant_id: String,
}

/// A token found by digest, with the client it was issued to.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The token's user.
    pub principal: Principal,
    /// The client it was issued to.
    pub client_id: String,
    /// The grant it belongs to (see [`NewToken::grant_id`]).
    pub grant_id: String,
}

/// Persistence of sites, users and credentials.
#[async_trait]
pub trait SiteStore: Send + Sync {
    /// Creates a site.
    ///
    /// # Errors
    /// `Conflict { constraint: "sites_name" }` when the name is taken (without regard to case).
    async fn create_site(&self, name: &str) -> StoreResult<Site>;
    /// Finds a site by name, without regard to case.
    async fn site_by_name(&self, name: &str) -> StoreResult<Option<Site>>;
    /// Every site, by id.
    async fn list_sites(&self) -> StoreResult<Vec<Site>>;
    /// Adds a user to a site.
    ///
    /// # Errors
    /// `Conflict { constraint: "users_login" }` when the site has that login already.
    async fn add_user(&self, site_id: i64, user: NewUser) -> StoreResult<User>;
    /// The site's users, by login name.
    async fn list_users(&self, site_id: i64) -> StoreResult<Vec<User>>;
    /// Removes a user and their tokens.
    async fn remove_user(&self, site_id: i64, username: &str) -> StoreResult<()>;
    /// Replaces a user's password hash and revokes their tokens.
    async fn set_password(&self, site_id: i64, username: &str, hash: &str) -> StoreResult<()>;
    /// Loads what a login needs: the user of `site_name\username` with the password hash.
    async fn credentials(
        &self,
        site_name: &str,
        username: &str,
    ) -> StoreResult<Option<UserCredentials>>;
    /// Registers an OAuth client.
    async fn add_oauth_client(&self, client: OAuthClient) -> StoreResult<()>;
    /// Finds an OAuth client by id.
    async fn oauth_client(&self, client_id: &str) -> StoreResult<Option<OAuthClient>>;
    /// Remembers an issued token (and forgets expired ones).
    async fn insert_token(&self, token: NewToken) -> StoreResult<()>;
    /// The principal a live token of `kind` stands for.
    async fn token_grant(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>>;
    /// Takes a live refresh token issued to `client_id`, deleting it in the same step: of
    /// concurrent redemptions of one token, exactly one gets the grant, the rest `None`.
    async fn redeem_refresh_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: Timestamp,
    ) -> StoreResult<Option<TokenGrant>>;
    /// Forgets a token, and for a refresh token every token of its grant; true when it
    /// existed.
    async fn revoke_token(&self, token_hash: &str) -> StoreResult<bool>;
}
