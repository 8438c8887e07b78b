//! Row decoders for uploaded data: sync actions (`POST …/syncActions/{id}/data`, spec §6.1)
//! and imports (`POST …/imports/{id}/data`).
//!
//! Owns turning one request body (a JSON array of flat objects, or CSV with a header row) into
//! a stream of rows, in one of two shapes:
//! - [`decode`] (sync actions): a [`RowValue`] per record, what it holds for the definition's
//!   identifier column, classified; the fast path;
//! - [`decode_columns`] (imports): per record, the value of each definition column, by position.
//!
//! Everything else about a row is dropped; other column names are only collected into
//! [`FileSummary::ignored_columns`] (for ELQ-00111 at sync time). Both share every rule and
//! check below; they differ only in what a row keeps (`json/rows.rs`, the closures in `csv.rs`)
//! and in the column lookup (`columns.rs`).
//!
//! The decoders walk one in-memory buffer and borrow every value from it (ARCHITECTURE.md:
//! one buffer, a `serde_json` sequence visitor, a reused `csv::ByteRecord`, never a
//! `serde_json::Value` of the body), so the common path allocates nothing per row.
//!
//! Pure code: no axum, no SQL, no tokio. The caller picks the [`Format`] from the content type,
//! transcodes with [`to_utf8`] when a `charset` parameter asks for it, and stages rows from
//! the sink inside one transaction, because a body that turns out to be malformed near its end
//! has already passed its earlier rows to the sink.
//!
//! Choices shared by both formats:
//! - a UTF-8 byte order mark at the start is skipped; invalid UTF-8 anywhere is refused with its
//!   byte offset (counted from the start of the body, BOM included) and line;
//! - a body that is empty or only whitespace is refused;
//! - NUL (U+0000) in a value or column name is refused: no Eloqua field can hold it and it
//!   truncates strings for C-string consumers downstream, so it can only be a client bug;
//! - column names match the identifier column, or the definition columns, exactly
//!   (case-sensitive, no trimming).
//!
//! Absent, null and empty, for [`decode_columns`]: a JSON member that is absent or `null` is
//! `None`, `""` is `Some("")`. A CSV record has every header column, so a header column's empty
//! field (`a,,b` or `a,"",b`: CSV cannot tell them apart) is `Some("")`, and only a column the
//! header does not name is `None`. An import that wants "no value" from CSV must therefore treat
//! `Some("")` as it treats `None`; the two formats agree exactly under the rule "JSON absent or
//! null ≡ CSV empty field", which the property tests check.

mod charset;
mod columns;
mod csv;
mod json;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

pub use charset::to_utf8;

/// Most columns one file may name: a CSV header's columns, one JSON object's keys, or the
/// distinct keys, between all of a JSON file's rows, that the definition lacks. Eloqua's
/// definitions use at most 250 fields (exports; 100 for imports), so a file naming more is a
/// mistake or an attack, and every ignored name costs a stored name and an ELQ-00111 line.
pub const MAX_COLUMNS: usize = 1_000;

/// Longest value one column of a row may hold, in characters: what Eloqua's large text fields
/// hold. A longer value could never be stored, and would be copied whole into rejects.
pub const MAX_VALUE_CHARS: usize = 32_000;

/// Longest column name a file may use, in characters. A definition's column names have at most
/// 100; longer ones can only be ignored, and each ignored name is stored and logged, and named
/// in errors, so it is bounded like the values.
pub const MAX_COLUMN_NAME_CHARS: usize = 1_000;

/// The two body formats Eloqua accepts for staged data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of flat objects keyed by column name.
    Json,
    /// RFC 4180 CSV whose first record is the header of column names.
    Csv,
}

/// What one uploaded row holds for the definition's identifier column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowValue<'a> {
    /// The identifier column is present with a non-empty value (kept verbatim, not trimmed).
    Value(&'a str),
    /// The row has some non-empty value, but not for the identifier (absent, `null` or `""`);
    /// rejected at sync time with ELQ-00061.
    Missing,
    /// The row has no columns, or every value is empty or `null`; ELQ-00059 at sync time.
    Empty,
}

/// Facts about one decoded file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSummary {
    /// How many records were passed to the sink (the CSV header is not a record).
    pub rows: u64,
    /// Column names other than the identifier column (or the columns of [`decode_columns`]):
    /// every other CSV header name, every other JSON key seen in any row (whatever its value).
    pub ignored_columns: BTreeSet<String>,
}

/// Why a body is not a well-formed upload, located as precisely as the format allows.
///
/// `Display` puts the location first: `row 3 (line 4): expected 2 fields, found 3`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", Described(self))]
pub struct DecodeError {
    /// What is wrong, without the location.
    pub message: String,
    /// 1-based line of the body (lines end at `\n`).
    pub line: Option<u64>,
    /// 1-based column within `line`, in bytes (JSON errors only).
    pub column: Option<u64>,
    /// 1-based record number: the n-th JSON array element or the n-th CSV record after the header.
    pub row: Option<u64>,
    /// 0-based byte offset into the body as received (invalid encodings).
    pub byte: Option<u64>,
}

/// Why [`decode`] or [`decode_columns`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum DecodeFailure<E> {
    /// The body is malformed; answer 400 and stage nothing.
    #[error(transparent)]
    Malformed(#[from] DecodeError),
    /// The sink returned this error; decoding stopped at that row.
    #[error("the row sink failed")]
    Sink(#[source] E),
}

/// Decodes `body` and passes every record's identifier value to `sink`, in upload order, one
/// call per record. Returns the number of rows and the ignored column names.
///
/// Values borrow from `body` (or from one reused buffer, for JSON strings with escapes and
/// numbers), so the sink must copy what it keeps. JSON numbers and booleans arrive as text:
/// integers in decimal, floats in Rust's shortest round-trip notation without exponent (so
/// `123.0` becomes `"123"`), `true`/`false`; `null` counts as absent. CSV lines that are
/// completely blank are skipped and are not records.
///
/// # Errors
///
/// [`DecodeFailure::Malformed`], located by row, line, column or byte, when the body
/// - is empty or only whitespace, is not UTF-8, or holds NUL in a value or column name;
/// - has a value longer than [`MAX_VALUE_CHARS`] characters (naming its row and column), or
///   names more than [`MAX_COLUMNS`] columns (see there);
/// - (JSON) is not an array, has an element that is not an object, a nested array or object
///   as a value, a key twice in one object, a syntax error, or anything after the array;
/// - (CSV) has a header name that is empty or repeated, a record whose field count differs
///   from the header's, or a quoted field still open at the end of the body.
///
/// Rows already given to the sink belong to the malformed file and must be discarded.
///
/// [`DecodeFailure::Sink`] with the sink's own error, untouched, as soon as the sink fails;
/// no further row is read.
pub fn decode<E, F>(
    format: Format,
    body: &[u8],
    identifier_column: &str,
    sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(RowValue<'_>) -> Result<(), E>,
{
    let text = prepare(body)?;
    match format {
        Format::Json => json::decode(text, identifier_column, sink),
        Format::Csv => csv::decode(text, identifier_column, sink),
    }
}

/// Decodes `body` and passes every record to `sink` as the value of each of `columns`, by
/// position, in upload order, one call per record. Returns the number of rows and the names of
/// the columns not in `columns`. For import definitions, whose columns are the keys of `fields`.
///
/// The slice has `columns.len()` entries: `Some(value)` when the record has that column with a
/// non-null value (empty strings stay `Some("")`), `None` when it is absent or `null`. In CSV
/// every header column is present in every record, so `None` means the header lacks it (see the
/// module docs). Names match exactly; a name listed twice in `columns` fills only its first
/// position. Values are formatted and borrowed as for [`decode`] (escaped JSON strings and
/// numbers from one arena reused per row), so the sink must copy what it keeps.
///
/// # Errors
///
/// Exactly those of [`decode`], found and located the same way.
pub fn decode_columns<E>(
    format: Format,
    body: &[u8],
    columns: &[&str],
    sink: impl FnMut(&[Option<&str>]) -> Result<(), E>,
) -> Result<FileSummary, DecodeFailure<E>> {
    let text = prepare(body)?;
    match format {
        Format::Json => json::decode_columns(text, columns, sink),
        Format::Csv => csv::decode_columns(text, columns, sink),
    }
}

/// What is wrong with a value longer than [`MAX_VALUE_CHARS`] (`None` if it is not), for the
/// message `the value of "column" …`. Characters are only counted when the bytes alone could
/// exceed the limit, so the common case costs one comparison.
fn too_long(value: &[u8]) -> Option<String> {
    longer_than(value, MAX_VALUE_CHARS)
}

/// Why a column name is refused, if it is longer than [`MAX_COLUMN_NAME_CHARS`] (said without
/// the name itself, which may be as long as the body).
fn name_too_long(name: &str) -> Option<String> {
    longer_than(name.as_bytes(), MAX_COLUMN_NAME_CHARS).map(|why| format!("a column name {why}"))
}

fn longer_than(value: &[u8], max: usize) -> Option<String> {
    if value.len() <= max {
        return None;
    }
    // Every UTF-8 character has exactly one byte that is not a continuation (0b10xx_xxxx).
    let chars = value.iter().filter(|&&b| (b as i8) >= -0x40).count();
    (chars > max).then(|| format!("has {chars} characters; at most {max} are accepted"))
}

/// Why a file naming too many columns is refused.
fn too_many_columns(what: &str) -> String {
    format!("{what} more than {MAX_COLUMNS} columns; at most {MAX_COLUMNS} are accepted")
}

/// Checks the encoding, skips a BOM and refuses an empty body: the text the formats walk.
fn prepare(body: &[u8]) -> Result<&str, DecodeError> {
    let text = validate_utf8(body)?;
    let text = text.strip_prefix(BOM).unwrap_or(text);
    if text.trim_ascii().is_empty() {
        return Err(DecodeError::new("the body is empty"));
    }
    Ok(text)
}

/// The UTF-8 byte order mark, skipped at the start of a body.
const BOM: &str = "\u{feff}";

/// Checks the whole body at once: far faster than per-field checks, and it knows the offset.
fn validate_utf8(body: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(body).map_err(|err| {
        let at = err.valid_up_to();
        DecodeError::new("the body is not valid UTF-8 (send charset=… for other encodings)")
            .at_byte(body, at)
    })
}

/// 1-based line of byte `at` in `bytes`; only used on error paths.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    let newlines = bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    newlines as u64 + 1
}

impl DecodeError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            column: None,
            row: None,
            byte: None,
        }
    }

    fn with_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Locates the error at byte `at` of `body`: sets the offset and its line.
    fn at_byte(mut self, body: &[u8], at: usize) -> Self {
        self.byte = Some(at as u64);
        self.line = Some(line_at(body, at));
        self
    }
}

/// Renders a [`DecodeError`] with its location first.
struct Described<'a>(&'a DecodeError);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        let mut place = Vec::with_capacity(3);
        if let Some(line) = e.line {
            place.push(format!("line {line}"));
        }
        if let Some(column) = e.column {
            place.push(format!("column {column}"));
        }
        if let Some(byte) = e.byte {
            place.push(format!("byte {byte}"));
        }
        match (e.row, place.is_empty()) {
            (Some(row), true) => write!(f, "row {row}: ")?,
            (Some(row), false) => write!(f, "row {row} ({}): ", place.join(", "))?,
            (None, false) => write!(f, "{}: ", place.join(", "))?,
            (None, true) => {}
        }
        f.write_str(&e.message)
    }
}
