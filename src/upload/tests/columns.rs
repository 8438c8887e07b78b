//! `decode_columns`: several definition columns per row, by position; absent, null and empty
//! kept apart; the same refusals, at the same places, as `decode`.

use std::collections::BTreeSet;

use super::names;
use crate::upload::{DecodeError, DecodeFailure, Format, decode_columns};

/// One decoded row, owned: the value of each requested column.
pub(in crate::upload) type Values = Vec<Option<String>>;

/// Decodes `body` with `decode_columns`, collecting owned rows and the ignored column names.
pub(in crate::upload) fn collect_columns(
    format: Format,
    body: &[u8],
    columns: &[&str],
) -> Result<(Vec<Values>, BTreeSet<String>), DecodeError> {
    let mut rows = Vec::new();
    let sink = |values: &[Option<&str>]| {
        assert_eq!(values.len(), columns.len(), "one entry per column");
        rows.push(values.iter().map(|v| v.map(str::to_owned)).collect());
        Ok::<(), std::convert::Infallible>(())
    };
    let summary = match decode_columns(format, body, columns, sink) {
        Ok(summary) => summary,
        Err(DecodeFailure::Malformed(e)) => return Err(e),
        Err(DecodeFailure::Sink(never)) => match never {},
    };
    assert_eq!(summary.rows, rows.len() as u64, "rows counted");
    Ok((rows, summary.ignored_columns))
}

const COLUMNS: [&str; 3] = ["C_EmailAddress", "C_FirstName", "C_LastName"];

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Asserts each body decodes, over [`COLUMNS`], to these rows and ignored columns.
fn accepts(format: Format, cases: &[(&str, Vec<Values>, &[&str])]) {
    for (body, rows, ignored) in cases {
        let got = collect_columns(format, body.as_bytes(), &COLUMNS)
            .unwrap_or_else(|e| panic!("{body:?} refused: {e}"));
        assert_eq!(got, (rows.clone(), names(ignored)), "{format:?} {body:?}");
    }
}

#[test]
#[rustfmt::skip]
fn json_columns_keep_absent_null_and_empty_apart() {
    accepts(Format::Json, &[
        ("[]", vec![], &[]),
        (r#"[{"C_EmailAddress":"a@x","C_FirstName":"Ann","C_LastName":"Lee"}]"#,
            vec![vec![s("a@x"), s("Ann"), s("Lee")]], &[]),
        (r#"[{"C_LastName":null,"C_EmailAddress":""},{},{"C_FirstName":" "}]"#,
            vec![vec![s(""), None, None], vec![None, None, None], vec![None, s(" "), None]], &[]),
        (r#"[{"C_EmailAddress":"a","c_firstname":"x","Other":null},{"Other":1,"C_LastName":"L"}]"#,
            vec![vec![s("a"), None, None], vec![None, None, s("L")]], &["Other", "c_firstname"]),
    ]);
}

#[test]
#[rustfmt::skip]
fn json_columns_stringify_scalars_and_hold_several_unborrowed_values_per_row() {
    accepts(Format::Json, &[
        (r#"[{"C_EmailAddress":42,"C_FirstName":true,"C_LastName":1.0}]"#,
            vec![vec![s("42"), s("true"), s("1")]], &[]),
        (r#"[{"C_LastName":"x\ny","C_EmailAddress":"a\"b","N":"\u00e8","C_FirstName":-2.5e-3}]"#,
            vec![vec![s("a\"b"), s("-0.0025"), s("x\ny")]], &["N"]),
        (r#"[{"C_EmailAddress":"\u00e9","C_FirstName":"\\"},{"C_EmailAddress":"b","C_LastName":7}]"#,
            vec![vec![s("é"), s("\\"), None], vec![s("b"), None, s("7")]], &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_columns_have_every_header_column_in_every_row() {
    accepts(Format::Csv, &[
        ("C_LastName,Other,C_EmailAddress", vec![], &["Other"]),
        ("C_LastName,Other,C_EmailAddress\nL,o,a@x\n,,\n\"\",x,\"\"\n",
            vec![vec![s("a@x"), None, s("L")], vec![s(""), None, s("")], vec![s(""), None, s("")]],
            &["Other"]),
        ("\n\"C_FirstName\",C_EmailAddress\r\n\r\n\"a,b\",\"q\"\"\"\r\n",
            vec![vec![s("q\""), s("a,b"), None]], &[]),
        ("c_emailaddress,C_EmailAddress\nx,y\n", vec![vec![s("y"), None, None]], &["c_emailaddress"]),
    ]);
}

#[test]
fn columns_listed_twice_fill_the_first_position_and_no_columns_ignore_all() {
    for (format, body) in [
        (Format::Json, &br#"[{"A":"1","B":"2"}]"#[..]),
        (Format::Csv, b"A,B\n1,2\n"),
    ] {
        let twice = collect_columns(format, body, &["A", "B", "A"]);
        assert_eq!(twice, Ok((vec![vec![s("1"), s("2"), None]], names(&[]))));
        let none = collect_columns(format, body, &[]);
        assert_eq!(none, Ok((vec![vec![]], names(&["A", "B"]))), "{format:?}");
    }
}

#[test]
fn a_hundred_columns_in_any_key_order() {
    let columns: Vec<String> = (0..100).map(|i| format!("F{i}")).collect();
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let member = |i: usize| format!("\"F{i}\":\"v{i}\"");
    let forward: Vec<String> = (0..100).map(member).collect();
    let backward: Vec<String> = (0..100).rev().map(member).collect();
    let sparse: Vec<String> = (0..100)
        .step_by(7)
        .map(member)
        .chain(["\"X\":0".into()])
        .collect();
    let rows = [&forward, &backward, &sparse, &forward, &sparse, &backward];
    let objects: Vec<String> = rows
        .iter()
        .map(|r| format!("{{{}}}", r.join(",")))
        .collect();
    let json = format!("[{}]", objects.join(",\n"));
    let full: Values = (0..100).map(|i| Some(format!("v{i}"))).collect();
    let part: Values = (0..100)
        .map(|i| (i % 7 == 0).then(|| format!("v{i}")))
        .collect();
    let want = vec![
        full.clone(),
        full.clone(),
        part.clone(),
        full.clone(),
        part,
        full,
    ];
    let got = collect_columns(Format::Json, json.as_bytes(), &columns).expect("json");
    assert_eq!(got, (want.clone(), names(&["X"])));

    let header = backward
        .iter()
        .map(|m| m.split(':').next().unwrap_or_default());
    let record: Vec<String> = (0..100).rev().map(|i| format!("v{i}")).collect();
    let csv = format!(
        "{}\n{}\n",
        header.collect::<Vec<_>>().join(","),
        record.join(",")
    );
    let (got, _) = collect_columns(Format::Csv, csv.as_bytes(), &columns).expect("csv");
    assert_eq!(got, vec![want[0].clone()]);
}

/// Where an error must point: body, message fragment, row, line.
type Refusal<'a> = (&'a [u8], &'a str, Option<u64>, Option<u64>);

fn refuses(format: Format, cases: &[Refusal<'_>]) {
    for &(body, fragment, row, line) in cases {
        let text = String::from_utf8_lossy(body);
        let err = collect_columns(format, body, &COLUMNS).expect_err(&text);
        assert!(
            err.message.contains(fragment),
            "{text:?}: {err} lacks {fragment:?}"
        );
        assert_eq!((err.row, err.line), (row, line), "{text:?}: {err}");
    }
}

#[test]
#[rustfmt::skip]
fn json_columns_refuse_what_decode_refuses_at_the_same_place() {
    refuses(Format::Json, &[
        (b"", "the body is empty", None, None),
        (b"\xef\xbb\xbf\n", "the body is empty", None, None),
        (b"[{\"C_FirstName\":\"a\"},\n{\"C_LastName\":\"\xff\"}]", "not valid UTF-8", None, Some(2)),
        (b"{\"C_FirstName\":\"a\"}", "must be a JSON array of objects", None, Some(1)),
        (b"[{},\n42]", "expected a JSON object, found a number", Some(2), Some(2)),
        (b"[{\"C_EmailAddress\":\"a\",\n\"C_LastName\":[1]}]", "\"C_LastName\" is an array", Some(1), Some(2)),
        (b"[{},{\"Other\":{}}]", "\"Other\" is an object", Some(2), Some(1)),
        (b"[{\"C_FirstName\":1,\"C_FirstName\":2}]", "duplicate key \"C_FirstName\"", Some(1), Some(1)),
        (b"[{\"C_LastName\":\"\\u0000\"}]", "\"C_LastName\" contains a NUL", Some(1), Some(1)),
        (b"[{\"C_\\u0000\":\"\"}]", "contains a NUL", Some(1), Some(1)),
        (b"[{\"C_FirstName\":1}]\n,", "unexpected data after the JSON array", None, Some(2)),
        (b"[{\"C_FirstName\":1},]", "trailing comma", None, Some(1)),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_columns_refuse_what_decode_refuses_at_the_same_place() {
    refuses(Format::Csv, &[
        (b" \r\n", "the body is empty", None, None),
        (b"C_FirstName,C_LastName\na,b\nc,\xe9\n", "not valid UTF-8", None, Some(3)),
        (b"C_FirstName,,C_LastName\n", "header column 2 has an empty name", None, Some(1)),
        (b"C_LastName,C_FirstName,C_LastName\n", "\"C_LastName\" more than once", None, Some(1)),
        (b"C_FirstName,X,X\n", "\"X\" more than once", None, Some(1)),
        (b"C_\0\n", "header column 1 contains a NUL", None, Some(1)),
        (b"C_FirstName,C_LastName\na,b\n\nc\n", "expected 2 fields, found 1", Some(2), Some(4)),
        (b"C_FirstName,C_LastName\na,\"b\nc,d\n", "opened on line 2 is never closed", Some(1), Some(2)),
        (b"C_FirstName,C_LastName\na,b\nc,\"\0\"\n", "contains a NUL", Some(2), Some(3)),
    ]);
}

#[derive(Debug, PartialEq)]
struct Full;

#[test]
fn sink_errors_pass_through_and_stop_decoding_columns() {
    let bodies = [
        (Format::Json, &br#"[{"A":"1"},{"B":"2"},{"A":"3"}]"#[..]),
        (Format::Csv, &b"A,B\n1,\n,2\n3,\n"[..]),
    ];
    for (format, body) in bodies {
        let mut seen = Vec::new();
        let result = decode_columns(format, body, &["B", "A"], |values| {
            seen.push(format!("{values:?}"));
            if seen.len() == 2 { Err(Full) } else { Ok(()) }
        });
        assert!(
            matches!(result, Err(DecodeFailure::Sink(Full))),
            "{format:?}: {result:?}"
        );
        assert_eq!(seen.len(), 2, "{format:?}: {seen:?}");
    }
}
