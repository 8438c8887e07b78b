//! Property test: every filter the parser accepts either compiles to SQL that the backend's
//! database prepares and runs, or is refused with one of the two documented errors for the
//! documented reasons.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::{FilterStore, runs};
use crate::domain::appcloud::InstanceKind;
use crate::domain::filter::{CompareOp, FieldRef, Filter, Membership, StatusOp, parse};
use crate::domain::markup::InstanceId;
use crate::store::sql_text::FilterSqlError;

/// Field names as clients might write them; the last is no field at all.
const NAMES: [&str; 6] = [
    "C_EmailAddress",
    "c_firstname",
    "C_Score1",
    "c_RENEWAL1",
    "C_Notes1",
    "C_Unknown",
];

fn arb_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,10}",
        "[*%_\\\\' a-z]{0,6}",
        "-?[0-9]{1,20}(\\.[0-9]{1,3})?",
        "20[0-9]{2}-0[1-9]-[0-2][0-9]([T ][0-2][0-9]:[0-5][0-9](Z|\\+02:00)?)?",
        proptest::sample::select(vec!["true", "No", "1", "inf", "NaN", "1e400"])
            .prop_map(str::to_owned),
    ]
}

/// Mostly comparisons that compile; now and then an unknown field or an operator a flag refuses.
fn arb_compare() -> impl Strategy<Value = Filter> {
    let known = proptest::sample::select(NAMES[..5].to_vec())
        .prop_map(|name| FieldRef::Field(name.to_owned()));
    let any_op = proptest::sample::select(CompareOp::ALL.to_vec());
    let equality = proptest::sample::select(vec![CompareOp::Eq, CompareOp::Ne]);
    let flag = prop_oneof![Just(FieldRef::IsSubscribed), Just(FieldRef::IsBounced)];
    let valid = prop_oneof![
        4 => (known, any_op.clone()),
        1 => (Just(FieldRef::Id), any_op.clone()),
        1 => (flag.clone(), equality),
    ];
    let refused = prop_oneof![
        (Just(FieldRef::Field(NAMES[5].to_owned())), any_op.clone()),
        (flag, any_op),
    ];
    let leaf = prop_oneof![12 => valid, 1 => refused];
    (leaf, arb_value()).prop_map(|((field, op), value)| Filter::Compare { field, op, value })
}

fn arb_step_or_membership(list: u64, runs: (u64, u64)) -> impl Strategy<Value = Filter> {
    let id = prop_oneof![Just(list), Just(runs.0), Just(runs.1), any::<u64>()];
    let instance = proptest::sample::select(vec!["a".repeat(32), "d".repeat(32), "0".repeat(32)])
        .prop_map(|hex| InstanceId::parse(&hex).expect("32 hex digits"));
    let kind = prop_oneof![Just(InstanceKind::Action), Just(InstanceKind::Decision)];
    let op = prop_oneof![Just(StatusOp::Eq), Just(StatusOp::Ne)];
    prop_oneof![
        id.clone()
            .prop_map(|id| Filter::Exists(Membership::ContactList(id))),
        id.clone()
            .prop_map(|id| Filter::Exists(Membership::ContactSegment(id))),
        (instance, kind, id, op, "complete|yes|\\PC{1,6}").prop_map(
            |(instance, kind, execution, op, value)| Filter::Status {
                instance,
                kind,
                execution,
                op,
                value,
            }
        ),
    ]
}

/// Filter text as a client writes it: a generated tree, rendered.
fn arb_filter_text(list: u64, runs: (u64, u64)) -> impl Strategy<Value = String> {
    let tree = arb_compare().prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    });
    let special = proptest::option::of(arb_step_or_membership(list, runs));
    (tree, special).prop_map(|(tree, special)| match special {
        Some(s) => Filter::Or(Box::new(Filter::Not(Box::new(s))), Box::new(tree)).to_string(),
        None => tree.to_string(),
    })
}

/// Whether `filter` holds the construct `error` blames.
fn explains(filter: &Filter, error: &FilterSqlError) -> bool {
    match filter {
        Filter::And(l, r) | Filter::Or(l, r) => explains(l, error) || explains(r, error),
        Filter::Not(inner) => explains(inner, error),
        Filter::Exists(m) => {
            matches!(error, FilterSqlError::Unsupported(_))
                && !matches!(m, Membership::ContactList(_))
        }
        Filter::Status { .. } => false,
        Filter::Compare { field, op, .. } => match (field, error) {
            (FieldRef::Field(name), FilterSqlError::UnknownField(unknown)) => name == unknown,
            (FieldRef::IsSubscribed | FieldRef::IsBounced, FilterSqlError::Unsupported(_)) => {
                !matches!(op, CompareOp::Eq | CompareOp::Ne)
            }
            _ => false,
        },
    }
}

/// Property: every filter the parser accepts either compiles to SQL the database runs
/// (whatever the stored values, selecting only site `a`'s contacts), or is refused with one of
/// the two documented errors for a construct the filter holds. `runtime` drives the store.
pub(crate) fn parsed_filters_compile_to_sql_that_runs(
    fx: &dyn FilterStore,
    runtime: &tokio::runtime::Runtime,
) {
    let facts = fx.facts();
    let list = u64::try_from(facts.list).unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 384,
        ..Config::default()
    });
    let result = runner.run(&arb_filter_text(list, runs(facts)), |text| {
        let Ok(filter) = parse(&text) else {
            return Ok(());
        };
        match runtime.block_on(fx.select(&filter, facts.site, &facts.custom)) {
            Ok(matched) => {
                prop_assert!(matched.is_ok(), "{text}: {:?}", matched.err());
                let matched = matched.unwrap_or_default();
                prop_assert!(matched.iter().all(|id| facts.ids.contains(id)));
            }
            Err(error) => prop_assert!(explains(&filter, &error), "{text}: {error}"),
        }
        Ok(())
    });
    result.unwrap();
}
