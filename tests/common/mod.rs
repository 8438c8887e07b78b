//! Running the real `loquat` binary in tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `Basic base64(login:password)`.
pub fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// `loquat serve` on `dir` and `port` with extra environment; stdout is piped.
pub fn serve(dir: &Path, port: u16, env: &[(&str, &str)]) -> Process {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
    command
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            "https://eloqua.test",
        ])
        .arg("--data-dir")
        .arg(dir)
        .env_remove("LOQUAT_BOOTSTRAP_PASSWORD")
        .env_remove("LOQUAT_CONFIG")
        .env_remove("LOQUAT_DATABASE_URL")
        .env("LOQUAT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    Process(command.spawn().unwrap())
}

/// Waits until `port` accepts connections (30 s at most).
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A JSON client of a test server, authenticated with one `Authorization` value.
pub struct Client {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The `Authorization` header value.
    pub auth: String,
}

impl Client {
    /// A client of the server on `port` signing in as `login` (`Site\\User`).
    pub fn new(port: u16, login: &str, password: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("http://127.0.0.1:{port}"),
            auth: basic(login, password),
        }
    }

    /// Sends `body` (if any) as JSON; returns the status and the JSON answer (`Null` when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.auth);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// A sync's log lines as `(statusCode, count)`, in order.
    pub async fn log_lines(&self, sync_uri: &str) -> Vec<(String, u64)> {
        let path = format!("/api/bulk/2.0{sync_uri}/logs");
        let (status, logs) = self.call(reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{logs}");
        logs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["statusCode"].as_str().unwrap().to_owned(),
                    l["count"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}
