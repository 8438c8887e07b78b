//! Field comparisons by type and operator, against a real store.

use super::FilterSqlError;
use super::fixture::{ALL, Fixture, field};

#[tokio::test]
async fn text_equality_ignores_case_and_reads_a_missing_value_as_empty() {
    let fx = Fixture::new().await;
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
    ]);
}

#[tokio::test]
async fn text_ordering_ignores_case_and_skips_missing_values() {
    let fx = Fixture::new().await;
    fx.check(&[
        (&field("C_FirstName", ">", "B"), &["bob", "erin"]),
        (&field("C_FirstName", "<=", "ALICE"), &["alice", "dave"]),
        // Text order: "10" < "5" < "9"; erin's stored '' is a value, NULLs are not.
        (&field("C_Zip_Postal", "<", "5"), &["bob", "erin"]),
        (&field("C_Zip_Postal", ">=", "9"), &["alice"]),
        (&field("C_Notes1", "<", "z"), &["alice"]),
    ]);
}

#[tokio::test]
async fn like_takes_star_as_the_wildcard_and_sql_wildcards_literally() {
    let fx = Fixture::new().await;
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
    ]);
}

#[tokio::test]
async fn numeric_fields_compare_as_numbers() {
    let fx = Fixture::new().await;
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
    ]);
}

#[tokio::test]
async fn date_fields_compare_as_instants() {
    let fx = Fixture::new().await;
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
    ]);
}

#[tokio::test]
async fn contact_id_compares_as_an_integer() {
    let fx = Fixture::new().await;
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
    ]);
}

#[tokio::test]
async fn email_flags_accept_the_usual_boolean_spellings() {
    let fx = Fixture::new().await;
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
    ]);
    for op in [">", "<", ">=", "<=", "~"] {
        let text = format!("'{{{{Contact.Email.IsBounced}}}}' {op} 'true'");
        assert!(
            matches!(fx.error(&text), FilterSqlError::Unsupported(_)),
            "{text}"
        );
    }
}
