//! JSON rules: flat objects, stringified scalars, missing/empty rows, refusals with locations.

use super::{Row::Empty, Row::Missing, accepts, collect, refuses, v};
use crate::upload::Format;

#[test]
#[rustfmt::skip]
fn json_accepts_flat_objects_and_stringifies_scalars() {
    accepts(Format::Json, &[
        ("[]", vec![], &[]),
        (" \n[ ]\n ", vec![], &[]),
        (r#"[{"EmailAddress":"a@x"},{"EmailAddress":"b@x"}]"#, vec![v("a@x"), v("b@x")], &[]),
        (r#"[{"EmailAddress":"a\"b\\c\u00e9\n"}]"#, vec![v("a\"b\\cé\n")], &[]),
        (r#"[{"Email\u0041ddress":"x"}]"#, vec![v("x")], &[]),
        (r#"[{"EmailAddress":"\u00e9","Other":"\u00e8","N":7}]"#, vec![v("é")], &["N", "Other"]),
        (r#"[{"EmailAddress":" "}]"#, vec![v(" ")], &[]),
        (r#"[{"EmailAddress":42},{"EmailAddress":-7}]"#, vec![v("42"), v("-7")], &[]),
        (r#"[{"EmailAddress":18446744073709551615}]"#, vec![v("18446744073709551615")], &[]),
        (r#"[{"EmailAddress":1.5},{"EmailAddress":1.0}]"#, vec![v("1.5"), v("1")], &[]),
        (r#"[{"EmailAddress":0.1},{"EmailAddress":-2.5e-3}]"#, vec![v("0.1"), v("-0.0025")], &[]),
        (r#"[{"EmailAddress":1e3},{"EmailAddress":1E21}]"#, vec![v("1000"), v("1000000000000000000000")], &[]),
        (r#"[{"EmailAddress":true},{"EmailAddress":false}]"#, vec![v("true"), v("false")], &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn json_classifies_missing_and_empty_rows() {
    accepts(Format::Json, &[
        ("[{}]", vec![Empty], &[]),
        (r#"[{"EmailAddress":""}]"#, vec![Empty], &[]),
        (r#"[{"EmailAddress":null}]"#, vec![Empty], &[]),
        (r#"[{"Other":""},{"Other":null}]"#, vec![Empty, Empty], &["Other"]),
        (r#"[{"Other":"x"}]"#, vec![Missing], &["Other"]),
        (r#"[{"Other":0}]"#, vec![Missing], &["Other"]),
        (r#"[{"EmailAddress":null,"Other":false}]"#, vec![Missing], &["Other"]),
        (r#"[{"EmailAddress":"","Other":"x"}]"#, vec![Missing], &["Other"]),
        (r#"[{"Other":"x","EmailAddress":"a"}]"#, vec![v("a")], &["Other"]),
    ]);
}

#[test]
fn json_collects_each_ignored_column_once() {
    let body = r#"[{"EmailAddress":"a","First":"x"},{"Last":"y","EmailAddress":"b","First":"z"},
        {"emailaddress":"c"}]"#;
    let ignored: &[&str] = &["First", "Last", "emailaddress"];
    accepts(
        Format::Json,
        &[(body, vec![v("a"), v("b"), Missing], ignored)],
    );
}

#[test]
#[rustfmt::skip]
fn json_refuses_bodies_that_are_not_arrays_of_flat_objects() {
    refuses(Format::Json, &[
        (b"{}", "must be a JSON array of objects, not an object", None, Some(1)),
        (b"\"x\"", "not a string", None, Some(1)),
        (b"42", "not a number", None, Some(1)),
        (b"null", "not null", None, Some(1)),
        (b"[1]", "expected a JSON object, found a number", Some(1), Some(1)),
        (b"[{\"EmailAddress\":\"a\"},\n\"b\"]", "found a string", Some(2), Some(2)),
        (b"[{},[]]", "found an array", Some(2), Some(1)),
        (b"[{},{},\nnull]", "found null", Some(3), Some(2)),
        (b"[{},\n{\"EmailAddress\":[\"b\"]}]", "\"EmailAddress\" is an array", Some(2), Some(2)),
        (b"[{\"Other\":{\"a\":1}}]", "\"Other\" is an object", Some(1), Some(1)),
    ]);
}

#[test]
#[rustfmt::skip]
fn json_refuses_duplicate_keys_nul_and_trailing_data() {
    refuses(Format::Json, &[
        (b"[{\"EmailAddress\":\"a\",\"EmailAddress\":\"b\"}]", "duplicate key \"EmailAddress\"", Some(1), Some(1)),
        (b"[{},\n{\"x\":1,\"y\":2,\"x\":3}]", "duplicate key \"x\"", Some(2), Some(2)),
        (b"[{\"EmailAddress\":\"a\",\"Email\\u0041ddress\":\"b\"}]", "duplicate key", Some(1), Some(1)),
        (b"[{\"EmailAddress\":\"a\\u0000\"}]", "\"EmailAddress\" contains a NUL", Some(1), Some(1)),
        (b"[{\"Other\":\"\\u0000\"}]", "\"Other\" contains a NUL", Some(1), Some(1)),
        (b"[{\"a\\u0000\":\"x\"}]", "contains a NUL", Some(1), Some(1)),
        (b"[] x", "unexpected data after the JSON array", None, Some(1)),
        (b"[]\n[]", "unexpected data after the JSON array", None, Some(2)),
    ]);
}

#[test]
fn json_duplicate_check_scales_to_wide_objects() {
    let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\":\"{i}\"")).collect();
    let wide = format!("[{{{}}}]", keys.join(","));
    let (rows, ignored) = collect(Format::Json, wide.as_bytes()).expect("distinct keys");
    assert_eq!((rows, ignored.len()), (vec![Missing], 40));
    let dup = format!("[{{{},\"k39\":\"again\"}}]", keys.join(","));
    let err = collect(Format::Json, dup.as_bytes()).expect_err("k39 twice");
    assert_eq!(
        (err.row, err.message.as_str()),
        (Some(1), "duplicate key \"k39\"")
    );
}

#[test]
#[rustfmt::skip]
fn json_reports_syntax_errors_at_serde_line_and_column() {
    let cases: [(&[u8], &str, u64, u64); 5] = [
        (b"[{\"EmailAddress\" \"a\"}]", "expected `:`", 1, 18),
        (b"[{\"EmailAddress\":\"a\"},]", "trailing comma", 1, 23),
        (b"[\n{\"EmailAddress\":\"a\"}", "EOF while parsing a list", 2, 20),
        (b"[{\"EmailAddress\":\"a\tb\"}]", "control character", 1, 20),
        (b"[{\"EmailAddress\":1e999}]", "number out of range", 1, 22),
    ];
    for (body, fragment, line, column) in cases {
        let err = collect(Format::Json, body).expect_err(fragment);
        assert!(err.message.contains(fragment), "{err}");
        assert!(!err.message.contains(" at line "), "location is in the fields: {err}");
        assert_eq!((err.row, err.line, err.column), (None, Some(line), Some(column)), "{err}");
    }
}
