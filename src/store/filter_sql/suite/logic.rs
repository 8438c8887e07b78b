//! Memberships, AppCloud statuses, errors and the logic between conditions, against a real store.

use super::{ACTION, ALL, DECISION, FOREIGN, FilterStore, check, error, field, guid, matching};
use crate::domain::appcloud::InstanceKind;
use crate::domain::filter::{Filter, StatusOp, parse};
use crate::store::sql_text::FilterSqlError;

/// Scenario of the shared suite.
pub(crate) async fn exists_matches_members_of_the_sites_own_list_only(fx: &dyn FilterStore) {
    let f = fx.facts();
    check(
        fx,
        &[
            (
                &format!("EXISTS('{{{{ContactList[{}]}}}}')", f.list),
                &["alice", "carol"],
            ),
            (
                &format!("NOT EXISTS('{{{{ContactList[{}]}}}}')", f.list),
                &["bob", "dave", "erin"],
            ),
            // Site b's list holds bob (written behind the API's back): still not site a's list.
            (
                &format!("EXISTS('{{{{ContactList[{}]}}}}')", f.foreign_list),
                &[],
            ),
            ("EXISTS('{{ContactList[999999]}}')", &[]),
            ("EXISTS('{{ContactList[18446744073709551615]}}')", &[]),
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn segments_shared_filters_and_feeders_are_unsupported(fx: &dyn FilterStore) {
    let f = fx.facts();
    for text in [
        "EXISTS('{{ContactSegment[1]}}')",
        "EXISTS('{{ContactFilter[1]}}')",
    ] {
        let error = error(fx, text).await;
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
    let error = fx.select(&feeder, f.site, &f.custom).await.unwrap_err();
    assert!(matches!(error, FilterSqlError::Unsupported(_)));
}

/// Scenario of the shared suite.
pub(crate) async fn status_compares_the_members_status_without_regard_to_case(
    fx: &dyn FilterStore,
) {
    let f = fx.facts();
    let action = |run: i64, rest: &str| {
        format!("STATUS('{{{{ActionInstance({ACTION}).Execution[{run}]}}}}') {rest}")
    };
    let decision = |guid: &str, run: i64, rest: &str| {
        format!("STATUS('{{{{DecisionInstance({guid}).Execution[{run}]}}}}') {rest}")
    };
    check(
        fx,
        &[
            (&action(f.action_run, "= 'complete'"), &["alice", "bob"]),
            (&action(f.action_run, "= 'Complete'"), &["alice", "bob"]),
            (&action(f.action_run, "= 'pending'"), &["carol"]),
            // `!=` speaks of members: dave and erin are not in the execution.
            (&action(f.action_run, "!= 'complete'"), &["carol"]),
            (
                &format!("NOT {}", action(f.action_run, "= 'complete'")),
                &["carol", "dave", "erin"],
            ),
            (&decision(DECISION, f.decision_run, "= 'YES'"), &["dave"]),
            (&decision(DECISION, f.decision_run, "!= 'yes'"), &["erin"]),
            // The statement's kind must match the instance's, and the execution its instance.
            (
                &format!(
                    "STATUS('{{{{ActionInstance({DECISION}).Execution[{}]}}}}') = 'yes'",
                    f.decision_run
                ),
                &[],
            ),
            (&decision(DECISION, f.action_run, "= 'complete'"), &[]),
            // Site b's executions, even holding site a's carol as 'complete', never match.
            (&action(f.foreign_run, "= 'complete'"), &[]),
            (
                &format!(
                    "STATUS('{{{{ActionInstance({FOREIGN}).Execution[{}]}}}}') = 'complete'",
                    f.foreign_run
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn unknown_fields_are_named_in_the_error(fx: &dyn FilterStore) {
    let f = fx.facts();
    let error = error(fx, &field("C_Nope", "=", "x")).await;
    assert!(matches!(&error, FilterSqlError::UnknownField(name) if name == "C_Nope"));
    assert_eq!(error.to_string(), "unknown contact field 'C_Nope'");
    // Another site's custom field is unknown here.
    let filter = parse(&field("C_Score1", "=", "1")).unwrap();
    let error = fx.select(&filter, f.site, &[]).await.unwrap_err();
    assert!(matches!(error, FilterSqlError::UnknownField(_)));
}

/// Scenario of the shared suite.
pub(crate) async fn and_or_not_keep_their_grouping(fx: &dyn FilterStore) {
    let f = fx.facts();
    let [alice, bob, ..] = f.ids[..] else {
        unreachable!()
    };
    let id = |n: i64| format!("'{{{{Contact.Id}}}}' = {n}");
    let bob_name = field("C_FirstName", "=", "bob");
    let list = format!("EXISTS('{{{{ContactList[{}]}}}}')", f.list);
    check(
        fx,
        &[
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
        ],
    )
    .await;
}

/// Scenario of the shared suite.
pub(crate) async fn the_longest_and_deepest_filters_run(fx: &dyn FilterStore) {
    let condition = "'{{Contact.Field(C_Notes1)}}' != 'x'";
    let chain =
        |junction: &str| vec![condition; crate::domain::filter::MAX_CONDITIONS].join(junction);
    let depth = crate::domain::filter::MAX_DEPTH / 2;
    let deep = format!(
        "{}{condition}{}",
        format!("NOT ({condition} AND ").repeat(depth),
        ")".repeat(depth)
    );
    check(fx, &[(&chain(" AND "), ALL), (&chain(" OR "), ALL)]).await;
    // depth is even: NOT applied an even number of times over an always-true condition.
    assert_eq!(matching(fx, &deep).await, ALL, "{deep}");
}
