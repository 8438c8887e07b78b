//! Every contact sync action (§5.1) applied to contacts found by each of the three identifiers,
//! checked in the store and in the sync's log lines, and `updateAll` (§5.7).

use loquat::domain::appcloud::InstanceKind;
use loquat::domain::asset::{ContactListInput, EmailGroupInput};
use loquat::domain::markup::InstanceId;
use serde_json::{Value, json};

use crate::helpers::{ACTION, DECISION, FEEDER, TestApp, codes, rows, spawn_app};

const WHOLE: &str = "00112233445566778899aabbccddeeff";

fn definition(statement: &str, actions: Value) -> Value {
    json!({
        "name": "Actions",
        "fields": {"Key": statement},
        "identifierFieldName": "Key",
        "syncActions": actions,
        "isSyncTriggeredOnImport": false
    })
}

/// Uploads `values` under column `Key`, syncs, and returns the terminal sync's uri and status.
async fn run(app: &TestApp, definition: &str, values: &[&str]) -> (String, String) {
    app.upload(definition, &rows("Key", values)).await;
    let uri = app.sync(definition).await;
    let done = app.wait_for_sync(&uri).await;
    (uri, done["status"].as_str().unwrap().to_owned())
}

fn guid(text: &str) -> InstanceId {
    text.parse().unwrap()
}

async fn instance(app: &TestApp, instance: &str, kind: InstanceKind) {
    let (id, store) = (guid(instance), &app.store);
    let create = store.create_instance(app.site.id, "tester", &id, kind, None);
    create.await.unwrap();
}

async fn execution(app: &TestApp, instance: &str, contacts: &[i64]) -> i64 {
    let (id, store) = (guid(instance), &app.store);
    let create = store.create_execution(app.site.id, "tester", &id, contacts);
    create.await.unwrap().id
}

/// `(contact id, status)` of every member of an execution (0: a feeder's own members).
async fn members(app: &TestApp, instance: &str, execution: i64) -> Vec<(i64, String)> {
    let (id, store) = (guid(instance), &app.store);
    let members = store.list_members_of(app.site.id, &id, execution).await;
    let pair = |m: loquat::domain::appcloud::Member| (m.contact_id, m.status);
    members.unwrap().into_iter().map(pair).collect()
}

async fn group(app: &TestApp, name: &str) -> i64 {
    let input = EmailGroupInput {
        name: name.into(),
        ..Default::default()
    };
    let create = app.store.create_group(app.site.id, "tester", input);
    create.await.unwrap().id
}

async fn subscribed(app: &TestApp, contact: i64, group: i64) -> bool {
    let subscription = app.store.get_subscription(app.site.id, contact, group);
    subscription.await.unwrap().is_subscribed
}

async fn globally_subscribed(app: &TestApp, contact: i64) -> bool {
    let contact = app.store.get_contact(app.site.id, contact).await;
    contact.unwrap().is_subscribed
}

async fn list_members(app: &TestApp, list: i64) -> Vec<i64> {
    let members = app.store.list_members(app.site.id, list, 0, 100).await;
    members.unwrap()
}

/// Applies nine actions to contacts c1 and c2 named by the first two of `values(c1, c2)` (the
/// third names nobody); c3 is in every container but never uploaded, so it stays untouched.
async fn every_action_applies(statement: &str, values: impl Fn(i64, i64) -> [String; 3]) {
    let app = spawn_app().await;
    let site = app.site.id;
    let mut c = [0; 3];
    for (i, email) in ["c1@example.com", "c2@example.com", "c3@example.com"]
        .iter()
        .enumerate()
    {
        c[i] = app.contact(email).await;
    }
    let add = app.list("Add").await;
    let on_all = ContactListInput {
        name: "Remove".into(),
        membership_additions: c.to_vec(),
        ..Default::default()
    };
    let remove = app
        .store
        .create_list(site, "tester", on_all)
        .await
        .unwrap()
        .id;
    let (sub, unsub) = (group(&app, "Sub").await, group(&app, "Unsub").await);
    for contact in c {
        let unsubscribe = app.store.set_subscription(site, contact, sub, false);
        unsubscribe.await.unwrap();
    }
    instance(&app, DECISION, InstanceKind::Decision).await;
    instance(&app, ACTION, InstanceKind::Action).await;
    instance(&app, WHOLE, InstanceKind::Action).await;
    instance(&app, FEEDER, InstanceKind::Feeder).await;
    let decision = execution(&app, DECISION, &c).await;
    let action = execution(&app, ACTION, &c).await;
    let whole = [
        execution(&app, WHOLE, &c).await,
        execution(&app, WHOLE, &c[..1]).await,
    ];

    let set = |destination: String, status: &str| json!({"action": "setStatus", "destination": destination, "status": status});
    let markup = [
        format!("{{{{DecisionInstance({DECISION}).Execution[{decision}]}}}}"),
        format!("{{{{ActionInstance({ACTION}).Execution[{action}]}}}}"),
        format!("{{{{FeederInstance({FEEDER})}}}}"),
        format!("{{{{ActionInstance({WHOLE})}}}}"),
    ];
    let actions = json!([
        {"action": "add", "destination": format!("{{{{ContactList[{add}]}}}}")},
        {"action": "remove", "destination": format!("{{{{ContactList[{remove}]}}}}")},
        set(format!("{{{{EmailGroup[{sub}]}}}}"), "subscribed"),
        set(format!("{{{{EmailGroup[{unsub}]}}}}"), "unsubscribed"),
        set("{{GlobalSubscribe}}".into(), "unsubscribed"),
        set(markup[0].clone(), "yes"),
        set(markup[1].clone(), "complete"),
        set(markup[2].clone(), "complete"),
        set(markup[3].clone(), "errored"),
    ]);
    let uri = app.definition(&definition(statement, actions)).await;
    let values = values(c[0], c[1]);
    let values = values.each_ref().map(String::as_str);
    let (sync, status) = run(&app, &uri, &values).await;
    assert_eq!(status, "warning", "one value names nobody");

    let id = sync.trim_start_matches("/syncs/");
    let updated = |status: &str, i: usize| {
        format!(
            "ELQ-00128 2 Updated members status to {status} in service instance {}.",
            markup[i]
        )
    };
    let expected = [
        "ELQ-00140 3 Records staged for sync actions.".to_owned(),
        format!("ELQ-00119 2 Added members to Contact List {add}."),
        format!("ELQ-00118 2 Removed members from Contact List {remove}."),
        format!("ELQ-00115 2 Subscribed members to Email Group {sub}."),
        format!("ELQ-00116 2 Unsubscribed members from Email Group {unsub}."),
        "ELQ-00017 2 Contacts email marked as unsubscribed.".to_owned(),
        updated("yes", 0),
        updated("complete", 1),
        updated("complete", 2),
        updated("errored", 3),
        "ELQ-00034 1 Total unmatched records.".to_owned(),
        "ELQ-00060 1 Total rejected records.".to_owned(),
        format!("ELQ-00101 0 Sync processed for sync {id}, resulting in Warning status."),
    ];
    assert_eq!(app.log_lines(&sync).await, expected);
    let severities: Vec<Value> = app
        .logs(&sync)
        .await
        .iter()
        .map(|l| l["severity"].clone())
        .collect();
    assert_eq!(
        severities[9..12],
        [json!("information"), json!("warning"), json!("warning")]
    );
    let reject = json!({"fieldValues": {"Key": values[2]}, "message": "Contact does not exist.",
                        "statusCode": "ELQ-00085", "recordIndex": 3, "invalidFields": ["Key"]});
    assert_eq!(app.rejects(&sync).await, [reject]);

    assert_eq!(list_members(&app, add).await, [c[0], c[1]]);
    assert_eq!(list_members(&app, remove).await, [c[2]]);
    for (contact, touched) in [(c[0], true), (c[1], true), (c[2], false)] {
        assert_eq!(subscribed(&app, contact, sub).await, touched);
        assert_eq!(subscribed(&app, contact, unsub).await, !touched);
        assert_eq!(globally_subscribed(&app, contact).await, !touched);
    }
    let statuses = |s: &[&str]| -> Vec<(i64, String)> {
        c.iter()
            .zip(s)
            .map(|(c, s)| (*c, (*s).to_owned()))
            .collect()
    };
    assert_eq!(
        members(&app, DECISION, decision).await,
        statuses(&["yes", "yes", "pending"])
    );
    assert_eq!(
        members(&app, ACTION, action).await,
        statuses(&["complete", "complete", "pending"])
    );
    assert_eq!(
        members(&app, FEEDER, 0).await,
        statuses(&["complete", "complete"])
    );
    assert_eq!(
        members(&app, WHOLE, whole[0]).await,
        statuses(&["errored", "errored", "pending"])
    );
    assert_eq!(members(&app, WHOLE, whole[1]).await, statuses(&["errored"]));

    // Global subscribe undoes the unsubscribe for the one contact uploaded.
    let subscribe = json!([set("{{GlobalSubscribe}}".into(), "subscribed")]);
    let uri = app.definition(&definition(statement, subscribe)).await;
    let (sync, status) = run(&app, &uri, &values[..1]).await;
    assert_eq!(status, "success");
    assert_eq!(
        app.log_lines(&sync).await[1],
        "ELQ-00138 1 Contacts email marked as subscribed."
    );
    assert!(globally_subscribed(&app, c[0]).await);
    assert!(!globally_subscribed(&app, c[1]).await);
}

#[tokio::test]
async fn every_action_applies_to_contacts_found_by_contact_id() {
    every_action_applies("{{Contact.Id}}", |c1, c2| {
        [c1.to_string(), format!(" {c2} "), "999999".into()]
    })
    .await;
}

#[tokio::test]
async fn every_action_applies_to_contacts_found_by_email_ignoring_case_and_spaces() {
    let values = ["  C1@Example.COM ", "c2@EXAMPLE.com", "nobody@example.com"];
    every_action_applies("{{Contact.Field(C_EmailAddress)}}", |_, _| {
        values.map(String::from)
    })
    .await;
}

#[tokio::test]
async fn every_action_applies_to_contacts_found_by_contact_id_ext() {
    let values = [
        "EXT-c1@example.com",
        " EXT-c2@example.com",
        "EXT-nobody@example.com",
    ];
    every_action_applies("{{Contact.Field(ContactIDExt)}}", |_, _| {
        values.map(String::from)
    })
    .await;
}

#[tokio::test]
async fn update_all_sets_every_member_of_the_execution_without_any_row() {
    let app = spawn_app().await;
    let mut c = Vec::new();
    for email in ["a@x.com", "b@x.com", "c@x.com"] {
        c.push(app.contact(email).await);
    }
    instance(&app, DECISION, InstanceKind::Decision).await;
    let target = execution(&app, DECISION, &c).await;
    let other = execution(&app, DECISION, &c[..1]).await;
    let destination = format!("{{{{DecisionInstance({DECISION}).Execution[{target}]}}}}");
    let action = json!([{"action": "setStatus", "destination": destination, "status": "no", "updateAll": true}]);
    let uri = app.definition(&definition("{{Contact.Id}}", action)).await;
    app.upload(&uri, &json!([])).await;
    let sync = app.sync(&uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    let expected = [("ELQ-00140", 0), ("ELQ-00128", 3), ("ELQ-00101", 0)];
    assert_eq!(app.log_codes(&sync).await, codes(&expected));
    let all_no: Vec<(i64, String)> = c.iter().map(|c| (*c, "no".to_owned())).collect();
    assert_eq!(members(&app, DECISION, target).await, all_no);
    assert_eq!(
        members(&app, DECISION, other).await,
        [(c[0], "pending".to_owned())]
    );
    // Without any upload at all, too.
    let action = json!([{"action": "setStatus", "destination": destination, "status": "yes", "updateAll": true}]);
    let uri = app.definition(&definition("{{Contact.Id}}", action)).await;
    let sync = app.sync(&uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    assert_eq!(
        app.log_codes(&sync).await,
        codes(&[("ELQ-00140", 0), ("ELQ-00128", 3), ("ELQ-00101", 0)])
    );
    let all_yes: Vec<(i64, String)> = c.iter().map(|c| (*c, "yes".to_owned())).collect();
    assert_eq!(members(&app, DECISION, target).await, all_yes);
}
