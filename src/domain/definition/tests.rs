//! Tests for the top-level rules of a contact sync action definition (spec §4.6).

use serde_json::{Value, json};

use super::*;
use crate::domain::appcloud::InstanceKind;

pub(super) fn valid_body() -> Value {
    json!({
        "name": "Add webinar registrants to list 12345",
        "fields": { "EmailAddress": "{{Contact.Field(C_EmailAddress)}}" },
        "identifierFieldName": "EmailAddress",
        "syncActions": [
            { "action": "add", "destination": "{{ContactList[12345]}}" },
            { "action": "setStatus", "destination": "{{EmailGroup[7]}}", "status": "subscribed" }
        ],
        "isSyncTriggeredOnImport": false
    })
}

/// `valid_body()` with `key` set to `value` (`Value::Null` counts as "absent" by the rules).
pub(super) fn with(key: &str, value: Value) -> Value {
    let mut body = valid_body();
    body[key] = value;
    body
}

fn without(key: &str) -> Value {
    let mut body = valid_body();
    body.as_object_mut().expect("object").remove(key);
    body
}

pub(super) fn accepted(body: &Value) -> SyncActionDefinition {
    validate_contact_definition(body).unwrap_or_else(|f| panic!("{body} refused: {f:?}"))
}

/// Asserts `body` fails with exactly one failure on `field` whose constraint contains `constraint`.
pub(super) fn assert_single_failure(
    body: &Value,
    field: &str,
    constraint: &str,
    value: Option<&str>,
) {
    let failures = validate_contact_definition(body).expect_err(&body.to_string());
    assert_eq!(failures.len(), 1, "{body}: {failures:?}");
    let failure = &failures[0];
    assert_eq!(failure.field, field, "{body}: {failure:?}");
    assert!(
        failure.constraint.contains(constraint),
        "{body}: {failure:?} lacks {constraint:?}"
    );
    assert_eq!(failure.value.as_deref(), value, "{body}: {failure:?}");
}

#[test]
fn accepts_the_spec_example() {
    let definition = accepted(&valid_body());
    assert_eq!(definition.name, "Add webinar registrants to list 12345");
    assert_eq!(definition.field_column, "EmailAddress");
    assert_eq!(definition.identifier, Identifier::EmailAddress);
    assert_eq!(definition.sync_actions.len(), 2);
    assert!(!definition.is_sync_triggered_on_import);
    assert_eq!(definition.auto_delete_duration, None);
}

#[test]
fn accepts_each_allowed_identifier() {
    for identifier in Identifier::of(&CONTACTS) {
        let body = with("fields", json!({ "EmailAddress": identifier.markup() }));
        assert_eq!(accepted(&body).identifier, identifier);
        assert_eq!(identifier.statement().to_string(), identifier.markup());
        assert_eq!(
            Identifier::from_statement(identifier.record_type(), &identifier.statement()),
            Some(identifier)
        );
    }
}

#[test]
fn refuses_a_body_that_is_not_an_object() {
    for body in [json!([]), json!("x"), json!(null), json!(3)] {
        assert_single_failure(
            &body,
            "body",
            "must be a JSON object",
            Some(&super::value_text(&body)),
        );
    }
}

#[test]
#[rustfmt::skip]
fn checks_name() {
    let long = "n".repeat(101);
    let refused = [
        (json!(null), "is required", None),
        (json!(""), "must not be empty", Some("")),
        (json!("   "), "must not be empty or only whitespace", Some("   ")),
        (json!(long), "at most 100 characters", Some(long.as_str())),
        (json!(12), "must be a string of 1 to 100 characters", Some("12")),
        (json!(["a"]), "must be a string", Some("[\"a\"]")),
    ];
    for (value, constraint, shown) in refused {
        assert_single_failure(&with("name", value), "name", constraint, shown);
    }
    assert_single_failure(&without("name"), "name", "is required", None);
    // 100 two-byte characters: the limit counts characters, not bytes.
    assert_eq!(accepted(&with("name", json!("é".repeat(100)))).name.chars().count(), 100);
    assert_eq!(accepted(&with("name", json!(" x "))).name, " x ");
}

#[test]
#[rustfmt::skip]
fn checks_fields() {
    let long = "k".repeat(101);
    let refused = [
        (json!(null), "is required", None),
        (json!("Email"), "must be an object with exactly one entry", Some("Email")),
        (json!({}), "exactly one entry", Some("{}")),
        (json!({ "A": "{{Contact.Id}}", "B": "{{Contact.Id}}" }), "exactly one entry", Some(r#"{"A":"{{Contact.Id}}","B":"{{Contact.Id}}"}"#)),
        (json!({ "EmailAddress": 5 }), "the identifier must be a string", Some("5")),
        (json!({ "EmailAddress": "{{Contact.Id}" }), "invalid markup at byte 13: expected '}}'", Some("{{Contact.Id}")),
        (json!({ "EmailAddress": "{{contact.Id}}" }), "did you mean Contact?", Some("{{contact.Id}}")),
        (json!({ "EmailAddress": "{{Contact.Field(C_FirstName)}}" }), "the identifier must be one of {{Contact.Id}}, {{Contact.Field(C_EmailAddress)}}, {{Contact.Field(ContactIDExt)}}", Some("{{Contact.Field(C_FirstName)}}")),
        (json!({ "EmailAddress": "{{Contact.Field(c_emailaddress)}}" }), "(did you mean {{Contact.Field(C_EmailAddress)}}?)", Some("{{Contact.Field(c_emailaddress)}}")),
        (json!({ "EmailAddress": "{{ContactList[1]}}" }), "the identifier must be one of", Some("{{ContactList[1]}}")),
    ];
    for (value, constraint, shown) in refused {
        assert_single_failure(&with("fields", value), "fields", constraint, shown);
    }
    let mut body = with("fields", json!({ long.clone(): "{{Contact.Id}}" }));
    body["identifierFieldName"] = json!("x");
    assert_single_failure(&body, "fields", "the column name must be 1 to 100 characters", Some(&long));
    let column = "é".repeat(100);
    let mut body = with("fields", json!({ column.clone(): "{{Contact.Id}}" }));
    body["identifierFieldName"] = json!(column);
    assert_eq!(accepted(&body).field_column, column);
}

#[test]
#[rustfmt::skip]
fn checks_identifier_field_name() {
    let long = "i".repeat(101);
    let refused = [
        (json!(null), "is required", None),
        (json!(""), "must not be empty", Some("")),
        (json!("Email"), "must equal the column name in fields (\"EmailAddress\")", Some("Email")),
        (json!("emailaddress"), "must equal the column name", Some("emailaddress")),
        (json!(true), "must be a string of 1 to 100 characters", Some("true")),
        (json!(long), "at most 100 characters", Some(long.as_str())),
    ];
    for (value, constraint, shown) in refused {
        assert_single_failure(&with("identifierFieldName", value), "identifierFieldName", constraint, shown);
    }
}

#[test]
#[rustfmt::skip]
fn checks_the_sync_actions_list() {
    let add = json!({ "action": "add", "destination": "{{ContactList[1]}}" });
    let eleven: Vec<Value> = (1..=11).map(|i| json!({ "action": "add", "destination": format!("{{{{ContactList[{i}]}}}}") })).collect();
    let ten = Value::Array(eleven[..10].to_vec());
    let eleven = Value::Array(eleven);
    let refused = [
        (json!(null), "syncActions", "is required; must be an array of 1 to 10 sync actions", None),
        (json!(add.clone()), "syncActions", "must be an array of 1 to 10", Some(add.to_string())),
        (json!([]), "syncActions", "must contain at least one sync action", Some("[]".to_owned())),
        (eleven.clone(), "syncActions", "must contain at most 10 sync actions, found 11", Some(eleven.to_string())),
        (json!(["add"]), "syncActions[0]", "must be an object with action and destination", Some("add".to_owned())),
        (json!([add, 7]), "syncActions[1]", "must be an object", Some("7".to_owned())),
    ];
    for (value, field, constraint, shown) in refused {
        assert_single_failure(&with("syncActions", value), field, constraint, shown.as_deref());
    }
    assert_eq!(accepted(&with("syncActions", ten)).sync_actions.len(), 10);
}

#[test]
fn checks_is_sync_triggered_on_import() {
    let cases = [
        (json!(true), true),
        (json!(false), false),
        (json!("true"), true),
        (json!("TRUE"), true),
        (json!("False"), false),
        (json!(null), false),
    ];
    for (value, expected) in cases {
        let definition = accepted(&with("isSyncTriggeredOnImport", value));
        assert_eq!(definition.is_sync_triggered_on_import, expected);
    }
    assert!(!accepted(&without("isSyncTriggeredOnImport")).is_sync_triggered_on_import);
    for (value, shown) in [(json!("yes"), "yes"), (json!(1), "1"), (json!({}), "{}")] {
        let body = with("isSyncTriggeredOnImport", value);
        let field = "isSyncTriggeredOnImport";
        assert_single_failure(&body, field, "must be true or false", Some(shown));
    }
}

#[test]
#[rustfmt::skip]
fn checks_auto_delete_duration() {
    for (text, seconds) in [("PT1H", 3_600), ("P7D", 604_800), ("PT3600S", 3_600), ("PT60M", 3_600)] {
        let definition = accepted(&with("autoDeleteDuration", json!(text)));
        let duration = definition.auto_delete_duration.expect("duration kept");
        assert_eq!((duration.as_str(), duration.seconds()), (text, seconds));
    }
    assert_eq!(accepted(&with("autoDeleteDuration", json!(null))).auto_delete_duration, None);
    let refused = [
        (json!("PT59M"), "must be at least PT1H", "PT59M"),
        (json!("PT3599.9S"), "must be at least PT1H", "PT3599.9S"),
        (json!("PT0S"), "must be at least PT1H", "PT0S"),
        (json!("1 hour"), "invalid ISO-8601 duration at byte 0: expected 'P'", "1 hour"),
        (json!("PT"), "invalid ISO-8601 duration at byte 2", "PT"),
        (json!(3600), "must be an ISO-8601 duration string", "3600"),
    ];
    for (value, constraint, shown) in refused {
        assert_single_failure(&with("autoDeleteDuration", value), "autoDeleteDuration", constraint, Some(shown));
    }
}

#[test]
fn ignores_unknown_and_read_only_properties() {
    let mut body = valid_body();
    for (key, value) in [
        ("uri", json!("/contacts/syncActions/1")),
        ("createdAt", json!("2024-05-01T12:00:00.1230000Z")),
        ("createdBy", json!(5)),
        ("updatedAt", json!(null)),
        ("updatedBy", json!([])),
        ("kbUsed", json!("lots")),
        ("updateRule", json!("always")),
        ("somethingElse", json!({ "nested": true })),
    ] {
        body[key] = value;
    }
    assert_eq!(accepted(&body), accepted(&valid_body()));
}

#[test]
fn collects_every_failure_at_once() {
    let body = json!({
        "name": "",
        "fields": { "Email": "{{Contact.Field(C_FirstName)}}" },
        "identifierFieldName": "Mail",
        "syncActions": [
            { "action": "add", "destination": "{{ContactList[1]}}", "status": "subscribed" },
            { "action": "Add", "destination": "{{ContactList[1]}}" },
            { "destination": "{{EmailGroup[0]}}" }
        ],
        "isSyncTriggeredOnImport": "maybe",
        "autoDeleteDuration": "PT5M"
    });
    let failures = validate_contact_definition(&body).expect_err("many rules broken");
    let fields: Vec<&str> = failures.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "fields",
            "identifierFieldName",
            "syncActions[0].status",
            "syncActions[1].action",
            "syncActions[1].destination",
            "syncActions[2].action",
            "syncActions[2].destination",
            "isSyncTriggeredOnImport",
            "autoDeleteDuration",
        ]
    );
}

#[test]
fn lists_referenced_containers_with_their_action_index() {
    let guid = "da6ed61da73441dba1349582a4fa8a2c";
    let instance = crate::domain::markup::InstanceId::parse(guid).expect("valid GUID");
    let body = with(
        "syncActions",
        json!([
            { "action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed" },
            { "action": "remove", "destination": "{{ContactList[3]}}" },
            { "action": "setStatus", "destination": "{{EmailGroup[4]}}", "status": "unsubscribed" },
            { "action": "setStatus", "destination": format!("{{{{DecisionInstance({guid}).Execution[9]}}}}"), "status": "yes" },
            { "action": "setStatus", "destination": format!("{{{{FeederInstance({guid})}}}}"), "status": "complete" },
        ]),
    );
    let app = |kind, execution| ContainerRef::AppCloudInstance {
        kind,
        instance: instance.clone(),
        execution,
    };
    assert_eq!(
        accepted(&body).referenced_containers(),
        vec![
            (1, ContainerRef::ContactList(3)),
            (2, ContainerRef::EmailGroup(4)),
            (3, app(InstanceKind::Decision, Some(9))),
            (4, app(InstanceKind::Feeder, None)),
        ]
    );
    assert_eq!(destination_field(3), "syncActions[3].destination");
}
