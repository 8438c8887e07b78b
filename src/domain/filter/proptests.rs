//! Property tests: the parser never panics, errors point inside the input, generated trees
//! survive rendering and parsing, and deep nesting is refused cleanly.

use proptest::prelude::*;

use super::*;
use crate::domain::appcloud::InstanceKind;
use crate::domain::markup::InstanceId;

const GUID: &str = "da6ed61da73441dba1349582a4fa8a2c";

fn arb_id() -> impl Strategy<Value = u64> {
    prop_oneof![1..=1000u64, 1..=u64::MAX]
}

fn arb_field() -> impl Strategy<Value = FieldRef> {
    prop_oneof![
        Just(FieldRef::Id),
        Just(FieldRef::IsSubscribed),
        Just(FieldRef::IsBounced),
        "[A-Za-z][A-Za-z0-9_]{0,20}".prop_map(FieldRef::Field),
    ]
}

fn arb_compare() -> impl Strategy<Value = Filter> {
    let op = proptest::sample::select(CompareOp::ALL.to_vec());
    // Values are free text: quotes, keywords, parentheses and non-ASCII must all survive.
    let value = prop_oneof!["\\PC{0,12}", "[' ()ANDOR*]{0,8}", "-?[0-9]{1,5}"];
    (arb_field(), op, value).prop_map(|(field, op, value)| Filter::Compare { field, op, value })
}

/// The one `EXISTS`/`STATUS` a filter may hold.
fn arb_step_or_membership() -> impl Strategy<Value = Filter> {
    let instance = "[0-9a-f]{32}".prop_map(|hex| InstanceId::parse(&hex).expect("32 hex digits"));
    let kind = prop_oneof![Just(InstanceKind::Action), Just(InstanceKind::Decision)];
    let op = prop_oneof![Just(StatusOp::Eq), Just(StatusOp::Ne)];
    prop_oneof![
        arb_id().prop_map(|id| Filter::Exists(Membership::ContactList(id))),
        arb_id().prop_map(|id| Filter::Exists(Membership::ContactSegment(id))),
        arb_id().prop_map(|id| Filter::Exists(Membership::ContactFilter(id))),
        (instance, kind, arb_id(), op, "\\PC{1,10}").prop_map(
            |(instance, kind, execution, op, value)| Filter::Status {
                instance,
                kind,
                execution,
                op,
                value
            }
        ),
    ]
}

fn arb_filter() -> impl Strategy<Value = Filter> {
    let tree = arb_compare().prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|f| Filter::Not(Box::new(f))),
        ]
    });
    (tree, proptest::option::of(arb_step_or_membership()), 0..3u8).prop_map(
        |(tree, special, place)| match (special, place) {
            (None, _) => tree,
            (Some(s), 0) => Filter::And(Box::new(tree), Box::new(s)),
            (Some(s), 1) => Filter::Or(Box::new(s), Box::new(tree)),
            (Some(s), _) => Filter::And(Box::new(Filter::Not(Box::new(s))), Box::new(tree)),
        },
    )
}

/// Sequences of the grammar's own pieces, so the parser gets deep into its states.
fn token_soup() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(vec![
        "(",
        ")",
        "AND",
        "or",
        "Not",
        "EXISTS",
        "status",
        "=",
        "!=",
        "~",
        ">",
        "<=",
        "'",
        "''",
        "'{{ContactList[12]}}'",
        "'{{ContactSegment[3]}}'",
        "'{{ContactFilter[01]}}'",
        "'{{Contact.Id}}'",
        "'{{Contact.Field(C_EmailAddress)}}'",
        "'{{Contact.Email.IsBounced}}'",
        "'{{ActionInstance(da6ed61da73441dba1349582a4fa8a2c).Execution[3]}}'",
        "'{{DecisionInstance(da6ed61da73441dba1349582a4fa8a2c)}}'",
        "'complete'",
        "'x''y'",
        "12",
        "-1.5",
        "1.",
        "{{",
        "}}",
        "[",
        "]",
        "é",
        "\"",
        "&&",
        "EXIST",
        " ",
        "\t",
    ]);
    let sep = proptest::sample::select(vec!["", " ", "  "]);
    proptest::collection::vec((piece, sep), 0..24)
        .prop_map(|pieces| pieces.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
}

/// Checks the parser's contract on any input: an error points inside it, a success round-trips.
fn check_contract(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(filter) => {
            let canonical = filter.to_string();
            prop_assert_eq!(
                parse(&canonical),
                Ok(filter),
                "{:?} → {:?}",
                text,
                canonical
            );
        }
        Err(error) => {
            prop_assert!(error.at <= text.len(), "{:?}: {}", text, error);
            prop_assert!(text.is_char_boundary(error.at), "{:?}: {}", text, error);
            prop_assert!(!error.reason.is_empty());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(text in "\\PC{0,120}") {
        check_contract(&text)?;
    }

    #[test]
    fn never_panics_on_arbitrary_unicode(text in any::<String>()) {
        check_contract(&text)?;
    }

    #[test]
    fn never_panics_on_token_soup(text in token_soup()) {
        check_contract(&text)?;
    }

    #[test]
    fn generated_filters_round_trip_through_display(filter in arb_filter()) {
        let canonical = filter.to_string();
        let reparsed = parse(&canonical);
        prop_assert_eq!(reparsed.as_ref(), Ok(&filter), "{}", canonical);
        // Rendering is canonical: rendering the reparsed tree gives the same text.
        prop_assert_eq!(reparsed.map(|f| f.to_string()), Ok(canonical));
    }

    #[test]
    fn mutated_filters_never_panic(
        filter in arb_filter(),
        index in any::<prop::sample::Index>(),
        op in 0..3u8,
        c in proptest::sample::select("()'{}[]=!<>~ aNé0".chars().collect::<Vec<_>>()),
    ) {
        let mut text = filter.to_string();
        // Move to a char boundary: values may hold multi-byte characters.
        let mut at = index.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        match op {
            0 => text.insert(at, c),
            1 if at < text.len() => { text.remove(at); }
            _ if at < text.len() => { text.remove(at); text.insert(at, c); }
            _ => text.push(c),
        }
        check_contract(&text)?;
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing(
        depth in (MAX_DEPTH + 1)..20_000usize,
        opener in proptest::sample::select(vec!["(", "NOT ", "not(", " ( "]),
    ) {
        let text = format!("{}'{{{{Contact.Id}}}}' = 1{}", opener.repeat(depth), ")".repeat(depth));
        let error = parse(&text).expect_err("deeper than the limit");
        prop_assert!(error.reason.contains("nests too deeply"), "{}", error);
    }
}

#[test]
fn status_guid_in_generated_trees_matches_the_markup_parser() {
    // Guards the hand-written STATUS rendering against drift from the markup crate's.
    let filter = Filter::Status {
        instance: InstanceId::parse(GUID).expect("valid"),
        kind: InstanceKind::Decision,
        execution: 3,
        op: StatusOp::Eq,
        value: "yes".to_owned(),
    };
    let markup = crate::domain::markup::Statement::DecisionInstance {
        instance: InstanceId::parse(GUID).expect("valid"),
        execution: 3,
    };
    assert_eq!(filter.to_string(), format!("STATUS('{markup}') = 'yes'"));
}
