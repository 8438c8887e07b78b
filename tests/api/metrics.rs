//! `GET /metrics` (Prometheus text format), its access settings, `X-Request-Id` on every
//! response, and request ids (but never row values) in log lines.

use std::sync::{Arc, Mutex};

use loquat::config::Overrides;
use loquat::domain::clock::SystemClock;
use loquat::metrics::Token;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, rows, spawn_app, spawn_app_with, spawn_app_without_engine};

fn subscribe_by_email() -> serde_json::Value {
    json!({
        "name": "Subscribe",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    })
}

/// `GET /metrics` without credentials: asserts 200 and the content type; returns the body.
async fn scrape(app: &TestApp) -> String {
    let response = app.anonymous(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.text().await.unwrap()
}

/// The value of the sample line `series` (name and labels exactly as exposed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[tokio::test]
async fn counts_requests_by_route_uploads_and_syncs_from_the_store() {
    let app = spawn_app_without_engine(Arc::new(SystemClock), Overrides::default()).await;
    let definition = app.definition(&subscribe_by_email()).await;
    let body = rows(
        "Email",
        &["a@example.com", "b@example.com", "c@example.com"],
    );
    app.upload(&definition, &body).await;
    let sync = app.sync(&definition).await;
    let (status, _) = app.get("/nowhere/12345").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let before = scrape(&app).await;
    let data = "/api/bulk/2.0/contacts/syncActions/{id}/data";
    assert_eq!(
        value(
            &before,
            &format!(
                "loquat_http_requests_total{{route=\"{data}\",method=\"POST\",status=\"204\"}}"
            )
        ),
        1.0
    );
    assert_eq!(
        value(
            &before,
            "loquat_http_requests_total{route=\"/api/bulk/2.0/syncs\",method=\"POST\",status=\"201\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &before,
            "loquat_http_requests_total{route=\"(unmatched)\",method=\"GET\",status=\"404\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &before,
            &format!("loquat_http_request_duration_seconds_count{{route=\"{data}\"}}")
        ),
        1.0
    );
    // Route templates only: no raw path (with its ids) is ever a label.
    assert!(!before.contains(&format!("{definition}/data")), "{before}");
    assert!(!before.contains("/nowhere"), "{before}");
    let bytes = serde_json::to_vec(&body).unwrap().len() as f64;
    assert_eq!(
        value(
            &before,
            "loquat_upload_bytes_total{kind=\"syncAction\",object=\"contacts\"}"
        ),
        bytes
    );
    assert_eq!(
        value(
            &before,
            "loquat_upload_rows_total{kind=\"syncAction\",object=\"contacts\"}"
        ),
        3.0
    );
    // Read from the store: one pending sync owning three staged rows.
    assert_eq!(value(&before, "loquat_syncs{status=\"pending\"}"), 1.0);
    assert_eq!(value(&before, "loquat_engine_queue_depth"), 1.0);
    assert_eq!(value(&before, "loquat_staged_rows"), 3.0);
    assert_eq!(value(&before, "loquat_store_up"), 1.0);
    assert_eq!(
        sample(
            &before,
            "loquat_sync_duration_seconds_count{kind=\"syncAction\",object=\"contacts\"}"
        ),
        None
    );

    app.run_engine_until_idle().await;
    let (_, done) = app.bulk_get(&sync).await;
    let status = done["status"].as_str().unwrap();
    let after = scrape(&app).await;
    assert_eq!(value(&after, "loquat_syncs{status=\"pending\"}"), 0.0);
    assert_eq!(
        value(&after, &format!("loquat_syncs{{status=\"{status}\"}}")),
        1.0
    );
    assert_eq!(value(&after, "loquat_engine_queue_depth"), 0.0);
    assert_eq!(value(&after, "loquat_staged_rows"), 0.0, "released");
    assert_eq!(
        value(
            &after,
            &format!(
                "loquat_syncs_finished_total{{kind=\"syncAction\",object=\"contacts\",status=\"{status}\"}}"
            )
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "loquat_sync_duration_seconds_count{kind=\"syncAction\",object=\"contacts\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "loquat_sync_duration_seconds_bucket{kind=\"syncAction\",object=\"contacts\",le=\"+Inf\"}"
        ),
        1.0
    );
    // The first scrape was counted too, under its own route.
    assert_eq!(
        value(
            &after,
            "loquat_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"
        ),
        1.0
    );
}

#[tokio::test]
async fn import_uploads_are_counted_by_kind() {
    let app = spawn_app().await;
    let (status, import) = app
        .post(
            "/api/bulk/2.0/contacts/imports",
            &json!({
                "name": "Import",
                "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{import}");
    let uri = import["uri"].as_str().unwrap();
    let (status, body) = app
        .post_raw(
            &format!("/api/bulk/2.0{uri}/data"),
            "text/csv",
            "Email\na@example.com\nb@example.com\n",
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let text = scrape(&app).await;
    assert_eq!(
        value(
            &text,
            "loquat_upload_rows_total{kind=\"import\",object=\"contacts\"}"
        ),
        2.0
    );
    assert_eq!(
        value(
            &text,
            "loquat_upload_bytes_total{kind=\"import\",object=\"contacts\"}"
        ),
        34.0
    );
    assert_eq!(
        sample(
            &text,
            "loquat_upload_rows_total{kind=\"syncAction\",object=\"contacts\"}"
        ),
        None
    );
}

#[tokio::test]
async fn a_metrics_token_admits_only_its_bearer() {
    let token = Token::parse("s3cret-metrics-token").unwrap();
    let overrides = Overrides {
        metrics_token: Some(token),
        ..Overrides::default()
    };
    let app = spawn_app_with(Arc::new(SystemClock), overrides).await;
    for authorization in [
        None,
        Some("Bearer wrong-token"),
        Some("Bearer s3cret-metrics-token-and-more"),
        Some("Basic czNjcmV0LW1ldHJpY3MtdG9rZW4="),
        Some(app.auth.as_str()),
    ] {
        let mut request = app.anonymous(Method::GET, "/metrics");
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        let text = response.text().await.unwrap();
        assert!(!text.contains("loquat_"), "{text}");
    }
    let response = app
        .anonymous(Method::GET, "/metrics")
        .header("Authorization", "Bearer s3cret-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert_eq!(
        value(
            &text,
            "loquat_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"401\"}"
        ),
        5.0
    );
    assert!(!text.contains("s3cret"));
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let overrides = Overrides {
        metrics: Some(false),
        ..Overrides::default()
    };
    let app = spawn_app_with(Arc::new(SystemClock), overrides).await;
    let response = app.anonymous(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_leaves_metrics_out() {
    let app = spawn_app().await;
    let (status, document) = app.get("/api/bulk/2.0/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| !p.contains("metrics")), "{paths:?}");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_a_sane_one() {
    let app = spawn_app().await;
    let id_of = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    let mut seen = Vec::new();
    for (method, path, auth) in [
        (Method::GET, "/id", false),
        (Method::GET, "/api/bulk/2.0/syncs", false),
        (Method::GET, "/api/bulk/2.0/syncs", true),
        (Method::GET, "/nowhere", true),
        (Method::GET, "/metrics", false),
    ] {
        let request = if auth {
            app.request(method, path)
        } else {
            app.anonymous(method, path)
        };
        let response = request.send().await.unwrap();
        let id = id_of(&response);
        assert_eq!(id.len(), 36, "a UUID for {path}: {id}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "one id per request");

    let sent = "client-trace-0042";
    let response = app
        .request(Method::GET, "/api/bulk/2.0/syncs")
        .header("X-Request-Id", sent)
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&response), sent, "echoed");
    for insane in ["two words", &"x".repeat(200)] {
        let response = app
            .anonymous(Method::GET, "/id")
            .header("X-Request-Id", insane)
            .send()
            .await
            .unwrap();
        let id = id_of(&response);
        assert_eq!(id.len(), 36, "replaced: {id}");
    }
}

/// Collects what the log subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log lines of this test binary, as `loquat serve --log-json` writes them. The subscriber
/// is global (installed once): tracing caches per call site whether anyone listens, so a
/// thread-local one misses spans other tests' threads reached first. Tests find their own
/// lines by request id.
fn captured_logs() -> &'static Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = loquat::telemetry::subscriber(
            true,
            tracing_subscriber::EnvFilter::new("info"),
            move || writer.clone(),
        );
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        captured
    })
}

#[tokio::test]
async fn log_lines_carry_the_request_id_and_never_row_values() {
    let logs = captured_logs();
    let app = spawn_app_without_engine(Arc::new(SystemClock), Overrides::default()).await;
    let definition = app.definition(&subscribe_by_email()).await;
    let secret_row = "very.private.person.4711@example.com";
    let response = app
        .request(Method::POST, &format!("/api/bulk/2.0{definition}/data"))
        .header("X-Request-Id", "upload-4711")
        .json(&rows("Email", &[secret_row, "not-an-email-4711"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let sync = app.sync(&definition).await;
    app.run_engine_until_idle().await;
    let (_, done) = app.bulk_get(&sync).await;
    assert!(done["status"].is_string());

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let staged = text
        .lines()
        .find(|l| l.contains("upload-4711"))
        .unwrap_or_else(|| panic!("no line of the upload in\n{text}"));
    let line: serde_json::Value = serde_json::from_str(staged).unwrap();
    assert_eq!(line["fields"]["message"], "staged upload", "{staged}");
    assert_eq!(line["span"]["request_id"], "upload-4711", "{staged}");
    assert_eq!(
        line["span"]["route"],
        "/api/bulk/2.0/contacts/syncActions/{id}/data"
    );
    assert_eq!(line["fields"]["rows"], 2);
    assert!(!text.contains("4711@"), "a row value was logged:\n{text}");
    assert!(
        !text.contains("not-an-email-4711"),
        "a row value was logged"
    );
    assert!(!text.contains(&app.auth), "credentials were logged");
    assert!(
        !text.contains(crate::helpers::PASSWORD),
        "a password was logged"
    );
}
