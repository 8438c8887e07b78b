//! Slowing down credential guessing. Each attempt is counted against a few [`Key`]s; a key
//! that has collected its free failures refuses further attempts (429) for a back-off that
//! doubles with each failure, until a success (or an hour of quiet) clears it.
//!
//! An attempt is counted as a failure when it is *reserved*, before the password is checked,
//! so concurrent guesses cannot all slip past the check while the first ones are still being
//! verified; a success refunds it, and an attempt that was never decided (busy server, store
//! error, client gone) is refunded when its [`Permit`] drops.
//!
//! Keys never span addresses for one login: a password guesser can lock a login out only
//! from the guesser's own address, so a correct password from an address that has not failed
//! is never refused.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::domain::clock::{Clock, Timestamp};

/// Failures of one login from one address before it is refused there. Small: nobody mistypes
/// their own password five times in a row, and a test suite checking a wrong password now and
/// then is cleared by its next correct sign-in.
const LOGIN_FREE_FAILURES: u32 = 5;
/// Password failures from one address, over all logins, before the address is refused. Much
/// higher than per login: it only has to stop one address spraying guesses over many logins
/// (or unknown ones), and behind a proxy that is not trusted many clients share the address.
/// Logins that have signed in from the address before are not refused by it (see `Key`).
const ADDRESS_FREE_FAILURES: u32 = 100;
/// Bearer-token failures from one address before its bearer attempts are refused. A bucket of
/// its own, so a client presenting an expired token cannot throttle Basic sign-in.
const BEARER_FREE_FAILURES: u32 = 100;
/// First refusal period, in seconds; it doubles with each further failure.
const FIRST_BACKOFF_SECONDS: u64 = 1;
/// Longest refusal period, in seconds.
const MAX_BACKOFF_SECONDS: u64 = 300;
/// A record with no failure for this long is forgotten.
const FORGET_AFTER_SECONDS: u64 = 3_600;
/// How long a login that signed in from an address is exempt from that address's limit.
const KNOWN_GOOD_SECONDS: u64 = 30 * 24 * 3_600;
/// `blocked_until` of a record that refuses nothing.
const NOT_BLOCKED: Timestamp = Timestamp::from_nanos(i64::MIN);
/// Records kept at most (each map); beyond, the quiet ones are dropped first (bounded memory).
const MAX_RECORDS: usize = 100_000;

/// What an attempt counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    name: String,
    free_failures: u32,
    /// A success clears the record (one login's own failures) rather than refunding one.
    cleared_by_success: bool,
    /// Not refused while this (login, address) pair is known good.
    waived_for: Option<String>,
}

impl Key {
    /// One login (`site\user`, any case) from one address.
    pub fn login(login: &str, from: Option<IpAddr>) -> Self {
        // A digest, not the text: a login comes from an unauthenticated header and may be
        // hundreds of kilobytes long, and records are kept by the hundred thousand.
        let login = super::digest(&login.to_lowercase());
        Self {
            name: format!("login:{login}|{}", address(from)),
            free_failures: LOGIN_FREE_FAILURES,
            cleared_by_success: true,
            waived_for: None,
        }
    }

    /// Password sign-ins from one address; waived for `login` once it has signed in there.
    pub fn address(from: Option<IpAddr>, login: &str) -> Self {
        Self {
            name: format!("ip:{}", address(from)),
            free_failures: ADDRESS_FREE_FAILURES,
            cleared_by_success: false,
            waived_for: Some(Self::login(login, from).name),
        }
    }

    /// Bearer-token checks from one address.
    pub fn bearer(from: Option<IpAddr>) -> Self {
        Self {
            name: format!("bearer:{}", address(from)),
            free_failures: BEARER_FREE_FAILURES,
            cleared_by_success: false,
            waived_for: None,
        }
    }
}

fn address(from: Option<IpAddr>) -> String {
    from.map_or_else(|| "-".to_owned(), |ip| ip.to_string())
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Timestamp,
    blocked_until: Timestamp,
}

impl Record {
    fn block(&mut self, free_failures: u32) {
        self.blocked_until = if self.failures >= free_failures {
            let doublings = (self.failures - free_failures).min(16);
            let backoff = (FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS);
            self.last_failure.plus_seconds(backoff)
        } else {
            // Not "until the last failure": another thread may read the clock before this
            // record's last failure and take an unblocked record for a blocked one.
            NOT_BLOCKED
        };
    }
}

#[derive(Debug, Default)]
struct Records {
    failures: HashMap<String, Record>,
    /// `login:…|address` names of pairs that signed in, with when.
    known_good: HashMap<String, Timestamp>,
}

/// Failure records by key.
#[derive(Debug, Clone)]
pub struct Throttle {
    records: Arc<Mutex<Records>>,
    clock: Arc<dyn Clock>,
}

impl Throttle {
    /// An empty throttle on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            records: Arc::default(),
            clock,
        }
    }

    /// `Err(seconds to wait)` when any of `keys` is currently refused.
    pub fn check(&self, keys: &[Key]) -> Result<(), u64> {
        let now = self.clock.now();
        let Ok(records) = self.records.lock() else {
            return Ok(());
        };
        records.wait(keys, now).map_or(Ok(()), Err)
    }

    /// Counts an attempt as a failure of every key, unless one of them is refused
    /// (`Err(seconds to wait)`); settle it with [`Permit::succeeded`] or [`Permit::failed`].
    pub fn reserve(&self, keys: &[Key]) -> Result<Permit, u64> {
        let now = self.clock.now();
        if let Ok(mut records) = self.records.lock() {
            if let Some(wait) = records.wait(keys, now) {
                return Err(wait);
            }
            records.make_room(now);
            for key in keys {
                let record = records.failures.entry(key.name.clone()).or_insert(Record {
                    failures: 0,
                    last_failure: now,
                    blocked_until: NOT_BLOCKED,
                });
                if seconds_between(record.last_failure, now) > FORGET_AFTER_SECONDS {
                    record.failures = 0;
                }
                record.failures += 1;
                record.last_failure = now;
                record.block(key.free_failures);
            }
        }
        Ok(Permit {
            throttle: self.clone(),
            keys: keys.to_vec(),
            settled: false,
        })
    }

    /// A sign-in succeeded with no attempt reserved (its password had been verified before):
    /// clears the keys a success clears and remembers the login as known good at its address,
    /// without counting or refunding anything.
    pub fn signed_in(&self, keys: &[Key]) {
        let now = self.clock.now();
        if let Ok(mut records) = self.records.lock() {
            for key in keys.iter().filter(|key| key.cleared_by_success) {
                records.signed_in(key, now);
            }
        }
    }

    /// Takes back one reserved failure of each key; with `success`, clears the keys a success
    /// clears and remembers the login as known good at its address.
    fn settle(&self, keys: &[Key], success: bool) {
        let now = self.clock.now();
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        for key in keys {
            if success && key.cleared_by_success {
                records.signed_in(key, now);
            } else if let Some(record) = records.failures.get_mut(&key.name) {
                record.failures = record.failures.saturating_sub(1);
                record.block(key.free_failures);
            }
        }
    }
}

impl Records {
    fn signed_in(&mut self, key: &Key, now: Timestamp) {
        self.failures.remove(&key.name);
        self.known_good.insert(key.name.clone(), now);
    }

    fn wait(&self, keys: &[Key], now: Timestamp) -> Option<u64> {
        keys.iter()
            .filter(|key| !self.waived(key, now))
            .filter_map(|key| self.failures.get(&key.name))
            .filter(|r| r.blocked_until > now)
            .map(|r| seconds_between(now, r.blocked_until))
            .max()
    }

    fn waived(&self, key: &Key, now: Timestamp) -> bool {
        key.waived_for
            .as_ref()
            .and_then(|pair| self.known_good.get(pair))
            .is_some_and(|at| seconds_between(*at, now) <= KNOWN_GOOD_SECONDS)
    }

    fn make_room(&mut self, now: Timestamp) {
        if self.failures.len() >= MAX_RECORDS {
            self.failures.retain(|_, r| r.blocked_until > now);
            if self.failures.len() >= MAX_RECORDS {
                self.failures.clear();
            }
        }
        if self.known_good.len() >= MAX_RECORDS {
            self.known_good
                .retain(|_, at| seconds_between(*at, now) <= KNOWN_GOOD_SECONDS);
            if self.known_good.len() >= MAX_RECORDS {
                self.known_good.clear();
            }
        }
    }
}

/// A reserved attempt. Dropped unsettled (busy, store error, client gone), it is refunded.
#[derive(Debug)]
#[must_use = "an attempt is settled as a success or a failure"]
pub struct Permit {
    throttle: Throttle,
    keys: Vec<Key>,
    settled: bool,
}

impl Permit {
    /// The credentials were right: refunds the attempt and clears the login's failures.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.throttle.settle(&self.keys, true);
    }

    /// The credentials were wrong: the failure stays counted.
    pub fn failed(mut self) {
        self.settled = true;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.settle(&self.keys, false);
        }
    }
}

fn seconds_between(from: Timestamp, to: Timestamp) -> u64 {
    let nanos = to.as_nanos().saturating_sub(from.as_nanos()).max(0);
    u64::try_from(nanos).unwrap_or(0).div_ceil(1_000_000_000)
}

#[cfg(test)]
mod tests;
