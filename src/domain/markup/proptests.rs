//! Property tests: the parser never panics, and rendering and parsing are inverse to each other.

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use super::*;

fn arb_instance() -> impl Strategy<Value = InstanceId> {
    "[0-9a-fA-F]{32}".prop_map(|hex| InstanceId::parse(&hex).expect("32 hex digits"))
}

fn arb_id() -> impl Strategy<Value = u64> {
    prop_oneof![1..=1000u64, 1..=u64::MAX]
}

fn arb_statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        Just(Statement::ContactId),
        "[A-Za-z][A-Za-z0-9_]{0,99}"
            .prop_map(|n| Statement::RecordField(FieldName::parse(&n).expect("matches grammar"))),
        proptest::sample::select(EmailProperty::ALL.to_vec()).prop_map(Statement::ContactEmail),
        arb_id().prop_map(Statement::ContactList),
        arb_id().prop_map(Statement::EmailGroup),
        Just(Statement::GlobalSubscribe),
        (arb_instance(), proptest::option::of(arb_id())).prop_map(|(instance, execution)| {
            Statement::ActionInstance {
                instance,
                execution,
            }
        }),
        (arb_instance(), arb_id()).prop_map(|(instance, execution)| Statement::DecisionInstance {
            instance,
            execution
        }),
        arb_instance().prop_map(|instance| Statement::FeederInstance { instance }),
    ]
}

/// Inputs shaped like markup (known names, plausible suffixes) so a fair share of them parse.
fn markupish_input() -> impl Strategy<Value = String> {
    let head = prop_oneof![
        4 => proptest::sample::select(vec![
            "Contact", "ContactList", "EmailGroup", "GlobalSubscribe",
            "ActionInstance", "DecisionInstance", "FeederInstance",
        ]).prop_map(str::to_owned),
        1 => "[A-Za-z][A-Za-z0-9_]{0,6}",
    ];
    let part = prop_oneof![
        4 => proptest::sample::select(vec![
            "Id", "Field", "Email", "IsSubscribed", "IsBounced", "Format", "Execution",
        ]).prop_map(str::to_owned),
        1 => "[A-Za-z][A-Za-z0-9_]{0,6}",
    ];
    let suffix = prop_oneof![
        3 => Just(String::new()),
        2 => "[0-9]{1,4}".prop_map(|d| format!("[{d}]")),
        2 => "[0-9a-f]{32}".prop_map(|g| format!("({g})")),
        1 => "[A-Za-z0-9_-]{1,10}".prop_map(|a| format!("({a})")),
    ];
    let segment = |name| (name, suffix.clone()).prop_map(|(n, s): (String, String)| n + &s);
    (
        segment(head),
        proptest::collection::vec(segment(part), 0..3),
    )
        .prop_map(|(first, rest)| {
            let mut all = vec![first];
            all.extend(rest);
            format!("{{{{{}}}}}", all.join("."))
        })
}

/// A valid rendering with one character inserted, deleted or replaced.
fn mutated_statement() -> impl Strategy<Value = String> {
    let noise = proptest::sample::select("{}[]().-_ aZ09é".chars().collect::<Vec<_>>());
    (arb_statement(), any::<prop::sample::Index>(), 0..3u8, noise).prop_map(
        |(statement, index, op, c)| {
            // Rendered markup is ASCII, so every byte index is a char boundary.
            let mut text = statement.to_string();
            let at = index.index(text.len());
            match op {
                0 => text.insert(at, c),
                1 => {
                    text.remove(at);
                }
                _ => text.replace_range(at..=at, &c.to_string()),
            }
            text
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_never_panics_on_arbitrary_strings(input in any::<String>()) {
        let _ = parse(&input);
    }

    #[test]
    fn parse_never_panics_on_markup_characters(input in "[{}\\[\\]().a-zA-Z0-9_-]{0,80}") {
        let _ = parse(&input);
    }

    #[test]
    fn parse_never_panics_inside_braces(inner in "[{}\\[\\]().a-zA-Z0-9_ -]{0,60}") {
        let _ = parse(&format!("{{{{{inner}}}}}"));
    }

    #[test]
    fn rendering_then_parsing_gives_the_statement_back(statement in arb_statement()) {
        prop_assert_eq!(parse(&statement.to_string()), Ok(statement));
    }

    #[test]
    fn accepted_markupish_input_renders_back_unchanged(input in markupish_input()) {
        if let Ok(statement) = parse(&input) {
            prop_assert_eq!(statement.to_string(), input);
        }
    }

    #[test]
    fn accepted_mutations_render_back_unchanged(input in mutated_statement()) {
        // The noise alphabet has no uppercase hex digit, so an accepted GUID stays lowercase.
        if let Ok(statement) = parse(&input) {
            prop_assert_eq!(statement.to_string(), input);
        }
    }

    #[test]
    fn guid_case_is_the_only_rendering_difference(statement in arb_statement()) {
        let rendered = statement.to_string();
        let upper = match &statement {
            Statement::ActionInstance { instance, .. }
            | Statement::DecisionInstance { instance, .. }
            | Statement::FeederInstance { instance } => {
                rendered.replace(instance.as_str(), &instance.as_str().to_ascii_uppercase())
            }
            _ => rendered.clone(),
        };
        prop_assert_eq!(parse(&upper).map(|s| s.to_string()), Ok(rendered));
    }
}

/// The share of `strategy`'s inputs that parse, over `n` samples from a fixed seed.
fn accepted_share(strategy: impl Strategy<Value = String>, n: usize) -> f64 {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let accepted = (0..n)
        .filter(|_| {
            let input = strategy.new_tree(&mut runner).expect("a value").current();
            parse(&input).is_ok()
        })
        .count();
    accepted as f64 / n as f64
}

/// The two properties above assert only on inputs the parser accepts: make sure their
/// generators produce such inputs often enough for the properties to mean something (at 2%,
/// each of their 1024 cases gives about 20 that assert).
#[test]
fn the_conditional_properties_see_accepted_input_often() {
    for (name, share) in [
        ("markupish_input", accepted_share(markupish_input(), 1000)),
        (
            "mutated_statement",
            accepted_share(mutated_statement(), 1000),
        ),
    ] {
        assert!(share >= 0.02, "{name}: only {share:.3} of inputs parse");
    }
}
