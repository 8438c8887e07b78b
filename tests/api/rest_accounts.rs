//! REST 1.0 accounts over HTTP: Eloqua's shape, full replaces, search and tenancy.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_failures, send, spawn_app};

const ACCOUNT: &str = "/api/REST/1.0/data/account";

#[tokio::test]
async fn accounts_are_created_replaced_searched_and_deleted_in_eloquas_shape() {
    let app = spawn_app().await;
    let (status, created) = app
        .post(
            ACCOUNT,
            &json!({
                "name": "Acme Corp", "city": "Springfield", "province": "OR", "postalCode": "97403",
                "fieldValues": [{"type": "FieldValue", "id": "100100", "value": "A-1"},
                                {"id": 100011, "value": "Anvils"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            &created["type"],
            &created["name"],
            &created["city"],
            &created["province"],
            &created["postalCode"]
        ),
        (
            &json!("Account"),
            &json!("Acme Corp"),
            &json!("Springfield"),
            &json!("OR"),
            &json!("97403")
        )
    );
    assert_eq!(
        created["fieldValues"],
        json!([{"type": "FieldValue", "id": "100011", "value": "Anvils"},
               {"type": "FieldValue", "id": "100100", "value": "A-1"}])
    );
    let (_, read) = app.get(&format!("{ACCOUNT}/{id}")).await;
    assert_eq!(read, created);

    let (status, replaced) = app
        .put(
            &format!("{ACCOUNT}/{id}"),
            &json!({"name": "Acme Corporation", "country": "US"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(
        (&replaced["name"], &replaced["country"]),
        (&json!("Acme Corporation"), &json!("US"))
    );
    assert!(
        replaced.get("city").is_none() && replaced.get("fieldValues").is_none(),
        "{replaced}"
    );

    app.post(ACCOUNT, &json!({"name": "Globex"})).await;
    let (_, found) = app
        .get("/api/REST/1.0/data/accounts?search=name=acme*")
        .await;
    assert_eq!(
        (&found["total"], &found["elements"][0]["id"]),
        (&json!(1), &json!(id))
    );
    let (_, all) = app.get("/api/REST/1.0/data/accounts?count=1&page=2").await;
    assert_eq!(
        (&all["total"], &all["elements"][0]["name"]),
        (&json!(2), &json!("Globex"))
    );

    let (_, other) = app.add_site("Other", "bob", true).await;
    for method in [Method::GET, Method::DELETE] {
        let (status, _) = send(
            app.anonymous(method, &format!("{ACCOUNT}/{id}"))
                .header("Authorization", &other),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = app.delete(&format!("{ACCOUNT}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&format!("{ACCOUNT}/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for (body, field) in [
        (json!({"city": "Nowhere"}), "name"),
        (json!({"name": "x", "city": 12}), "city"),
        (
            json!({"name": "x", "fieldValues": [{"id": "999", "value": "v"}]}),
            "fieldValues[0].id",
        ),
        (
            json!({"name": "x", "fieldValues": {"id": "100100"}}),
            "fieldValues",
        ),
    ] {
        let (status, answer) = app.post(ACCOUNT, &body).await;
        assert_failures(status, &answer, &[field]);
    }
}
