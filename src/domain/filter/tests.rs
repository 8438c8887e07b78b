//! Unit tests for accepted filters: every construct, precedence, canonical rendering and the limits.

use super::*;
use crate::domain::appcloud::InstanceKind;
use crate::domain::markup::InstanceId;

const GUID: &str = "da6ed61da73441dba1349582a4fa8a2c";
const EMAIL: &str = "'{{Contact.Field(C_EmailAddress)}}'";

fn instance() -> InstanceId {
    InstanceId::parse(GUID).expect("GUID constant is valid")
}

fn email(op: CompareOp, value: &str) -> Filter {
    compare(FieldRef::Field("C_EmailAddress".to_owned()), op, value)
}

fn compare(field: FieldRef, op: CompareOp, value: &str) -> Filter {
    Filter::Compare {
        field,
        op,
        value: value.to_owned(),
    }
}

fn status(kind: InstanceKind, execution: u64, op: StatusOp, value: &str) -> Filter {
    Filter::Status {
        instance: instance(),
        kind,
        execution,
        op,
        value: value.to_owned(),
    }
}

fn and(left: Filter, right: Filter) -> Filter {
    Filter::And(Box::new(left), Box::new(right))
}

fn or(left: Filter, right: Filter) -> Filter {
    Filter::Or(Box::new(left), Box::new(right))
}

fn not(inner: Filter) -> Filter {
    Filter::Not(Box::new(inner))
}

fn list(id: u64) -> Filter {
    Filter::Exists(Membership::ContactList(id))
}

fn parsed(text: &str) -> Filter {
    parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

#[test]
fn parses_every_condition_shape() {
    let cases = [
        ("EXISTS('{{ContactList[12]}}')".to_owned(), list(12)),
        (
            "EXISTS('{{ContactList[18446744073709551615]}}')".to_owned(),
            list(u64::MAX),
        ),
        (
            "EXISTS('{{ContactSegment[7]}}')".to_owned(),
            Filter::Exists(Membership::ContactSegment(7)),
        ),
        (
            "EXISTS('{{ContactFilter[900]}}')".to_owned(),
            Filter::Exists(Membership::ContactFilter(900)),
        ),
        (
            format!("STATUS('{{{{ActionInstance({GUID}).Execution[5]}}}}') = 'complete'"),
            status(InstanceKind::Action, 5, StatusOp::Eq, "complete"),
        ),
        (
            format!("STATUS('{{{{DecisionInstance({GUID}).Execution[9]}}}}') != 'yes'"),
            status(InstanceKind::Decision, 9, StatusOp::Ne, "yes"),
        ),
        (
            "'{{Contact.Id}}' > 100".to_owned(),
            compare(FieldRef::Id, CompareOp::Gt, "100"),
        ),
        (
            "'{{Contact.Email.IsSubscribed}}' = 'true'".to_owned(),
            compare(FieldRef::IsSubscribed, CompareOp::Eq, "true"),
        ),
        (
            "'{{Contact.Email.IsBounced}}' != 1".to_owned(),
            compare(FieldRef::IsBounced, CompareOp::Ne, "1"),
        ),
        (
            format!("{EMAIL} ~ '*@example.com'"),
            email(CompareOp::Like, "*@example.com"),
        ),
        (format!("{EMAIL} = ''"), email(CompareOp::Eq, "")),
        (format!("{EMAIL} < 'm'"), email(CompareOp::Lt, "m")),
        (format!("{EMAIL} >= 'a'"), email(CompareOp::Ge, "a")),
        (format!("{EMAIL} <= 'z'"), email(CompareOp::Le, "z")),
        (format!("{EMAIL} = -3.25"), email(CompareOp::Eq, "-3.25")),
        (
            format!("{EMAIL} = 'O''Brien'"),
            email(CompareOp::Eq, "O'Brien"),
        ),
        (format!("{EMAIL} = ''''"), email(CompareOp::Eq, "'")),
        (
            format!("{EMAIL} = 'é ü 日本'"),
            email(CompareOp::Eq, "é ü 日本"),
        ),
        (
            format!("{EMAIL} = 'a AND b OR ('"),
            email(CompareOp::Eq, "a AND b OR ("),
        ),
        (format!("NOT {EMAIL} = 'x'"), not(email(CompareOp::Eq, "x"))),
        ("((EXISTS('{{ContactList[1]}}')))".to_owned(), list(1)),
    ];
    for (text, expected) in cases {
        assert_eq!(parsed(&text), expected, "{text}");
    }
}

#[test]
fn keywords_are_case_insensitive_and_whitespace_is_optional() {
    let expected = and(list(3), not(email(CompareOp::Eq, "x")));
    for text in [
        format!("EXISTS('{{{{ContactList[3]}}}}') AND NOT {EMAIL} = 'x'"),
        format!("exists('{{{{ContactList[3]}}}}') and not {EMAIL} = 'x'"),
        format!("Exists ( '{{{{ContactList[3]}}}}' ) aNd NoT {EMAIL}='x'"),
        format!("EXISTS('{{{{ContactList[3]}}}}')AND NOT{EMAIL}='x'"),
        format!("\n\tEXISTS('{{{{ContactList[3]}}}}')\r\nAND\u{a0}NOT {EMAIL} =\t'x'  "),
    ] {
        assert_eq!(parsed(&text), expected, "{text:?}");
    }
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let (a, b, c) = (
        || email(CompareOp::Eq, "a"),
        || email(CompareOp::Eq, "b"),
        || email(CompareOp::Eq, "c"),
    );
    let cases = [
        ("1 OR 2 AND 3", or(a(), and(b(), c()))),
        ("1 AND 2 OR 3", or(and(a(), b()), c())),
        ("NOT 1 AND 2", and(not(a()), b())),
        ("NOT (1 AND 2)", not(and(a(), b()))),
        ("1 AND 2 AND 3", and(and(a(), b()), c())),
        ("1 OR 2 OR 3", or(or(a(), b()), c())),
        ("1 OR (2 OR 3)", or(a(), or(b(), c()))),
        ("(1 OR 2) AND 3", and(or(a(), b()), c())),
        ("NOT NOT 1", not(not(a()))),
    ];
    for (shape, expected) in cases {
        let text = shape
            .replace('1', &format!("{EMAIL} = 'a'"))
            .replace('2', &format!("{EMAIL} = 'b'"))
            .replace('3', &format!("{EMAIL} = 'c'"));
        assert_eq!(parsed(&text), expected, "{shape}");
    }
}

#[test]
fn renders_canonical_text_that_parses_back_to_the_same_tree() {
    let guid_upper = GUID.to_ascii_uppercase();
    let cases = [
        (
            "exists ( '{{ContactList[12]}}' )".to_owned(),
            "EXISTS('{{ContactList[12]}}')".to_owned(),
        ),
        (
            format!("status('{{{{ActionInstance({guid_upper}).Execution[5]}}}}')='Complete'"),
            format!("STATUS('{{{{ActionInstance({GUID}).Execution[5]}}}}') = 'Complete'"),
        ),
        (
            "'{{Contact.Id}}'>=7".to_owned(),
            "'{{Contact.Id}}' >= '7'".to_owned(),
        ),
        (
            format!("{EMAIL}='O''Brien'"),
            format!("{EMAIL} = 'O''Brien'"),
        ),
        (
            "((('{{Contact.Id}}' = 1)))".to_owned(),
            "'{{Contact.Id}}' = '1'".to_owned(),
        ),
        (
            "'{{Contact.Id}}'=1 or '{{Contact.Id}}'=2 and not '{{Contact.Id}}'=3".to_owned(),
            "'{{Contact.Id}}' = '1' OR '{{Contact.Id}}' = '2' AND NOT '{{Contact.Id}}' = '3'"
                .to_owned(),
        ),
        (
            "('{{Contact.Id}}'=1 or '{{Contact.Id}}'=2) and ('{{Contact.Id}}'=3 and '{{Contact.Id}}'=4)"
                .to_owned(),
            "('{{Contact.Id}}' = '1' OR '{{Contact.Id}}' = '2') AND ('{{Contact.Id}}' = '3' AND '{{Contact.Id}}' = '4')"
                .to_owned(),
        ),
        (
            "not ('{{Contact.Id}}'=1 or '{{Contact.Id}}'=2)".to_owned(),
            "NOT ('{{Contact.Id}}' = '1' OR '{{Contact.Id}}' = '2')".to_owned(),
        ),
    ];
    for (text, canonical) in cases {
        let filter = parsed(&text);
        assert_eq!(filter.to_string(), canonical, "{text}");
        assert_eq!(parsed(&canonical), filter, "{canonical}");
    }
}

#[test]
fn instance_guids_are_compared_lowercase() {
    let upper = format!(
        "STATUS('{{{{DecisionInstance({}).Execution[1]}}}}') = 'no'",
        GUID.to_ascii_uppercase()
    );
    assert_eq!(
        parsed(&upper),
        status(InstanceKind::Decision, 1, StatusOp::Eq, "no")
    );
}

#[test]
fn parts_render_as_their_markup_and_symbols() {
    assert_eq!(
        Membership::ContactSegment(4).to_string(),
        "{{ContactSegment[4]}}"
    );
    assert_eq!(
        Membership::ContactFilter(5).to_string(),
        "{{ContactFilter[5]}}"
    );
    assert_eq!(
        FieldRef::IsBounced.to_string(),
        "{{Contact.Email.IsBounced}}"
    );
    let symbols: Vec<String> = CompareOp::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(symbols, ["=", "!=", ">", "<", ">=", "<=", "~"]);
    assert_eq!(StatusOp::Ne.to_string(), "!=");
}

#[test]
fn from_str_and_errors_name_the_byte() {
    assert_eq!(
        "EXISTS('{{ContactList[1]}}')".parse::<Filter>(),
        Ok(list(1))
    );
    let error = parse("EXISTS('{{ContactList[1]}}') AN").expect_err("trailing word");
    assert_eq!(error.at, 29);
    assert!(
        error
            .to_string()
            .starts_with("invalid filter at byte 29: expected AND, OR or end of filter"),
        "{error}"
    );
    let failure = error.to_failure("EXISTS('{{ContactList[1]}}') AN");
    assert_eq!(failure.field, "filter");
    assert_eq!(failure.constraint, error.to_string());
    assert_eq!(
        failure.value.as_deref(),
        Some("EXISTS('{{ContactList[1]}}') AN")
    );
}

#[test]
fn accepts_nesting_up_to_the_limit() {
    let condition = "'{{Contact.Id}}' = 1";
    let parens = format!(
        "{}{condition}{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert_eq!(parsed(&parens), compare(FieldRef::Id, CompareOp::Eq, "1"));
    let nots = format!("{}{condition}", "NOT ".repeat(MAX_DEPTH));
    assert!(matches!(parsed(&nots), Filter::Not(_)));
    // Depth is about nesting, not about how many groups follow each other.
    let siblings = vec![format!("({condition})"); 200].join(" AND ");
    assert!(matches!(parsed(&siblings), Filter::And(..)));
}

#[test]
fn accepts_up_to_the_condition_limit() {
    let chain = vec!["'{{Contact.Id}}' = 1"; MAX_CONDITIONS].join(" OR ");
    let filter = parsed(&chain);
    assert_eq!(parse(&filter.to_string()), Ok(filter));
}
