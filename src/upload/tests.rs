//! Unit tests for the upload decoders: table-driven, one table per rule family. Rules common
//! to both formats, the sink contract, error display and charsets are here; format rules in
//! `tests/json.rs` and `tests/csv.rs`; `decode_columns` in `tests/columns.rs`.
//!
//! Every body these tables decode through [`collect`] is also decoded by `decode_columns` with
//! the identifier as its only column, which must refuse it with the very same error or agree
//! with `decode` row by row (see [`agrees`]).

pub(super) mod columns;
mod csv;
mod json;
mod limits;

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::{DecodeError, DecodeFailure, Format, RowValue, decode, to_utf8};

/// The identifier column used throughout.
pub(super) const ID: &str = "EmailAddress";

/// An owned [`RowValue`], for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Row {
    Value(String),
    Missing,
    Empty,
}

fn v(s: &str) -> Row {
    Row::Value(s.to_owned())
}

/// Decodes `body` with `decode`, collecting owned rows and the ignored column names.
fn decode_one(format: Format, body: &[u8]) -> Result<(Vec<Row>, BTreeSet<String>), DecodeError> {
    let mut rows = Vec::new();
    let sink = |value: RowValue<'_>| {
        rows.push(match value {
            RowValue::Value(s) => Row::Value(s.to_owned()),
            RowValue::Missing => Row::Missing,
            RowValue::Empty => Row::Empty,
        });
        Ok::<(), std::convert::Infallible>(())
    };
    let summary = match decode(format, body, ID, sink) {
        Ok(summary) => summary,
        Err(DecodeFailure::Malformed(e)) => return Err(e),
        Err(DecodeFailure::Sink(never)) => match never {},
    };
    assert_eq!(
        summary.rows,
        rows.len() as u64,
        "summary counts the rows the sink saw"
    );
    Ok((rows, summary.ignored_columns))
}

/// [`decode_one`], and `decode_columns` over the identifier alone must say the same.
pub(super) fn collect(
    format: Format,
    body: &[u8],
) -> Result<(Vec<Row>, BTreeSet<String>), DecodeError> {
    let one = decode_one(format, body);
    let columns = columns::collect_columns(format, body, &[ID]);
    match (&one, columns) {
        (Err(e), Err(c)) => assert_eq!(e, &c, "the same refusal"),
        (Ok((rows, ignored)), Ok((values, ignored_too))) => {
            assert_eq!(ignored, &ignored_too, "the same ignored columns");
            assert_eq!(rows.len(), values.len(), "the same row count");
            for (row, values) in rows.iter().zip(&values) {
                assert!(agrees(row, values), "{row:?} vs {values:?}");
            }
        }
        (one, columns) => panic!("decode: {one:?}, decode_columns: {columns:?}"),
    }
    one
}

/// How `decode`'s classification maps onto `decode_columns(…, &[identifier], …)`: a `Value`
/// is `Some` of that same non-empty text; `Missing` and `Empty` are `None` (absent or null) or
/// `Some("")`. Telling `Missing` from `Empty` takes the row's other columns, which a single
/// column does not show (the property tests request them all and classify with
/// [`classify`]).
pub(super) fn agrees(row: &Row, values: &[Option<String>]) -> bool {
    match (row, values) {
        (Row::Value(id), [Some(value)]) => id == value,
        (Row::Missing | Row::Empty, [None]) => true,
        (Row::Missing | Row::Empty, [Some(value)]) => value.is_empty(),
        _ => false,
    }
}

/// `decode`'s classification rebuilt from `decode_columns` over every column of the body,
/// identifier first: `Value` if the identifier is non-empty, otherwise `Empty` if every
/// column is absent, null or empty, otherwise `Missing`.
pub(super) fn classify(values: &[Option<String>]) -> Row {
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    match values.first() {
        Some(Some(id)) if !id.is_empty() => Row::Value(id.clone()),
        _ if values.iter().any(filled) => Row::Missing,
        _ => Row::Empty,
    }
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts each body decodes to these rows and ignored columns.
fn accepts(format: Format, cases: &[(&str, Vec<Row>, &[&str])]) {
    for (body, rows, ignored) in cases {
        let got =
            collect(format, body.as_bytes()).unwrap_or_else(|e| panic!("{body:?} refused: {e}"));
        assert_eq!(
            got,
            (rows.clone(), names(ignored)),
            "{format:?} body {body:?}"
        );
    }
}

/// Where an error must point: (row, line) and a fragment of its message.
type Refusal<'a> = (&'a [u8], &'a str, Option<u64>, Option<u64>);

/// Asserts each body is refused with that message fragment, row and line.
fn refuses(format: Format, cases: &[Refusal<'_>]) {
    for &(body, fragment, row, line) in cases {
        let text = String::from_utf8_lossy(body);
        let err = collect(format, body).expect_err(&format!("{format:?} accepted {text:?}"));
        assert!(
            err.message.contains(fragment),
            "{text:?}: {err} lacks {fragment:?}"
        );
        assert_eq!((err.row, err.line), (row, line), "{text:?}: {err}");
    }
}

#[test]
fn both_formats_refuse_empty_bodies() {
    for format in [Format::Json, Format::Csv] {
        for body in ["", " ", "\r\n\t\n", "\u{feff}", "\u{feff} \n"] {
            let err = collect(format, body.as_bytes()).expect_err(body);
            assert_eq!(err.to_string(), "the body is empty", "{format:?} {body:?}");
        }
    }
}

#[test]
fn both_formats_refuse_invalid_utf8_with_its_byte_and_line() {
    let cases: [(Format, &[u8], u64, u64); 4] = [
        (Format::Json, b"[{\"EmailAddress\":\"a\xffb\"}]", 19, 1),
        (
            Format::Json,
            b"\xef\xbb\xbf[\n{\"EmailAddress\":\"\xc3\"}]",
            22,
            2,
        ),
        (Format::Csv, b"EmailAddress\nok\nbad\xe9\n", 19, 3),
        (Format::Csv, b"\xef\xbb\xbfEmailAddress\r\n\xff\r\n", 17, 2),
    ];
    for (format, body, byte, line) in cases {
        let err = collect(format, body).expect_err("invalid UTF-8");
        assert!(err.message.contains("not valid UTF-8"), "{err}");
        assert_eq!(
            (err.byte, err.line, err.row),
            (Some(byte), Some(line), None),
            "{err}"
        );
    }
}

#[test]
fn both_formats_skip_a_leading_bom() {
    let json = collect(
        Format::Json,
        "\u{feff}[{\"EmailAddress\":\"a\"}]".as_bytes(),
    );
    let csv = collect(Format::Csv, "\u{feff}EmailAddress\r\na\r\n".as_bytes());
    assert_eq!(json, Ok((vec![v("a")], names(&[]))));
    assert_eq!(csv, Ok((vec![v("a")], names(&[]))));
}

#[derive(Debug, PartialEq)]
struct Full;

#[test]
fn sink_errors_pass_through_and_stop_decoding() {
    let bodies = [
        (
            Format::Json,
            &br#"[{"EmailAddress":"a"},{"EmailAddress":"b"},{"EmailAddress":"c"}]"#[..],
        ),
        (Format::Csv, &b"EmailAddress\na\nb\nc\n"[..]),
    ];
    for (format, body) in bodies {
        let mut seen = Vec::new();
        let result = decode(format, body, ID, |value| {
            seen.push(format!("{value:?}"));
            if seen.len() == 2 { Err(Full) } else { Ok(()) }
        });
        assert!(
            matches!(result, Err(DecodeFailure::Sink(Full))),
            "{format:?}: {result:?}"
        );
        assert_eq!(seen, ["Value(\"a\")", "Value(\"b\")"], "{format:?}");
    }
}

#[test]
fn decode_error_display_puts_the_location_first() {
    let err = |row, line, column, byte| DecodeError {
        message: "msg".into(),
        row,
        line,
        column,
        byte,
    };
    assert_eq!(
        err(Some(3), Some(4), None, None).to_string(),
        "row 3 (line 4): msg"
    );
    assert_eq!(err(Some(3), None, None, None).to_string(), "row 3: msg");
    assert_eq!(
        err(None, Some(1), Some(12), None).to_string(),
        "line 1, column 12: msg"
    );
    assert_eq!(
        err(None, Some(2), None, Some(17)).to_string(),
        "line 2, byte 17: msg"
    );
    assert_eq!(err(None, None, None, None).to_string(), "msg");
    let csv = collect(Format::Csv, b"EmailAddress,B\na,b\nc\n").expect_err("ragged");
    assert_eq!(
        csv.to_string(),
        "row 2 (line 3): expected 2 fields, found 1"
    );
}

#[test]
fn to_utf8_borrows_utf8_and_ascii_and_transcodes_single_byte_charsets() {
    let borrowed = |c: Option<&str>, body: &[u8]| matches!(to_utf8(body, c), Ok(Cow::Borrowed(b)) if b == body);
    assert!(borrowed(None, b"caf\xc3\xa9"));
    assert!(borrowed(Some("UTF-8"), b"caf\xc3\xa9"));
    assert!(
        borrowed(Some(" \"utf8\" "), b"\xff"),
        "UTF-8 is checked by decode"
    );
    assert!(borrowed(Some("us-ascii"), b"plain"));
    assert!(borrowed(Some("ISO-8859-1"), b"plain"));
    assert!(borrowed(Some("windows-1252"), b"plain"));
    let text =
        |c: &str, body: &[u8]| String::from_utf8(to_utf8(body, Some(c)).expect(c).into_owned());
    assert_eq!(text("iso-8859-1", b"Ren\xe9 \xff"), Ok("René ÿ".to_owned()));
    assert_eq!(text("latin1", b"\x80\x9f"), Ok("\u{80}\u{9f}".to_owned()));
    assert_eq!(
        text("windows-1252", b"\x80 \x93q\x94 \x81 \xe9"),
        Ok("€ “q” \u{81} é".to_owned())
    );
    assert_eq!(text("CP1252", b"\x9f\x8a"), Ok("ŸŠ".to_owned()));
}

#[test]
fn to_utf8_refuses_non_ascii_us_ascii_and_unknown_charsets() {
    let err = to_utf8(b"ok\nRen\xe9", Some("US-ASCII")).expect_err("0xE9");
    assert_eq!((err.byte, err.line), (Some(6), Some(2)));
    assert!(err.message.contains("0xE9 is not US-ASCII"), "{err}");
    let err = to_utf8(b"x", Some("koi8-r")).expect_err("unsupported");
    assert!(
        err.message.contains("unsupported charset \"koi8-r\""),
        "{err}"
    );
    assert!(to_utf8(b"x", Some("utf-16")).is_err());
}

#[test]
fn transcoded_latin1_decodes_like_utf8() {
    let body = to_utf8(b"EmailAddress\nren\xe9@x\n", Some("iso-8859-1")).expect("latin1");
    assert_eq!(
        collect(Format::Csv, &body),
        Ok((vec![v("rené@x")], names(&[])))
    );
}
