//! Hostile uploads to `…/syncActions/{id}/data` and `…/imports/{id}/data`: broken JSON and
//! CSV, duplicate keys, NUL bytes, invalid UTF-8, ragged rows, 1,000 columns, wrong content
//! types, and bodies over the 32 MiB limit (Eloqua's 404), one sent slowly as a chunked
//! stream. Each is refused without staging anything; BOMs and mixed line endings are accepted.

use std::sync::Arc;
use std::time::Duration;

use loquat::config::Overrides;
use loquat::domain::clock::SystemClock;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::hostile::{Case, Want, case, run};
use crate::raw::{connect_from, post_head, read_answer};
use crate::routes_fixture::{Fixture, NOT_FOUND};

const TARGETS: [&str; 2] = [
    "/api/bulk/2.0/contacts/syncActions/{definition}/data",
    "/api/bulk/2.0/contacts/imports/{import}/data",
];
const MIB: usize = 1024 * 1024;

/// A CSV line of `n` columns: `prefix1,prefix2,…`.
fn columns(prefix: &str, n: usize) -> String {
    let cells: Vec<String> = (1..=n).map(|i| format!("{prefix}{i}")).collect();
    cells.join(",")
}

/// Bodies every upload endpoint must refuse with a 400 naming `body`.
fn malformed() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let deep_value = format!(
        "[{{\"Email\":{}1{}}}]",
        "{\"a\":".repeat(100_000),
        "}".repeat(100_000)
    );
    let wide = format!("Email,{}\n{}\n", columns("C", 999), columns("v", 999));
    let wide_json = (0..1_000)
        .map(|i| format!("\"K{i}\":\"v\""))
        .collect::<Vec<_>>()
        .join(",");
    let json_rows: [(&str, Vec<u8>); 19] = [
        ("truncated", br#"[{"Email":"a@x.com"},{"Em"#.to_vec()),
        ("malformed", br#"[{"Email":'a@x.com'}]"#.to_vec()),
        ("trailing comma", br#"[{"Email":"a@x.com"},]"#.to_vec()),
        ("100,000 [", "[".repeat(100_000).into_bytes()),
        ("100,000 nested objects in a value", deep_value.into_bytes()),
        (
            "an object, not an array",
            br#"{"Email":"a@x.com"}"#.to_vec(),
        ),
        ("an array of strings", br#"["a@x.com"]"#.to_vec()),
        ("an array of arrays", br#"[["a@x.com"]]"#.to_vec()),
        ("an array value", br#"[{"Email":["a@x.com"]}]"#.to_vec()),
        (
            "an object value",
            br#"[{"Email":{"v":"a@x.com"}}]"#.to_vec(),
        ),
        (
            "a duplicate key",
            br#"[{"Email":"a@x.com","Email":"b@x.com"}]"#.to_vec(),
        ),
        (
            "a duplicate key after 1,000",
            format!("[{{{wide_json},\"K0\":\"w\"}}]").into_bytes(),
        ),
        ("an escaped NUL", br#"[{"Email":"a\u0000@x.com"}]"#.to_vec()),
        ("a raw NUL", b"[{\"Email\":\"a\0@x.com\"}]".to_vec()),
        (
            "invalid UTF-8",
            b"[{\"Email\":\"a\xff\xfe@x.com\"}]".to_vec(),
        ),
        (
            "a lone surrogate",
            br#"[{"Email":"\ud800@x.com"}]"#.to_vec(),
        ),
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("two arrays", br#"[{"Email":"a@x.com"}][]"#.to_vec()),
    ];
    let csv_rows: [(&str, Vec<u8>); 10] = [
        ("ragged (short)", b"Email,Name\na@x.com\n".to_vec()),
        ("ragged (long)", b"Email,Name\na@x.com,A,extra\n".to_vec()),
        (
            "ragged after 1,000 columns",
            format!("{wide}{}\n", columns("v", 998)).into_bytes(),
        ),
        (
            "an unterminated quote",
            b"Email\n\"a@x.com\nb@x.com\n".to_vec(),
        ),
        ("a NUL byte", b"Email\na\0@x.com\n".to_vec()),
        ("invalid UTF-8", b"Email\na\xc3\x28@x.com\n".to_vec()),
        (
            "an unterminated quote at the end",
            b"Email\na@x.com\n\"b@x.com".to_vec(),
        ),
        ("empty", Vec::new()),
        ("only blank lines", b"\r\n\n\r\n".to_vec()),
        ("only a BOM", "\u{feff}".into()),
    ];
    let mut bodies = Vec::new();
    bodies.extend(
        json_rows
            .into_iter()
            .map(|(what, body)| (what, "application/json", body)),
    );
    bodies.extend(
        csv_rows
            .into_iter()
            .map(|(what, body)| (what, "text/csv", body)),
    );
    bodies
}

#[tokio::test]
async fn malformed_uploads_are_400_and_stage_nothing() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let mut cases = Vec::new();
    for target in TARGETS {
        for (what, content_type, body) in malformed() {
            let name = format!("{target} {content_type}: {what}");
            cases.push(case(
                name,
                Method::POST,
                target,
                Some(content_type),
                body,
                Want::Bad("body"),
            ));
        }
    }
    run(&app, &fixture, cases).await;
}

#[tokio::test]
async fn uploads_with_a_wrong_content_type_or_charset_are_400() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let csv = b"Email\na@x.com\n".to_vec();
    let mut cases: Vec<Case> = Vec::new();
    for target in TARGETS {
        for content_type in [
            None,
            Some(""),
            Some("text/plain"),
            Some("application/xml"),
            Some("multipart/form-data; boundary=x"),
            Some("text/csvx"),
            Some("application/x-ndjson"),
        ] {
            let name = format!("{target} as {content_type:?}");
            cases.push(case(
                name,
                Method::POST,
                target,
                content_type,
                csv.clone(),
                Want::Bad("Content-Type"),
            ));
        }
        for charset in ["utf-16", "ebcdic", "", "\"\"", "utf-7"] {
            let content_type = format!("text/csv; charset={charset}");
            let name = format!("{target} as {content_type}");
            cases.push(case(
                name,
                Method::POST,
                target,
                Some(&content_type),
                csv.clone(),
                Want::Bad("body"),
            ));
        }
        let content_type = "text/csv; charset=us-ascii";
        let name = format!("{target}: a non-ASCII byte as us-ascii");
        cases.push(case(
            name,
            Method::POST,
            target,
            Some(content_type),
            "Email\né@x.com\n",
            Want::Bad("body"),
        ));
    }
    run(&app, &fixture, cases).await;
}

#[tokio::test]
async fn a_body_over_32_mib_is_404_even_sent_slowly_and_stages_nothing() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let mut big = b"Email,Pad\na@x.com,".to_vec();
    big.resize(32 * MIB + 1, b'x');
    let mut cases = Vec::new();
    for target in TARGETS {
        for content_type in ["text/csv", "application/json"] {
            let name = format!("{target} {content_type}: 32 MiB + 1 with a Content-Length");
            cases.push(case(
                name,
                Method::POST,
                target,
                Some(content_type),
                big.clone(),
                Want::Gone,
            ));
        }
    }
    run(&app, &fixture, cases).await;
    let kb = app
        .kb_used(&format!(
            "/contacts/syncActions/{}",
            fixture.id("definition")
        ))
        .await;
    let path = fixture.fill(TARGETS[0]);
    let started = std::time::Instant::now();
    let (status, body) = post_slowly(&app, &path, 34, Duration::from_millis(25)).await;
    assert_eq!(
        (status.as_str(), body),
        ("404", json!(NOT_FOUND).to_string())
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let after = app
        .kb_used(&format!(
            "/contacts/syncActions/{}",
            fixture.id("definition")
        ))
        .await;
    assert_eq!(after, kb, "nothing was staged");
}

#[tokio::test]
async fn an_upload_over_the_site_quota_is_413_and_stages_nothing() {
    let quota = Overrides {
        staging_quota_mb: Some(1),
        ..Overrides::default()
    };
    let app = spawn_app_with(Arc::new(SystemClock), quota).await;
    let fixture = Fixture::new(&app).await;
    let mut body = b"Email,Pad\na@x.com,".to_vec();
    body.resize(MIB, b'x');
    let cases = TARGETS.map(|target| {
        let name = format!("{target}: 1 MiB beyond a 1 MiB quota");
        case(
            name,
            Method::POST,
            target,
            Some("text/csv"),
            body.clone(),
            Want::Full,
        )
    });
    run(&app, &fixture, cases.into()).await;
}

/// POSTs a CSV of `chunks` MiB as `Transfer-Encoding: chunked`, pausing between chunks, over a
/// raw socket (reqwest's streaming bodies need a feature this crate does not enable). Returns
/// the status code and the body of the answer, read while the upload is still being written.
async fn post_slowly(
    app: &TestApp,
    path: &str,
    chunks: usize,
    pause: Duration,
) -> (String, String) {
    let stream = connect_from(app, std::net::Ipv4Addr::LOCALHOST.into()).await;
    let (mut reader, mut writer) = stream.into_split();
    let head = post_head(app, path, "text/csv", "Transfer-Encoding: chunked");
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let mut chunk = b"Email,Pad\na@x.com,".to_vec();
        chunk.resize(MIB, b'x');
        for _ in 0..chunks {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
            tokio::time::sleep(pause).await;
            chunk.fill(b'x');
        }
        writer.write_all(b"0\r\n\r\n").await
    });
    let answer = read_answer(&mut reader, Duration::from_secs(10)).await;
    writing.abort();
    answer
}

/// A definition adding contacts found by `C_EmailAddress` to a new list, and three contacts.
async fn adding(app: &TestApp) -> (String, i64, Vec<i64>) {
    let list = app.list("Accepted").await;
    let body = json!({
        "name": "Accept", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    });
    let uri = app.definition(&body).await;
    let mut contacts = Vec::new();
    for email in ["a@x.com", "b@x.com", "c@x.com"] {
        contacts.push(app.contact(email).await);
    }
    (uri, list, contacts)
}

#[tokio::test]
async fn boms_mixed_line_endings_and_1000_columns_are_accepted() {
    let app = spawn_app().await;
    let (uri, list, contacts) = adding(&app).await;
    let wide = format!(
        "Email,{}\na@x.com,{}\n",
        columns("C", 999),
        columns("v", 999)
    );
    let accepted: [(&str, &str, Vec<u8>); 5] = [
        ("a BOM", "text/csv", "\u{feff}Email\r\na@x.com\r\n".into()),
        (
            "a BOM with charset",
            "text/csv; charset=UTF-8",
            "\u{feff}Email\nb@x.com\n".into(),
        ),
        (
            "mixed line endings",
            "text/csv",
            b"Email\r\na@x.com\nb@x.com\r\n\nc@x.com".to_vec(),
        ),
        (
            "a BOM before JSON",
            "application/json",
            "\u{feff}[{\"Email\":\"c@x.com\"}]".into(),
        ),
        ("1,000 columns", "text/csv", wide.into_bytes()),
    ];
    for (what, content_type, body) in accepted {
        let (status, answer) = app.post_data(&uri, content_type, body).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{what}: {answer}");
    }
    let sync = app.sync(&uri).await;
    let done = app.wait_for_sync(&sync).await;
    // The BOM is not part of the first column's name, so every row found its contact.
    let lines = app.log_lines(&sync).await;
    let codes = app.log_codes(&sync).await;
    assert_eq!(codes[0], ("ELQ-00140".to_owned(), 7), "{done}");
    let ignored: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("ELQ-00111"))
        .collect();
    assert_eq!(
        ignored.len(),
        101,
        "one line per ignored column up to 100, then one more"
    );
    assert_eq!(
        ignored[100],
        "ELQ-00111 899 899 more fields are not part of import definition, and will be ignored."
    );
    let codes: Vec<&str> = codes.iter().map(|(code, _)| code.as_str()).collect();
    assert!(
        !codes.contains(&"ELQ-00061"),
        "no row lacked its identifier"
    );
    let members = app
        .store
        .list_members(app.site.id, list, 0, 10)
        .await
        .unwrap();
    assert_eq!(members, contacts);
}
