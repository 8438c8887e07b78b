//! One test suite for the export filter compiler, run on every backend against a real store:
//! two sites, five contacts of site `a` with known values, lists and AppCloud executions (some
//! of site `b`, some written behind the API's back), so that each condition's semantics and
//! its site scoping are checked the same way on SQLite and PostgreSQL.
//!
//! A backend provides a [`FilterStore`] and expands [`filter_suite!`] in its test module.

mod fields;
mod logic;
mod population;
mod proptests;

pub(crate) use fields::*;
pub(crate) use logic::*;
pub(crate) use population::populate;
pub(crate) use proptests::parsed_filters_compile_to_sql_that_runs;

use async_trait::async_trait;

use crate::domain::contact_fields::RecordField;
use crate::domain::filter::{Filter, parse};
use crate::domain::markup::InstanceId;
use crate::store::sql_text::FilterSqlError;

pub(crate) const ACTION: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub(crate) const DECISION: &str = "dddddddddddddddddddddddddddddddd";
pub(crate) const FOREIGN: &str = "ffffffffffffffffffffffffffffffff";
/// Site `a`'s contacts, in id order.
pub(crate) const NAMES: [&str; 5] = ["alice", "bob", "carol", "dave", "erin"];
/// Every contact of site `a`.
pub(crate) const ALL: &[&str] = &NAMES;

/// What a backend's fixture created.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub site: i64,
    pub custom: Vec<RecordField>,
    /// Contact ids in [`NAMES`] order.
    pub ids: Vec<i64>,
    pub list: i64,
    pub foreign_list: i64,
    /// Executions of the action and decision instances of site `a`, and of site `b`'s instance.
    pub action_run: i64,
    pub decision_run: i64,
    pub foreign_run: i64,
}

/// A backend's store holding the fixture.
#[async_trait]
pub(crate) trait FilterStore: Send + Sync {
    /// What the fixture created.
    fn facts(&self) -> &Facts;

    /// Compiles `filter` for `site` with the `custom` fields, and runs it as the export does
    /// (after one parameter of the caller's own, restricted to `c.site_id`): the contact ids it
    /// selects in id order, or why the database refused the statement.
    ///
    /// # Errors
    /// The compiler's refusal.
    async fn select(
        &self,
        filter: &Filter,
        site: i64,
        custom: &[RecordField],
    ) -> Result<Result<Vec<i64>, String>, FilterSqlError>;
}

pub(crate) fn guid(text: &str) -> InstanceId {
    InstanceId::parse(text).unwrap()
}

/// `'{{Contact.Field(name)}}' op 'value'`, the value written as is (quotes already doubled).
pub(crate) fn field(name: &str, op: &str, value: &str) -> String {
    format!("'{{{{Contact.Field({name})}}}}' {op} '{value}'")
}

/// The names of the contacts `text` matches.
pub(crate) async fn matching(fx: &dyn FilterStore, text: &str) -> Vec<&'static str> {
    let filter = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let facts = fx.facts();
    let ids = fx
        .select(&filter, facts.site, &facts.custom)
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    let name = |id: &i64| NAMES[facts.ids.iter().position(|x| x == id).unwrap()];
    ids.iter().map(name).collect()
}

/// Why `text` does not compile.
pub(crate) async fn error(fx: &dyn FilterStore, text: &str) -> FilterSqlError {
    let facts = fx.facts();
    let filter = parse(text).unwrap();
    match fx.select(&filter, facts.site, &facts.custom).await {
        Err(error) => error,
        Ok(_) => panic!("{text} compiled"),
    }
}

/// Asserts each filter matches exactly the named contacts.
pub(crate) async fn check(fx: &dyn FilterStore, cases: &[(&str, &[&str])]) {
    for (text, expected) in cases {
        assert_eq!(matching(fx, text).await, *expected, "{text}");
    }
}

/// The action and decision executions, as filter ids.
pub(crate) fn runs(facts: &Facts) -> (u64, u64) {
    let id = |run: i64| u64::try_from(run).unwrap();
    (id(facts.action_run), id(facts.decision_run))
}

/// Expands to one test per scenario of the suite, each on a fixture from `$fixture` (an async
/// fn returning `Option<impl FilterStore>`; `None` skips, as PostgreSQL does without a
/// database), and the property test.
macro_rules! filter_suite {
    ($fixture:path) => {
        $crate::store::filter_sql::suite::filter_suite!(@each $fixture;
            exists_matches_members_of_the_sites_own_list_only,
            segments_shared_filters_and_feeders_are_unsupported,
            status_compares_the_members_status_without_regard_to_case,
            unknown_fields_are_named_in_the_error,
            and_or_not_keep_their_grouping,
            the_longest_and_deepest_filters_run,
            text_equality_ignores_case_and_reads_a_missing_value_as_empty,
            text_ordering_ignores_case_and_skips_missing_values,
            like_takes_star_as_the_wildcard_and_sql_wildcards_literally,
            numeric_fields_compare_as_numbers,
            date_fields_compare_as_instants,
            contact_id_compares_as_an_integer,
            email_flags_accept_the_usual_boolean_spellings
        );

        use $fixture as filter_fixture;

        /// Named `proptests` so that `cargo test proptests` runs it with the other fuzzers.
        mod proptests {
            #[test]
            fn parsed_filters_compile_to_sql_that_runs() {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                if let Some(fx) = runtime.block_on(super::filter_fixture()) {
                    $crate::store::filter_sql::suite::parsed_filters_compile_to_sql_that_runs(
                        &fx, &runtime,
                    );
                }
            }
        }
    };
    (@each $fixture:path; $($scenario:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $scenario() {
                if let Some(fx) = $fixture().await {
                    $crate::store::filter_sql::suite::$scenario(&fx).await;
                }
            }
        )*
    };
}
pub(crate) use filter_suite;
