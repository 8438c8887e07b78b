//! Eloqua's staging limits that take many or large uploads to reach: a body over 32 MiB, and
//! the 501st file before a sync.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, email_definition, spawn_app, sync_to_end};

const MIB: usize = 1024 * 1024;

/// POSTs `body` as chunked CSV (no `Content-Length`) over a plain socket; returns the status line.
fn post_chunked(app: &TestApp, path: &str, body: Vec<u8>) -> std::thread::JoinHandle<String> {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n",
        app.auth
    );
    std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let mut reader = stream.try_clone().unwrap();
        // The server may answer before the body ends: write on one thread, read on this one.
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            stream.write_all(head.as_bytes())?;
            for chunk in body.chunks(MIB) {
                write!(stream, "{:x}\r\n", chunk.len())?;
                stream.write_all(chunk)?;
                stream.write_all(b"\r\n")?;
            }
            stream.write_all(b"0\r\n\r\n")
        });
        let mut status = [0; 12];
        reader.read_exact(&mut status).unwrap();
        let _ = writer.join();
        String::from_utf8_lossy(&status).into_owned()
    })
}

/// A CSV of exactly `size` bytes (at least 32): rows of one address and a pad, each value
/// within the 32,000-character limit.
fn csv_of(size: usize) -> Vec<u8> {
    const ROW: &[u8] = b"a@example.com,";
    const PAD: usize = 30_000;
    let mut body = b"Key,Pad\n".to_vec();
    while body.len() < size {
        let room = size - body.len();
        // Leave room for at least one more whole row after this one, or fill the rest exactly.
        let pad = if room > PAD + ROW.len() + 1 {
            PAD.min(room - 2 * (ROW.len() + 1))
        } else {
            room - ROW.len() - 1
        };
        body.extend_from_slice(ROW);
        body.resize(body.len() + pad, b'x');
        body.push(b'\n');
    }
    body
}

#[tokio::test]
async fn a_body_over_32_mb_is_eloquas_404_with_or_without_a_content_length() {
    let app = spawn_app().await;
    let (uri, _) = email_definition(&app).await;
    let mut body = csv_of(32 * MIB + 1);
    let (status, _) = app.post_data(&uri, "text/csv", body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let data = format!("/api/bulk/2.0{uri}/data");
    let chunked = post_chunked(&app, &data, body.clone());
    let line = tokio::task::spawn_blocking(move || chunked.join().unwrap())
        .await
        .unwrap();
    assert_eq!(line, "HTTP/1.1 404");
    assert_eq!(app.kb_used(&uri).await, 0, "nothing was staged");
    body.pop();
    let (status, answer) = app.post_data(&uri, "text/csv", body).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "exactly 32 MiB is fine: {answer}"
    );
    assert_eq!(app.kb_used(&uri).await, 32 * 1024);
}

#[tokio::test]
async fn the_501st_file_before_a_sync_is_400_and_a_sync_makes_room() {
    let app = spawn_app().await;
    let (uri, _) = email_definition(&app).await;
    for n in 0..500 {
        let (status, body) = app
            .post_data(&uri, "text/csv", format!("Key\n{n}@x.com\n"))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "file {n}: {body}");
    }
    let refused = json!({"failures": [{
        "field": "data",
        "constraint": "There was a validation error: 500 files are staged; sync them before uploading more."
    }]});
    assert_eq!(
        app.post_data(&uri, "text/csv", "Key\nlate@x.com\n").await,
        (StatusCode::BAD_REQUEST, refused)
    );
    let first = app.sync(&uri).await;
    let (status, body) = app.post_data(&uri, "text/csv", "Key\nnext@x.com\n").await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "the sync took the 500 files: {body}"
    );
    app.wait_for_sync(&first).await;
    assert_eq!(
        app.log_codes(&first).await[0],
        ("ELQ-00140".to_owned(), 500)
    );
    let second = sync_to_end(&app, &uri).await;
    assert_eq!(app.log_codes(&second).await[0], ("ELQ-00140".to_owned(), 1));
}
