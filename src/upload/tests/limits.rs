//! The size limits both formats share: [`MAX_COLUMNS`], [`MAX_COLUMN_NAME_CHARS`] and
//! [`MAX_VALUE_CHARS`].

use super::{Row, collect};
use crate::upload::{Format, MAX_COLUMN_NAME_CHARS, MAX_COLUMNS, MAX_VALUE_CHARS};

/// `n` distinct names after the identifier: `EmailAddress,C1,…`.
fn header(n: usize) -> String {
    let mut names = vec![super::ID.to_owned()];
    names.extend((1..=n).map(|i| format!("C{i}")));
    names.join(",")
}

#[test]
fn csv_headers_may_name_up_to_max_columns() {
    let widest = format!(
        "{}\na{}\n",
        header(MAX_COLUMNS - 1),
        ",".repeat(MAX_COLUMNS - 1)
    );
    let (rows, ignored) = collect(Format::Csv, widest.as_bytes()).expect("exactly the limit");
    assert_eq!(
        (rows, ignored.len()),
        (vec![Row::Value("a".into())], MAX_COLUMNS - 1)
    );
    let wider = format!("{}\na{}\n", header(MAX_COLUMNS), ",".repeat(MAX_COLUMNS));
    let err = collect(Format::Csv, wider.as_bytes()).expect_err("one past the limit");
    assert!(err.message.contains("at most 1000 are accepted"), "{err}");
    assert_eq!((err.row, err.line), (None, Some(1)), "{err}");
}

#[test]
fn json_objects_and_files_may_name_up_to_max_columns() {
    let object = |n: usize| {
        let members: Vec<String> = (0..n).map(|i| format!("\"C{i}\":\"v\"")).collect();
        format!("[{{}},{{{}}}]", members.join(","))
    };
    let (_, ignored) = collect(Format::Json, object(MAX_COLUMNS).as_bytes()).expect("the limit");
    assert_eq!(ignored.len(), MAX_COLUMNS);
    let err = collect(Format::Json, object(MAX_COLUMNS + 1).as_bytes()).expect_err("one past");
    assert!(err.message.contains("at most 1000 are accepted"), "{err}");
    assert_eq!(err.row, Some(2), "{err}");
    // Narrow rows naming a new column each add up to the same limit.
    let rows = |n: usize| {
        let rows: Vec<String> = (0..n).map(|i| format!("{{\"C{i}\":\"v\"}}")).collect();
        format!("[{}]", rows.join(","))
    };
    collect(Format::Json, rows(MAX_COLUMNS).as_bytes()).expect("the limit, spread over rows");
    let err = collect(Format::Json, rows(MAX_COLUMNS + 1).as_bytes()).expect_err("one past");
    assert!(err.message.contains("at most 1000 are accepted"), "{err}");
    assert_eq!(err.row, Some(MAX_COLUMNS as u64 + 1), "{err}");
}

#[test]
fn values_may_hold_up_to_max_value_chars_characters() {
    // Two bytes a character: the limit counts characters, not bytes.
    let longest = "é".repeat(MAX_VALUE_CHARS);
    let longer = "x".repeat(MAX_VALUE_CHARS + 1);
    let escaped = "\\u00e9".repeat(MAX_VALUE_CHARS + 1);
    for (format, body) in [
        (Format::Csv, format!("EmailAddress,Other\na,{longest}\n")),
        (
            Format::Json,
            format!("[{{\"EmailAddress\":\"a\",\"Other\":\"{longest}\"}}]"),
        ),
    ] {
        let (rows, _) = collect(format, body.as_bytes()).expect("exactly the limit");
        assert_eq!(rows, vec![Row::Value("a".into())]);
    }
    let refused = [
        (
            Format::Csv,
            format!("EmailAddress,Other\na,b\n{longer},c\n"),
            "EmailAddress",
            3,
        ),
        (
            Format::Csv,
            format!("EmailAddress,Other\na,b\nc,\"{longer}\"\n"),
            "Other",
            3,
        ),
        (
            Format::Json,
            format!("[{{}},\n{{\"Other\":\"{longer}\"}}]"),
            "Other",
            2,
        ),
        (
            Format::Json,
            format!("[{{}},\n{{\"EmailAddress\":\"{escaped}\"}}]"),
            "EmailAddress",
            2,
        ),
    ];
    for (format, body, column, line) in refused {
        let err = collect(format, body.as_bytes()).expect_err(column);
        let says = format!("the value of \"{column}\" has 32001 characters; at most 32000");
        assert!(err.message.contains(&says), "{format:?}: {err}");
        assert_eq!(
            (err.row, err.line),
            (Some(2), Some(line)),
            "{format:?}: {err}"
        );
    }
}

#[test]
fn column_names_may_have_up_to_max_column_name_chars_characters() {
    let longest = "é".repeat(MAX_COLUMN_NAME_CHARS);
    let longer = "n".repeat(MAX_COLUMN_NAME_CHARS + 1);
    let csv = |name: &str| format!("EmailAddress,{name}\na,b\n");
    let json = |name: &str| format!("[{{\"EmailAddress\":\"a\"}},{{\"{name}\":\"b\"}}]");
    for (format, body) in [(Format::Csv, csv(&longest)), (Format::Json, json(&longest))] {
        let (_, ignored) = collect(format, body.as_bytes()).expect("exactly the limit");
        assert_eq!(ignored.len(), 1);
    }
    for (format, body, row) in [
        (Format::Csv, csv(&longer), None),
        (Format::Json, json(&longer), Some(2)),
    ] {
        let err = collect(format, body.as_bytes()).expect_err("one past");
        assert!(
            err.message
                .contains("a column name has 1001 characters; at most 1000 are accepted"),
            "{err}"
        );
        assert!(!err.message.contains(&longer), "the name is not echoed");
        assert_eq!(err.row, row, "{err}");
    }
}
