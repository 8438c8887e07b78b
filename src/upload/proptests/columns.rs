//! Property tests for `decode_columns`: JSON and CSV encodings of the same rows decode to the
//! same values under the rule "JSON absent or null ≡ CSV empty field", and over the identifier
//! (alone, or with every column) it agrees with `decode`.
//!
//! Why that rule: a CSV record has every header column, and CSV has no null, so an empty field
//! is `Some("")`; JSON can say absent, `null` or `""` (`None`, `None`, `Some("")`). A column the
//! CSV header lacks is `None`, as in JSON.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{header, value};
use crate::upload::Format;
use crate::upload::tests::columns::{Values, collect_columns};
use crate::upload::tests::{ID, agrees, classify, collect};

/// Column names that need quoting or escaping in one format or the other.
const USED: [&str; 4] = [ID, "First Name", "a,\"b\"", "Ünï\r\ncode"];
/// A definition column no row ever has.
const UNUSED: &str = "Never";

/// Rows whose values may be JSON `null` (`None`).
type Rows = Vec<BTreeMap<String, Option<String>>>;

fn rows() -> impl Strategy<Value = Rows> {
    let column = prop::sample::select(USED.to_vec()).prop_map(str::to_owned);
    let row = prop::collection::btree_map(column, prop::option::weighted(0.8, value()), 0..=4);
    prop::collection::vec(row, 0..8)
}

/// Definition columns: any of the used ones and the unused one, in any order.
fn columns() -> impl Strategy<Value = Vec<&'static str>> {
    let all = [&USED[..], &[UNUSED]].concat();
    prop::sample::subsequence(all, 0..=5).prop_shuffle()
}

/// One CSV file for `rows`: absent and null are empty fields.
fn to_csv(rows: &Rows) -> Vec<u8> {
    let header = header(rows);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("header");
    for row in rows {
        let field = |c: &&str| row.get(*c).cloned().flatten().unwrap_or_default();
        writer
            .write_record(header.iter().map(field))
            .expect("record");
    }
    writer.into_inner().expect("flush")
}

/// What JSON decodes to: absent and null are `None`, `""` is `Some("")`.
fn json_values(rows: &Rows, columns: &[&str]) -> Vec<Values> {
    let value = |row: &BTreeMap<String, Option<String>>, c: &&str| row.get(*c).cloned().flatten();
    rows.iter()
        .map(|row| columns.iter().map(|c| value(row, c)).collect())
        .collect()
}

/// "JSON absent or null ≡ CSV empty field": JSON values as CSV gives them for this header.
fn as_csv(json: &[Values], columns: &[&str], header: &BTreeSet<&str>) -> Vec<Values> {
    let cell =
        |c: &&str, v: &Option<String>| header.contains(c).then(|| v.clone().unwrap_or_default());
    json.iter()
        .map(|row| columns.iter().zip(row).map(|(c, v)| cell(c, v)).collect())
        .collect()
}

fn ignored<'a>(names: impl Iterator<Item = &'a str>, columns: &[&str]) -> BTreeSet<String> {
    names
        .filter(|n| !columns.contains(n))
        .map(str::to_owned)
        .collect()
}

proptest! {
    #[test]
    fn json_and_csv_give_the_same_columns_when_absent_or_null_is_an_empty_field(
        rows in rows(),
        columns in columns(),
    ) {
        let json = serde_json::to_vec(&rows).expect("json");
        let want = json_values(&rows, &columns);
        let json_ignored = ignored(rows.iter().flat_map(|r| r.keys().map(String::as_str)), &columns);
        prop_assert_eq!(
            collect_columns(Format::Json, &json, &columns),
            Ok((want.clone(), json_ignored))
        );
        let header = header(&rows);
        let csv_ignored = ignored(header.iter().copied(), &columns);
        prop_assert_eq!(
            collect_columns(Format::Csv, &to_csv(&rows), &columns),
            Ok((as_csv(&want, &columns, &header), csv_ignored))
        );
    }

    #[test]
    fn decode_columns_agrees_with_decode_on_value_missing_and_empty(rows in rows()) {
        let every: Vec<&str> = USED.to_vec();
        for (format, body) in [
            (Format::Json, serde_json::to_vec(&rows).expect("json")),
            (Format::Csv, to_csv(&rows)),
        ] {
            // `collect` also checks the identifier alone against `decode`, with `agrees`.
            let (want, _) = collect(format, &body).expect("decodes");
            let (alone, _) = collect_columns(format, &body, &[ID]).expect("decodes");
            for (row, values) in want.iter().zip(&alone) {
                prop_assert!(agrees(row, values), "{:?}: {:?} vs {:?}", format, row, values);
            }
            let (all, ignored) = collect_columns(format, &body, &every).expect("decodes");
            prop_assert!(ignored.is_empty());
            let classified: Vec<_> = all.iter().map(|values| classify(values)).collect();
            prop_assert_eq!(classified, want, "{:?}", format);
        }
    }
}
