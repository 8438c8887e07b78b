//! Tests for a sync action's stored JSON form and wire words, and the no-panic property of validation.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::tests::{accepted, with};
use super::tests_actions::{GUID, action, one_action};
use super::*;

#[test]
fn to_json_echoes_what_the_client_sent_in_eloqua_order() {
    let upper = format!(
        "{{{{ActionInstance({}).Execution[3]}}}}",
        GUID.to_ascii_uppercase()
    );
    let mut with_update_all = action("setStatus", &upper, Some("errored"));
    with_update_all["updateAll"] = json!("TRUE");
    let body = with(
        "syncActions",
        json!([action("add", "{{ContactList[1]}}", None), with_update_all]),
    );
    let definition = accepted(&body);
    let echoed: Vec<String> = definition
        .sync_actions
        .iter()
        .map(|a| a.to_json().to_string())
        .collect();
    assert_eq!(
        echoed,
        [
            r#"{"destination":"{{ContactList[1]}}","action":"add"}"#.to_owned(),
            format!(
                r#"{{"destination":"{upper}","action":"setStatus","status":"errored","updateAll":true}}"#
            ),
        ]
    );
    for stored in &definition.sync_actions {
        assert_eq!(
            SyncAction::from_stored_json(&CONTACTS, &stored.to_json()).as_ref(),
            Ok(stored)
        );
    }
}

#[test]
fn from_stored_json_reports_a_corrupt_action() {
    let failures = SyncAction::from_stored_json(&CONTACTS, &json!({ "action": "add" }))
        .expect_err("no destination");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].field, "syncAction.destination");
    assert!(SyncAction::from_stored_json(&CONTACTS, &json!(null)).is_err());
}

#[test]
fn wire_words_round_trip() {
    for kind in ActionKind::ALL {
        assert_eq!(kind.as_str().parse::<ActionKind>(), Ok(kind));
    }
    for status in MemberStatus::ALL {
        assert_eq!(status.as_str().parse::<MemberStatus>(), Ok(status));
    }
    let err = "pending"
        .parse::<MemberStatus>()
        .expect_err("refused status");
    assert_eq!(err.to_string(), "'pending' is not a known status");
}

/// JSON values biased towards definition-shaped objects so the deeper rules run too.
fn arb_json() -> impl Strategy<Value = Value> {
    let words = prop_oneof![
        proptest::sample::select(vec![
            "add",
            "remove",
            "setStatus",
            "subscribed",
            "bounced",
            "yes",
            "complete",
            "true",
            "PT1H",
            "P",
            "{{ContactList[1]}}",
            "{{EmailGroup[2]}}",
            "{{GlobalSubscribe}}",
            "{{Contact.Id}}",
            "{{Contact.Field(C_EmailAddress)}}",
            "{{FeederInstance(da6ed61da73441dba1349582a4fa8a2c)}}",
            "{{DecisionInstance(da6ed61da73441dba1349582a4fa8a2c).Execution[1]}}",
            "Email",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        any::<String>().prop_map(Value::String),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        words,
    ];
    let keys = proptest::sample::select(vec![
        "name",
        "fields",
        "identifierFieldName",
        "syncActions",
        "isSyncTriggeredOnImport",
        "autoDeleteDuration",
        "action",
        "destination",
        "status",
        "updateAll",
        "Email",
        "uri",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..7).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn validate_never_panics(body in arb_json()) {
        let _ = validate_contact_definition(&body);
    }

    #[test]
    fn validate_never_panics_on_mutated_valid_bodies(key in "[a-zA-Z]{1,20}", value in arb_json()) {
        let _ = validate_contact_definition(&with(&key, value.clone()));
        let _ = validate_contact_definition(&one_action(value));
    }

    #[test]
    fn failures_are_never_empty_on_refusal(body in arb_json()) {
        if let Err(failures) = validate_contact_definition(&body) {
            prop_assert!(!failures.is_empty());
        }
    }
}
