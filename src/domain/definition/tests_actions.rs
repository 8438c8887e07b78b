//! Tests for the rules of one sync action (spec §5.1, §5.5–§5.7).

use serde_json::{Value, json};

use super::tests::{accepted, assert_single_failure, with};
use super::*;

pub(super) const GUID: &str = "da6ed61da73441dba1349582a4fa8a2c";

pub(super) fn action(action: &str, destination: &str, status: Option<&str>) -> Value {
    let mut value = json!({ "action": action, "destination": destination });
    if let Some(status) = status {
        value["status"] = json!(status);
    }
    value
}

pub(super) fn one_action(item: Value) -> Value {
    with("syncActions", json!([item]))
}

/// Every contact destination with the action it takes and the statuses it accepts.
fn destinations() -> Vec<(String, &'static str, Vec<&'static str>)> {
    vec![
        ("{{ContactList[12345]}}".into(), "add", vec![]),
        ("{{ContactList[12345]}}".into(), "remove", vec![]),
        (
            "{{EmailGroup[7]}}".into(),
            "setStatus",
            vec!["subscribed", "unsubscribed"],
        ),
        (
            "{{GlobalSubscribe}}".into(),
            "setStatus",
            vec!["subscribed", "unsubscribed"],
        ),
        (
            format!("{{{{DecisionInstance({GUID}).Execution[12345]}}}}"),
            "setStatus",
            vec!["yes", "no", "errored"],
        ),
        (
            format!("{{{{ActionInstance({GUID}).Execution[5]}}}}"),
            "setStatus",
            vec!["active", "complete", "errored"],
        ),
        (
            format!("{{{{ActionInstance({GUID})}}}}"),
            "setStatus",
            vec!["active", "complete", "errored"],
        ),
        (
            format!("{{{{FeederInstance({GUID})}}}}"),
            "setStatus",
            vec!["complete"],
        ),
    ]
}

#[test]
fn accepts_every_contact_destination_with_each_allowed_status() {
    for (destination, verb, statuses) in destinations() {
        let cases: Vec<Option<&str>> = if statuses.is_empty() {
            vec![None]
        } else {
            statuses.into_iter().map(Some).collect()
        };
        for status in cases {
            let definition = accepted(&one_action(action(verb, &destination, status)));
            let parsed = &definition.sync_actions[0];
            assert_eq!(parsed.action.as_str(), verb);
            assert_eq!(parsed.destination_markup, destination);
            assert_eq!(parsed.destination.statement().to_string(), destination);
            assert_eq!(parsed.status.map(MemberStatus::as_str), status);
        }
    }
}

#[test]
fn refuses_every_other_status_for_each_destination() {
    for (destination, verb, allowed) in destinations()
        .into_iter()
        .filter(|(_, v, _)| *v == "setStatus")
    {
        for status in MemberStatus::ALL
            .map(MemberStatus::as_str)
            .into_iter()
            // No contact sync action sets `bounced` (refuses_statuses_no_contact_sync_action_sets).
            .filter(|s| !allowed.contains(s) && *s != "bounced")
        {
            let body = one_action(action(verb, &destination, Some(status)));
            assert_single_failure(
                &body,
                "syncActions[0].status",
                &format!("{status} is not allowed here; "),
                Some(status),
            );
        }
    }
}

#[test]
fn refuses_status_on_add() {
    let body = one_action(action("add", "{{ContactList[1]}}", Some("subscribed")));
    assert_single_failure(
        &body,
        "syncActions[0].status",
        "must be omitted when action is add or remove",
        Some("subscribed"),
    );
}

#[test]
fn refuses_status_on_remove() {
    let body = one_action(action("remove", "{{ContactList[1]}}", Some("active")));
    assert_single_failure(
        &body,
        "syncActions[0].status",
        "must be omitted when action is add or remove",
        Some("active"),
    );
}

#[test]
fn refuses_statuses_no_contact_sync_action_sets() {
    for status in ["bounced", "pending", "invalid", "permission"] {
        let body = one_action(action("setStatus", "{{EmailGroup[7]}}", Some(status)));
        let constraint = format!(
            "{status} cannot be set by a contact sync action; an EmailGroup destination accepts subscribed or unsubscribed"
        );
        assert_single_failure(&body, "syncActions[0].status", &constraint, Some(status));
    }
}

#[test]
#[rustfmt::skip]
fn refuses_bad_actions_and_statuses() {
    let feeder = format!("{{{{FeederInstance({GUID})}}}}");
    let cases = [
        (json!({ "destination": "{{ContactList[1]}}" }), "syncActions[0].action", "is required; must be one of add, remove, setStatus", None),
        (action("Add", "{{ContactList[1]}}", None), "syncActions[0].action", "exactly as written (did you mean add?)", Some("Add")),
        (action("setstatus", "{{EmailGroup[1]}}", Some("subscribed")), "syncActions[0].action", "(did you mean setStatus?)", Some("setstatus")),
        (action("delete", "{{ContactList[1]}}", None), "syncActions[0].action", "must be one of add, remove, setStatus", Some("delete")),
        (json!({ "action": 1, "destination": "{{ContactList[1]}}" }), "syncActions[0].action", "must be one of", Some("1")),
        (action("setStatus", "{{ContactList[1]}}", None), "syncActions[0].action", "must be add or remove for a ContactList destination", Some("setStatus")),
        (action("add", "{{EmailGroup[1]}}", None), "syncActions[0].action", "must be setStatus for an EmailGroup destination", Some("add")),
        (action("remove", &feeder, None), "syncActions[0].action", "must be setStatus for a FeederInstance destination", Some("remove")),
        (action("setStatus", "{{EmailGroup[1]}}", None), "syncActions[0].status", "is required for setStatus; an EmailGroup destination accepts subscribed or unsubscribed", None),
        (action("setStatus", &feeder, None), "syncActions[0].status", "is required for setStatus; a FeederInstance destination accepts complete", None),
        (action("setStatus", "{{EmailGroup[1]}}", Some("Subscribed")), "syncActions[0].status", "(statuses are lowercase: did you mean subscribed?)", Some("Subscribed")),
        (action("setStatus", "{{EmailGroup[1]}}", Some("on")), "syncActions[0].status", "must be one of subscribed, unsubscribed, active", Some("on")),
        (json!({ "action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": true }), "syncActions[0].status", "must be a status string", Some("true")),
    ];
    for (item, field, constraint, shown) in cases {
        assert_single_failure(&one_action(item), field, constraint, shown);
    }
}

#[test]
#[rustfmt::skip]
fn refuses_bad_destinations() {
    let dashed = "{{FeederInstance(da6ed61d-a734-41db-a134-9582a4fa8a2c)}}";
    let cases = [
        (json!({ "action": "add" }), "is required; must be a markup statement", None),
        (json!({ "action": "add", "destination": 12 }), "must be a markup statement naming", Some("12")),
        (action("add", "{{ContactList[12}}", None), "invalid markup at byte 16: expected ']' to close the id, found '}'", Some("{{ContactList[12}}")),
        (action("add", "{{contactlist[1]}}", None), "did you mean ContactList?", Some("{{contactlist[1]}}")),
        (action("add", "{{Contact.Id}}", None), "must be a markup statement naming a ContactList, EmailGroup", Some("{{Contact.Id}}")),
        (action("setStatus", dashed, Some("complete")), "write the instance GUID as 32 hex digits without dashes", Some(dashed)),
    ];
    for (item, constraint, shown) in cases {
        assert_single_failure(&one_action(item), "syncActions[0].destination", constraint, shown);
    }
}

#[test]
fn accepts_update_all_only_on_executions() {
    let decision = format!("{{{{DecisionInstance({GUID}).Execution[1]}}}}");
    let action_exec = format!("{{{{ActionInstance({GUID}).Execution[1]}}}}");
    for (destination, status) in [(&decision, "yes"), (&action_exec, "complete")] {
        for (sent, expected) in [
            (json!(true), true),
            (json!(false), false),
            (json!("true"), true),
        ] {
            let mut item = action("setStatus", destination, Some(status));
            item["updateAll"] = sent;
            let definition = accepted(&one_action(item));
            assert_eq!(definition.sync_actions[0].update_all, Some(expected));
        }
    }
    let refused = [
        action("add", "{{ContactList[1]}}", None),
        action("setStatus", "{{EmailGroup[1]}}", Some("subscribed")),
        action("setStatus", "{{GlobalSubscribe}}", Some("unsubscribed")),
        action(
            "setStatus",
            &format!("{{{{ActionInstance({GUID})}}}}"),
            Some("active"),
        ),
        action(
            "setStatus",
            &format!("{{{{FeederInstance({GUID})}}}}"),
            Some("complete"),
        ),
    ];
    for mut item in refused {
        item["updateAll"] = json!(true);
        let constraint = "is only allowed on ActionInstance(...).Execution[...] and DecisionInstance(...).Execution[...] destinations";
        assert_single_failure(
            &one_action(item),
            "syncActions[0].updateAll",
            constraint,
            Some("true"),
        );
    }
    let mut item = action("setStatus", &decision, Some("no"));
    item["updateAll"] = json!("yes");
    assert_single_failure(
        &one_action(item),
        "syncActions[0].updateAll",
        "must be true or false",
        Some("yes"),
    );
}

#[test]
fn refuses_a_destination_used_twice() {
    let upper = format!("{{{{FeederInstance({})}}}}", GUID.to_ascii_uppercase());
    let lower = format!("{{{{FeederInstance({GUID})}}}}");
    let cases = [
        (
            action("add", "{{ContactList[1]}}", None),
            action("add", "{{ContactList[1]}}", None),
        ),
        (
            action("add", "{{ContactList[1]}}", None),
            action("remove", "{{ContactList[1]}}", None),
        ),
        (
            action("setStatus", "{{EmailGroup[2]}}", Some("subscribed")),
            action("setStatus", "{{EmailGroup[2]}}", Some("unsubscribed")),
        ),
        (
            action("setStatus", &lower, Some("complete")),
            action("setStatus", &upper, Some("complete")),
        ),
    ];
    for (first, second) in cases {
        let text = second["destination"].as_str().map(str::to_owned);
        let body = with(
            "syncActions",
            json!([action("add", "{{ContactList[9]}}", None), first, second]),
        );
        let constraint = "repeats the destination of syncActions[1]; each destination may appear in only one action";
        assert_single_failure(
            &body,
            "syncActions[2].destination",
            constraint,
            text.as_deref(),
        );
    }
    let distinct = json!([
        action("add", "{{ContactList[1]}}", None),
        action("add", "{{ContactList[2]}}", None),
        action(
            "setStatus",
            &format!("{{{{ActionInstance({GUID})}}}}"),
            Some("active")
        ),
        action(
            "setStatus",
            &format!("{{{{ActionInstance({GUID}).Execution[1]}}}}"),
            Some("active")
        ),
    ]);
    assert_eq!(
        accepted(&with("syncActions", distinct)).sync_actions.len(),
        4
    );
}

/// The account definition of spec §4.2 (Oracle's SDK tests).
fn account_definition(identifier: &str, actions: Value) -> Value {
    json!({
        "name": "Test",
        "fields": { "CompanyName": identifier },
        "identifierFieldName": "CompanyName",
        "syncActions": actions,
        "isSyncTriggeredOnImport": false
    })
}

#[test]
fn account_definitions_add_to_and_remove_from_account_lists() {
    for identifier in Identifier::of(&ACCOUNTS) {
        let body = account_definition(
            identifier.markup(),
            json!([
                action("add", "{{AccountList[1]}}", None),
                action("remove", "{{AccountList[2]}}", None)
            ]),
        );
        let definition = validate_sync_action_definition(&ACCOUNTS, &body)
            .unwrap_or_else(|f| panic!("{body} refused: {f:?}"));
        assert_eq!(definition.identifier, identifier);
        assert_eq!(definition.identifier.record_type(), &ACCOUNTS);
        assert_eq!(
            definition.sync_actions[0].destination,
            Destination::AccountList(1)
        );
    }
}

#[test]
fn each_record_type_refuses_the_others_identifiers_and_destinations() {
    let refused = |record_type: &RecordType, body: &Value| {
        validate_sync_action_definition(record_type, body).expect_err(&body.to_string())
    };
    let contact_list = json!([action("add", "{{ContactList[1]}}", None)]);
    let failures = refused(
        &ACCOUNTS,
        &account_definition("{{Account.Id}}", contact_list.clone()),
    );
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].field, "syncActions[0].destination");
    assert_eq!(
        failures[0].constraint,
        "account sync actions take no ContactList destination; expected AccountList"
    );
    for destination in ["{{GlobalSubscribe}}", "{{EmailGroup[3]}}"] {
        let actions = json!([action("setStatus", destination, Some("subscribed"))]);
        let body = account_definition("{{Account.Id}}", actions);
        let fields: Vec<String> = refused(&ACCOUNTS, &body)
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert!(
            fields.contains(&"syncActions[0].destination".to_owned()),
            "{fields:?}"
        );
    }
    let failures = refused(
        &ACCOUNTS,
        &account_definition(
            "{{Contact.Id}}",
            json!([action("add", "{{AccountList[1]}}", None)]),
        ),
    );
    assert_eq!(failures[0].field, "fields");
    assert!(
        failures[0]
            .constraint
            .contains("{{Account.Field(M_CompanyName)}}")
    );
    let account_list = json!([action("add", "{{AccountList[1]}}", None)]);
    let failures = refused(
        &CONTACTS,
        &account_definition("{{Contact.Id}}", account_list),
    );
    assert_eq!(
        failures[0].constraint,
        "contact sync actions take no AccountList destination; expected ContactList, EmailGroup, GlobalSubscribe, ActionInstance, DecisionInstance or FeederInstance"
    );
}
