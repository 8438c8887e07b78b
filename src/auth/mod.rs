//! Who is calling: password and token checks for HTTP Basic (`Site\User:password`) and OAuth
//! bearer tokens. Passwords are kept as argon2 hashes and tokens as SHA-256 digests; neither
//! the secret nor its hash is ever logged.

mod password;
mod throttle;
mod token;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub use password::{hash_password, random_password, verify_password};
pub use throttle::Throttle;
pub use token::{digest, random_token};

use crate::domain::clock::Clock;
use crate::domain::site::{Principal, Site, TokenKind};
use crate::store::{Store, StoreError};

/// Verified credentials remembered so that argon2 runs once per password, not per request.
const CACHE_LIMIT: usize = 10_000;

/// Why a request could not be authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No usable credentials, or wrong ones.
    #[error("not authenticated")]
    Unauthenticated,
    /// Too many recent failures for this login or address; retry after this many seconds.
    #[error("too many failed attempts")]
    Throttled(u64),
    /// The store failed while checking.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks credentials against the store.
#[derive(Clone)]
pub struct Authenticator {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// digest(site \0 user \0 password) → the password hash it was verified against; a changed
    /// hash (new password) no longer matches, so a stale entry can never let an old password in.
    verified: Arc<Mutex<HashMap<String, String>>>,
    throttle: Throttle,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            throttle: Throttle::new(Arc::clone(&clock)),
            store,
            clock,
            verified: Arc::default(),
        }
    }

    /// Checks a `Site\User` login and its password.
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] for an unknown site or user or a wrong password.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<Principal, AuthError> {
        let keys = throttle_keys(Some(login), from);
        self.throttle.check(&keys).map_err(AuthError::Throttled)?;
        let outcome = self.check_login(login, password).await;
        match &outcome {
            Ok(_) => self.throttle.succeeded(&keys[..1]),
            Err(AuthError::Unauthenticated) => self.throttle.failed(&keys),
            Err(_) => {}
        }
        outcome
    }

    async fn check_login(&self, login: &str, password: &str) -> Result<Principal, AuthError> {
        let (site_name, username) = login.split_once('\\').ok_or(AuthError::Unauthenticated)?;
        let Some(found) = self.store.credentials(site_name, username).await? else {
            return Err(AuthError::Unauthenticated);
        };
        let key = digest(&format!(
            "{}\0{}\0{password}",
            site_name.to_lowercase(),
            username.to_lowercase()
        ));
        let cached = self
            .verified
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned());
        if cached.as_deref() != Some(found.password_hash.as_str()) {
            let (hash, password) = (found.password_hash.clone(), password.to_owned());
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            if !ok {
                return Err(AuthError::Unauthenticated);
            }
            if let Ok(mut cache) = self.verified.lock() {
                if cache.len() >= CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(key, found.password_hash.clone());
            }
        }
        let site = Site {
            id: found.user.site_id,
            name: found.site_name,
        };
        Ok(Principal {
            site,
            user: found.user,
        })
    }

    /// Checks an `Authorization: Basic` value (base64 of `Site\User:password`).
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] when the value is malformed or the login fails.
    pub async fn basic(&self, encoded: &str, from: Option<IpAddr>) -> Result<Principal, AuthError> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| AuthError::Unauthenticated)?;
        let text = String::from_utf8(bytes).map_err(|_| AuthError::Unauthenticated)?;
        let (login, password) = text.split_once(':').ok_or(AuthError::Unauthenticated)?;
        self.login(login, password, from).await
    }

    /// Checks a bearer access token.
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] for an unknown, revoked or expired token.
    pub async fn bearer(&self, token: &str, from: Option<IpAddr>) -> Result<Principal, AuthError> {
        let keys = throttle_keys(None, from);
        self.throttle.check(&keys).map_err(AuthError::Throttled)?;
        let grant = self
            .store
            .token_grant(&digest(token.trim()), TokenKind::Access, self.clock.now())
            .await?;
        match grant {
            Some(grant) => Ok(grant.principal),
            None => {
                self.throttle.failed(&keys);
                Err(AuthError::Unauthenticated)
            }
        }
    }

    /// Checks a whole `Authorization` header value (Basic or Bearer).
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] for any other scheme or failed check.
    pub async fn header(&self, value: &str, from: Option<IpAddr>) -> Result<Principal, AuthError> {
        let (scheme, rest) = value
            .trim()
            .split_once(' ')
            .ok_or(AuthError::Unauthenticated)?;
        if scheme.eq_ignore_ascii_case("basic") {
            self.basic(rest, from).await
        } else if scheme.eq_ignore_ascii_case("bearer") {
            self.bearer(rest, from).await
        } else {
            Err(AuthError::Unauthenticated)
        }
    }
}

/// The throttle records an attempt counts against: the login (when there is one) first, then
/// the client address.
fn throttle_keys(login: Option<&str>, from: Option<IpAddr>) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(login) = login {
        keys.push(format!("login:{}", login.to_lowercase()));
    }
    if let Some(ip) = from {
        keys.push(format!("ip:{ip}"));
    }
    keys
}
