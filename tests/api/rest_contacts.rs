//! REST 1.0 contacts over HTTP (§8.3): create, read, replace, delete, search, and isolation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_not_found_to_every_method, failure_fields, send, spawn_app, without_rest_times,
};

const ONE: &str = "/api/rest/1.0/data/contact";
const SEARCH: &str = "/api/rest/1.0/data/contacts";

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, created) = app.post(ONE, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("string id").to_owned()
}

#[tokio::test]
async fn creating_a_contact_answers_201_with_the_rest_shape() {
    let app = spawn_app().await;
    let created = create(
        &app,
        json!({
            "emailAddress": "Fred@Example.com",
            "firstName": "Fred",
            "lastName": "Smith",
            "isSubscribed": "false",
            "isBounceback": true,
            "fieldValues": [{"type": "FieldValue", "id": "100100", "value": "EXT-1"}],
            "unknownProperty": {"ignored": true}
        }),
    )
    .await;
    let id = id_of(&created);
    assert!(id.parse::<i64>().unwrap() > 0);
    let expected = json!({
        "type": "Contact",
        "id": id,
        "depth": "complete",
        "name": "Fred@Example.com",
        "emailAddress": "Fred@Example.com",
        "firstName": "Fred",
        "lastName": "Smith",
        "isSubscribed": "false",
        "isBounceback": "true",
        "fieldValues": [{"type": "FieldValue", "id": "100100", "value": "EXT-1"}]
    });
    assert_eq!(without_rest_times(created), expected);
    let (status, read) = app.get(&format!("{ONE}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(without_rest_times(read), expected);
}

#[tokio::test]
async fn a_minimal_contact_is_subscribed_and_omits_absent_values() {
    let app = spawn_app().await;
    let created = create(&app, json!({"emailAddress": "a@example.com"})).await;
    let expected = json!({
        "type": "Contact",
        "id": id_of(&created),
        "depth": "complete",
        "name": "a@example.com",
        "emailAddress": "a@example.com",
        "isSubscribed": "true",
        "isBounceback": "false"
    });
    assert_eq!(without_rest_times(created), expected);
}

#[tokio::test]
async fn put_replaces_every_property_and_delete_answers_200_empty() {
    let app = spawn_app().await;
    let created = create(
        &app,
        json!({"emailAddress": "b@example.com", "firstName": "Bea", "isSubscribed": false,
               "fieldValues": [{"id": 100100, "value": "X"}]}),
    )
    .await;
    let path = format!("{ONE}/{}", id_of(&created));
    let (status, replaced) = app
        .put(
            &path,
            &json!({"emailAddress": "bea@example.com", "lastName": "Bee"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    let expected = json!({
        "type": "Contact",
        "id": id_of(&created),
        "depth": "complete",
        "name": "bea@example.com",
        "emailAddress": "bea@example.com",
        "lastName": "Bee",
        "isSubscribed": "true",
        "isBounceback": "false"
    });
    assert_eq!(without_rest_times(replaced), expected);
    assert_eq!(without_rest_times(app.get(&path).await.1), expected);

    let (status, body) = app.delete(&path).await;
    assert_eq!((status, body), (StatusCode::OK, Value::Null));
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_property() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), "emailAddress"),
        (json!({"emailAddress": null}), "emailAddress"),
        (json!({"emailAddress": "not-an-address"}), "emailAddress"),
        (json!({"emailAddress": 12}), "emailAddress"),
        (
            json!({"emailAddress": "c@example.com", "firstName": 3}),
            "firstName",
        ),
        (
            json!({"emailAddress": "c@example.com", "lastName": ["x"]}),
            "lastName",
        ),
        (
            json!({"emailAddress": "c@example.com", "isSubscribed": "maybe"}),
            "isSubscribed",
        ),
        (
            json!({"emailAddress": "c@example.com", "isBounceback": 1}),
            "isBounceback",
        ),
        (
            json!({"emailAddress": "c@example.com", "fieldValues": {}}),
            "fieldValues",
        ),
        (
            json!({"emailAddress": "c@example.com", "fieldValues": [{"id": "100002", "value": "x"}]}),
            "fieldValues[0].id",
        ),
        (
            json!({"emailAddress": "c@example.com", "fieldValues": [{"id": "100100", "value": 5}]}),
            "fieldValues[0].value",
        ),
        (json!([{"emailAddress": "c@example.com"}]), "body"),
    ];
    let existing = create(&app, json!({"emailAddress": "d@example.com"})).await;
    let path = format!("{ONE}/{}", id_of(&existing));
    for (body, field) in cases {
        let (status, answer) = app.post(ONE, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "{body}");
        let (status, answer) = app.put(&path, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "PUT {body}");
    }
    assert_eq!(app.get(SEARCH).await.1["total"], 1);
}

#[tokio::test]
async fn wrong_content_type_and_malformed_json_are_400() {
    let app = spawn_app().await;
    let existing = create(&app, json!({"emailAddress": "e@example.com"})).await;
    let path = format!("{ONE}/{}", id_of(&existing));
    for (method, target) in [(Method::POST, ONE.to_owned()), (Method::PUT, path)] {
        let text = app
            .request(method.clone(), &target)
            .header("Content-Type", "text/plain")
            .body(r#"{"emailAddress":"f@example.com"}"#);
        let (status, body) = send(text).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(failure_fields(&body), ["Content-Type"]);
        let broken = app
            .request(method, &target)
            .header("Content-Type", "application/json")
            .body(r#"{"emailAddress": "#);
        let (status, body) = send(broken).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(failure_fields(&body), ["body"]);
    }
}

#[tokio::test]
async fn a_taken_email_address_is_409_in_any_case() {
    let app = spawn_app().await;
    create(&app, json!({"emailAddress": "taken@example.com"})).await;
    let (status, body) = app
        .post(ONE, &json!({"emailAddress": "TAKEN@example.COM"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let other = create(&app, json!({"emailAddress": "free@example.com"})).await;
    let path = format!("{ONE}/{}", id_of(&other));
    let (status, _) = app
        .put(&path, &json!({"emailAddress": "Taken@Example.com"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Changing only the case of one's own address is no conflict.
    let (status, _) = app
        .put(&path, &json!({"emailAddress": "FREE@example.com"}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn ids_that_name_nothing_are_404() {
    let app = spawn_app().await;
    let body = json!({"emailAddress": "g@example.com"});
    for id in ["abc", "99999999999999999999", "0", "-1", "123456"] {
        assert_not_found_to_every_method(&app, &format!("{ONE}/{id}"), &body).await;
    }
}

#[tokio::test]
async fn search_matches_email_patterns_and_pages() {
    let app = spawn_app().await;
    for email in ["alice@example.com", "bob@example.com", "carol@other.org"] {
        create(&app, json!({"emailAddress": email})).await;
    }
    let emails = |body: &Value| -> Vec<String> {
        body["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["emailAddress"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all) = app.get(SEARCH).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&all["page"], &all["pageSize"], &all["total"]),
        (&json!(1), &json!(1000), &json!(3))
    );
    assert_eq!(all["elements"][0]["type"], "Contact");

    let (_, page) = app
        .get(&format!(
            "{SEARCH}?search=C_EmailAddress=*@example.com&page=2&count=1"
        ))
        .await;
    assert_eq!(
        (&page["page"], &page["pageSize"], &page["total"]),
        (&json!(2), &json!(1), &json!(2))
    );
    assert_eq!(emails(&page), ["bob@example.com"]);

    let (_, exact) = app
        .get(&format!("{SEARCH}?search=emailAddress='ALICE@EXAMPLE.COM'"))
        .await;
    assert_eq!(emails(&exact), ["alice@example.com"]);
    let (_, bare) = app
        .get(&format!("{SEARCH}?search=*@EXAMPLE.*&depth=complete"))
        .await;
    assert_eq!(emails(&bare), ["alice@example.com", "bob@example.com"]);
    let (_, none) = app
        .get(&format!("{SEARCH}?search=nobody@example.com"))
        .await;
    assert_eq!((none["total"].clone(), emails(&none).len()), (json!(0), 0));

    for (query, field) in [
        ("search=firstName=Fred", "search"),
        ("count=0", "count"),
        ("count=1001", "count"),
        ("count=x", "count"),
        ("page=0", "page"),
        ("page=-2", "page"),
    ] {
        let (status, body) = app.get(&format!("{SEARCH}?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(failure_fields(&body), [field], "{query}");
    }
}

#[tokio::test]
async fn another_site_neither_sees_nor_changes_contacts() {
    let app = spawn_app().await;
    let mine = create(&app, json!({"emailAddress": "shared@example.com"})).await;
    let path = format!("{ONE}/{}", id_of(&mine));
    let (_, other) = app.add_site("Other", "bob", true).await;
    let as_other = |method: Method, target: &str| {
        app.anonymous(method, target)
            .header("Authorization", other.clone())
    };
    let body = json!({"emailAddress": "shared@example.com"});
    assert_eq!(
        send(as_other(Method::GET, &path)).await.0,
        StatusCode::NOT_FOUND
    );
    let put = as_other(Method::PUT, &path).json(&body);
    assert_eq!(send(put).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        send(as_other(Method::DELETE, &path)).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, found) = send(as_other(Method::GET, SEARCH)).await;
    assert_eq!(found["total"], 0);
    // Addresses are unique per site only.
    let (status, theirs) = send(as_other(Method::POST, ONE).json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");
    assert_eq!(app.get(&path).await.1["emailAddress"], "shared@example.com");
    assert_eq!(app.get(SEARCH).await.1["total"], 1);
}

#[tokio::test]
async fn contacts_need_credentials() {
    let app = spawn_app().await;
    let (status, _) = send(app.anonymous(Method::GET, SEARCH)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(app.anonymous(Method::POST, ONE).json(&json!({}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
