//! Field comparisons by type and operator, against a real store.

use super::{ALL, FilterStore, check, error, field};
use crate::store::sql_text::FilterSqlError;

/// Scenario of the shared suite.
pub(crate) async fn text_equality_ignores_case_and_reads_a_missing_value_as_empty(
    fx: &dyn FilterStore,
) {
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn text_ordering_ignores_case_and_skips_missing_values(fx: &dyn FilterStore) {
    check(
        fx,
        &[
            (&field("C_FirstName", ">", "B"), &["bob", "erin"]),
            (&field("C_FirstName", "<=", "ALICE"), &["alice", "dave"]),
            // Text order: "10" < "5" < "9"; erin's stored '' is a value, NULLs are not.
            (&field("C_Zip_Postal", "<", "5"), &["bob", "erin"]),
            (&field("C_Zip_Postal", ">=", "9"), &["alice"]),
            (&field("C_Notes1", "<", "z"), &["alice"]),
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn like_takes_star_as_the_wildcard_and_sql_wildcards_literally(
    fx: &dyn FilterStore,
) {
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn numeric_fields_compare_as_numbers(fx: &dyn FilterStore) {
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn date_fields_compare_as_instants(fx: &dyn FilterStore) {
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn contact_id_compares_as_an_integer(fx: &dyn FilterStore) {
    let f = fx.facts();
    let [alice, bob, ..] = f.ids[..] else {
        unreachable!()
    };
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn email_flags_accept_the_usual_boolean_spellings(fx: &dyn FilterStore) {
    check(
        fx,
        &[
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
        ],
    )
    .await;
    for op in [">", "<", ">=", "<=", "~"] {
        let text = format!("'{{{{Contact.Email.IsBounced}}}}' {op} 'true'");
        assert!(
            matches!(error(fx, &text).await, FilterSqlError::Unsupported(_)),
            "{text}"
        );
    }
}
