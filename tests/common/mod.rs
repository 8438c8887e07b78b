//! What every integration test shares: a JSON client of a Loquat server (used by the HTTP
//! suite in `tests/api` and by the process tests) and the real `loquat` binary run as a child
//! process on a port it picks itself.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// How long a server may take to start, or a sync to end, before a test gives up.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// `Basic base64(login:password)`.
pub fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// The PostgreSQL database tests run on instead of SQLite, when one is given.
pub fn test_database_url() -> Option<String> {
    std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The PostgreSQL database for a PostgreSQL-only test, or `None` after saying loudly on
/// stderr that `test` is skipped (visible with `--nocapture`; `.ci/run` checks that its
/// PostgreSQL pass printed no such line).
pub fn postgres_or_skip(test: &str) -> Option<String> {
    let url = test_database_url();
    if url.is_none() {
        eprintln!("SKIPPED: {test}: needs LOQUAT_TEST_DATABASE_URL");
    }
    url
}

/// The environment that makes a first start create site `site` with user `user`.
pub fn bootstrap<'a>(site: &'a str, user: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("LOQUAT_BOOTSTRAP_SITE", site),
        ("LOQUAT_BOOTSTRAP_USER", user),
        ("LOQUAT_BOOTSTRAP_PASSWORD", password),
    ]
}

/// A `loquat serve` child process on `127.0.0.1:0`, killed (SIGKILL) when dropped. Its stderr
/// goes to a temporary file that is printed when the test fails or the server exits early.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`, the address the server printed.
    pub base: String,
    /// The port of [`Self::base`].
    pub port: u16,
    /// What the server printed on stdout before it listened (the bootstrap lines).
    pub printed: Vec<String>,
    stderr: std::fs::File,
}

/// Why a server did not come up: how it exited and what it wrote on stderr.
#[derive(Debug)]
pub struct Exited {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything it wrote on stderr.
    pub stderr: String,
}

impl Server {
    /// Starts `loquat serve` on data directory `dir` with extra environment `env`, and waits
    /// until it prints the address it listens on; panics (showing its stderr) otherwise.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::try_start(dir, env)
            .unwrap_or_else(|e| panic!("loquat serve exited ({}):\n{}", e.status, e.stderr))
    }

    /// Like [`Self::start`], but a server that exits before listening is an `Err`.
    pub fn try_start(dir: &Path, env: &[(&str, &str)]) -> Result<Self, Exited> {
        let stderr = tempfile::tempfile().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(["--public-url", "https://eloqua.test"])
            .arg("--data-dir")
            .arg(dir)
            .env_remove("LOQUAT_BOOTSTRAP_SITE")
            .env_remove("LOQUAT_BOOTSTRAP_USER")
            .env_remove("LOQUAT_BOOTSTRAP_PASSWORD")
            .env_remove("LOQUAT_CONFIG")
            .env_remove("LOQUAT_DATABASE_URL")
            .env("LOQUAT_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr.try_clone().unwrap());
        command.envs(env.iter().copied());
        let mut child = command.spawn().unwrap();
        // A thread reads stdout to its end (the server never blocks on a full pipe) and hands
        // over each line; the main thread stops at the one naming the address.
        let (lines, printed_lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = Self {
            child,
            base: String::new(),
            port: 0,
            printed: Vec::new(),
            stderr,
        };
        let deadline = Instant::now() + DEADLINE;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match printed_lines.recv_timeout(wait) {
                Ok(line) => match line.strip_prefix("listening on ") {
                    Some(base) => {
                        server.base = base.to_owned();
                        server.port = base.rsplit(':').next().unwrap().parse().unwrap();
                        return Ok(server);
                    }
                    None => server.printed.push(line),
                },
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.child.wait().unwrap();
                    return Err(Exited {
                        status,
                        stderr: server.stderr_text(),
                    });
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("the server did not listen:\n{}", server.stderr_text())
                }
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A JSON client signing in as `login` (`Site\User`).
    pub fn client(&self, login: &str, password: &str) -> Client {
        Client::new(&self.base, basic(login, password))
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop after SIGTERM:\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the server wrote on stderr so far.
    pub fn stderr_text(&mut self) -> String {
        let mut text = String::new();
        self.stderr.rewind().unwrap();
        let _ = self.stderr.read_to_string(&mut text);
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let stderr = self.stderr_text();
            eprintln!("--- stderr of loquat serve on {} ---\n{stderr}", self.base);
        }
    }
}

/// A JSON client of a test server, authenticated with one `Authorization` value.
#[derive(Clone)]
pub struct Client {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The `Authorization` header value.
    pub auth: String,
}

impl Client {
    /// A client of the server at `base` sending `auth` as `Authorization`.
    pub fn new(base: &str, auth: String) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            auth,
        }
    }

    /// A request to `path` (relative to the server root) with this client's credentials.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.anonymous(method, path)
            .header("Authorization", &self.auth)
    }

    /// A request to `path` without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// GET `path`.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::GET, path)).await
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// PUT a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.request(Method::PUT, path).json(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::DELETE, path)).await
    }

    /// `method` with an optional JSON body; `None` when the server did not answer (killed
    /// mid-request) or the client's timeout ran out.
    pub async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Option<(StatusCode, Value)> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.ok()?;
        let status = response.status();
        let text = response.text().await.ok()?;
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// POSTs a raw body with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let request = self.request(Method::POST, path);
        send(request.header("Content-Type", content_type).body(body)).await
    }

    /// GET a Bulk uri (`/syncs/1`, `/contacts/syncActions/2`, …).
    pub async fn bulk_get(&self, uri: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/bulk/2.0{uri}")).await
    }

    /// POST /syncs with `body`.
    pub async fn post_sync(&self, body: &Value) -> (StatusCode, Value) {
        self.post("/api/bulk/2.0/syncs", body).await
    }

    /// POSTs a raw body with a content type to a definition's `/data`.
    pub async fn post_data(
        &self,
        definition_uri: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let path = format!("/api/bulk/2.0{definition_uri}/data");
        self.post_raw(&path, content_type, body).await
    }

    /// GET a sync's `/data` as CSV; asserts 200 with a CSV content type.
    pub async fn csv_data(&self, sync_uri: &str) -> String {
        let path = format!("/api/bulk/2.0{sync_uri}/data");
        let response = self
            .request(Method::GET, &path)
            .header("Accept", "text/csv");
        let response = response.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        response.text().await.unwrap()
    }

    /// Creates a contact list over REST; returns its id.
    pub async fn create_list(&self, name: &str) -> i64 {
        let (status, list) = self
            .post(
                "/api/REST/1.0/assets/contact/list",
                &json!({ "name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{list}");
        list["id"].as_str().unwrap().parse().unwrap()
    }

    /// The `count` of a contact list, through the Bulk API.
    pub async fn list_count(&self, list: i64) -> u64 {
        let (status, view) = self.bulk_get(&format!("/contacts/lists/{list}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["count"].as_u64().unwrap()
    }

    /// Creates a sync action definition from `body`; returns its uri.
    pub async fn definition(&self, body: &Value) -> String {
        let (status, created) = self.post("/api/bulk/2.0/contacts/syncActions", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["uri"].as_str().unwrap().to_owned()
    }

    /// Creates a sync of `definition_uri`; returns the sync's uri.
    pub async fn sync(&self, definition_uri: &str) -> String {
        let (status, sync) = self
            .post_sync(&json!({ "syncedInstanceUri": definition_uri }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sync}");
        sync["uri"].as_str().unwrap().to_owned()
    }

    /// POSTs JSON rows to a definition's `/data`; asserts 204.
    pub async fn upload(&self, definition_uri: &str, rows: &Value) {
        let (status, body) = self
            .post(&format!("/api/bulk/2.0{definition_uri}/data"), rows)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    /// POSTs a raw body with a content type to a definition's `/data`; asserts 204.
    pub async fn upload_raw(
        &self,
        definition_uri: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) {
        let (status, answer) = self.post_data(definition_uri, content_type, body).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    }

    /// Polls a sync until it is terminal; panics after [`DEADLINE`].
    pub async fn wait_for_sync(&self, uri: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (status, sync) = self.bulk_get(uri).await;
            assert_eq!(status, StatusCode::OK, "{sync}");
            if is_terminal(&sync) {
                return sync;
            }
            assert!(
                Instant::now() < deadline,
                "sync {uri} still {} after {DEADLINE:?}",
                sync["status"]
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A sync's log items (first page).
    pub async fn logs(&self, sync_uri: &str) -> Vec<Value> {
        self.items(&format!("{sync_uri}/logs")).await
    }

    /// A sync's reject items (first page).
    pub async fn rejects(&self, sync_uri: &str) -> Vec<Value> {
        self.items(&format!("{sync_uri}/rejects")).await
    }

    /// The `items` of the Bulk page at `uri`; asserts 200.
    pub async fn items(&self, uri: &str) -> Vec<Value> {
        let (status, page) = self.bulk_get(uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["items"].as_array().unwrap().clone()
    }

    /// A sync's log lines as `(statusCode, count)`, in order.
    pub async fn log_codes(&self, sync_uri: &str) -> Vec<(String, u64)> {
        let code = |l: &Value| {
            let code = l["statusCode"].as_str().unwrap().to_owned();
            (code, l["count"].as_u64().unwrap())
        };
        self.logs(sync_uri).await.iter().map(code).collect()
    }

    /// A sync's log lines as `"ELQ-nnnnn count message"`.
    pub async fn log_lines(&self, sync_uri: &str) -> Vec<String> {
        let line = |l: &Value| {
            format!(
                "{} {} {}",
                l["statusCode"].as_str().unwrap(),
                l["count"],
                l["message"].as_str().unwrap()
            )
        };
        self.logs(sync_uri).await.iter().map(line).collect()
    }

    /// `kbUsed` of a definition (0 when Eloqua would omit it).
    pub async fn kb_used(&self, definition_uri: &str) -> u64 {
        let (status, body) = self.bulk_get(definition_uri).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body.get("kbUsed").map_or(0, |kb| {
            let kb = kb.as_u64().unwrap();
            assert!(
                kb > 0,
                "kbUsed is omitted while nothing is staged, never 0: {body}"
            );
            kb
        })
    }
}

/// Sends and reads the body as JSON (`Value::Null` when empty).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.expect("body read");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"))
    };
    (status, body)
}

/// Whether a sync (or import, export) is `success`, `warning` or `error`.
pub fn is_terminal(sync: &Value) -> bool {
    matches!(
        sync["status"].as_str(),
        Some("success" | "warning" | "error")
    )
}

/// `(code, count)` pairs from string literals, to compare with [`Client::log_codes`].
pub fn codes(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(c, n)| ((*c).to_owned(), *n))
        .collect()
}

/// A JSON upload body: one row `{column: value}` per value.
pub fn rows(column: &str, values: &[&str]) -> Value {
    Value::Array(values.iter().map(|v| json!({ column: v })).collect())
}

/// A sync action definition named `name` adding the contact whose `Email` column names them
/// to contact list `list`.
pub fn add_to_list(name: &str, list: i64) -> Value {
    json!({
        "name": name, "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    })
}

/// The `id` at the end of a uri (`/syncs/12` is 12).
pub fn uri_id(uri: &str) -> i64 {
    uri.rsplit('/').next().unwrap().parse().unwrap()
}

/// The log a clean run of an add-to-list sync writes for `rows` rows of which every tenth
/// names no contact: staged, added, not found, rejected, done.
pub fn tenth_unknown_logs(rows: usize) -> Vec<(String, u64)> {
    let (rows, unknown) = (rows as u64, (rows / 10) as u64);
    codes(&[
        ("ELQ-00140", rows),
        ("ELQ-00119", rows - unknown),
        ("ELQ-00034", unknown),
        ("ELQ-00060", unknown),
        ("ELQ-00101", 0),
    ])
}

/// `person{i:07}@example.com`, the address of row `i` in the large-sync process tests.
pub fn person(i: usize) -> String {
    format!("person{i:07}@example.com")
}

/// `rows` rows `{"Email": person(i)}`.
pub fn person_rows(range: std::ops::Range<usize>) -> Value {
    Value::Array(range.map(|i| json!({ "Email": person(i) })).collect())
}

/// Opens the SQLite store in `dir` (waiting on the server's locks).
pub fn sqlite(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("loquat.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    conn
}

/// Inserts contacts of site 1 with the addresses `emails` straight into the SQLite store in
/// `dir`, in one transaction (much faster than any API for hundreds of thousands).
pub fn seed_sqlite_contacts(dir: &Path, emails: impl Iterator<Item = String>) {
    let mut conn = sqlite(dir);
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)")
            .unwrap();
        for email in emails {
            insert.execute([email]).unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The status of sync `sync_id` and how many rejects it has committed, read from SQLite.
pub fn sqlite_sync_state(dir: &Path, sync_id: i64) -> (String, i64) {
    sqlite(dir)
        .query_row(
            "SELECT status, (SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1) FROM syncs WHERE id = ?1",
            [sync_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

/// Polls `state` (status, committed rejects) until the sync is `active` with some rejects
/// committed but not all, i.e. between two of its batches; panics if it ends first.
pub async fn until_midway<F, Fut>(mut state: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (String, i64)>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (status, rejects) = state().await;
        assert!(
            status == "pending" || status == "active",
            "the sync ended before it could be interrupted ({status})"
        );
        if status == "active" && rejects > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the sync never got going");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits for an add-to-list sync (see [`add_to_list`]) of `rows` [`person_rows`], every tenth
/// of which names no contact, and asserts the end state of a clean run: `warning`, exact
/// membership count, every log line, and one set of rejects numbered as in a single run.
pub async fn assert_clean_add_to_list_result(
    client: &Client,
    list: i64,
    sync_uri: &str,
    rows: usize,
) {
    assert_eq!(client.wait_for_sync(sync_uri).await["status"], "warning");
    let unknown = rows / 10;
    assert_eq!(client.list_count(list).await, (rows - unknown) as u64);
    let logs = client.log_codes(sync_uri).await;
    assert_eq!(logs, tenth_unknown_logs(rows), "one set of logs");
    let last = format!("{sync_uri}/rejects?limit=1&offset={}", unknown - 1);
    let (status, rejects) = client.bulk_get(&last).await;
    assert_eq!(status, StatusCode::OK, "{rejects}");
    assert_eq!(rejects["totalResults"], unknown, "one set of rejects");
    assert_eq!(
        rejects["items"][0]["recordIndex"],
        rows - 9,
        "the last unknown row, numbered as in a clean run"
    );
}

/// The string `key` of every element of the array `items` (`page["items"]`), in order.
pub fn strings<'a>(items: &'a Value, key: &str) -> Vec<&'a str> {
    let all = items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"));
    all.iter().map(|item| item[key].as_str().unwrap()).collect()
}
