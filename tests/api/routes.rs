//! Every route, in one table: without credentials each answers 401, and another site's user
//! gets 404 on this site's real ids while nothing changes. Adding a route is one line in
//! [`ROUTES`](crate::routes_fixture::ROUTES); `the_table_lists_every_route_in_the_router` fails until it is there.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{send, spawn_app};
use crate::routes_fixture::{Fixture, NOT_FOUND, ROUTES, SHARED, snapshot};

const UNAUTHORIZED: &str = "You are not authorized to make this request.";

/// Routes that answer without an API user, and how: `/id` is a 200 holding
/// `"Not authenticated."` (Oracle's quirk), the OAuth endpoints authenticate the client (an
/// RFC 6749 401), the OpenAPI documents are public.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/id"),
    ("POST", "/auth/oauth2/token"),
    ("POST", "/auth/oauth2/revoke"),
    ("GET", "/api/bulk/2.0/openapi.json"),
    ("GET", "/api/rest/1.0/openapi.json"),
    ("GET", "/ui"),
    ("GET", "/ui/{}"),
];

#[tokio::test]
async fn every_route_without_credentials_is_401_and_changes_nothing() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let before = snapshot(&app, &fixture).await;
    for route in ROUTES {
        let response = fixture.request(&app, route).send().await.unwrap();
        let (status, challenge) = (
            response.status(),
            response.headers().get("WWW-Authenticate"),
        );
        let challenge = challenge.map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{route:?}: {body}");
        assert_eq!(body, json!(UNAUTHORIZED), "{route:?}");
        let challenge = challenge.unwrap_or_else(|| panic!("{route:?}: no WWW-Authenticate"));
        assert!(challenge.starts_with("Basic "), "{route:?}: {challenge}");
    }
    assert_eq!(snapshot(&app, &fixture).await, before);
}

#[tokio::test]
async fn public_routes_answer_as_documented_without_credentials() {
    let app = spawn_app().await;
    for (method, path) in PUBLIC {
        if path.starts_with("/ui") {
            // The dashboard's page and assets (it signs in from the browser).
            let path = path.replace("{}", "app.js");
            let response = app.anonymous(Method::GET, &path).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            continue;
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let request = match method {
            Method::POST => app
                .anonymous(method, path)
                .form(&[("grant_type", "password")]),
            method => app.anonymous(method, path),
        };
        let (status, body) = send(request).await;
        let expected = match *path {
            "/id" => status == StatusCode::OK && body == json!("Not authenticated."),
            _ if path.starts_with("/auth/") => {
                status == StatusCode::UNAUTHORIZED && body["error"] == "invalid_client"
            }
            _ => status == StatusCode::OK && body["openapi"].is_string(),
        };
        assert!(expected, "{path}: {status} {body}");
    }
}

#[tokio::test]
async fn another_sites_user_gets_404_on_every_id_and_the_owner_still_succeeds() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let (_, bob) = app.add_site("Other", "bob", true).await;
    let before = snapshot(&app, &fixture).await;
    let with_ids: Vec<_> = ROUTES
        .iter()
        .filter(|r| r.1.contains('{') && !SHARED.contains(&r.1))
        .collect();
    for route in ROUTES.iter().filter(|r| SHARED.contains(&r.1)) {
        let (status, body) = send(fixture.request(&app, route).header("Authorization", &bob)).await;
        assert_eq!(status, StatusCode::OK, "{route:?}: {body}");
    }
    for route in &with_ids {
        let (status, body) = send(fixture.request(&app, route).header("Authorization", &bob)).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!(NOT_FOUND)),
            "{route:?}"
        );
    }
    assert_eq!(
        snapshot(&app, &fixture).await,
        before,
        "bob changed nothing"
    );
    // The ids were real: the owner's same requests succeed (deletes last, children first).
    let (deletes, others): (Vec<_>, Vec<_>) = with_ids.iter().partition(|r| r.0 == "DELETE");
    for route in others.into_iter().chain(deletes.into_iter().rev()) {
        let (status, body) = send(
            fixture
                .request(&app, route)
                .header("Authorization", &app.auth),
        )
        .await;
        assert!(status.is_success(), "{route:?}: {status} {body}");
    }
}

/// `(method, path)` of every `.route(…)` under `src/api`, ids spelled `{}`. The prefix a route
/// is nested under follows from its file (`rest/`, `appcloud.rs`, `id.rs`, `oauth.rs`, else
/// Bulk) or, for a router function named `rest_…` elsewhere, REST.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let file = entry.unwrap().path();
            if file.is_dir() {
                dirs.push(file);
            } else if file.extension().is_some_and(|e| e == "rs") {
                routes_in_file(&file, &mut found);
            }
        }
    }
    found
}

fn routes_in_file(file: &std::path::Path, found: &mut BTreeSet<(String, String)>) {
    let name = file.file_name().unwrap().to_str().unwrap();
    let in_rest = file.parent().unwrap().ends_with("rest");
    let in_oauth = file.parent().unwrap().ends_with("oauth");
    let text = std::fs::read_to_string(file).unwrap();
    let mut calls = text.split(".route(");
    let mut router = String::new();
    let mut before = calls.next().unwrap_or_default();
    for call in calls {
        if let Some((_, after)) = before.rsplit_once("fn ") {
            router = after.split('(').next().unwrap_or_default().to_owned();
        }
        let prefix = match name {
            "custom_objects.rs" | "custom_object_data.rs" if in_rest => "/api/rest/2.0",
            _ if in_rest || router.starts_with("rest_") => "/api/rest/1.0",
            _ if in_oauth => "",
            "appcloud.rs" | "account_lists.rs" => "/api/loquat/1.0",
            "id.rs" | "oauth.rs" | "dashboard.rs" | "ui.rs" => "",
            _ => "/api/bulk/2.0",
        };
        let mut depth = 1;
        let end = call
            .char_indices()
            .find_map(|(at, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                (depth == 0).then_some(at)
            })
            .unwrap_or(call.len());
        let args = &call[..end];
        let path = args.split('"').nth(1).unwrap();
        for method in ["get", "post", "put", "delete", "patch"] {
            let called = |s: &str| args.contains(&format!("{s}{method}("));
            if called("(") || called(".") || called(" ") {
                let route = ids_blank(&format!("{prefix}{path}"));
                found.insert((method.to_uppercase(), route));
            }
        }
        before = call;
    }
}

fn ids_blank(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_table_lists_every_route_in_the_router() {
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), ids_blank(p)))
        .chain(
            PUBLIC
                .iter()
                .map(|(m, p)| ((*m).to_owned(), (*p).to_owned())),
        )
        .collect();
    let source = routes_in_source();
    assert_eq!(
        source.difference(&table).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes missing from ROUTES"
    );
    assert_eq!(
        table.difference(&source).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "ROUTES names routes the router lacks"
    );
}
