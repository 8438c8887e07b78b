//! OAuth tokens under attack: refresh tokens single-use under concurrency, revocation of a
//! grant, bearer failures in their own bucket, and the client checked before the body is read.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::discovery::register_client;
use crate::helpers::{PASSWORD, TestApp, basic, send, spawn_app};

const SYNCS: &str = "/api/bulk/2.0/syncs";

async fn token_pair(app: &TestApp, client_id: &str, secret: &str) -> Value {
    let grant =
        json!({"grant_type": "password", "username": "TestSite\\tester", "password": PASSWORD});
    let (status, pair) = send(
        app.anonymous(Method::POST, "/auth/oauth2/token")
            .basic_auth(client_id, Some(secret))
            .json(&grant),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pair}");
    pair
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_refreshes_of_one_token_give_exactly_one_new_pair() {
    let app = spawn_app().await;
    let (client_id, secret) = register_client(&app).await;
    let pair = token_pair(&app, &client_id, &secret).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let refreshes: Vec<_> = (0..10)
        .map(|_| {
            let request = app
                .anonymous(Method::POST, "/auth/oauth2/token")
                .basic_auth(&client_id, Some(&secret))
                .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh}));
            tokio::spawn(send(request))
        })
        .collect();
    let mut answers = Vec::new();
    for refresh in refreshes {
        answers.push(refresh.await.unwrap());
    }
    let winners: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(status, _)| *status != StatusCode::OK)
            .all(|(status, body)| *status == StatusCode::BAD_REQUEST
                && body["error"] == "invalid_grant"),
        "{answers:?}"
    );
    let access = winners[0].1["access_token"].as_str().unwrap();
    let bulk = app.anonymous(Method::GET, SYNCS).bearer_auth(access);
    assert_eq!(send(bulk).await.0, StatusCode::OK);
}

async fn bearer_status(app: &TestApp, pair: &Value) -> StatusCode {
    let access = pair["access_token"].as_str().unwrap();
    send(app.anonymous(Method::GET, SYNCS).bearer_auth(access))
        .await
        .0
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_the_access_token_issued_with_it() {
    let app = spawn_app().await;
    let (client_id, secret) = register_client(&app).await;
    let pair = token_pair(&app, &client_id, &secret).await;
    let other = token_pair(&app, &client_id, &secret).await;
    assert_eq!(bearer_status(&app, &pair).await, StatusCode::OK);
    let revoke = app
        .anonymous(Method::POST, "/auth/oauth2/revoke")
        .basic_auth(&client_id, Some(&secret))
        .json(&json!({"token": pair["refresh_token"], "token_type_hint": "refresh_token"}));
    assert_eq!(send(revoke).await.0, StatusCode::OK);
    assert_eq!(bearer_status(&app, &pair).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bearer_status(&app, &other).await,
        StatusCode::OK,
        "another pair still works"
    );
}

#[tokio::test]
async fn bad_bearer_tokens_do_not_throttle_basic_sign_in() {
    let app = spawn_app().await;
    for i in 0..20 {
        let stale = app
            .anonymous(Method::GET, SYNCS)
            .bearer_auth(format!("expired-{i}"));
        assert_eq!(send(stale).await.0, StatusCode::UNAUTHORIZED);
    }
    let wrong = app
        .anonymous(Method::GET, SYNCS)
        .header("Authorization", basic("TestSite", "tester", "guess"));
    assert_eq!(send(wrong).await.0, StatusCode::UNAUTHORIZED, "not 429");
    assert_eq!(app.get(SYNCS).await.0, StatusCode::OK);
}

/// Sends the head of a token request promising a body that never comes; returns the status
/// line of the answer, or `None` when none came within `patience`.
async fn answer_without_body(
    app: &TestApp,
    authorization: &str,
    patience: Duration,
) -> Option<String> {
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /auth/oauth2/token HTTP/1.1\r\nHost: {address}\r\nAuthorization: {authorization}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"grant_type\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = tokio::time::timeout(patience, stream.read(&mut answer)).await;
    let n = read.ok()?.ok()?;
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn a_wrong_client_in_the_header_is_refused_before_the_body_arrives() {
    let app = spawn_app().await;
    let (client_id, _) = register_client(&app).await;
    use base64::Engine;
    let header = |id: &str, secret: &str| {
        let pair = format!("{id}:{secret}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    // Generous: the answer needs no body, so it comes at once; without the fix it never comes.
    let patience = Duration::from_secs(10);
    let wrong = answer_without_body(&app, &header(&client_id, "bad-secret"), patience).await;
    assert_eq!(wrong.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
    let unknown = answer_without_body(&app, &header("nobody", "x"), patience).await;
    assert_eq!(unknown.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
}
