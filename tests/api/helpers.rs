//! `spawn_app()` and a client with one helper per common call.

use std::sync::Arc;

use base64::Engine;
use loquat::app::App;
use loquat::auth::hash_password;
use loquat::config::{FileSettings, Overrides, Settings};
use loquat::domain::clock::{Clock, SystemClock};
use loquat::domain::site::Site;
use loquat::store::{NewUser, Store};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// The password every test user gets.
pub const PASSWORD: &str = "correct-horse-battery";

/// A running server on a fresh store, with one site and one API user.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The server's store, for arranging state directly.
    pub store: Arc<dyn Store>,
    /// The site of [`Self::auth`].
    pub site: Site,
    /// `Authorization` header value of the default user.
    pub auth: String,
    /// The server's engine (already running); tests may also drive it directly.
    pub engine: loquat::engine::Engine,
    client: reqwest::Client,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
    _schema: Option<loquat::store::postgres::ScratchSchema>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Starts a server with site `TestSite` and user `tester`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Arc::new(SystemClock), Overrides::default()).await
}

/// Starts a server on `clock` with settings `overrides` (bind and data dir are chosen here).
pub async fn spawn_app_with(clock: Arc<dyn Clock>, overrides: Overrides) -> TestApp {
    start(clock, overrides, true).await
}

/// Starts a server that serves HTTP but runs no engine: syncs stay `pending` until the test
/// drives `app.engine` itself (see [`TestApp::run_engine_until_idle`]), so timing is exact.
pub async fn spawn_app_without_engine(clock: Arc<dyn Clock>, overrides: Overrides) -> TestApp {
    start(clock, overrides, false).await
}

/// The PostgreSQL database tests run on instead of SQLite, when one is given.
pub fn test_database_url() -> Option<String> {
    std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

async fn start(clock: Arc<dyn Clock>, overrides: Overrides, with_engine: bool) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    // With LOQUAT_TEST_DATABASE_URL the whole suite runs on PostgreSQL, one schema per test.
    let schema = match test_database_url() {
        Some(url) => Some(
            loquat::store::postgres::ScratchSchema::create(&url)
                .await
                .expect("scratch schema"),
        ),
        None => None,
    };
    let overrides = Overrides {
        bind: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_path_buf()),
        database: schema.as_ref().map(|s| s.url().to_owned()),
        database_pool_size: Some(4),
        ..overrides
    };
    let settings = Settings::resolve(FileSettings::default(), overrides).expect("settings");
    let app = App::build(&settings, clock).await.expect("build app");
    let base = format!("http://{}", app.local_addr().expect("addr"));
    let store = Arc::clone(&app.state().store);
    let engine = app.engine().clone();
    let shutdown = CancellationToken::new();
    if with_engine {
        tokio::spawn(app.run(shutdown.clone()));
    } else {
        tokio::spawn(app.serve(shutdown.clone()));
    }
    let mut test = TestApp {
        base,
        store,
        site: Site {
            id: 0,
            name: String::new(),
        },
        auth: String::new(),
        engine,
        client: reqwest::Client::new(),
        shutdown,
        _dir: dir,
        _schema: schema,
    };
    let (site, auth) = test.add_site("TestSite", "tester", true).await;
    test.site = site;
    test.auth = auth;
    test
}

/// `Basic base64(site\user:password)`.
pub fn basic(site: &str, user: &str, password: &str) -> String {
    let raw = format!("{site}\\{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

impl TestApp {
    /// Creates another site with one user; returns it and that user's `Authorization` value.
    pub async fn add_site(&self, name: &str, user: &str, api_access: bool) -> (Site, String) {
        let site = self.store.create_site(name).await.expect("create site");
        self.add_user(&site, user, api_access).await;
        (site.clone(), basic(name, user, PASSWORD))
    }

    /// Adds a user with [`PASSWORD`] to `site`.
    pub async fn add_user(&self, site: &Site, user: &str, api_access: bool) {
        let new = NewUser {
            username: user.into(),
            password_hash: hash_password(PASSWORD).expect("hash"),
            display_name: Some("Test User".into()),
            email_address: Some(format!("{user}@example.com")),
            api_access,
        };
        self.store.add_user(site.id, new).await.expect("add user");
    }

    /// A request to `path` (relative to the server root) as the default user.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.auth)
    }

    /// A request to `path` without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// GET `path` as the default user.
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

/// The `field`s of a 400's failures.
pub fn failure_fields(body: &Value) -> Vec<String> {
    body["failures"]
        .as_array()
        .unwrap_or_else(|| panic!("no failures in {body}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Asserts a timestamp is in Eloqua's form: seven fractional digits and `Z`.
pub fn assert_eloqua_time(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert_eq!(text.len(), 28, "{text}");
    assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
}

impl TestApp {
    /// POSTs a raw body with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        send(
            self.request(Method::POST, path)
                .header("Content-Type", content_type)
                .body(body),
        )
        .await
    }

    /// Polls a sync until it is terminal (the engine runs in the server); panics after 30 s.
    pub async fn wait_for_sync(&self, uri: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (status, sync) = self.get(&format!("/api/bulk/2.0{uri}")).await;
            assert_eq!(status, StatusCode::OK, "{sync}");
            if matches!(
                sync["status"].as_str(),
                Some("success" | "warning" | "error")
            ) {
                return sync;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sync {uri} still {} after 30 s",
                sync["status"]
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Creates a contact through the store; returns its id.
    pub async fn contact(&self, email: &str) -> i64 {
        let input = loquat::domain::contact::ContactInput {
            email_address: email.into(),
            contact_id_ext: Some(format!("EXT-{email}")),
            first_name: None,
            last_name: None,
            is_subscribed: true,
            is_bounced: false,
        };
        self.store
            .create_contact(self.site.id, input)
            .await
            .unwrap()
            .id
    }

    /// Creates a contact list through the store; returns its id.
    pub async fn list(&self, name: &str) -> i64 {
        let input = loquat::domain::asset::ContactListInput {
            name: name.into(),
            ..Default::default()
        };
        self.store
            .create_list(self.site.id, "tester", input)
            .await
            .unwrap()
            .id
    }

    /// Creates a definition from `body` over HTTP; returns its uri.
    pub async fn definition(&self, body: &Value) -> String {
        let (status, created) = self.post("/api/bulk/2.0/contacts/syncActions", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["uri"].as_str().unwrap().to_owned()
    }

    /// Creates a sync of `definition_uri`; returns the sync's uri.
    pub async fn sync(&self, definition_uri: &str) -> String {
        let (status, sync) = self
            .post(
                "/api/bulk/2.0/syncs",
                &serde_json::json!({"syncedInstanceUri": definition_uri}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sync}");
        sync["uri"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    /// Runs the engine by hand until no sync is left to claim (for [`spawn_app_without_engine`]).
    pub async fn run_engine_until_idle(&self) {
        let token = CancellationToken::new();
        while self.engine.run_once(&token).await.expect("engine run")
            != loquat::engine::Outcome::Idle
        {}
    }

    /// POSTs JSON rows to a definition's `/data`; asserts 204.
    pub async fn upload(&self, definition_uri: &str, rows: &Value) {
        let (status, body) = self
            .post(&format!("/api/bulk/2.0{definition_uri}/data"), rows)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    /// A sync's log lines as `(statusCode, count)`.
    pub async fn log_codes(&self, sync_uri: &str) -> Vec<(String, u64)> {
        self.logs(sync_uri)
            .await
            .iter()
            .map(|l| {
                let code = l["statusCode"].as_str().unwrap().to_owned();
                (code, l["count"].as_u64().unwrap())
            })
            .collect()
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

    /// A sync's log items (first page).
    pub async fn logs(&self, sync_uri: &str) -> Vec<Value> {
        let (status, logs) = self.get(&format!("/api/bulk/2.0{sync_uri}/logs")).await;
        assert_eq!(status, StatusCode::OK, "{logs}");
        logs["items"].as_array().unwrap().clone()
    }

    /// A sync's reject items (first page).
    pub async fn rejects(&self, sync_uri: &str) -> Vec<Value> {
        let (status, rejects) = self.get(&format!("/api/bulk/2.0{sync_uri}/rejects")).await;
        assert_eq!(status, StatusCode::OK, "{rejects}");
        rejects["items"].as_array().unwrap().clone()
    }

    /// `kbUsed` of a definition (0 when Eloqua would omit it).
    pub async fn kb_used(&self, definition_uri: &str) -> u64 {
        let (status, body) = self.get(&format!("/api/bulk/2.0{definition_uri}")).await;
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

/// `(code, count)` pairs from string literals, to compare with [`TestApp::log_codes`].
pub fn codes(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(c, n)| ((*c).to_owned(), *n))
        .collect()
}

/// A hand-driven clock stopped at 2024-05-01T12:00:00Z.
pub fn manual_clock() -> Arc<loquat::domain::clock::ManualClock> {
    let start = loquat::domain::clock::Timestamp::from_nanos(1_714_564_800_000_000_000);
    Arc::new(loquat::domain::clock::ManualClock::new(start))
}

/// A JSON upload body: one row `{column: value}` per value.
pub fn rows(column: &str, values: &[&str]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| serde_json::json!({ column: v }))
            .collect(),
    )
}

impl TestApp {
    /// GET a Bulk uri (`/syncs/1`, `/contacts/syncActions/2`, …).
    pub async fn bulk_get(&self, uri: &str) -> (StatusCode, Value) {
        self.get(&format!("/api/bulk/2.0{uri}")).await
    }

    /// POST /syncs with `body`.
    pub async fn post_sync(&self, body: &Value) -> (StatusCode, Value) {
        self.post("/api/bulk/2.0/syncs", body).await
    }

    /// Adds site `OtherSite` with a global-subscribe definition and a pending sync of it;
    /// returns the other user's `Authorization`, the definition's uri and the sync's uri.
    pub async fn foreign_sync(&self) -> (String, String, String) {
        let (_, auth) = self.add_site("OtherSite", "other", true).await;
        let as_other = |path: &str| {
            let request = self.anonymous(Method::POST, &format!("/api/bulk/2.0{path}"));
            request.header("Authorization", &auth)
        };
        let body = serde_json::json!({
            "name": "Theirs", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
        });
        let (_, created) = send(as_other("/contacts/syncActions").json(&body)).await;
        let definition = created["uri"].as_str().unwrap().to_owned();
        let body = serde_json::json!({ "syncedInstanceUri": definition });
        let (status, sync) = send(as_other("/syncs").json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{sync}");
        (auth, definition, sync["uri"].as_str().unwrap().to_owned())
    }
}

impl TestApp {
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
}
