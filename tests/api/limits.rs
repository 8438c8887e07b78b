//! Explicit limits: requests beyond `max_in_flight` are shed with a 503 instead of queueing, and
//! one client address may hold only `max_in_flight_per_address` of those slots.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use loquat::config::Overrides;
use reqwest::{Method, StatusCode};
use tokio::net::tcp::OwnedReadHalf;
use tokio::task::JoinHandle;

use crate::helpers::{TestApp, send};
use crate::raw::{OTHER_CLIENT, client_from, definition, dribble, localhost, spawn};

/// `n` uploads from local address `from` whose bodies never finish, each sending a byte per
/// `every`.
async fn hold_slow_uploads(
    app: &TestApp,
    from: IpAddr,
    n: usize,
    every: Duration,
) -> Vec<(OwnedReadHalf, JoinHandle<()>)> {
    let uri = definition(app).await;
    let path = format!("/api/bulk/2.0{uri}/data");
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let first = b"E\n".to_vec();
        held.push(dribble(app, from, &path, "text/csv", 1000, first, every).await);
    }
    held
}

/// Ends uploads held by [`hold_slow_uploads`].
fn release(held: Vec<(OwnedReadHalf, JoinHandle<()>)>) {
    for (reader, writing) in held {
        writing.abort();
        drop(reader);
    }
}

/// A request from [`OTHER_CLIENT`] answers 200.
async fn assert_another_address_is_served(app: &TestApp) {
    let (status, body) = send(
        client_from(OTHER_CLIENT.into())
            .request(Method::GET, format!("{}/api/bulk/2.0/syncs", app.base))
            .header("Authorization", &app.auth),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "another address is served: {body}");
}

/// Polls `GET /api/bulk/2.0/syncs` with `client` until it answers `want` (panics after 10 s);
/// returns that response.
async fn until_status(
    app: &TestApp,
    client: &reqwest::Client,
    want: StatusCode,
) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = client
            .get(format!("{}/api/bulk/2.0/syncs", app.base))
            .header("Authorization", &app.auth)
            .send()
            .await
            .unwrap();
        if response.status() == want {
            return response;
        }
        assert!(
            Instant::now() < deadline,
            "never {want}: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until a request from this machine's loopback address is shed: a 503 that says when
/// to retry, with Eloqua's body.
async fn assert_loopback_is_shed(app: &TestApp) {
    let shed = until_status(
        app,
        &client_from(localhost()),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    assert_eq!(shed.headers()["retry-after"], "1");
    let body = shed.text().await.unwrap();
    assert!(body.starts_with("\"Service Unavailable"), "{body}");
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_answered_503() {
    let app = spawn(Overrides {
        max_in_flight: Some(1),
        ..Overrides::default()
    })
    .await;
    // An upload whose body never finishes, from another address, holds the only slot.
    let every = Duration::from_millis(500);
    let held = hold_slow_uploads(&app, OTHER_CLIENT.into(), 1, every).await;
    assert_loopback_is_shed(&app).await;
    release(held);
    until_status(&app, &client_from(localhost()), StatusCode::OK).await;
}

#[tokio::test]
async fn requests_beyond_the_per_address_cap_are_answered_503_while_other_addresses_are_served() {
    let app = spawn(Overrides {
        max_in_flight_per_address: Some(2),
        ..Overrides::default()
    })
    .await;
    let held = hold_slow_uploads(&app, localhost(), 2, Duration::from_millis(500)).await;
    assert_loopback_is_shed(&app).await;
    assert_another_address_is_served(&app).await;
    release(held);
    until_status(&app, &client_from(localhost()), StatusCode::OK).await;
}

#[tokio::test]
async fn slow_bodies_from_one_address_cannot_keep_another_address_from_being_served() {
    // 20 connections dribbling bodies once took all of `--max-in-flight 20`.
    let app = spawn(Overrides {
        max_in_flight: Some(20),
        ..Overrides::default()
    })
    .await;
    let held = hold_slow_uploads(&app, localhost(), 20, Duration::from_secs(1)).await;
    // The attacker's own address is shed once it holds its share...
    until_status(
        &app,
        &client_from(localhost()),
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
    // ...and everyone else is still served.
    assert_another_address_is_served(&app).await;
    release(held);
}
