//! HTTP/1.1 over a raw socket, for what reqwest cannot do: send a body slowly, from a chosen
//! local address, and read the answer while the body is still being written.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::task::JoinHandle;

use loquat::config::Overrides;

use crate::helpers::{TestApp, spawn_app_with};

/// A second loopback address: a client other than the tests' usual `127.0.0.1`.
pub const OTHER_CLIENT: [u8; 4] = [127, 0, 0, 2];

/// A server on the system clock with settings `overrides`.
pub async fn spawn(overrides: Overrides) -> TestApp {
    let clock = std::sync::Arc::new(loquat::domain::clock::SystemClock);
    spawn_app_with(clock, overrides).await
}

/// This machine's usual loopback address, `127.0.0.1`.
pub fn localhost() -> IpAddr {
    std::net::Ipv4Addr::LOCALHOST.into()
}

/// An HTTP client whose connections come from local address `addr` (any 127.x.y.z reaches
/// the server).
pub fn client_from(addr: IpAddr) -> reqwest::Client {
    let client = reqwest::Client::builder().local_address(addr);
    client.build().unwrap()
}

/// A connection to the app from local address `from`.
pub async fn connect_from(app: &TestApp, from: IpAddr) -> TcpStream {
    let server: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    socket.connect(server).await.unwrap()
}

/// The head of a `POST path` as the default user, announcing `framing` (a `Content-Length`
/// or `Transfer-Encoding` line without its CRLF).
pub fn post_head(app: &TestApp, path: &str, content_type: &str, framing: &str) -> String {
    let host = app.base.trim_start_matches("http://");
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nContent-Type: {content_type}\r\n\
         {framing}\r\n\r\n",
        app.auth
    )
}

/// Reads one answer (head and `Content-Length` bytes of body, or up to the connection's end)
/// within `within`; returns its status code and body.
pub async fn read_answer(reader: &mut OwnedReadHalf, within: Duration) -> (String, String) {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buffer = [0; 4096];
        loop {
            let n = reader.read(&mut buffer).await.unwrap_or(0);
            answer.extend_from_slice(&buffer[..n]);
            if n == 0 || complete(&answer) {
                break;
            }
        }
    });
    read.await
        .unwrap_or_else(|_| panic!("no answer within {within:?}"));
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).unwrap_or_default().to_owned();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Whether `answer` holds a whole response: its head and `Content-Length` bytes of body (or
/// just the head of a 204).
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>())
        })
        .and_then(Result::ok);
    // A 204 has no body and no length (RFC 9110 §6.4.1): its head is the whole answer.
    let no_content = head.split(' ').nth(1) == Some("204");
    no_content || length.is_some_and(|n| body.len() >= n)
}

/// A sync action definition to upload to.
pub async fn definition(app: &TestApp) -> String {
    app.definition(&serde_json::json!({
        "name": "slow", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "E",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    }))
    .await
}

/// Starts a `POST path` from `from` announcing `length` bytes of `content_type`, sends `first`,
/// then one more byte every `every`, never finishing. Returns the connection's reading half
/// (drop it and the task to close the connection) and the writing task.
pub async fn dribble(
    app: &TestApp,
    from: IpAddr,
    path: &str,
    content_type: &str,
    length: usize,
    first: Vec<u8>,
    every: Duration,
) -> (OwnedReadHalf, JoinHandle<()>) {
    let stream = connect_from(app, from).await;
    let (reader, mut writer) = stream.into_split();
    let head = post_head(
        app,
        path,
        content_type,
        &format!("Content-Length: {length}"),
    );
    let writing = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_err()
            || writer.write_all(&first).await.is_err()
        {
            return;
        }
        while writer.write_all(b" ").await.is_ok() {
            tokio::time::sleep(every).await;
        }
    });
    (reader, writing)
}
