//! PostgreSQL reads stored numbers and dates with its own rules (regular expressions and
//! arithmetic before any cast) to agree with SQLite's: values of the wrong type never match and
//! never make a statement fail, and dates compare to the millisecond as SQLite's `julianday`.

use super::fixture::fixture;
use crate::store::filter_sql::suite::{FilterStore, check, field, matching};

#[tokio::test]
async fn stored_values_of_the_wrong_type_never_match_and_never_fail() {
    let Some(fx) = fixture().await else {
        return;
    };
    let store: &dyn FilterStore = &fx;
    // (stored score, whether it is a number, and its value when it is one)
    for (stored, number) in [
        ("1e400", None),
        ("-1e99999999999", None),
        ("1.7976931348623159e308", None),
        ("1e-400", Some(0.0)),
        ("0e99999999999", Some(0.0)),
        (" +.5e1 ", Some(5.0)),
        ("5.", Some(5.0)),
        ("1.7976931348623157e308", Some(f64::MAX)),
        (".", None),
        ("1e", None),
        ("inf", None),
        ("NaN", None),
        ("0x10", None),
    ] {
        fx.set_value(0, 0, stored).await;
        let matched = matching(store, &field("C_Score1", ">=", "-1e308")).await;
        assert_eq!(matched.contains(&"alice"), number.is_some(), "{stored}");
        if let Some(number) = number {
            let equal = matching(store, &field("C_Score1", "=", &number.to_string())).await;
            assert!(equal.contains(&"alice"), "{stored}");
        }
    }
    for (stored, valid) in [
        ("2024-02-29", true),
        ("2024-02-29T23:59:59.999999999+23:59", true),
        ("2024-05-01T12:00:00.1234567891Z", true),
        ("2024-05-01 12:00", true),
        ("2024-05-01T12:00:00z", true),
        ("2023-02-29", false),
        ("2024-04-31", false),
        ("2024-13-01", false),
        ("2024-05-01T24:00", false),
        ("2024-05-01T12:60", false),
        ("2024-05-01T12:00Z", false),
        ("2024-05-01T12:00:00+24:00", false),
        ("2024-05-01t12:00:00Z", false),
        ("2024-05-01T12:00:00.1234567891", false),
        ("99999-01-01", false),
        ("0000-01-01", true),
    ] {
        fx.set_value(1, 0, stored).await;
        let matched = matching(store, &field("C_Renewal1", "<", "2262-01-01")).await;
        assert_eq!(matched.contains(&"alice"), valid, "{stored}");
        let matched = matching(store, &field("C_Renewal1", "!=", "2262-01-01")).await;
        assert!(matched.contains(&"alice"), "{stored}");
    }
}

#[tokio::test]
async fn dates_compare_to_the_millisecond_as_julianday_rounds() {
    let Some(fx) = fixture().await else {
        return;
    };
    let store: &dyn FilterStore = &fx;
    fx.set_value(1, 0, "2024-05-01T00:00:00.0004").await;
    check(
        store,
        &[
            (&field("C_Renewal1", "=", "2024-05-01"), &["alice"]),
            (&field("C_Renewal1", "=", "2024-05-01T00:00:00.0006Z"), &[]),
            (
                &field("C_Renewal1", "=", "2024-05-01T02:00:00.0001+02:00"),
                &["alice"],
            ),
        ],
    )
    .await;
}
