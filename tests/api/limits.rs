//! Explicit limits: requests beyond `max_in_flight` are shed with a 503 instead of queueing.

use loquat::config::Overrides;
use loquat::domain::clock::SystemClock;
use reqwest::StatusCode;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_answered_503() {
    let app = spawn_app_with(
        Arc::new(SystemClock),
        Overrides {
            max_in_flight: Some(1),
            ..Overrides::default()
        },
    )
    .await;
    let uri = app
        .definition(&serde_json::json!({
            "name": "slow", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "E",
            "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
        }))
        .await;
    // An upload whose body never finishes holds the only slot.
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/bulk/2.0{uri}/data HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\nE\n",
        app.auth
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, body) = app.get("/api/bulk/2.0/syncs").await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(
                body.as_str().unwrap().starts_with("Service Unavailable"),
                "{body}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never shed: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    drop(slow);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.get("/api/bulk/2.0/syncs").await.0 != StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "the slot was never released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
