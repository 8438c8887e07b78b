//! The real `loquat` binary on a temporary store, bound to 127.0.0.1, with bootstrap
//! credentials; shared by the benches (each includes it with `#[path]` and uses a part).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The bootstrap login and password every bench request carries.
pub const AUTH: (&str, &str) = ("Bench\\bench", "bench-password");

/// A running server, killed (and its store deleted) when dropped.
pub struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts a server whose warnings go to `/tmp/bench-server.log`.
    pub async fn start() -> Self {
        Self::start_logging_to(Path::new("/tmp/bench-server.log")).await
    }

    /// Starts a server on a free loopback port; its warnings and errors go to `log`.
    pub async fn start_logging_to(log: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_loquat"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.path())
            .env("LOQUAT_BOOTSTRAP_SITE", "Bench")
            .env("LOQUAT_BOOTSTRAP_USER", "bench")
            .env("LOQUAT_BOOTSTRAP_PASSWORD", AUTH.1)
            .env("LOQUAT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request on the server's own client, authenticated.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(AUTH.0, Some(AUTH.1))
    }

    /// One JSON call; panics unless it succeeds.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self.request(method, path).json(&body).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// The server process's peak resident set (VmHWM), in KiB.
    pub fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// A new contact list's id.
    pub async fn create_list(&self, name: &str) -> i64 {
        let list = self
            .call(
                reqwest::Method::POST,
                "/api/REST/1.0/assets/contact/list",
                json!({"name": name}),
            )
            .await;
        list["id"].as_str().unwrap().parse().unwrap()
    }

    /// Loads `rows` contacts (`email(0)`, `email(1)`, …) straight into the server's SQLite
    /// file (the server reads them through WAL like any other write; no bulk contact API
    /// exists yet) and returns a new list's id.
    pub async fn seed_contacts(&self, rows: usize, email: fn(usize) -> String) -> i64 {
        let list = self.create_list("Bench").await;
        let path = self.dir.path().join("loquat.db");
        tokio::task::spawn_blocking(move || {
            let mut conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(Duration::from_secs(30)).unwrap();
            let tx = conn.transaction().unwrap();
            {
                let mut insert = tx
                    .prepare("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)")
                    .unwrap();
                for i in 0..rows {
                    insert.execute([email(i)]).unwrap();
                }
            }
            tx.commit().unwrap();
        })
        .await
        .unwrap();
        list
    }

    /// A definition named `name`, keyed on email, with the one sync action `action`; its uri.
    pub async fn email_definition_with(&self, name: &str, action: Value) -> String {
        let body = json!({
            "name": name,
            "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [action],
        });
        let created = self
            .call(
                reqwest::Method::POST,
                "/api/bulk/2.0/contacts/syncActions",
                body,
            )
            .await;
        created["uri"].as_str().unwrap().to_owned()
    }
}
