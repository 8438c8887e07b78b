//! Memberships, AppCloud statuses, errors and the logic between conditions, against a real store.

use super::fixture::{ACTION, ALL, DECISION, FOREIGN, Fixture, field, guid};
use super::{FilterSqlError, compile};
use crate::domain::appcloud::InstanceKind;
use crate::domain::filter::{Filter, StatusOp, parse};

#[tokio::test]
async fn exists_matches_members_of_the_sites_own_list_only() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    fx.check(&[
        (
            &format!("EXISTS('{{{{ContactList[{}]}}}}')", fx.list),
            &["alice", "carol"],
        ),
        (
            &format!("NOT EXISTS('{{{{ContactList[{}]}}}}')", fx.list),
            &["bob", "dave", "erin"],
        ),
        // Site b's list holds bob (written behind the API's back): still not site a's list.
        (
            &format!("EXISTS('{{{{ContactList[{}]}}}}')", fx.foreign_list),
            &[],
        ),
        ("EXISTS('{{ContactList[999999]}}')", &[]),
        ("EXISTS('{{ContactList[18446744073709551615]}}')", &[]),
    ])
    .await;
}

#[tokio::test]
async fn segments_shared_filters_and_feeders_are_unsupported() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    for text in [
        "EXISTS('{{ContactSegment[1]}}')",
        "EXISTS('{{ContactFilter[1]}}')",
    ] {
        let error = fx.error(text);
        assert!(
            matches!(&error, FilterSqlError::Unsupported(m) if m.contains("Loquat has no")),
            "{error}"
        );
    }
    let feeder = Filter::Status {
        instance: guid(ACTION),
        kind: InstanceKind::Feeder,
        execution: 1,
        op: StatusOp::Eq,
        value: "complete".to_owned(),
    };
    let error = compile(&feeder, fx.site, &fx.custom, 1).unwrap_err();
    assert!(matches!(error, FilterSqlError::Unsupported(_)));
}

#[tokio::test]
async fn status_compares_the_members_status_without_regard_to_case() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let action = |run: i64, rest: &str| {
        format!("STATUS('{{{{ActionInstance({ACTION}).Execution[{run}]}}}}') {rest}")
    };
    let decision = |guid: &str, run: i64, rest: &str| {
        format!("STATUS('{{{{DecisionInstance({guid}).Execution[{run}]}}}}') {rest}")
    };
    fx.check(&[
        (&action(fx.action_run, "= 'complete'"), &["alice", "bob"]),
        (&action(fx.action_run, "= 'Complete'"), &["alice", "bob"]),
        (&action(fx.action_run, "= 'pending'"), &["carol"]),
        // `!=` speaks of members: dave and erin are not in the execution.
        (&action(fx.action_run, "!= 'complete'"), &["carol"]),
        (
            &format!("NOT {}", action(fx.action_run, "= 'complete'")),
            &["carol", "dave", "erin"],
        ),
        (&decision(DECISION, fx.decision_run, "= 'YES'"), &["dave"]),
        (&decision(DECISION, fx.decision_run, "!= 'yes'"), &["erin"]),
        // The statement's kind must match the instance's, and the execution its instance.
        (
            &format!(
                "STATUS('{{{{ActionInstance({DECISION}).Execution[{}]}}}}') = 'yes'",
                fx.decision_run
            ),
            &[],
        ),
        (&decision(DECISION, fx.action_run, "= 'complete'"), &[]),
        // Site b's executions, even holding site a's carol as 'complete', never match.
        (&action(fx.foreign_run, "= 'complete'"), &[]),
        (
            &format!(
                "STATUS('{{{{ActionInstance({FOREIGN}).Execution[{}]}}}}') = 'complete'",
                fx.foreign_run
            ),
            &[],
        ),
        (
            &format!(
                "STATUS('{{{{ActionInstance({ACTION}).Execution[{}]}}}}') = 'complete'",
                u64::MAX
            ),
            &[],
        ),
    ])
    .await;
}

#[tokio::test]
async fn unknown_fields_are_named_in_the_error() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let error = fx.error(&field("C_Nope", "=", "x"));
    assert!(matches!(&error, FilterSqlError::UnknownField(name) if name == "C_Nope"));
    assert_eq!(error.to_string(), "unknown contact field 'C_Nope'");
    // Another site's custom field is unknown here.
    let error = compile(
        &parse(&field("C_Score1", "=", "1")).unwrap(),
        fx.site,
        &[],
        1,
    )
    .unwrap_err();
    assert!(matches!(error, FilterSqlError::UnknownField(_)));
}

#[tokio::test]
async fn and_or_not_keep_their_grouping() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let [alice, bob, ..] = fx.ids[..] else {
        unreachable!()
    };
    let id = |n: i64| format!("'{{{{Contact.Id}}}}' = {n}");
    let bob_name = field("C_FirstName", "=", "bob");
    let list = format!("EXISTS('{{{{ContactList[{}]}}}}')", fx.list);
    fx.check(&[
        (
            &format!("{} OR {} AND {bob_name}", id(alice), id(bob)),
            &["alice", "bob"],
        ),
        (
            &format!("({} OR {}) AND {bob_name}", id(alice), id(bob)),
            &["bob"],
        ),
        (
            &format!("{} OR {} AND NOT {bob_name}", id(alice), id(bob)),
            &["alice"],
        ),
        (
            &format!("NOT ({} OR {})", id(alice), id(bob)),
            &["carol", "dave", "erin"],
        ),
        (
            &format!("NOT {} OR {}", id(alice), id(bob)),
            &["bob", "carol", "dave", "erin"],
        ),
        (
            &format!("{list} AND NOT '{{{{Contact.Email.IsBounced}}}}' = 'true'"),
            &["alice"],
        ),
        (&format!("NOT NOT {list}"), &["alice", "carol"]),
        // NOT over a missing value: two-valued, so the complement is exact.
        (
            &format!("NOT {}", field("C_Score1", "<", "10")),
            &["bob", "dave", "erin"],
        ),
    ])
    .await;
}

#[tokio::test]
async fn the_longest_and_deepest_filters_run() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let condition = "'{{Contact.Field(C_Notes1)}}' != 'x'";
    let chain =
        |junction: &str| vec![condition; crate::domain::filter::MAX_CONDITIONS].join(junction);
    let depth = crate::domain::filter::MAX_DEPTH / 2;
    let deep = format!(
        "{}{condition}{}",
        format!("NOT ({condition} AND ").repeat(depth),
        ")".repeat(depth)
    );
    fx.check(&[(&chain(" AND "), ALL), (&chain(" OR "), ALL)])
        .await;
    // depth is even: NOT applied an even number of times over an always-true condition.
    assert_eq!(fx.matching(&deep).await, ALL, "{deep}");
}
