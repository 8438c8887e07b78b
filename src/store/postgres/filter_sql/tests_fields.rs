//! Field comparisons by type and operator, against a real store.

use super::FilterSqlError;
use super::fixture::{ALL, Fixture, field};

#[tokio::test]
async fn text_equality_ignores_case_and_reads_a_missing_value_as_empty() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        (&field("C_FirstName", "=", "ALICE"), &["alice"]),
        (&field("c_firstname", "=", "Bob"), &["bob"]),
        (&field("C_FirstName", "=", ""), &["carol"]),
        (
            &field("C_FirstName", "!=", ""),
            &["alice", "bob", "dave", "erin"],
        ),
        (
            &field("C_FirstName", "!=", "alice"),
            &["bob", "carol", "dave", "erin"],
        ),
        (&field("C_LastName", "=", ""), &["bob", "dave"]),
        (&field("C_LastName", "=", "o''brien"), &["erin"]),
        (&field("C_EmailAddress", "=", "BOB@example.COM"), &["bob"]),
        (&field("C_Company", "=", "acme"), &["alice"]),
        (&field("C_Notes1", "=", "vip"), &["alice"]),
        (
            &field("C_Notes1", "=", ""),
            &["bob", "carol", "dave", "erin"],
        ),
        (&field("C_Notes1", "!=", ""), &["alice"]),
    ])
    .await;
}

#[tokio::test]
async fn text_ordering_ignores_case_and_skips_missing_values() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        (&field("C_FirstName", ">", "B"), &["bob", "erin"]),
        (&field("C_FirstName", "<=", "ALICE"), &["alice", "dave"]),
        // Text order: "10" < "5" < "9"; erin's stored '' is a value, NULLs are not.
        (&field("C_Zip_Postal", "<", "5"), &["bob", "erin"]),
        (&field("C_Zip_Postal", ">=", "9"), &["alice"]),
        (&field("C_Notes1", "<", "z"), &["alice"]),
    ])
    .await;
}

#[tokio::test]
async fn like_takes_star_as_the_wildcard_and_sql_wildcards_literally() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        (
            &field("C_EmailAddress", "~", "*@example.com"),
            &["alice", "bob", "dave"],
        ),
        (
            &field("C_EmailAddress", "~", "*@EXAMPLE.*"),
            &["alice", "bob", "dave"],
        ),
        (&field("C_FirstName", "~", "100%"), &["dave"]),
        (&field("C_FirstName", "~", "*%"), &["dave"]),
        (&field("C_FirstName", "~", "1%"), &[]),
        (&field("C_FirstName", "~", "_ob"), &[]),
        (&field("C_FirstName", "~", "*n_1"), &["erin"]),
        (&field("C_EmailAddress", "~", "dave_*"), &["dave"]),
        (&field("C_FirstName", "~", "*"), ALL),
        (&field("C_Notes1", "~", "v*"), &["alice"]),
        (&field("C_Score1", "~", "1*"), &["bob"]),
    ])
    .await;
}

#[tokio::test]
async fn numeric_fields_compare_as_numbers() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        ("'{{Contact.Field(C_Score1)}}' < 10", &["alice", "carol"]),
        (&field("C_Score1", ">=", "9"), &["alice", "bob"]),
        (&field("C_Score1", ">", "-3"), &["alice", "bob", "carol"]),
        (&field("C_Score1", "=", "10.0"), &["bob"]),
        (
            &field("C_Score1", "!=", "10"),
            &["alice", "carol", "dave", "erin"],
        ),
        (&field("C_Score1", "=", ""), &["erin"]),
        (&field("C_Score1", "=", "N/A"), &["dave"]),
        (&field("C_Score1", ">", "abc"), &[]),
        (&field("C_Score1", "<", "1e9"), &["alice", "bob", "carol"]),
    ])
    .await;
}

#[tokio::test]
async fn date_fields_compare_as_instants() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        (&field("C_Renewal1", ">", "2024-05-01"), &["bob"]),
        (&field("C_Renewal1", ">=", "2024-05-01"), &["alice", "bob"]),
        (
            &field("C_Renewal1", "<", "2024-05-01T06:00:00+02:00"),
            &["alice", "carol"],
        ),
        (&field("C_Renewal1", "<=", "2024-04-30 23:00"), &["carol"]),
        (
            &field("C_Renewal1", "=", "2024-05-01T00:00:00Z"),
            &["alice"],
        ),
        (
            &field("C_Renewal1", "!=", "2024-05-01"),
            &["bob", "carol", "dave", "erin"],
        ),
        (&field("C_Renewal1", "=", "soon"), &["dave"]),
        (&field("C_Renewal1", ">", "soon"), &[]),
    ])
    .await;
}

#[tokio::test]
async fn contact_id_compares_as_an_integer() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let [alice, bob, ..] = fx.ids[..] else {
        unreachable!()
    };
    fx.check(&[
        (&format!("'{{{{Contact.Id}}}}' = {bob}"), &["bob"]),
        (&format!("'{{{{Contact.Id}}}}' = '{bob}'"), &["bob"]),
        (
            &format!("'{{{{Contact.Id}}}}' > {alice}"),
            &["bob", "carol", "dave", "erin"],
        ),
        (&format!("'{{{{Contact.Id}}}}' <= {bob}"), &["alice", "bob"]),
        (
            &format!("'{{{{Contact.Id}}}}' != {bob}"),
            &["alice", "carol", "dave", "erin"],
        ),
        ("'{{Contact.Id}}' = 'abc'", &[]),
        ("'{{Contact.Id}}' != 'abc'", &[]),
        ("'{{Contact.Id}}' < 1.5", &[]),
        ("'{{Contact.Id}}' ~ '*'", ALL),
    ])
    .await;
}

#[tokio::test]
async fn email_flags_accept_the_usual_boolean_spellings() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        ("'{{Contact.Email.IsSubscribed}}' = 'false'", &["bob"]),
        ("'{{Contact.Email.IsSubscribed}}' = 'NO'", &["bob"]),
        ("'{{Contact.Email.IsSubscribed}}' = 0", &["bob"]),
        ("'{{Contact.Email.IsSubscribed}}' != 'True'", &["bob"]),
        (
            "'{{Contact.Email.IsSubscribed}}' = 'yes'",
            &["alice", "carol", "dave", "erin"],
        ),
        ("'{{Contact.Email.IsBounced}}' = 1", &["carol"]),
        ("'{{Contact.Email.IsBounced}}' = 'maybe'", &[]),
        ("'{{Contact.Email.IsBounced}}' != 'maybe'", &[]),
    ])
    .await;
    for op in [">", "<", ">=", "<=", "~"] {
        let text = format!("'{{{{Contact.Email.IsBounced}}}}' {op} 'true'");
        assert!(
            matches!(fx.error(&text), FilterSqlError::Unsupported(_)),
            "{text}"
        );
    }
}

#[tokio::test]
async fn stored_values_of_the_wrong_type_never_match_and_never_fail() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
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
        let matched = fx.matching(&field("C_Score1", ">=", "-1e308")).await;
        assert_eq!(matched.contains(&"alice"), number.is_some(), "{stored}");
        if let Some(number) = number {
            let equal = fx
                .matching(&field("C_Score1", "=", &number.to_string()))
                .await;
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
        let matched = fx.matching(&field("C_Renewal1", "<", "2262-01-01")).await;
        assert_eq!(matched.contains(&"alice"), valid, "{stored}");
        let matched = fx.matching(&field("C_Renewal1", "!=", "2262-01-01")).await;
        assert!(matched.contains(&"alice"), "{stored}");
    }
}

#[tokio::test]
async fn dates_compare_to_the_millisecond_as_julianday_rounds() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.set_value(1, 0, "2024-05-01T00:00:00.0004").await;
    fx.check(&[
        (&field("C_Renewal1", "=", "2024-05-01"), &["alice"]),
        (&field("C_Renewal1", "=", "2024-05-01T00:00:00.0006Z"), &[]),
        (
            &field("C_Renewal1", "=", "2024-05-01T02:00:00.0001+02:00"),
            &["alice"],
        ),
    ])
    .await;
}
