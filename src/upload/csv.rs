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
//! For [`decode_columns`], every header column is present in every record: an empty field
//! (quoted or not) is `Some("")`, and only a definition column the header lacks is `None`.
//!
//! The csv crate accepts a quoted field left open at the end of input; we refuse it, naming the
//! line where the quote opened, by re-scanning only the record concerned.

mod scan;

use ::csv::{ByteRecord, ErrorKind, ReaderBuilder};

use self::scan::{Scan, Start, scan_record};
use super::columns::{Columns, Identifier, Lookup, View};
use super::{
    DecodeError, DecodeFailure, FileSummary, MAX_COLUMNS, MAX_VALUE_CHARS, RowValue, name_too_long,
    too_long, too_many_columns,
};

/// Decodes a CSV body (already UTF-8 checked, BOM removed). See [`super::decode`].
pub(super) fn decode<E, F>(
    text: &str,
    identifier: &str,
    mut sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(RowValue<'_>) -> Result<(), E>,
{
    records(
        text,
        Identifier(identifier),
        |record, fields, row, bytes| {
            let field = fields.first().copied().flatten();
            let value = row_value(record, field, row, bytes)?;
            sink(value).map_err(DecodeFailure::Sink)
        },
    )
}

/// Decodes a CSV body (already UTF-8 checked, BOM removed). See [`super::decode_columns`].
pub(super) fn decode_columns<E, F>(
    text: &str,
    columns: &[&str],
    mut sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(&[Option<&str>]) -> Result<(), E>,
{
    let mut view = View::default();
    records(text, Columns::new(columns), |record, fields, row, bytes| {
        // One UTF-8 check per record rather than one per field.
        let all = utf8(record.as_slice(), record, row, bytes)?;
        let values = fields
            .iter()
            .map(|field| field.map(|i| field_text(all, record, i)));
        view.pass(values, &mut sink).map_err(DecodeFailure::Sink)
    })
}

/// Reads the header, then passes every record to `each` with, for each position of `lookup`,
/// the index of its field (`None`: not in the header) and the record's 1-based number.
fn records<E, L: Lookup>(
    text: &str,
    mut lookup: L,
    mut each: impl FnMut(&ByteRecord, &[Option<usize>], u64, &[u8]) -> Result<(), DecodeFailure<E>>,
) -> Result<FileSummary, DecodeFailure<E>> {
    let bytes = text.as_bytes();
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(bytes);
    let mut record = ByteRecord::new();
    // The body is not empty (checked by the caller), so there is a header record.
    read(&mut reader, &mut record, bytes, 0)?;
    let (fields, mut summary) = header(&record, &mut lookup, bytes)?;
    // Kept to name a column whose value is too long.
    let names = record.clone();
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
        // No field can be too long unless the record is, so most records cost one comparison.
        if record.as_slice().len() > MAX_VALUE_CHARS {
            check_lengths(&record, &names, summary.rows, bytes)?;
        }
        each(&record, &fields, summary.rows, bytes)?;
    }
    if let Scan::Unterminated { line } = scan_record(bytes, last_start) {
        let row = (summary.rows > 0).then_some(summary.rows);
        return Err(unterminated(row, line).into());
    }
    Ok(summary)
}

/// Refuses the first field of `record` longer than [`MAX_VALUE_CHARS`], naming its column.
fn check_lengths(
    record: &ByteRecord,
    names: &ByteRecord,
    row: u64,
    bytes: &[u8],
) -> Result<(), DecodeError> {
    let long = record
        .iter()
        .zip(names.iter())
        .find_map(|(value, name)| too_long(value).map(|problem| (name, problem)));
    match long {
        Some((name, problem)) => {
            let name = String::from_utf8_lossy(name);
            Err(DecodeError::new(format!("the value of {name:?} {problem}"))
                .with_row(row)
                .with_line(Start::of(record).line_in(bytes)))
        }
        None => Ok(()),
    }
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

/// Validates the header; returns the field index of each position of `lookup` and a summary
/// naming the other columns.
fn header(
    record: &ByteRecord,
    lookup: &mut impl Lookup,
    bytes: &[u8],
) -> Result<(Vec<Option<usize>>, FileSummary), DecodeError> {
    let line = Start::of(record).line_in(bytes);
    if record.len() > MAX_COLUMNS {
        return Err(DecodeError::new(too_many_columns("the header names")).with_line(line));
    }
    let mut summary = FileSummary::default();
    let mut fields = vec![None; lookup.width()];
    for (i, name) in record.iter().enumerate() {
        let refuse = |message: String| DecodeError::new(message).with_line(line);
        // The whole body is UTF-8 and fields split at ASCII bytes, so this cannot fail.
        let name = std::str::from_utf8(name)
            .map_err(|_| refuse(format!("header column {} is not UTF-8", i + 1)))?;
        if name.is_empty() {
            return Err(refuse(format!("header column {} has an empty name", i + 1)));
        }
        if let Some(why) = name_too_long(name) {
            return Err(refuse(format!("header column {}: {why}", i + 1)));
        }
        if name.contains('\0') {
            return Err(refuse(format!(
                "header column {} contains a NUL character (U+0000)",
                i + 1
            )));
        }
        let repeated = match lookup.find(i, name).and_then(|p| fields.get_mut(p)) {
            Some(field) => field.replace(i).is_some(),
            None => !summary.ignored_columns.insert(name.to_owned()),
        };
        if repeated {
            return Err(refuse(format!(
                "the header names column {name:?} more than once"
            )));
        }
    }
    Ok((fields, summary))
}

/// The identifier's value in one record, from its field index.
fn row_value<'r>(
    record: &'r ByteRecord,
    field: Option<usize>,
    row: u64,
    bytes: &[u8],
) -> Result<RowValue<'r>, DecodeError> {
    match field.and_then(|i| record.get(i)) {
        Some(value) if !value.is_empty() => utf8(value, record, row, bytes).map(RowValue::Value),
        // `as_slice` is every field concatenated: empty exactly when all fields are.
        _ if record.as_slice().is_empty() => Ok(RowValue::Empty),
        _ => Ok(RowValue::Missing),
    }
}

/// Field `i` of `record`, cut from `all`, the record's fields concatenated (checked as UTF-8).
/// Fields split at ASCII delimiters with ASCII quotes removed, so each is whole characters.
fn field_text<'r>(all: &'r str, record: &'r ByteRecord, i: usize) -> &'r str {
    let field = record.get(i).unwrap_or_default();
    // `get` and `as_slice` borrow the same buffer: the field's offset is a pointer difference.
    let start = (field.as_ptr() as usize).wrapping_sub(all.as_ptr() as usize);
    let text = all.get(start..).and_then(|rest| rest.get(..field.len()));
    debug_assert!(text.is_some(), "field {i} lies outside its record");
    text.unwrap_or_default()
}

fn utf8<'r>(
    value: &'r [u8],
    record: &ByteRecord,
    row: u64,
    bytes: &[u8],
) -> Result<&'r str, DecodeError> {
    std::str::from_utf8(value).map_err(|_| {
        // Unreachable (see `header`), but cheap to report properly.
        let line = Start::of(record).line_in(bytes);
        DecodeError::new("a value is not UTF-8")
            .with_row(row)
            .with_line(line)
    })
}
