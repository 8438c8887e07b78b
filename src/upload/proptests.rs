//! Property tests: the decoders never panic, and the JSON and CSV encodings of the same rows
//! decode to the same identifier values and ignored columns. `decode_columns` in
//! `proptests/columns.rs`.

mod columns;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::tests::{ID, Row, collect};
use super::{Format, to_utf8};

/// Column names that need quoting or escaping in one format or the other.
const COLUMNS: [&str; 4] = [ID, "First Name", "a,\"b\"", "Ünï\r\ncode"];

type Rows = Vec<BTreeMap<String, String>>;

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z@. ]{1,12}",
        "[\"',\r\n ;\t\\\\é✓🙂a]{0,8}",
        // Anything but NUL, which both formats refuse.
        any::<String>().prop_map(|s| s.replace('\0', "")),
    ]
}

fn rows() -> impl Strategy<Value = Rows> {
    let column = prop::sample::select(COLUMNS.to_vec()).prop_map(str::to_owned);
    prop::collection::vec(prop::collection::btree_map(column, value(), 0..=4), 0..8)
}

/// What the decoders should make of `rows`.
fn expected(rows: &Rows) -> (Vec<Row>, BTreeSet<String>) {
    let decoded = rows
        .iter()
        .map(|row| match row.get(ID) {
            Some(id) if !id.is_empty() => Row::Value(id.clone()),
            _ if row.values().all(String::is_empty) => Row::Empty,
            _ => Row::Missing,
        })
        .collect();
    let ignored = rows
        .iter()
        .flat_map(|row| row.keys())
        .filter(|k| *k != ID)
        .cloned()
        .collect();
    (decoded, ignored)
}

/// The CSV header for `rows`: every column used, or the identifier alone if none is.
fn header<V>(rows: &[BTreeMap<String, V>]) -> BTreeSet<&str> {
    let mut header: BTreeSet<&str> = rows
        .iter()
        .flat_map(|row| row.keys())
        .map(String::as_str)
        .collect();
    if header.is_empty() {
        header.insert(ID);
    }
    header
}

/// One CSV file for `rows`: the header is every column used (or just the identifier), and a
/// row's absent columns are empty fields.
fn to_csv(rows: &Rows, crlf: bool) -> Vec<u8> {
    let header = header(rows);
    let terminator = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(Vec::new());
    writer.write_record(&header).expect("header");
    for row in rows {
        let fields = header
            .iter()
            .map(|c| row.get(*c).map_or("", String::as_str));
        writer.write_record(fields).expect("row");
    }
    writer.into_inner().expect("flush")
}

fn with_bom(bom: bool, body: Vec<u8>) -> Vec<u8> {
    if bom {
        [&b"\xef\xbb\xbf"[..], &body].concat()
    } else {
        body
    }
}

proptest! {
    #[test]
    fn json_and_csv_encodings_of_the_same_rows_decode_alike(rows in rows(), bom: bool, crlf: bool) {
        let json = with_bom(bom, serde_json::to_vec(&rows).expect("json"));
        let csv = with_bom(bom, to_csv(&rows, crlf));
        let want = expected(&rows);
        prop_assert_eq!(collect(Format::Json, &json), Ok(want.clone()));
        prop_assert_eq!(collect(Format::Csv, &csv), Ok(want));
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = collect(Format::Json, &body);
        let _ = collect(Format::Csv, &body);
    }

    #[test]
    fn decoders_never_panic_on_near_miss_syntax(
        body in "[\\[\\]{}\",:\\\\ a0\n\r\u{feff}\u{0}nul1.eE-]{0,64}"
    ) {
        let _ = collect(Format::Json, body.as_bytes());
        let _ = collect(Format::Csv, body.as_bytes());
    }

    #[test]
    fn to_utf8_never_panics_and_yields_utf8(
        body in prop::collection::vec(any::<u8>(), 0..128),
        charset in prop::sample::select(vec!["us-ascii", "iso-8859-1", "windows-1252", "koi8-r"]),
    ) {
        if let Ok(text) = to_utf8(&body, Some(charset)) {
            prop_assert!(std::str::from_utf8(&text).is_ok());
        }
    }
}
