//! Imports and exports of a million contacts through the real server.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::server::Server;

/// Rows per import upload: about 30 MB of two-column JSON.
const ROWS_PER_UPLOAD: usize = 600_000;

fn import_body(rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut body = Vec::with_capacity(rows.len() * 56 + 2);
    body.push(b'[');
    for (n, i) in rows.enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(
            format!("{{\"Email\":\"{}\",\"First\":\"F{i}\"}}", super::email(i)).as_bytes(),
        );
    }
    body.push(b']');
    body
}

/// Imports `rows` new contacts (uploads not timed); returns the time from `POST /syncs` to success.
pub async fn import(server: &Server, rows: usize) -> Duration {
    let definition = json!({
        "name": "bench import",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "First": "{{Contact.Field(C_FirstName)}}"},
        "identifierFieldName": "Email"
    });
    let created = server
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/imports",
            definition,
        )
        .await;
    let uri = created["uri"].as_str().unwrap_or_default().to_owned();
    for start in (0..rows).step_by(ROWS_PER_UPLOAD) {
        let (status, _) = server
            .upload(
                &uri,
                "application/json",
                import_body(start..(start + ROWS_PER_UPLOAD).min(rows)),
            )
            .await;
        assert_eq!(status, 204);
    }
    server.sync_and_wait(&uri).await
}

/// Exports every contact's id and email; returns the sync time and the time to read every
/// row back in pages of 50,000.
pub async fn export(server: &Server) -> (Duration, Duration, u64) {
    let definition = json!({"name": "bench export", "fields": {"Id": "{{Contact.Id}}", "Email": "{{Contact.Field(C_EmailAddress)}}"}});
    let created = server
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/exports",
            definition,
        )
        .await;
    let uri = created["uri"].as_str().unwrap_or_default().to_owned();
    let (sync, sync_uri) = server.sync_and_wait_uri(&uri).await;
    let start = Instant::now();
    let mut read = 0u64;
    loop {
        let page: Value = server
            .call(
                reqwest::Method::GET,
                &format!("/api/bulk/2.0{sync_uri}/data?limit=50000&offset={read}"),
                Value::Null,
            )
            .await;
        read += page["count"].as_u64().unwrap_or(0);
        if page["hasMore"] != json!(true) {
            break;
        }
    }
    (sync, start.elapsed(), read)
}
