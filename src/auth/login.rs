//! Password sign-in: throttled before any work, argon2 run only in a free check slot, and
//! as costly for a login that does not exist as for a wrong password.

use std::net::IpAddr;

use super::{AuthError, Authenticator, Key, digest, verify_or_pretend};
use crate::domain::site::{Principal, Site, UserCredentials};

/// Verified credentials remembered so that argon2 runs once per password, not per request.
const CACHE_LIMIT: usize = 10_000;

impl Authenticator {
    /// Checks a `Site\User` login and its password.
    ///
    /// # Errors
    /// [`AuthError::Unauthenticated`] for an unknown site or user or a wrong password,
    /// [`AuthError::Throttled`] after too many failures of this login from this address (or
    /// from this address overall), [`AuthError::Busy`] when every password check slot is taken.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        from: Option<IpAddr>,
    ) -> Result<Principal, AuthError> {
        let keys = [Key::login(login, from), Key::address(from, login)];
        let key = digest(&format!(
            "{}\0{password}",
            login.to_lowercase().replacen('\\', "\0", 1)
        ));
        // A password this node verified before (against the hash still stored) is right: it
        // signs in whatever others' failures from this address, counts nothing and waits for
        // no turn. Only credentials in the cache cost a store read here; guesses are not in it.
        if self.remembers(&key) {
            if let Some(found) = self.credentials(login).await? {
                if self.is_verified(&key, &found) {
                    self.throttle.signed_in(&keys);
                    return Ok(principal(found));
                }
            }
        }
        // Refused attempts cost nothing more: no store lookup, no hashing.
        self.throttle.check(&keys).map_err(AuthError::Throttled)?;
        let found = self.credentials(login).await?;
        let _turn = self.turn(&key).lock().await;
        // Reserved before any further work, so concurrent guesses cannot all get past the
        // throttle (nor all reach argon2).
        let attempt = self.throttle.reserve(&keys).map_err(AuthError::Throttled)?;
        // A request that held the turn before may have verified these credentials meanwhile.
        if let Some(found) = found.as_ref().filter(|f| self.is_verified(&key, f)) {
            attempt.succeeded();
            return Ok(principal(found.clone()));
        }
        // Unsettled, `attempt` is refunded when returning Busy: nothing was checked.
        let slot = self.slots.try_take(from).ok_or(AuthError::Busy)?;
        let (hash, password) = (
            found.as_ref().map(|f| f.password_hash.clone()),
            password.to_owned(),
        );
        // The slot moves into the blocking task: it is held until argon2 is done, even when
        // the client hangs up first.
        let ok = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            verify_or_pretend(&password, hash.as_deref())
        })
        .await
        .unwrap_or(false);
        match found {
            Some(found) if ok => {
                attempt.succeeded();
                self.remember(key, &found.password_hash);
                Ok(principal(found))
            }
            _ => {
                attempt.failed();
                Err(AuthError::Unauthenticated)
            }
        }
    }

    /// The stored credentials of a `Site\User` login, if there are any.
    async fn credentials(&self, login: &str) -> Result<Option<UserCredentials>, AuthError> {
        Ok(match login.split_once('\\') {
            Some((site_name, username)) => self.store.credentials(site_name, username).await?,
            None => None,
        })
    }

    fn turn(&self, key: &str) -> &tokio::sync::Mutex<()> {
        let bucket = usize::from_str_radix(key.get(..4).unwrap_or("0"), 16).unwrap_or(0);
        &self.turns[bucket % self.turns.len()]
    }

    fn remembers(&self, key: &str) -> bool {
        self.verified
            .lock()
            .ok()
            .is_some_and(|cache| cache.contains_key(key))
    }

    fn is_verified(&self, key: &str, found: &UserCredentials) -> bool {
        self.verified
            .lock()
            .ok()
            .is_some_and(|cache| cache.get(key) == Some(&found.password_hash))
    }

    fn remember(&self, key: String, hash: &str) {
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, hash.to_owned());
        }
    }
}

fn principal(found: UserCredentials) -> Principal {
    let site = Site {
        id: found.user.site_id,
        name: found.site_name,
    };
    Principal {
        site,
        user: found.user,
    }
}
