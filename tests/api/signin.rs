//! Sign-in throttling by (login, address) and by address, trusted proxies, and timing that
//! does not tell which logins exist.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use loquat::config::Overrides;
use loquat::domain::clock::SystemClock;
use reqwest::{Client, StatusCode};

use crate::helpers::{PASSWORD, TestApp, basic, spawn_app, spawn_app_with};

const SYNCS: &str = "/api/bulk/2.0/syncs";

/// A client whose connections come from `address` (any 127.x.y.z reaches the server).
fn client_from(address: &str) -> Client {
    crate::raw::client_from(address.parse::<IpAddr>().unwrap())
}

async fn sign_in(app: &TestApp, client: &Client, user: &str, password: &str) -> StatusCode {
    sign_in_as(app, client, &basic("TestSite", user, password), None).await
}

async fn sign_in_as(
    app: &TestApp,
    client: &Client,
    auth: &str,
    forwarded_for: Option<&str>,
) -> StatusCode {
    let mut request = client
        .get(format!("{}{SYNCS}", app.base))
        .header("Authorization", auth);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn a_guesser_locks_a_login_out_only_from_its_own_address() {
    let app = spawn_app().await;
    app.add_user(&app.site, "other", true).await;
    let (attacker, victim) = (client_from("127.0.0.1"), client_from("127.0.0.2"));
    for _ in 0..5 {
        let status = sign_in(&app, &attacker, "tester", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..10 {
        let status = sign_in(&app, &attacker, "tester", "guess").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(
        sign_in(&app, &victim, "tester", PASSWORD).await,
        StatusCode::OK,
        "the real user, from another address"
    );
    assert_eq!(
        sign_in(&app, &attacker, "other", PASSWORD).await,
        StatusCode::OK,
        "another user, from the guesser's address"
    );
}

#[tokio::test]
async fn a_user_who_signed_in_before_is_never_locked_out_by_guesses_from_a_shared_address() {
    // Behind a proxy that is not trusted, the real user and a guesser share one address.
    let app = spawn_app().await;
    let shared = client_from("127.0.0.1");
    assert_eq!(
        sign_in(&app, &shared, "tester", PASSWORD).await,
        StatusCode::OK
    );
    for _ in 0..8 {
        sign_in(&app, &shared, "tester", "guess").await;
    }
    assert_eq!(
        sign_in(&app, &shared, "tester", "guess").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser is refused"
    );
    assert_eq!(
        sign_in(&app, &shared, "tester", PASSWORD).await,
        StatusCode::OK,
        "the password verified before still signs in"
    );
}

#[tokio::test]
async fn a_test_suite_checking_wrong_passwords_keeps_signing_in_from_one_address() {
    let app = spawn_app().await;
    let suite = client_from("127.0.0.1");
    for round in 0..10 {
        let wrong = sign_in(&app, &suite, "tester", "wrong").await;
        assert_eq!(wrong, StatusCode::UNAUTHORIZED, "round {round}");
        let unknown = sign_in(&app, &suite, &format!("nobody{round}"), "wrong").await;
        assert_eq!(unknown, StatusCode::UNAUTHORIZED, "round {round}");
        let right = sign_in(&app, &suite, "tester", PASSWORD).await;
        assert_eq!(right, StatusCode::OK, "round {round}");
    }
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_counted_before_they_are_checked() {
    let app = spawn_app().await;
    let attacker = client_from("127.0.0.1");
    let guesses: Vec<_> = (0..30)
        .map(|i| {
            let request = attacker.get(format!("{}{SYNCS}", app.base)).header(
                "Authorization",
                basic("TestSite", "tester", &format!("guess{i}")),
            );
            tokio::spawn(async move { request.send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(checked <= 5, "only five guesses are checked: {statuses:?}");
    let refusals = [
        StatusCode::UNAUTHORIZED,
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::SERVICE_UNAVAILABLE,
    ];
    assert!(
        statuses.iter().all(|s| refusals.contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_forwarded_clients_are_throttled_apart() {
    let overrides = Overrides {
        trusted_proxies: Some(vec!["127.0.0.1/32".into()]),
        ..Overrides::default()
    };
    let app = spawn_app_with(std::sync::Arc::new(SystemClock), overrides).await;
    let proxy = client_from("127.0.0.1");
    let wrong = basic("TestSite", "tester", "guess");
    for _ in 0..6 {
        sign_in_as(&app, &proxy, &wrong, Some("198.51.100.1")).await;
    }
    let right = basic("TestSite", "tester", PASSWORD);
    assert_eq!(
        sign_in_as(&app, &proxy, &right, Some("198.51.100.1")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_as(&app, &proxy, &right, Some("198.51.100.2")).await,
        StatusCode::OK,
        "another client behind the same proxy"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let app = spawn_app().await;
    let peer = client_from("127.0.0.1");
    let wrong = basic("TestSite", "tester", "guess");
    for i in 0..6 {
        sign_in_as(&app, &peer, &wrong, Some(&format!("198.51.100.{i}"))).await;
    }
    let right = basic("TestSite", "tester", PASSWORD);
    assert_eq!(
        sign_in_as(&app, &peer, &right, Some("203.0.113.7")).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the failures counted against the peer, whatever it claimed"
    );
}

/// Median time of `attempts` sign-ins with each `Authorization` value.
async fn median_time(app: &TestApp, client: &Client, auths: &[String]) -> Duration {
    let mut times = Vec::with_capacity(auths.len());
    for auth in auths {
        let started = Instant::now();
        let status = sign_in_as(app, client, auth, None).await;
        times.push(started.elapsed());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn unknown_users_and_sites_take_as_long_as_a_wrong_password() {
    let app = spawn_app().await;
    let client = client_from("127.0.0.1");
    let auths = |make: &dyn Fn(usize) -> String| (0..5).map(make).collect::<Vec<_>>();
    let wrong = auths(&|i| basic("TestSite", "tester", &format!("guess{i}")));
    let unknown_user = auths(&|i| basic("TestSite", &format!("nobody{i}"), "guess"));
    let unknown_site = auths(&|i| basic(&format!("Nowhere{i}"), "tester", "guess"));
    // Warm up the dummy hash, computed on first use.
    sign_in_as(&app, &client, &basic("Warm", "up", "x"), None).await;
    let wrong = median_time(&app, &client, &wrong).await;
    let unknown_user = median_time(&app, &client, &unknown_user).await;
    let unknown_site = median_time(&app, &client, &unknown_site).await;
    for (what, time) in [
        ("unknown user", unknown_user),
        ("unknown site", unknown_site),
    ] {
        assert!(
            time.as_secs_f64() >= 0.3 * wrong.as_secs_f64(),
            "{what}: {time:?} against {wrong:?} for a wrong password"
        );
    }
}
