//! Authentication (Basic and OAuth bearer), `/id`, path spelling, unknown routes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, basic, keys, send, spawn_app};

#[tokio::test]
async fn id_describes_the_caller_and_points_every_url_at_this_server() {
    let app = spawn_app().await;
    let (status, body) = app.get("/id").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["site"]["name"], "TestSite");
    assert_eq!(body["site"]["id"], app.site.id);
    assert_eq!(body["user"]["username"], "tester");
    assert_eq!(body["urls"]["base"], app.base.as_str());
    assert_eq!(
        body["urls"]["apis"]["rest"]["bulk"],
        format!("{}/API/Bulk/{{version}}/", app.base)
    );
    assert_eq!(
        body["urls"]["apis"]["rest"]["standard"],
        format!("{}/API/REST/{{version}}/", app.base)
    );
}

#[tokio::test]
async fn id_sends_every_user_property_as_a_string_even_when_unknown() {
    let app = spawn_app().await;
    let new = loquat::store::NewUser {
        username: "bare".into(),
        password_hash: loquat::auth::hash_password(PASSWORD).unwrap(),
        display_name: None,
        email_address: None,
        api_access: true,
    };
    app.store.add_user(app.site.id, new).await.unwrap();
    let request = app
        .anonymous(Method::GET, "/id")
        .header("Authorization", basic("TestSite", "bare", PASSWORD));
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::OK);
    let user = &body["user"];
    let keys = keys(user);
    assert_eq!(
        keys,
        [
            "id",
            "username",
            "displayName",
            "firstName",
            "lastName",
            "emailAddress"
        ]
    );
    assert_eq!(
        (
            &user["displayName"],
            &user["firstName"],
            &user["lastName"],
            &user["emailAddress"]
        ),
        (&json!("bare"), &json!("bare"), &json!(""), &json!(""))
    );
    let (_, full) = app.get("/id").await;
    assert_eq!(
        (
            &full["user"]["firstName"],
            &full["user"]["lastName"],
            &full["user"]["emailAddress"]
        ),
        (&json!("Test"), &json!("User"), &json!("tester@example.com"))
    );
}

#[tokio::test]
async fn id_answers_200_not_authenticated_for_bad_or_missing_credentials() {
    let app = spawn_app().await;
    for auth in [
        Some(basic("TestSite", "tester", "wrong")),
        Some("Bearer nope".into()),
        None,
    ] {
        let mut request = app.anonymous(Method::GET, "/id");
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap(), "\"Not authenticated.\"");
    }
}

#[tokio::test]
async fn bulk_routes_refuse_missing_and_wrong_credentials_with_401() {
    let app = spawn_app().await;
    let wrong = [
        None,
        Some(basic("TestSite", "tester", "wrong")),
        Some(basic("NoSuchSite", "tester", PASSWORD)),
        Some(basic("TestSite", "nobody", PASSWORD)),
        Some("Basic !!!not-base64".to_owned()),
        Some("Bearer unknown-token".to_owned()),
        Some("Digest whatever".to_owned()),
    ];
    for auth in wrong {
        let mut request = app.anonymous(Method::GET, "/api/bulk/2.0/contacts/syncActions");
        if let Some(auth) = &auth {
            request = request.header("Authorization", auth);
        }
        let (status, body) = send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(body, json!("You are not authorized to make this request."));
    }
}

#[tokio::test]
async fn site_and_user_names_match_without_case() {
    let app = spawn_app().await;
    let request = app
        .anonymous(Method::GET, "/api/bulk/2.0/contacts/syncActions")
        .header("Authorization", basic("testsite", "TESTER", PASSWORD));
    assert_eq!(send(request).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_user_without_api_access_gets_403() {
    let app = spawn_app().await;
    app.add_user(&app.site, "viewer", false).await;
    let request = app
        .anonymous(Method::GET, "/api/bulk/2.0/contacts/syncActions")
        .header("Authorization", basic("TestSite", "viewer", PASSWORD));
    assert_eq!(send(request).await.0, StatusCode::FORBIDDEN);
}

pub(crate) async fn register_client(app: &crate::helpers::TestApp) -> (String, String) {
    let (id, secret) = ("client-1".to_owned(), "client-secret".to_owned());
    app.store
        .add_oauth_client(loquat::domain::site::OAuthClient {
            client_id: id.clone(),
            secret_hash: loquat::auth::digest(&secret),
            name: "tests".into(),
        })
        .await
        .unwrap();
    (id, secret)
}

#[tokio::test]
async fn password_grant_issues_a_bearer_token_that_the_bulk_api_accepts() {
    let app = spawn_app().await;
    let (client_id, secret) = register_client(&app).await;
    let request = app
        .anonymous(Method::POST, "/auth/oauth2/token")
        .basic_auth(&client_id, Some(&secret))
        .json(&json!({"grant_type": "password", "scope": "full", "username": "TestSite\\tester", "password": PASSWORD}));
    let (status, token) = send(request).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 28800);
    let access = token["access_token"].as_str().unwrap();
    let bulk = app
        .anonymous(Method::GET, "/api/bulk/2.0/contacts/syncActions")
        .bearer_auth(access);
    assert_eq!(send(bulk).await.0, StatusCode::OK);
    let id = app.anonymous(Method::GET, "/id").bearer_auth(access);
    assert_eq!(send(id).await.1["user"]["username"], "tester");

    // The refresh token works once, as a form post with the client in the body.
    let refresh = token["refresh_token"].as_str().unwrap();
    let form = format!(
        "grant_type=refresh_token&refresh_token={refresh}&client_id={client_id}&client_secret={secret}"
    );
    let again = || {
        app.anonymous(Method::POST, "/auth/oauth2/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.clone())
    };
    let (status, renewed) = send(again()).await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_ne!(renewed["access_token"], token["access_token"]);
    let (status, reused) = send(again()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reused["error"], "invalid_grant");

    // The renewed pair works: its access token signs in, and its refresh token renews once more.
    let access = renewed["access_token"].as_str().unwrap();
    let id = app.anonymous(Method::GET, "/id").bearer_auth(access);
    assert_eq!(send(id).await.1["user"]["username"], "tester");
    let next = renewed["refresh_token"].as_str().unwrap();
    let form = format!(
        "grant_type=refresh_token&refresh_token={next}&client_id={client_id}&client_secret={secret}"
    );
    let (status, third) = send(
        app.anonymous(Method::POST, "/auth/oauth2/token")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{third}");
}

#[tokio::test]
async fn token_endpoint_checks_the_client_the_grant_and_the_password() {
    let app = spawn_app().await;
    let (client_id, secret) = register_client(&app).await;
    let grant =
        json!({"grant_type": "password", "username": "TestSite\\tester", "password": PASSWORD});
    type Case<'a> = (Option<(&'a str, &'a str)>, Value, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            None,
            grant.clone(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some((&client_id, "bad-secret")),
            grant.clone(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some((&client_id, &secret)),
            json!({"grant_type": "password", "username": "TestSite\\tester", "password": "x"}),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            Some((&client_id, &secret)),
            json!({"grant_type": "client_credentials"}),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            Some((&client_id, &secret)),
            json!({"username": "TestSite\\tester"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Some((&client_id, &secret)),
            json!({"grant_type": "password"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (client, body, want_status, want_error) in cases {
        let mut request = app
            .anonymous(Method::POST, "/auth/oauth2/token")
            .json(&body);
        if let Some((id, secret)) = client {
            request = request.basic_auth(id, Some(secret));
        }
        let (status, answer) = send(request).await;
        assert_eq!(
            (status, answer["error"].as_str().unwrap()),
            (want_status, want_error),
            "{body}"
        );
    }
}

#[tokio::test]
async fn bulk_prefix_is_matched_without_case_and_with_repeated_slashes() {
    let app = spawn_app().await;
    for path in [
        "/API/Bulk/2.0/contacts/syncActions",
        "/api/bulk/2.0//contacts/syncActions",
        "/Api/BULK/2.0/contacts//syncActions/",
        "//api/bulk/2.0/syncActions?limit=5",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body["items"].is_array(), "{path}");
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_json_bodies() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/bulk/2.0/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!("The requested resource was not found."));
    let (status, _) = app.get("/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) =
        send(app.request(Method::PATCH, "/api/bulk/2.0/contacts/syncActions")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body.is_string());
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_429_and_retry_after() {
    let app = spawn_app().await;
    let attempt = |password: &str| {
        app.anonymous(Method::GET, "/api/bulk/2.0/contacts/syncActions")
            .header("Authorization", basic("TestSite", "tester", password))
    };
    for _ in 0..5 {
        assert_eq!(send(attempt("guess")).await.0, StatusCode::UNAUTHORIZED);
    }
    let response = attempt(PASSWORD).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert!(
        body.as_str().unwrap().starts_with("Too Many Requests"),
        "{body}"
    );
    let id = send(
        app.anonymous(Method::GET, "/id")
            .header("Authorization", basic("TestSite", "tester", PASSWORD)),
    )
    .await;
    assert_eq!(
        id.0,
        StatusCode::TOO_MANY_REQUESTS,
        "discovery is throttled too"
    );
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let app = spawn_app().await;
    let (client_id, secret) = register_client(&app).await;
    let grant =
        json!({"grant_type": "password", "username": "TestSite\\tester", "password": PASSWORD});
    let (_, token) = send(
        app.anonymous(Method::POST, "/auth/oauth2/token")
            .basic_auth(&client_id, Some(&secret))
            .json(&grant),
    )
    .await;
    let access = token["access_token"].as_str().unwrap().to_owned();
    let works = || {
        app.anonymous(Method::GET, "/api/bulk/2.0/syncs")
            .bearer_auth(&access)
    };
    assert_eq!(send(works()).await.0, StatusCode::OK);
    let revoke = |body: Value| {
        app.anonymous(Method::POST, "/auth/oauth2/revoke")
            .basic_auth(&client_id, Some(&secret))
            .json(&body)
    };
    assert_eq!(
        send(revoke(json!({"token": access}))).await.0,
        StatusCode::OK
    );
    assert_eq!(send(works()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(revoke(json!({"token": "never-issued"}))).await.0,
        StatusCode::OK,
        "unknown tokens too"
    );
    let refresh = token["refresh_token"].as_str().unwrap();
    assert_eq!(
        send(revoke(
            json!({"token": refresh, "token_type_hint": "refresh_token"})
        ))
        .await
        .0,
        StatusCode::OK
    );
    let form = format!("grant_type=refresh_token&refresh_token={refresh}");
    let reuse = app
        .anonymous(Method::POST, "/auth/oauth2/token")
        .basic_auth(&client_id, Some(&secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form);
    assert_eq!(send(reuse).await.1["error"], "invalid_grant");
    let unauthenticated = app
        .anonymous(Method::POST, "/auth/oauth2/revoke")
        .json(&json!({"token": "x"}));
    assert_eq!(send(unauthenticated).await.0, StatusCode::UNAUTHORIZED);
}
