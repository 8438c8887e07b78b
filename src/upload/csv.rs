//! CSV bodies: RFC 4180 records read with one reused `csv::ByteRecord`.
//!
//! Rules: the first record is the header (names must be non-empty and distinct; the identifier
//! column may be absent, in which case every row is `Missing` or `Empty`); every later record
//! must have as many fields as the header. Fields may be quoted, with embedded commas, doubled
//! quotes and line breaks; records end at CRLF, LF or CR, mixed freely. A stray quote inside an
//! unquoted field is kept as a literal character, as the csv crate does.
//!
//! Completely blank lines are skipped and are not records (the csv crate's behaviour, and what
//! spreadsheets produce at the end of a file). A line holding only a comma is a record of empty
//! fields, so it counts as an `Empty` row.
//!
//! The csv crate accepts a quoted field left open at the end of input; we refuse it, naming the
//! line where the quote opened, by re-scanning only the record concerned.

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};

use super::{DecodeError, DecodeFailure, FileSummary, RowValue};

/// Decodes a CSV body (already UTF-8 checked, BOM removed). See [`super::decode`].
pub(super) fn decode<E, F>(
    text: &str,
    identifier: &str,
    mut sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(RowValue<'_>) -> Result<(), E>,
{
    let bytes = text.as_bytes();
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    // The body is not empty (checked by the caller), so there is a header record.
    read(&mut reader, &mut record, bytes, 0)?;
    let (id_index, mut summary) = header(&record, identifier, bytes)?;
    // NUL is rare: look once for the whole body, and per record only if it is there.
    let has_nul = bytes.contains(&0);
    let mut last_start = Start::of(&record);
    while read(&mut reader, &mut record, bytes, summary.rows + 1)? {
        summary.rows += 1;
        last_start = Start::of(&record);
        if has_nul && record.as_slice().contains(&0) {
            let line = last_start.line_in(bytes);
            let message = "a value contains a NUL character (U+0000)";
            return Err(DecodeError::new(message)
                .with_row(summary.rows)
                .with_line(line)
                .into());
        }
        let value = row_value(&record, id_index, summary.rows, bytes)?;
        sink(value).map_err(DecodeFailure::Sink)?;
    }
    if let Scan::Unterminated { line } = scan_record(bytes, last_start) {
        let row = (summary.rows > 0).then_some(summary.rows);
        return Err(unterminated(row, line).into());
    }
    Ok(summary)
}

/// Reads the next record; `row` names it in errors (0 for the header).
fn read(
    reader: &mut ::csv::Reader<&[u8]>,
    record: &mut ByteRecord,
    bytes: &[u8],
    row: u64,
) -> Result<bool, DecodeError> {
    let err = match reader.read_byte_record(record) {
        Ok(more) => return Ok(more),
        Err(err) => err,
    };
    let located = |e: DecodeError| if row > 0 { e.with_row(row) } else { e };
    match err.kind() {
        ErrorKind::UnequalLengths {
            pos: Some(pos),
            expected_len,
            len,
        } => {
            let start = Start {
                byte: pos.byte(),
                line: pos.line(),
            };
            // A quote left open swallows the rest of the body into this record: say so, rather
            // than reporting the field count it broke.
            if let Scan::Unterminated { line } = scan_record(bytes, start) {
                return Err(located(unterminated(None, line)));
            }
            let message = format!(
                "expected {expected_len} {}, found {len}",
                fields(*expected_len)
            );
            Err(located(
                DecodeError::new(message).with_line(start.line_in(bytes)),
            ))
        }
        // Byte records over a slice can fail no other way; report it rather than panic.
        _ => Err(located(DecodeError::new(format!("unreadable CSV: {err}")))),
    }
}

fn fields(n: u64) -> &'static str {
    if n == 1 { "field" } else { "fields" }
}

fn unterminated(row: Option<u64>, line: u64) -> DecodeError {
    let e = DecodeError::new(format!(
        "the quoted field opened on line {line} is never closed"
    ))
    .with_line(line);
    match row {
        Some(row) => e.with_row(row),
        None => e,
    }
}

/// Validates the header; returns the identifier's index and a summary naming the other columns.
fn header(
    record: &ByteRecord,
    identifier: &str,
    bytes: &[u8],
) -> Result<(Option<usize>, FileSummary), DecodeError> {
    let line = Start::of(record).line_in(bytes);
    let mut summary = FileSummary::default();
    let mut id_index = None;
    for (i, name) in record.iter().enumerate() {
        let refuse = |message: String| DecodeError::new(message).with_line(line);
        // The whole body is UTF-8 and fields split at ASCII bytes, so this cannot fail.
        let name = std::str::from_utf8(name)
            .map_err(|_| refuse(format!("header column {} is not UTF-8", i + 1)))?;
        if name.is_empty() {
            return Err(refuse(format!("header column {} has an empty name", i + 1)));
        }
        if name.contains('\0') {
            return Err(refuse(format!(
                "header column {} contains a NUL character (U+0000)",
                i + 1
            )));
        }
        let repeated = if name == identifier {
            id_index.replace(i).is_some()
        } else {
            !summary.ignored_columns.insert(name.to_owned())
        };
        if repeated {
            return Err(refuse(format!(
                "the header names column {name:?} more than once"
            )));
        }
    }
    Ok((id_index, summary))
}

/// The identifier's value in one record.
fn row_value<'r>(
    record: &'r ByteRecord,
    id_index: Option<usize>,
    row: u64,
    bytes: &[u8],
) -> Result<RowValue<'r>, DecodeError> {
    match id_index.and_then(|i| record.get(i)) {
        Some(value) if !value.is_empty() => std::str::from_utf8(value)
            .map(RowValue::Value)
            .map_err(|_| {
                // Unreachable (see `header`), but cheap to report properly.
                let line = Start::of(record).line_in(bytes);
                DecodeError::new("the identifier value is not UTF-8")
                    .with_row(row)
                    .with_line(line)
            }),
        // `as_slice` is every field concatenated: empty exactly when all fields are.
        _ if record.as_slice().is_empty() => Ok(RowValue::Empty),
        _ => Ok(RowValue::Missing),
    }
}

/// Where a record starts, as the csv crate reports it: possibly before skipped blank lines.
#[derive(Debug, Clone, Copy)]
struct Start {
    byte: u64,
    line: u64,
}

impl Start {
    fn of(record: &ByteRecord) -> Self {
        record
            .position()
            .map_or(Self { byte: 0, line: 1 }, |pos| Self {
                byte: pos.byte(),
                line: pos.line(),
            })
    }

    /// The line of the record's first byte, past any blank lines.
    fn line_in(self, bytes: &[u8]) -> u64 {
        let from = usize::try_from(self.byte)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let blank = bytes[from..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count();
        self.line + blank as u64
    }
}

/// How a record ends, by the same rules as the csv crate's default reader.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A record terminator, or the end of input outside quotes.
    Complete,
    /// The end of input inside a quoted field opened on this line.
    Unterminated { line: u64 },
}

/// Scans one record from `start` to its end. Costs the length of that record only.
fn scan_record(bytes: &[u8], start: Start) -> Scan {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        RecordStart,
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let from = usize::try_from(start.byte)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let (mut state, mut line, mut opened) = (St::RecordStart, start.line, start.line);
    for &b in &bytes[from..] {
        let ends_record = b == b'\r' || b == b'\n';
        state = match (state, b) {
            (St::RecordStart, _) if ends_record => St::RecordStart,
            (St::Quoted, b'"') => St::QuoteInQuoted,
            (St::Quoted, _) => St::Quoted,
            (St::QuoteInQuoted, b'"') => St::Quoted,
            (_, _) if ends_record => return Scan::Complete,
            (St::RecordStart | St::FieldStart, b'"') => {
                opened = line;
                St::Quoted
            }
            (_, b',') => St::FieldStart,
            _ => St::Unquoted,
        };
        line += u64::from(b == b'\n');
    }
    if state == St::Quoted {
        Scan::Unterminated { line: opened }
    } else {
        Scan::Complete
    }
}
