//! Time as Loquat sees it: an injectable [`Clock`] and the [`Timestamp`] every record carries.
//!
//! Timestamps are whole nanoseconds since the Unix epoch in UTC; on the wire they are written
//! the way Eloqua writes them, with seven fractional digits and `Z`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// An instant in UTC, stored as nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Wraps a count of nanoseconds since the Unix epoch.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (Eloqua's REST 1.0 API writes dates this way).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1_000_000_000)
    }

    /// This instant moved forward by `seconds` (saturating).
    pub fn plus_seconds(self, seconds: u64) -> Self {
        let delta = i64::try_from(seconds)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000_000);
        Self(self.0.saturating_add(delta))
    }

    /// This instant moved forward by `duration` (saturating).
    pub fn plus_duration(self, duration: std::time::Duration) -> Self {
        let delta = i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(delta))
    }

    /// Parses the date forms clients put in `q` filters: `2024-05-01`, `2024-05-01T12:00:00Z`,
    /// `2024-05-01T12:00:00.1230000Z`, `2024-05-01 12:00:00` (UTC is assumed without an offset).
    pub fn parse_lenient(text: &str) -> Option<Self> {
        use time::format_description::well_known::Rfc3339;
        use time::macros::format_description;
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(Self::from_datetime(at));
        }
        let date_only = format_description!("[year]-[month]-[day]");
        if let Ok(date) = time::Date::parse(text, date_only) {
            return Some(Self::from_datetime(date.midnight().assume_utc()));
        }
        let naive = format_description!(
            "[year]-[month]-[day][first [T][ ]][hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
        );
        time::PrimitiveDateTime::parse(text, naive)
            .ok()
            .map(|at| Self::from_datetime(at.assume_utc()))
    }

    fn from_datetime(at: OffsetDateTime) -> Self {
        let nanos = at.unix_timestamp_nanos();
        Self(i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX }))
    }
}

impl fmt::Display for Timestamp {
    /// Eloqua's form: `2014-05-12T14:23:05.9100000Z` (seven fractional digits, UTC).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.nanosecond() / 100
        )
    }
}

/// Where time comes from: the system clock in production, a hand-driven one in tests.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(OffsetDateTime::now_utc())
    }
}

/// A clock that only moves when told to; shared handles see the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(start.as_nanos())))
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance_seconds(&self, seconds: u64) {
        let next = Timestamp(self.0.load(Ordering::SeqCst)).plus_seconds(seconds);
        self.0.store(next.as_nanos(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_seven_fractional_digits_and_z() {
        let at = Timestamp::parse_lenient("2014-05-12T14:23:05.91Z").unwrap();
        assert_eq!(at.to_string(), "2014-05-12T14:23:05.9100000Z");
    }

    #[test]
    fn parses_the_date_forms_clients_send() {
        let midnight = Timestamp::parse_lenient("2024-05-01").unwrap();
        assert_eq!(midnight.to_string(), "2024-05-01T00:00:00.0000000Z");
        let naive = Timestamp::parse_lenient("2024-05-01 12:30").unwrap();
        assert_eq!(naive.to_string(), "2024-05-01T12:30:00.0000000Z");
        let eloqua = Timestamp::parse_lenient("2024-05-01T12:00:00.1230000Z").unwrap();
        assert_eq!(eloqua.to_string(), "2024-05-01T12:00:00.1230000Z");
        assert!(Timestamp::parse_lenient("yesterday").is_none());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp::from_nanos(0));
        assert_eq!(clock.now().unix_seconds(), 0);
        clock.advance_seconds(3600);
        assert_eq!(clock.now().unix_seconds(), 3600);
    }
}
