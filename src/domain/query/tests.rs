use super::*;
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    CreatedAt,
    Id,
}

impl QueryField for Field {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(Self::Name),
            "createdat" => Some(Self::CreatedAt),
            "id" => Some(Self::Id),
            _ => None,
        }
    }
    fn kind(self) -> FieldKind {
        match self {
            Self::Name => FieldKind::Text,
            Self::CreatedAt => FieldKind::Time,
            Self::Id => FieldKind::Integer,
        }
    }
    fn names() -> &'static [&'static str] {
        &["name", "createdAt", "id"]
    }
}

fn params(q: &str) -> RawListParams {
    RawListParams {
        q: Some(q.to_owned()),
        ..RawListParams::default()
    }
}

#[test]
fn defaults_to_the_first_thousand_with_a_total() {
    let query = RawListParams::default().parse::<Field>(MAX_PAGE).unwrap();
    assert_eq!(query, ListQuery::all());
}

#[test]
fn accepts_q_wrapped_in_quotes_with_quoted_and_bare_values() {
    for text in [
        "\"name=*Test*\"",
        "name='*Test*'",
        "name=*Test*",
        "'name=*Test*'",
    ] {
        let query = params(text).parse::<Field>(MAX_PAGE).unwrap();
        assert_eq!(
            query.conditions,
            vec![Condition {
                field: Field::Name,
                op: Op::Eq,
                operand: Operand::Text("*Test*".into())
            }],
            "{text}"
        );
    }
}

#[test]
fn ands_several_terms_and_types_dates() {
    let query = params("name!='a b' AND createdAt>='2024-05-01' id<3")
        .parse::<Field>(MAX_PAGE)
        .unwrap();
    assert_eq!(query.conditions.len(), 3);
    assert_eq!(query.conditions[0].operand, Operand::Text("a b".into()));
    assert_eq!(query.conditions[1].op, Op::Ge);
    assert!(matches!(query.conditions[1].operand, Operand::Time(_)));
    assert_eq!(query.conditions[2].operand, Operand::Integer(3));
}

#[test]
fn refuses_unknown_terms_bad_operators_and_bad_dates() {
    for bad in [
        "colour=red",
        "name>x",
        "createdAt='soon'",
        "name='open",
        "name",
        "=x",
        "name=a AND",
        "id=1.5",
    ] {
        let failures = params(bad).parse::<Field>(MAX_PAGE).unwrap_err();
        assert_eq!(failures[0].field, "q", "{bad}");
    }
}

#[test]
fn checks_limit_offset_order_and_total_results() {
    let raw = RawListParams {
        limit: Some("0".into()),
        offset: Some("-1".into()),
        order_by: Some("colour ASC".into()),
        q: None,
        total_results: Some("maybe".into()),
    };
    let fields: Vec<_> = raw
        .parse::<Field>(MAX_PAGE)
        .unwrap_err()
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["limit", "offset", "totalResults", "orderBy"]);
    let raw = RawListParams {
        limit: Some("1001".into()),
        ..RawListParams::default()
    };
    assert!(raw.parse::<Field>(MAX_PAGE).is_err());
    assert!(raw.parse::<Field>(50_000).is_ok());
}

#[test]
fn parses_order_by_in_every_spelling() {
    for (text, want) in [
        ("name ASC", Direction::Ascending),
        ("createdAt desc", Direction::Descending),
        ("name", Direction::Ascending),
        ("'name DESC'", Direction::Descending),
    ] {
        let raw = RawListParams {
            order_by: Some(text.into()),
            ..RawListParams::default()
        };
        assert_eq!(raw.parse::<Field>(MAX_PAGE).unwrap().order.unwrap().1, want);
    }
    let raw = RawListParams {
        order_by: Some("name ASC extra".into()),
        ..RawListParams::default()
    };
    assert!(raw.parse::<Field>(MAX_PAGE).is_err());
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_parameters(
        q in ".{0,40}", order in ".{0,20}", limit in ".{0,6}", offset in ".{0,25}"
    ) {
        let raw = RawListParams {
            limit: Some(limit), offset: Some(offset), order_by: Some(order), q: Some(q),
            total_results: None,
        };
        let _ = raw.parse::<Field>(MAX_PAGE);
    }

    #[test]
    fn never_panics_on_query_shaped_text(q in "[ a-zA-Z=!<>'\"*0-9-]{0,40}") {
        let _ = params(&q).parse::<Field>(MAX_PAGE);
    }
}
