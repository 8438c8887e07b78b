//! Loquat's AppCloud admin endpoints over HTTP: instances, executions and their members.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ACTION, DECISION, FEEDER, TestApp, assert_eloqua_time, assert_failures, failure_fields, send,
    spawn_app, strings, without_bulk_times,
};

const INSTANCES: &str = "/api/loquat/1.0/appcloud/instances";

/// `body` without `key` (a timestamp in Eloqua's Bulk form).
/// Contacts `a@x.com` and `b@x.com` (without external ids); returns their ids.
async fn two_contacts(app: &TestApp) -> (i64, i64) {
    let site = app.site.id;
    let a = app.contact_in(site, "a@x.com", None).await;
    (a, app.contact_in(site, "b@x.com", None).await)
}

async fn register(app: &TestApp, id: &str, kind: &str) -> Value {
    let (status, body) = app.post(INSTANCES, &json!({"id": id, "type": kind})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Member `(contactId, status)` pairs of a `{"items":[…]}` answer.
fn members(body: &Value) -> Vec<(i64, String)> {
    let items = body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"));
    items
        .iter()
        .map(|m| {
            (
                m["contactId"].as_i64().unwrap(),
                m["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn instances_are_registered_read_listed_and_deleted() {
    let app = spawn_app().await;
    let body = json!({"id": ACTION.to_uppercase(), "type": "action", "name": "Send SMS"});
    let (status, created) = app.post(INSTANCES, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expected = json!({
        "id": ACTION, "type": "action", "name": "Send SMS",
        "statement": format!("{{{{ActionInstance({ACTION})}}}}"), "createdBy": "tester"
    });
    assert_eq!(without_bulk_times(created, &["createdAt"]), expected);
    let path = format!("{INSTANCES}/{ACTION}");
    assert_eq!(
        without_bulk_times(app.get(&path).await.1, &["createdAt"]),
        expected
    );
    assert_eq!(
        app.get(&format!("{INSTANCES}/{}", ACTION.to_uppercase()))
            .await
            .0,
        StatusCode::OK
    );

    let feeder = register(&app, FEEDER, "Feeder").await;
    assert_eq!(
        feeder["statement"],
        format!("{{{{FeederInstance({FEEDER})}}}}")
    );
    assert!(feeder.get("name").is_none());
    let (_, listed) = app.get(INSTANCES).await;
    let ids = strings(&listed["items"], "id");
    assert_eq!(ids, [ACTION, FEEDER]);

    assert_eq!(
        app.delete(&path).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_registrations_are_400_or_409() {
    let app = spawn_app().await;
    register(&app, DECISION, "decision").await;
    for (body, field) in [
        (json!({"type": "action"}), "id"),
        (
            json!({"id": "da6ed61d-a734-41db-a134-9582a4fa8a2c", "type": "action"}),
            "id",
        ),
        (json!({"id": "xyz", "type": "action"}), "id"),
        (json!({"id": 12, "type": "action"}), "id"),
        (json!({"id": ACTION}), "type"),
        (json!({"id": ACTION, "type": "campaign"}), "type"),
        (json!({"id": ACTION, "type": "action", "name": 5}), "name"),
        (json!([ACTION]), "body"),
    ] {
        let (status, answer) = app.post(INSTANCES, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "{body}");
    }
    let duplicate = json!({"id": DECISION.to_uppercase(), "type": "action"});
    assert_eq!(
        app.post(INSTANCES, &duplicate).await.0,
        StatusCode::CONFLICT
    );
    let plain = app
        .request(Method::POST, INSTANCES)
        .header("Content-Type", "text/plain")
        .body("{}");
    assert_eq!(failure_fields(&send(plain).await.1), ["Content-Type"]);
    let broken = app
        .request(Method::POST, INSTANCES)
        .header("Content-Type", "application/json")
        .body("{");
    assert_eq!(failure_fields(&send(broken).await.1), ["body"]);
}

#[tokio::test]
async fn malformed_or_unknown_guids_and_execution_ids_in_paths_are_404() {
    let app = spawn_app().await;
    register(&app, ACTION, "action").await;
    let (status, execution) = app
        .post(&format!("{INSTANCES}/{ACTION}/executions"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{execution}");
    for guid in [
        "not-a-guid",
        "da6ed61d-a734-41db-a134-9582a4fa8a2c",
        DECISION,
    ] {
        assert_eq!(
            app.get(&format!("{INSTANCES}/{guid}")).await.0,
            StatusCode::NOT_FOUND,
            "{guid}"
        );
        assert_eq!(
            app.delete(&format!("{INSTANCES}/{guid}")).await.0,
            StatusCode::NOT_FOUND,
            "{guid}"
        );
        let executions = format!("{INSTANCES}/{guid}/executions");
        assert_eq!(
            app.get(&executions).await.0,
            StatusCode::NOT_FOUND,
            "{guid}"
        );
        assert_eq!(
            app.post(&executions, &json!({})).await.0,
            StatusCode::NOT_FOUND,
            "{guid}"
        );
    }
    for execution_id in ["abc", "99999999999999999999", "0", "4242"] {
        let path = format!("{INSTANCES}/{ACTION}/executions/{execution_id}");
        assert_eq!(
            app.get(&path).await.0,
            StatusCode::NOT_FOUND,
            "{execution_id}"
        );
        assert_eq!(
            app.get(&format!("{path}/members")).await.0,
            StatusCode::NOT_FOUND,
            "{execution_id}"
        );
        let put = json!({"contactIds": [], "status": "complete"});
        assert_eq!(
            app.put(&format!("{path}/members"), &put).await.0,
            StatusCode::NOT_FOUND,
            "{execution_id}"
        );
    }
}

#[tokio::test]
async fn executions_hold_contacts_whose_status_can_be_set() {
    let app = spawn_app().await;
    let (a, b) = two_contacts(&app).await;
    register(&app, ACTION, "action").await;
    let executions = format!("{INSTANCES}/{ACTION}/executions");
    let (status, created) = app
        .post(&executions, &json!({"contactIds": [a, b.to_string()]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let expected = json!({
        "id": id, "instanceId": ACTION, "memberCount": 2,
        "statement": format!("{{{{ActionInstance({ACTION}).Execution[{id}]}}}}"), "createdBy": "tester"
    });
    assert_eq!(without_bulk_times(created, &["createdAt"]), expected);
    let path = format!("{executions}/{id}");
    assert_eq!(
        without_bulk_times(app.get(&path).await.1, &["createdAt"]),
        expected
    );
    let (_, listed) = app.get(&executions).await;
    assert_eq!(
        without_bulk_times(listed["items"][0].clone(), &["createdAt"]),
        expected
    );

    let (status, pending) = app.get(&format!("{path}/members")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        members(&pending),
        [(a, "pending".to_owned()), (b, "pending".to_owned())]
    );
    assert_eloqua_time(&pending["items"][0]["updatedAt"]);
    let (status, placed) = app
        .put(
            &format!("{path}/members"),
            &json!({"contactIds": [b], "status": "complete"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    assert_eq!(
        members(&placed),
        [(a, "pending".to_owned()), (b, "complete".to_owned())]
    );

    for (body, field) in [
        (json!({"contactIds": [a], "status": "yes"}), "status"),
        (json!({"contactIds": [a]}), "status"),
        (json!({"status": "complete"}), "contactIds"),
        (
            json!({"contactIds": [a, 999_999], "status": "complete"}),
            "contactIds",
        ),
        (
            json!({"contactIds": ["x"], "status": "complete"}),
            "contactIds",
        ),
    ] {
        let (status, answer) = app.put(&format!("{path}/members"), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "{body}");
    }
    let (status, answer) = app
        .post(&executions, &json!({"contactIds": [999_999]}))
        .await;
    assert_failures(status, &answer, &["contactIds"]);
    assert_eq!(
        app.get(&executions).await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing was created"
    );
    assert_eq!(
        members(&app.get(&format!("{path}/members")).await.1)[0],
        (a, "pending".to_owned())
    );
}

#[tokio::test]
async fn decision_executions_take_yes_and_no() {
    let app = spawn_app().await;
    let a = app.contact_in(app.site.id, "a@x.com", None).await;
    register(&app, DECISION, "decision").await;
    let executions = format!("{INSTANCES}/{DECISION}/executions");
    let (_, created) = app.post(&executions, &json!({"contactIds": [a]})).await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        created["statement"],
        format!("{{{{DecisionInstance({DECISION}).Execution[{id}]}}}}")
    );
    let members_path = format!("{executions}/{id}/members");
    let (status, placed) = app
        .put(&members_path, &json!({"contactIds": [a], "status": "yes"}))
        .await;
    assert_eq!(
        (status, members(&placed)),
        (StatusCode::OK, vec![(a, "yes".to_owned())])
    );
    let (status, answer) = app
        .put(
            &members_path,
            &json!({"contactIds": [a], "status": "complete"}),
        )
        .await;
    assert_failures(status, &answer, &["status"]);
}

#[tokio::test]
async fn feeders_hold_members_directly_and_have_no_executions() {
    let app = spawn_app().await;
    let (a, b) = two_contacts(&app).await;
    register(&app, FEEDER, "feeder").await;
    register(&app, ACTION, "action").await;
    let (status, answer) = app
        .post(
            &format!("{INSTANCES}/{FEEDER}/executions"),
            &json!({"contactIds": [a]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        app.get(&format!("{INSTANCES}/{FEEDER}/executions")).await.1["items"],
        json!([])
    );

    let path = format!("{INSTANCES}/{FEEDER}/members");
    assert_eq!(app.get(&path).await, (StatusCode::OK, json!({"items": []})));
    let (status, placed) = app
        .put(&path, &json!({"contactIds": [a, b], "status": "pending"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    app.put(&path, &json!({"contactIds": [a], "status": "complete"}))
        .await;
    let expected = vec![(a, "complete".to_owned()), (b, "pending".to_owned())];
    assert_eq!(members(&app.get(&path).await.1), expected);
    let (status, answer) = app
        .put(
            &path,
            &json!({"contactIds": [999_999], "status": "complete"}),
        )
        .await;
    assert_failures(status, &answer, &["contactIds"]);

    let action_members = format!("{INSTANCES}/{ACTION}/members");
    assert_eq!(app.get(&action_members).await.0, StatusCode::NOT_FOUND);
    let put = json!({"contactIds": [a], "status": "complete"});
    assert_eq!(
        app.put(&action_members, &put).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_site_sees_none_of_the_instances_and_may_reuse_guids() {
    let app = spawn_app().await;
    let a = app.contact_in(app.site.id, "a@x.com", None).await;
    register(&app, ACTION, "action").await;
    let (_, created) = app
        .post(
            &format!("{INSTANCES}/{ACTION}/executions"),
            &json!({"contactIds": [a]}),
        )
        .await;
    let execution = format!("{INSTANCES}/{ACTION}/executions/{}", created["id"]);
    let (_, other) = app.add_site("Other", "bob", true).await;
    let as_other = |method: Method, target: &str| {
        app.anonymous(method, target)
            .header("Authorization", other.clone())
    };
    for target in [
        format!("{INSTANCES}/{ACTION}"),
        execution.clone(),
        format!("{execution}/members"),
    ] {
        assert_eq!(
            send(as_other(Method::GET, &target)).await.0,
            StatusCode::NOT_FOUND,
            "{target}"
        );
    }
    let put = as_other(Method::PUT, &format!("{execution}/members"))
        .json(&json!({"contactIds": [a], "status": "complete"}));
    assert_eq!(send(put).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(as_other(Method::DELETE, &format!("{INSTANCES}/{ACTION}")))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(as_other(Method::GET, INSTANCES)).await.1,
        json!({"items": []})
    );
    let register =
        as_other(Method::POST, INSTANCES).json(&json!({"id": ACTION, "type": "decision"}));
    assert_eq!(send(register).await.0, StatusCode::CREATED);
    assert_eq!(
        app.get(&format!("{INSTANCES}/{ACTION}")).await.1["type"],
        "action"
    );
    let (status, _) = send(app.anonymous(Method::GET, INSTANCES)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
