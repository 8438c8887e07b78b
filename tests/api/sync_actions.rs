//! Contact sync action definitions over HTTP (§4): create, read, list, replace, delete.

use loquat::domain::appcloud::InstanceKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ACTION, DECISION, FEEDER, PAGE_KEYS, TestApp, assert_eloqua_time, failure_fields, keys,
    spawn_app, strings,
};

const BASE: &str = "/api/bulk/2.0/contacts/syncActions";

/// Ids of the containers a test can point at.
struct Fixtures {
    list: i64,
    group: i64,
    decision_execution: i64,
    action_execution: i64,
}

impl Fixtures {
    /// The markup naming the list.
    fn list(&self) -> String {
        format!("{{{{ContactList[{}]}}}}", self.list)
    }

    /// The markup naming the group.
    fn group(&self) -> String {
        format!("{{{{EmailGroup[{}]}}}}", self.group)
    }

    /// The markup naming the decision's execution.
    fn decision(&self) -> String {
        let execution = self.decision_execution;
        format!("{{{{DecisionInstance({DECISION}).Execution[{execution}]}}}}")
    }

    /// The markup naming the action's execution.
    fn action(&self) -> String {
        let execution = self.action_execution;
        format!("{{{{ActionInstance({ACTION}).Execution[{execution}]}}}}")
    }
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let site = app.site.id;
    let list = app.list("Webinar").await;
    let group = app.group("News").await;
    let mut executions = Vec::new();
    for (guid, kind) in [
        (DECISION, InstanceKind::Decision),
        (ACTION, InstanceKind::Action),
        (FEEDER, InstanceKind::Feeder),
    ] {
        let instance = guid.parse().unwrap();
        app.store
            .create_instance(site, "tester", &instance, kind, None)
            .await
            .unwrap();
        if kind != InstanceKind::Feeder {
            executions.push(
                app.store
                    .create_execution(site, "tester", &instance, &[])
                    .await
                    .unwrap()
                    .id,
            );
        }
    }
    Fixtures {
        list,
        group,
        decision_execution: executions[0],
        action_execution: executions[1],
    }
}

fn definition(name: &str, actions: Value) -> Value {
    json!({
        "name": name,
        "fields": { "EmailAddress": "{{Contact.Field(C_EmailAddress)}}" },
        "identifierFieldName": "EmailAddress",
        "syncActions": actions,
        "isSyncTriggeredOnImport": false
    })
}

#[tokio::test]
async fn create_answers_201_with_the_definition_in_eloquas_shape() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let body = definition(
        "Add webinar registrants",
        json!([
            {"action": "add", "destination": f.list()},
            {"action": "setStatus", "destination": f.group(), "status": "subscribed"}
        ]),
    );
    let response = app
        .request(reqwest::Method::POST, BASE)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let text = response.text().await.unwrap();
    let created: Value = serde_json::from_str(&text).unwrap();
    let keys = keys(&created);
    assert_eq!(
        keys,
        [
            "name",
            "fields",
            "identifierFieldName",
            "syncActions",
            "isSyncTriggeredOnImport",
            "uri",
            "createdBy",
            "createdAt",
            "updatedBy",
            "updatedAt"
        ]
    );
    assert_eq!(
        created["syncActions"][0],
        json!({"destination": f.list(), "action": "add"})
    );
    assert_eq!(created["syncActions"][1]["status"], "subscribed");
    assert_eq!(created["createdBy"], "tester");
    assert_eloqua_time(&created["createdAt"]);
    let uri = created["uri"].as_str().unwrap();
    assert!(uri.starts_with("/contacts/syncActions/"), "{uri}");
    let (status, read) = app.get(&format!("/api/bulk/2.0{uri}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created);
}

#[tokio::test]
async fn every_contact_destination_is_accepted_with_its_statuses() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let (list, group, decision) = (f.list(), f.group(), f.decision());
    let action = f.action();
    let cases = vec![
        json!({"action": "add", "destination": list}),
        json!({"action": "remove", "destination": list}),
        json!({"action": "setStatus", "destination": group, "status": "subscribed"}),
        json!({"action": "setStatus", "destination": group, "status": "unsubscribed"}),
        json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}),
        json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}),
        json!({"action": "setStatus", "destination": decision, "status": "yes"}),
        json!({"action": "setStatus", "destination": decision, "status": "no"}),
        json!({"action": "setStatus", "destination": decision, "status": "errored", "updateAll": true}),
        json!({"action": "setStatus", "destination": action, "status": "active"}),
        json!({"action": "setStatus", "destination": action, "status": "complete", "updateAll": false}),
        json!({"action": "setStatus", "destination": action, "status": "errored"}),
        json!({"action": "setStatus", "destination": format!("{{{{ActionInstance({ACTION})}}}}"), "status": "complete"}),
        json!({"action": "setStatus", "destination": format!("{{{{FeederInstance({FEEDER})}}}}"), "status": "complete"}),
    ];
    for action in cases {
        let (status, body) = app.post(BASE, &definition("one", json!([action]))).await;
        assert_eq!(status, StatusCode::CREATED, "{action} → {body}");
        assert_eq!(body["syncActions"][0], action, "echoed as sent");
    }
}

#[tokio::test]
async fn the_status_matrix_refuses_what_a_destination_cannot_take() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let (list, group, decision) = (f.list(), f.group(), f.decision());
    let refused = vec![
        (
            json!({"action": "add", "destination": list, "status": "subscribed"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": list, "status": "subscribed"}),
            "syncActions[0].action",
        ),
        (
            json!({"action": "add", "destination": group}),
            "syncActions[0].action",
        ),
        (
            json!({"action": "setStatus", "destination": group}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": group, "status": "bounced"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "pending"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": decision, "status": "complete"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": format!("{{{{FeederInstance({FEEDER})}}}}"), "status": "errored"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "Subscribed"}),
            "syncActions[0].status",
        ),
        (
            json!({"action": "Add", "destination": list}),
            "syncActions[0].action",
        ),
        (json!({"destination": list}), "syncActions[0].action"),
        (
            json!({"action": "add", "destination": list, "updateAll": true}),
            "syncActions[0].updateAll",
        ),
        (
            json!({"action": "add", "destination": "{{AccountList[1]}}"}),
            "syncActions[0].destination",
        ),
        (
            json!({"action": "add", "destination": "{{ContactList[1}}"}),
            "syncActions[0].destination",
        ),
    ];
    for (action, field) in refused {
        let (status, body) = app.post(BASE, &definition("bad", json!([action]))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action}");
        assert!(
            failure_fields(&body).contains(&field.to_owned()),
            "{action} → {body}"
        );
    }
}

#[tokio::test]
async fn definition_rules_are_enforced_with_failures_naming_each_field() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let add = json!([{"action": "add", "destination": f.list()}]);
    let mut no_name = definition("x", add.clone());
    no_name.as_object_mut().unwrap().remove("name");
    let mut long_name = definition(&"n".repeat(101), add.clone());
    long_name["isSyncTriggeredOnImport"] = json!("maybe");
    let mut two_fields = definition("x", add.clone());
    two_fields["fields"]["Other"] = json!("{{Contact.Id}}");
    let mut wrong_identifier = definition("x", add.clone());
    wrong_identifier["identifierFieldName"] = json!("Email");
    let mut bad_statement = definition("x", add.clone());
    bad_statement["fields"]["EmailAddress"] = json!("{{Contact.Field(C_FirstName)}}");
    let mut short_delete = definition("x", add.clone());
    short_delete["autoDeleteDuration"] = json!("PT30M");
    let eleven: Vec<Value> = (0..11).map(|i| json!({"action": "add", "destination": format!("{{{{ContactList[{}]}}}}", f.list + i)})).collect();
    let cases = vec![
        (no_name, vec!["name"]),
        (long_name, vec!["name", "isSyncTriggeredOnImport"]),
        (two_fields, vec!["fields"]),
        (wrong_identifier, vec!["identifierFieldName"]),
        (bad_statement, vec!["fields"]),
        (short_delete, vec!["autoDeleteDuration"]),
        (definition("x", json!([])), vec!["syncActions"]),
        (definition("x", json!(eleven)), vec!["syncActions"]),
        (
            definition("x", json!([add[0].clone(), add[0].clone()])),
            vec!["syncActions[1].destination"],
        ),
        (json!([1, 2]), vec!["body"]),
    ];
    for (body, fields) in cases {
        let (status, answer) = app.post(BASE, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let got = failure_fields(&answer);
        for field in fields {
            assert!(
                got.contains(&field.to_owned()),
                "{field} missing in {answer}"
            );
        }
    }
    let (_, list) = app.get(BASE).await;
    assert_eq!(list["totalResults"], 0, "nothing was stored");
}

#[tokio::test]
async fn strings_true_and_false_are_accepted_for_the_trigger_flag() {
    let app = spawn_app().await;
    let mut body = definition(
        "x",
        json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}]),
    );
    body["isSyncTriggeredOnImport"] = json!("true");
    let (status, created) = app.post(BASE, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["isSyncTriggeredOnImport"], true);
    body.as_object_mut()
        .unwrap()
        .remove("isSyncTriggeredOnImport");
    let (_, created) = app.post(BASE, &body).await;
    assert_eq!(
        created["isSyncTriggeredOnImport"], false,
        "defaults to false and is always echoed"
    );
}

#[tokio::test]
async fn destinations_that_name_nothing_are_400_missing_references() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let missing_exec = format!(
        "{{{{ActionInstance({ACTION}).Execution[{}]}}}}",
        f.action_execution + 1000
    );
    let wrong_kind = format!(
        "{{{{DecisionInstance({ACTION}).Execution[{}]}}}}",
        f.action_execution
    );
    let cases = vec![
        json!({"action": "add", "destination": "{{ContactList[999999]}}"}),
        json!({"action": "setStatus", "destination": "{{EmailGroup[999999]}}", "status": "subscribed"}),
        json!({"action": "setStatus", "destination": "{{FeederInstance(00000000000000000000000000000000)}}", "status": "complete"}),
        json!({"action": "setStatus", "destination": missing_exec, "status": "complete"}),
        json!({"action": "setStatus", "destination": wrong_kind, "status": "yes"}),
    ];
    for action in cases {
        let (status, body) = app.post(BASE, &definition("x", json!([action]))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action}");
        assert_eq!(
            body["failures"][0]["field"], "syncActions[0].destination",
            "{body}"
        );
        assert_eq!(body["failures"][0]["value"], action["destination"]);
    }
}

#[tokio::test]
async fn malformed_bodies_and_wrong_content_types_are_400() {
    let app = spawn_app().await;
    let raw = |content_type: &'static str, body: &'static str| {
        app.request(reqwest::Method::POST, BASE)
            .header("Content-Type", content_type)
            .body(body)
    };
    for (request, field) in [
        (raw("application/json", "{\"name\": "), "body"),
        (raw("application/json", ""), "body"),
        (raw("text/plain", "{}"), "Content-Type"),
        (
            app.request(reqwest::Method::POST, BASE).body("{}"),
            "Content-Type",
        ),
    ] {
        let (status, body) = crate::helpers::send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(failure_fields(&body), [field], "{body}");
    }
}

#[tokio::test]
async fn put_replaces_the_whole_definition_and_delete_removes_it() {
    let app = spawn_app().await;
    let f = fixtures(&app).await;
    let list = f.list();
    let (_, created) = app
        .post(
            BASE,
            &definition("before", json!([{"action": "add", "destination": list}])),
        )
        .await;
    let path = format!("/api/bulk/2.0{}", created["uri"].as_str().unwrap());
    let mut replacement = json!({
        "name": "after",
        "fields": { "Id": "{{Contact.Id}}" },
        "identifierFieldName": "Id",
        "syncActions": [{"action": "remove", "destination": list}],
        "autoDeleteDuration": "P1D",
        "uri": "/ignored", "createdBy": "ignored"
    });
    let (status, replaced) = app.put(&path, &replacement).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["name"], "after");
    assert_eq!(replaced["fields"], json!({"Id": "{{Contact.Id}}"}));
    assert_eq!(replaced["isSyncTriggeredOnImport"], false);
    assert_eq!(replaced["autoDeleteDuration"], "P1D");
    assert_eq!(replaced["uri"], created["uri"]);
    assert_eq!(replaced["createdAt"], created["createdAt"]);
    replacement["syncActions"] = json!([]);
    let (status, _) = app.put(&path, &replacement).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get(&path).await.1["name"],
        "after",
        "a refused PUT changes nothing"
    );
    assert_eq!(
        app.put(&format!("{BASE}/999999"), &replacement).await.0,
        StatusCode::NOT_FOUND
    );

    let (status, body) = app.delete(&path).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ids_that_cannot_exist_are_404() {
    let app = spawn_app().await;
    for id in ["0", "-1", "abc", "99999999999999999999", "1.5"] {
        assert_eq!(
            app.get(&format!("{BASE}/{id}")).await.0,
            StatusCode::NOT_FOUND,
            "{id}"
        );
    }
}

#[tokio::test]
async fn another_sites_definitions_are_invisible() {
    let app = spawn_app().await;
    let (_, created) = app.post(BASE, &definition("mine", json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]))).await;
    let path = format!("/api/bulk/2.0{}", created["uri"].as_str().unwrap());
    let (_, other_auth) = app.add_site("Other", "bob", true).await;
    let as_other = |method: reqwest::Method| {
        app.anonymous(method, &path)
            .header("Authorization", &other_auth)
    };
    assert_eq!(
        crate::helpers::send(as_other(reqwest::Method::GET)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        crate::helpers::send(as_other(reqwest::Method::DELETE))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let put = as_other(reqwest::Method::PUT).json(&definition("x", json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}])));
    assert_eq!(crate::helpers::send(put).await.0, StatusCode::NOT_FOUND);
    let list = app
        .anonymous(reqwest::Method::GET, BASE)
        .header("Authorization", &other_auth);
    assert_eq!(crate::helpers::send(list).await.1["totalResults"], 0);
    assert_eq!(
        app.get(&path).await.0,
        StatusCode::OK,
        "still there for its owner"
    );
}

#[tokio::test]
async fn list_pages_sorts_and_filters() {
    let app = spawn_app().await;
    for name in ["Alpha test", "Beta", "Gamma test", "Delta"] {
        let body = definition(
            name,
            json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]),
        );
        assert_eq!(app.post(BASE, &body).await.0, StatusCode::CREATED);
    }
    let (_, page) = app
        .get(&format!("{BASE}?limit=2&offset=1&orderBy=name%20DESC"))
        .await;
    let names = strings(&page["items"], "name");
    assert_eq!(names, ["Delta", "Beta"]);
    assert_eq!(
        (
            page["totalResults"].clone(),
            page["limit"].clone(),
            page["offset"].clone(),
            page["count"].clone(),
            page["hasMore"].clone()
        ),
        (json!(4), json!(2), json!(1), json!(2), json!(true))
    );
    assert_eq!(keys(&page), PAGE_KEYS);

    let (_, filtered) = app.get(&format!("{BASE}?q=%22name=*test*%22")).await;
    assert_eq!(filtered["totalResults"], 2);
    let (_, filtered) = app.get(&format!("{BASE}?q=name='Beta'")).await;
    assert_eq!(filtered["items"][0]["name"], "Beta");
    let (_, dated) = app.get(&format!("{BASE}?q=createdAt>'2000-01-01'")).await;
    assert_eq!(dated["totalResults"], 4);
    let (_, future) = app.get(&format!("{BASE}?q=createdAt>'2999-01-01'")).await;
    assert_eq!(future["totalResults"], 0);

    let (_, uncounted) = app.get(&format!("{BASE}?limit=3&totalResults=false")).await;
    assert!(uncounted.get("totalResults").is_none());
    assert_eq!(uncounted["hasMore"], true);
    let (_, all) = app.get("/api/bulk/2.0/syncActions").await;
    assert_eq!(all["totalResults"], 4);

    for bad in [
        "limit=0",
        "limit=1001",
        "offset=-5",
        "orderBy=colour",
        "q=colour=red",
        "totalResults=perhaps",
        "q=createdAt>'whenever'",
    ] {
        let (status, body) = app.get(&format!("{BASE}?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(failure_fields(&body).len(), 1, "{bad}: {body}");
    }
}
