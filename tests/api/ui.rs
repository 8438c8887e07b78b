//! The web dashboard: `/ui` and its files load without credentials with strict security
//! headers, and the Loquat extension endpoints it reads its counts from keep to the caller's
//! site.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, rows, send, spawn_app};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.anonymous(Method::GET, path).send().await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn ui_serves_the_page_without_credentials_under_a_strict_policy() {
    let app = spawn_app().await;
    for path in ["/ui", "/ui/"] {
        let response = fetch(&app, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "text/html; charset=utf-8"
        );
        assert_eq!(header(&response, "content-security-policy"), CSP);
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(header(&response, "cache-control"), "no-cache");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(r#"<script type="module" src="/ui/app.js">"#),
            "{page}"
        );
        assert!(!page.contains("<script>"), "no inline script: {page}");
    }
}

#[tokio::test]
async fn ui_files_have_their_content_types_and_unknown_files_are_404() {
    let app = spawn_app().await;
    for (file, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("dom.js", "text/javascript; charset=utf-8"),
        ("pages.js", "text/javascript; charset=utf-8"),
        ("sync.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
    ] {
        let response = fetch(&app, &format!("/ui/{file}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        assert_eq!(header(&response, "content-type"), content_type, "{file}");
        assert_eq!(header(&response, "content-security-policy"), CSP, "{file}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(!response.bytes().await.unwrap().is_empty(), "{file}");
    }
    for missing in [
        "/ui/nope.js",
        "/ui/APP.JS",
        "/ui/..%2FCargo.toml",
        "/ui/app.js/x",
    ] {
        let response = fetch(&app, missing).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    let response = app.anonymous(Method::POST, "/ui").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn ui_files_revalidate_with_their_etag() {
    let app = spawn_app().await;
    let first = fetch(&app, "/ui/app.js").await;
    let etag = header(&first, "etag").to_owned();
    let again = app
        .anonymous(Method::GET, "/ui/app.js")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, "etag"), etag);
    let other = fetch(&app, "/ui/style.css").await;
    assert_ne!(header(&other, "etag"), etag);
}

/// A definition adding to a new list; returns its uri.
async fn definition(app: &TestApp) -> String {
    let list = app.list("Staged").await;
    app.definition(&json!({
        "name": "Staged",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    }))
    .await
}

fn id_of(uri: &str) -> &str {
    uri.rsplit('/').next().unwrap()
}

#[tokio::test]
async fn staged_counts_files_and_rows_until_a_sync_takes_them() {
    let app = spawn_app().await;
    let staged = definition(&app).await;
    let idle = definition(&app).await;
    app.upload(&staged, &rows("Email", &["a@example.com", "b@example.com"]))
        .await;
    app.upload(&staged, &rows("Email", &["c@example.com"]))
        .await;
    let path = format!(
        "/api/loquat/1.0/contacts/syncActions/staged?ids={},{},999",
        id_of(&idle),
        id_of(&staged)
    );
    let (status, body) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut expected = vec![
        json!({"uri": staged, "files": 2, "rows": 3}),
        json!({"uri": idle, "files": 0, "rows": 0}),
    ];
    expected.sort_by_key(|item| id_of(item["uri"].as_str().unwrap()).parse::<i64>().unwrap());
    assert_eq!(body, json!({ "items": expected }));

    let sync = app.sync(&staged).await;
    app.wait_for_sync(&sync).await;
    let (_, body) = app.get(&path).await;
    let files: Vec<&Value> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["files"])
        .collect();
    assert_eq!(files, [&json!(0), &json!(0)]);
}

#[tokio::test]
async fn subscriptions_count_what_was_set_per_group() {
    let app = spawn_app().await;
    let (_, group) = app
        .post("/api/REST/1.0/assets/email/group", &json!({"name": "News"}))
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    for (email, subscribed) in [
        ("a@example.com", "true"),
        ("b@example.com", "false"),
        ("c@example.com", "false"),
    ] {
        let contact = app.contact(email).await;
        let path = format!("/api/REST/1.0/data/contact/{contact}/email/group/{group}/subscription");
        let (status, body) = app.put(&path, &json!({"isSubscribed": subscribed})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    app.contact("never@example.com").await;
    let (status, body) = app
        .get(&format!(
            "/api/loquat/1.0/emailGroups/subscriptions?ids={group}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"items": [{"uri": format!("/emailGroups/{group}"), "subscribed": 1, "unsubscribed": 2}]})
    );
}

#[tokio::test]
async fn extension_counts_need_credentials_and_keep_to_the_callers_site() {
    let app = spawn_app().await;
    let mine = definition(&app).await;
    app.upload(&mine, &rows("Email", &["a@example.com"])).await;
    let (_, group) = app
        .post("/api/REST/1.0/assets/email/group", &json!({"name": "Mine"}))
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    let staged = format!(
        "/api/loquat/1.0/contacts/syncActions/staged?ids={}",
        id_of(&mine)
    );
    let groups = format!("/api/loquat/1.0/emailGroups/subscriptions?ids={group}");
    let (_, object) = app
        .post(
            "/api/REST/2.0/assets/customObject",
            &json!({"name": "Mine", "fields": [{"name": "Email", "dataType": "text"}]}),
        )
        .await;
    let object = object["id"].as_str().unwrap().to_owned();
    let records = format!("/api/loquat/1.0/customObjects/records?ids={object},999");
    let (status, counted) = app.get(&records).await;
    assert_eq!(status, StatusCode::OK, "{counted}");
    assert_eq!(
        counted,
        json!({"items": [{"uri": format!("/customObjects/{object}"), "records": 0}]})
    );

    let (_, other) = app.add_site("OtherSite", "other", true).await;
    for path in [&staged, &groups, &records] {
        let (status, _) = send(app.anonymous(Method::GET, path)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let request = app
            .anonymous(Method::GET, path)
            .header("Authorization", &other);
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            body,
            json!({"items": []}),
            "another site sees nothing of {path}"
        );
    }
    let (_, no_api) = app.add_site("Viewers", "viewer", false).await;
    let request = app
        .anonymous(Method::GET, &staged)
        .header("Authorization", &no_api);
    assert_eq!(send(request).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extension_counts_refuse_malformed_ids() {
    let app = spawn_app().await;
    for query in ["", "?ids=", "?ids=1,x", "?ids=0", "?ids=-3", "?ids=1,,2"] {
        for base in [
            "/api/loquat/1.0/contacts/syncActions/staged",
            "/api/loquat/1.0/emailGroups/subscriptions",
            "/api/loquat/1.0/customObjects/records",
        ] {
            let (status, body) = app.get(&format!("{base}{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{base}{query}: {body}");
            assert_eq!(body["failures"][0]["field"], "ids", "{body}");
        }
    }
    let many: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
    let path = format!(
        "/api/loquat/1.0/contacts/syncActions/staged?ids={}",
        many.join(",")
    );
    assert_eq!(app.get(&path).await.0, StatusCode::BAD_REQUEST);
}
