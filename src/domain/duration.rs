//! ISO-8601 durations (`PT1H`, `P7D`) as Eloqua uses them for `autoDeleteDuration`: parsing and total length.

use std::fmt;
use std::str::FromStr;

/// An ISO-8601 duration `P[nY][nM][nW][nD][T[nH][nM][nS]]`, keeping the client's text for echoing.
///
/// Totals are approximate for calendar units: a year counts as 365 days and a month as 30 days,
/// which is all that limits such as "at least `PT1H`" need. Numbers are non-negative integers;
/// only seconds may carry a fraction (`PT1.5S`, `.` or `,`), which is truncated in [`seconds`](Self::seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoDuration {
    text: String,
    seconds: u64,
}

/// Why a duration text was refused, with the byte offset where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ISO-8601 duration at byte {at}: {reason}")]
pub struct DurationError {
    /// Byte offset into the parsed text.
    pub at: usize,
    /// What was expected and what was found.
    pub reason: String,
}

const DAY: u64 = 86_400;
/// Designators in the order ISO-8601 requires them, with their length in seconds.
const DATE_UNITS: [(u8, u64); 4] = [
    (b'Y', 365 * DAY),
    (b'M', 30 * DAY),
    (b'W', 7 * DAY),
    (b'D', DAY),
];
const TIME_UNITS: [(u8, u64); 3] = [(b'H', 3_600), (b'M', 60), (b'S', 1)];

impl IsoDuration {
    /// Parses a duration such as `PT1H`, `P7D` or `P1DT12H`.
    ///
    /// # Errors
    /// A [`DurationError`] for anything outside the grammar, an empty duration, a `T` without a
    /// time component, components out of order or repeated, or a total beyond `u64` seconds.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        Parser::new(text).run().map(|seconds| Self {
            text: text.to_owned(),
            seconds,
        })
    }

    /// The duration exactly as the client wrote it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Total length in whole seconds (years = 365 days, months = 30 days, fractions truncated).
    pub fn seconds(&self) -> u64 {
        self.seconds
    }
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for IsoDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn error(&self, at: usize, reason: impl Into<String>) -> DurationError {
        DurationError {
            at,
            reason: reason.into(),
        }
    }

    fn found(&self, at: usize) -> String {
        match self.text.get(at..).and_then(|rest| rest.chars().next()) {
            None => "end of input".to_owned(),
            Some(c) => format!("'{}'", c.escape_debug()),
        }
    }

    fn digits(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        // Only ASCII digits were consumed, so the slice is on char boundaries.
        &self.text[start..self.pos]
    }

    fn run(mut self) -> Result<u64, DurationError> {
        if self.peek() != Some(b'P') {
            return Err(self.error(
                0,
                format!(
                    "expected 'P' to start the duration, found {}",
                    self.found(0)
                ),
            ));
        }
        self.pos = 1;
        let mut total = self.part(&DATE_UNITS, false, 0)?;
        if self.peek() == Some(b'T') {
            self.pos += 1;
            let time_start = self.pos;
            total = self.part(&TIME_UNITS, true, total)?;
            if self.pos == time_start {
                return Err(self.error(
                    self.pos,
                    format!(
                        "'T' must be followed by an hours, minutes or seconds component, found {}",
                        self.found(self.pos)
                    ),
                ));
            }
        } else if self.pos == 1 {
            return Err(self.error(
                1,
                format!(
                    "expected at least one component, like PT1H or P7D, found {}",
                    self.found(1)
                ),
            ));
        }
        if self.pos < self.text.len() {
            return Err(self.error(
                self.pos,
                format!("expected end of duration, found {}", self.found(self.pos)),
            ));
        }
        Ok(total)
    }

    /// Adds `n<unit>` components, read in `units` order, to `total`; stops at `T`, the end, or a non-digit.
    fn part(
        &mut self,
        units: &[(u8, u64)],
        is_time: bool,
        mut total: u64,
    ) -> Result<u64, DurationError> {
        let mut next_unit = 0;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            let start = self.pos;
            let digits = self.digits();
            let fraction_at = self.pos;
            let has_fraction = matches!(self.peek(), Some(b'.' | b','));
            if has_fraction {
                self.pos += 1;
                if self.digits().is_empty() {
                    return Err(self.error(
                        self.pos,
                        format!(
                            "expected digits after the decimal separator, found {}",
                            self.found(self.pos)
                        ),
                    ));
                }
            }
            let designator_at = self.pos;
            let designator = self.peek();
            let Some(offset) = units[next_unit..]
                .iter()
                .position(|(d, _)| Some(*d) == designator)
            else {
                return Err(self.misplaced(designator_at, units, next_unit, is_time));
            };
            let (designator, unit) = units[next_unit + offset];
            if has_fraction && designator != b'S' {
                return Err(self.error(fraction_at, "only seconds may have a fraction"));
            }
            let value: u64 = digits
                .parse()
                .map_err(|_| self.error(start, format!("the number {digits} is too large")))?;
            total = value
                .checked_mul(unit)
                .and_then(|seconds| total.checked_add(seconds))
                .ok_or_else(|| self.error(start, "the duration is too long"))?;
            next_unit += offset + 1;
            self.pos += 1;
        }
        Ok(total)
    }

    /// Explains a designator that is unknown, repeated, out of order, or on the wrong side of `T`.
    fn misplaced(
        &self,
        at: usize,
        units: &[(u8, u64)],
        next_unit: usize,
        is_time: bool,
    ) -> DurationError {
        let found = self.found(at);
        let names = |us: &[(u8, u64)]| {
            us.iter()
                .map(|(d, _)| char::from(*d).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let reason = match self.peek() {
            Some(d) if units[..next_unit].iter().any(|(u, _)| *u == d) => {
                format!(
                    "{found} is repeated or out of order; components go Y, M, W, D, then T and H, M, S"
                )
            }
            Some(b'H' | b'S') if !is_time => {
                format!("{found} belongs in the time part, after 'T' (e.g. PT1H)")
            }
            Some(b'Y' | b'W' | b'D') if is_time => {
                format!("{found} belongs in the date part, before 'T' (e.g. P1D)")
            }
            _ => format!(
                "expected one of {} after a number, found {found}",
                names(&units[next_unit..])
            ),
        };
        self.error(at, reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    #[rustfmt::skip]
    fn accepts_valid_durations_and_totals_them() {
        let cases = [
            ("PT1H", 3_600), ("P1Y", 365 * DAY), ("P1M", 30 * DAY), ("P1W", 7 * DAY), ("P1D", DAY),
            ("PT1M", 60), ("PT1S", 1), ("PT1.5S", 1), ("PT0,5S", 0), ("PT0S", 0), ("P01D", DAY),
            ("PT36H", 36 * 3_600), ("P1DT1H", DAY + 3_600), ("P1MT1M", 30 * DAY + 60),
            ("P1Y2M3W4DT5H6M7S", (365 + 60 + 21 + 4) * DAY + 5 * 3_600 + 6 * 60 + 7),
        ];
        for (text, seconds) in cases {
            let duration = IsoDuration::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(duration.seconds(), seconds, "{text}");
            assert_eq!(duration.as_str(), text);
            assert_eq!(duration.to_string(), text);
        }
    }

    #[test]
    #[rustfmt::skip]
    fn refuses_invalid_durations_at_the_right_byte() {
        let cases = [
            ("", 0, "expected 'P' to start the duration, found end of input"),
            ("1D", 0, "expected 'P'"),
            ("p1D", 0, "found 'p'"),
            ("P", 1, "expected at least one component"),
            ("PT", 2, "'T' must be followed by an hours, minutes or seconds component"),
            ("P1DT", 4, "'T' must be followed"),
            ("P1H", 2, "'H' belongs in the time part, after 'T'"),
            ("PT1D", 3, "'D' belongs in the date part, before 'T'"),
            ("P1D1Y", 4, "'Y' is repeated or out of order"),
            ("P1D1D", 4, "'D' is repeated or out of order"),
            ("PT1S1H", 5, "'H' is repeated or out of order"),
            ("P1X", 2, "expected one of Y, M, W, D after a number, found 'X'"),
            ("P1", 2, "found end of input"),
            ("PT1.5M", 3, "only seconds may have a fraction"),
            ("P1.5D", 2, "only seconds may have a fraction"),
            ("PT1.S", 4, "expected digits after the decimal separator"),
            ("P-1D", 1, "expected at least one component"),
            ("PTT1H", 2, "'T' must be followed"),
            ("PT1HT", 4, "expected end of duration, found 'T'"),
            ("PT1H ", 4, "expected end of duration, found ' '"),
            ("P99999999999999999999D", 1, "the number 99999999999999999999 is too large"),
            ("P600000000000Y", 1, "the duration is too long"),
            ("P584942417355YT700H", 15, "the duration is too long"),
        ];
        for (text, at, reason) in cases {
            let err = IsoDuration::parse(text).expect_err(text);
            assert_eq!(err.at, at, "offset for {text:?}: {err}");
            assert!(err.reason.contains(reason), "{text:?}: {:?} lacks {reason:?}", err.reason);
        }
    }

    #[test]
    fn error_display_names_the_byte_offset() {
        let err = IsoDuration::parse("PT").expect_err("no component");
        assert!(
            err.to_string()
                .starts_with("invalid ISO-8601 duration at byte 2: ")
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in any::<String>()) {
            let _ = IsoDuration::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_duration_characters(text in "P?[0-9YMWDTHS.,]{0,24}") {
            let _ = IsoDuration::parse(&text);
        }

        #[test]
        fn totals_match_the_components(d in 0..1000u64, h in 0..1000u64, m in 0..1000u64, s in 0..1000u64) {
            let text = format!("P{d}DT{h}H{m}M{s}S");
            let duration = IsoDuration::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(duration.seconds(), d * DAY + h * 3_600 + m * 60 + s);
        }
    }
}
