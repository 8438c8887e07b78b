//! The real `loquat` binary on a temporary store, driven over HTTP.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const AUTH: (&str, &str) = ("Bench\\bench", "bench-password");

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
    pub async fn start() -> Self {
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
            .stderr(std::fs::File::create("/tmp/bench-server.log").unwrap())
            .stderr(std::fs::File::create("/tmp/bench-server.log").unwrap())
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

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(AUTH.0, Some(AUTH.1))
    }

    /// One JSON call; panics unless it succeeds.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.json(method, path, body).await
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
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

    /// Loads `rows` contacts straight into the server's SQLite file (the server reads them
    /// through WAL like any other write; no bulk contact API exists yet) and returns a new
    /// list's id.
    pub async fn seed_contacts(&self, rows: usize) -> i64 {
        let list = self
            .json(
                reqwest::Method::POST,
                "/api/REST/1.0/assets/contact/list",
                json!({"name": "Bench"}),
            )
            .await;
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
                    insert.execute([super::email(i)]).unwrap();
                }
            }
            tx.commit().unwrap();
        })
        .await
        .unwrap();
        list["id"].as_str().unwrap().parse().unwrap()
    }

    /// A definition keyed on email that adds to `list`, or (with `None`) globally subscribes.
    pub async fn email_definition(&self, list: Option<i64>) -> String {
        let action = match list {
            Some(list) => {
                json!({"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")})
            }
            None => {
                json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"})
            }
        };
        let body = json!({
            "name": "bench",
            "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [action],
        });
        let created = self
            .json(
                reqwest::Method::POST,
                "/api/bulk/2.0/contacts/syncActions",
                body,
            )
            .await;
        created["uri"].as_str().unwrap().to_owned()
    }

    /// POSTs one upload; returns its status and the time to the answer.
    pub fn upload(
        &self,
        definition: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> impl std::future::Future<Output = (u16, Duration)> + Send + 'static {
        let request = self
            .request(
                reqwest::Method::POST,
                &format!("/api/bulk/2.0{definition}/data"),
            )
            .header("Content-Type", content_type)
            .body(body);
        async move {
            let start = Instant::now();
            let response = request.send().await.unwrap();
            (response.status().as_u16(), start.elapsed())
        }
    }

    pub async fn discard(&self, definition: &str) {
        let response = self
            .request(
                reqwest::Method::DELETE,
                &format!("/api/bulk/2.0{definition}/data"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
    }

    /// Creates a sync and polls it to its end; returns the time from creation to the end.
    pub async fn sync_and_wait(&self, definition: &str) -> Duration {
        self.sync_and_wait_uri(definition).await.0
    }

    /// [`Self::sync_and_wait`], also returning the sync's uri.
    pub async fn sync_and_wait_uri(&self, definition: &str) -> (Duration, String) {
        let start = Instant::now();
        let sync = self
            .json(
                reqwest::Method::POST,
                "/api/bulk/2.0/syncs",
                json!({"syncedInstanceUri": definition}),
            )
            .await;
        let uri = sync["uri"].as_str().unwrap().to_owned();
        loop {
            let now = self
                .json(
                    reqwest::Method::GET,
                    &format!("/api/bulk/2.0{uri}"),
                    Value::Null,
                )
                .await;
            match now["status"].as_str() {
                Some("success") => return (start.elapsed(), uri),
                Some("warning" | "error") => panic!("sync ended {now}"),
                // Polling lightly: every request takes CPU from the server being measured.
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}
