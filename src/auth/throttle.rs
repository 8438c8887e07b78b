//! Slowing down credential guessing: after a few failures for one login or one client
//! address, further attempts are refused (429) for a back-off that doubles with each failure,
//! until a success (or an hour of quiet) clears the record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::clock::{Clock, Timestamp};

/// Failures allowed before attempts are refused.
const FREE_FAILURES: u32 = 5;
/// First refusal period, in seconds; it doubles with each further failure.
const FIRST_BACKOFF_SECONDS: u64 = 1;
/// Longest refusal period, in seconds.
const MAX_BACKOFF_SECONDS: u64 = 300;
/// A record with no failure for this long is forgotten.
const FORGET_AFTER_SECONDS: u64 = 3_600;
/// Records kept at most; beyond, the quiet ones are dropped first (bounded memory).
const MAX_RECORDS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Timestamp,
    blocked_until: Timestamp,
}

/// Failure records by key (`login:site\user`, `ip:1.2.3.4`).
#[derive(Debug, Clone)]
pub struct Throttle {
    records: Arc<Mutex<HashMap<String, Record>>>,
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
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let now = self.clock.now();
        let Ok(records) = self.records.lock() else {
            return Ok(());
        };
        let wait = keys
            .iter()
            .filter_map(|key| records.get(key))
            .filter(|r| r.blocked_until > now)
            .map(|r| seconds_between(now, r.blocked_until))
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Records a failed attempt for every key.
    pub fn failed(&self, keys: &[String]) {
        let now = self.clock.now();
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        if records.len() >= MAX_RECORDS {
            records.retain(|_, r| r.blocked_until > now);
            if records.len() >= MAX_RECORDS {
                records.clear();
            }
        }
        for key in keys {
            let record = records.entry(key.clone()).or_insert(Record {
                failures: 0,
                last_failure: now,
                blocked_until: now,
            });
            if seconds_between(record.last_failure, now) > FORGET_AFTER_SECONDS {
                record.failures = 0;
            }
            record.failures += 1;
            record.last_failure = now;
            if record.failures >= FREE_FAILURES {
                let doublings = (record.failures - FREE_FAILURES).min(16);
                let backoff = (FIRST_BACKOFF_SECONDS << doublings).min(MAX_BACKOFF_SECONDS);
                record.blocked_until = now.plus_seconds(backoff);
            }
        }
    }

    /// Clears the records of `keys` after a successful attempt.
    pub fn succeeded(&self, keys: &[String]) {
        if let Ok(mut records) = self.records.lock() {
            for key in keys {
                records.remove(key);
            }
        }
    }
}

fn seconds_between(from: Timestamp, to: Timestamp) -> u64 {
    let nanos = to.as_nanos().saturating_sub(from.as_nanos()).max(0);
    u64::try_from(nanos).unwrap_or(0).div_ceil(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::ManualClock;

    #[test]
    fn refuses_after_five_failures_with_a_doubling_backoff_until_a_success() {
        let clock = ManualClock::new(Timestamp::from_nanos(0));
        let throttle = Throttle::new(Arc::new(clock.clone()));
        let keys = ["login:acme\\jane".to_owned()];
        for _ in 0..4 {
            throttle.failed(&keys);
            assert_eq!(throttle.check(&keys), Ok(()));
        }
        throttle.failed(&keys);
        assert_eq!(throttle.check(&keys), Err(1));
        clock.advance_seconds(1);
        assert_eq!(throttle.check(&keys), Ok(()));
        throttle.failed(&keys);
        assert_eq!(throttle.check(&keys), Err(2), "doubles");
        assert_eq!(
            throttle.check(&["ip:10.0.0.1".to_owned()]),
            Ok(()),
            "other keys unaffected"
        );
        throttle.succeeded(&keys);
        assert_eq!(throttle.check(&keys), Ok(()));
    }

    #[test]
    fn the_backoff_is_capped_and_old_failures_are_forgotten() {
        let clock = ManualClock::new(Timestamp::from_nanos(0));
        let throttle = Throttle::new(Arc::new(clock.clone()));
        let keys = ["ip:127.0.0.1".to_owned()];
        for _ in 0..40 {
            throttle.failed(&keys);
        }
        assert_eq!(throttle.check(&keys), Err(MAX_BACKOFF_SECONDS));
        clock.advance_seconds(FORGET_AFTER_SECONDS + 1);
        throttle.failed(&keys);
        assert_eq!(throttle.check(&keys), Ok(()), "counting starts again");
    }
}
