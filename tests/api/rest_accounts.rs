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

#[tokio::test]
async fn account_lists_are_managed_by_the_admin_api_and_read_through_bulk() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for name in ["Acme", "Globex"] {
        let (_, account) = app.post(ACCOUNT, &json!({"name": name})).await;
        ids.push(account["id"].as_str().unwrap().to_owned());
    }
    let (status, list) = app
        .post(
            "/api/loquat/1.0/accounts/list",
            &json!({"name": "Targets", "membershipAdditions": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    assert_eq!(
        (&list["type"], &list["count"]),
        (&json!("AccountList"), &json!(2))
    );
    let id = list["id"].as_str().unwrap().to_owned();

    let (_, bulk) = app.get(&format!("/api/bulk/2.0/accounts/lists/{id}")).await;
    assert_eq!(
        (
            &bulk["name"],
            &bulk["count"],
            &bulk["statement"],
            &bulk["uri"]
        ),
        (
            &json!("Targets"),
            &json!(2),
            &json!(format!("{{{{AccountList[{id}]}}}}")),
            &json!(format!("/accounts/lists/{id}"))
        )
    );
    let (_, page) = app.get("/api/bulk/2.0/accounts/lists?q=name=Tar*").await;
    assert_eq!(
        page["items"][0]["uri"],
        json!(format!("/accounts/lists/{id}"))
    );
    let (_, contact_lists) = app.get("/api/bulk/2.0/contacts/lists").await;
    assert_eq!(
        contact_lists["totalResults"], 0,
        "account lists are not contact lists"
    );

    let (status, changed) = app
        .put(
            &format!("/api/loquat/1.0/accounts/list/{id}"),
            &json!({"name": "Targets", "membershipDeletions": [ids[0]]}),
        )
        .await;
    assert_eq!((status, &changed["count"]), (StatusCode::OK, &json!(1)));
    // A contact id, or another site's account, is not an account of this site.
    let contact = app.contact("someone@example.com").await;
    let (_, theirs) = app.add_site("Other", "bob", true).await;
    let (status, answer) = app
        .put(
            &format!("/api/loquat/1.0/accounts/list/{id}"),
            &json!({"name": "Targets", "membershipAdditions": [contact + 1000]}),
        )
        .await;
    assert_failures(status, &answer, &["membershipAdditions"]);
    let (status, _) = send(
        app.anonymous(Method::GET, &format!("/api/bulk/2.0/accounts/lists/{id}"))
            .header("Authorization", &theirs),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.delete(&format!("{ACCOUNT}/{}", ids[1])).await;
    let (_, after) = app.get(&format!("/api/bulk/2.0/accounts/lists/{id}")).await;
    assert_eq!(after["count"], 0, "a deleted account leaves its lists");
    let (status, _) = app
        .delete(&format!("/api/loquat/1.0/accounts/list/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&format!("/api/bulk/2.0/accounts/lists/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
