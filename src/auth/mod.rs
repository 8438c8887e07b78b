//! Who is calling: password and token checks for HTTP Basic (`Site\User:password`) and OAuth
//! bearer tokens. Passwords are kept as argon2 hashes and tokens as SHA-256 digests; neither
//! the secret nor its hash is ever logged.

mod login;
mod password;
mod slots;
mod throttle;
mod token;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use password::verify_or_pretend;
pub use password::{hash_password, random_password, verify_password};
use slots::Slots;
use throttle::{Key, Throttle};
pub use token::{digest, random_token};

use crate::domain::clock::Clock;
use crate::domain::site::{Principal, TokenKind};
use crate::store::{Store, StoreError};

/// Password checks at once per core. An argon2 check holds ~19 MiB and a core for ~50 ms;
/// two per core keeps the cores busy while a flood of wrong passwords gets 503s, not
/// gigabytes of hashing buffers.
const VERIFICATIONS_PER_CORE: usize = 2;
/// Password checks at once at most, whatever the core count: bounds their memory to ~115 MiB
/// (the buffers are kept for reuse). Cached sign-ins need no check, so this is plenty.
const MAX_VERIFICATIONS: usize = 6;
/// Locks that make concurrent checks of one credential wait for each other, so the first one
/// fills the cache and the rest are cache hits (not extra reserved attempts).
const CREDENTIAL_TURNS: usize = 64;

/// Why a request could not be authenticated.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No usable credentials, or wrong ones.
    #[error("not authenticated")]
    Unauthenticated,
    /// Too many recent failures for this login or address; retry after this many seconds.
    #[error("too many failed attempts")]
    Throttled(u64),
    /// Every password check slot is busy; retry in a second.
    #[error("password checks at capacity")]
    Busy,
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
    /// Slots to run argon2 (see [`VERIFICATIONS_PER_CORE`], [`MAX_VERIFICATIONS`]).
    slots: Slots,
    /// One turn per credential digest bucket (see [`CREDENTIAL_TURNS`]).
    turns: Arc<[tokio::sync::Mutex<()>]>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self {
            throttle: Throttle::new(Arc::clone(&clock)),
            store,
            clock,
            verified: Arc::default(),
            slots: Slots::new((VERIFICATIONS_PER_CORE * cores).min(MAX_VERIFICATIONS)),
            turns: (0..CREDENTIAL_TURNS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
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

    /// Checks a bearer access token. Failures count in a bucket of their own per address, so
    /// a stale token never slows Basic sign-in from the same place.
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] for an unknown, revoked or expired token.
    pub async fn bearer(&self, token: &str, from: Option<IpAddr>) -> Result<Principal, AuthError> {
        let attempt = self
            .throttle
            .reserve(&[Key::bearer(from)])
            .map_err(AuthError::Throttled)?;
        let grant = self
            .store
            .token_grant(&digest(token.trim()), TokenKind::Access, self.clock.now())
            .await?;
        match grant {
            Some(grant) => {
                attempt.succeeded();
                Ok(grant.principal)
            }
            None => {
                attempt.failed();
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
