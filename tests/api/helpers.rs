//! `spawn_app()` and a client with one helper per common call.

use std::sync::Arc;

use loquat::app::App;
use loquat::auth::hash_password;
use loquat::config::{FileSettings, Overrides, Settings};
use loquat::domain::clock::{Clock, SystemClock};
use loquat::domain::site::Site;
use loquat::store::{NewUser, Store};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use crate::common::{Client, codes, rows, send, strings, test_database_url};

/// The AppCloud service instances tests register: an action, a decision and a feeder.
pub const ACTION: &str = "0123456789abcdef0123456789abcdef";
/// See [`ACTION`].
pub const DECISION: &str = "da6ed61da73441dba1349582a4fa8a2c";
/// See [`ACTION`].
pub const FEEDER: &str = "fedcba9876543210fedcba9876543210";

/// The keys of a Bulk page, in Eloqua's order.
pub const PAGE_KEYS: [&str; 6] = [
    "items",
    "totalResults",
    "limit",
    "offset",
    "count",
    "hasMore",
];

/// The password every test user gets.
pub const PASSWORD: &str = "correct-horse-battery";

/// A running server on a fresh store, with one site and one API user.
/// It dereferences to a [`Client`] signed in as that user (`base`, `auth`, `get`, `post`, …).
pub struct TestApp {
    /// The server's store, for arranging state directly.
    pub store: Arc<dyn Store>,
    /// The site of the default user.
    pub site: Site,
    /// The server's engine (already running); tests may also drive it directly.
    pub engine: loquat::engine::Engine,
    client: Client,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
    _schema: Option<loquat::store::postgres::ScratchSchema>,
}

impl std::ops::Deref for TestApp {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
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
        store,
        site: Site {
            id: 0,
            name: String::new(),
        },
        engine,
        client: Client::new(&base, String::new()),
        shutdown,
        _dir: dir,
        _schema: schema,
    };
    let (site, auth) = test.add_site("TestSite", "tester", true).await;
    test.site = site;
    test.client.auth = auth;
    test
}

/// `Basic base64(site\user:password)`.
pub fn basic(site: &str, user: &str, password: &str) -> String {
    crate::common::basic(&format!("{site}\\{user}"), password)
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

/// `body` without its timestamps `keys`, after checking each is in Eloqua's Bulk form.
pub fn without_bulk_times(body: Value, keys: &[&str]) -> Value {
    without(body, keys, assert_eloqua_time)
}

/// `body` without `createdAt` and `updatedAt`, after checking they are Unix seconds (the
/// REST API's form).
pub fn without_rest_times(body: Value) -> Value {
    without(body, &["createdAt", "updatedAt"], |at| {
        let text = at.as_str().expect("a string");
        assert!(
            text.len() >= 10 && text.bytes().all(|b| b.is_ascii_digit()),
            "{text}"
        );
    })
}

fn without(mut body: Value, keys: &[&str], check: fn(&Value)) -> Value {
    let object = body.as_object_mut().expect("an object");
    for key in keys {
        check(&object.remove(*key).unwrap_or_else(|| panic!("no {key}")));
    }
    body
}

/// The keys of a JSON object, in order.
pub fn keys(object: &Value) -> Vec<&str> {
    let object = object
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {object}"));
    object.keys().map(String::as_str).collect()
}

/// Asserts that GET, PUT (with `body`) and DELETE of `path` all answer 404.
pub async fn assert_not_found_to_every_method(app: &TestApp, path: &str, body: &Value) {
    assert_eq!(app.get(path).await.0, StatusCode::NOT_FOUND, "GET {path}");
    assert_eq!(
        app.put(path, body).await.0,
        StatusCode::NOT_FOUND,
        "PUT {path}"
    );
    let deleted = app.delete(path).await.0;
    assert_eq!(deleted, StatusCode::NOT_FOUND, "DELETE {path}");
}

/// Asserts a 400 whose failures name exactly `fields`, in order.
pub fn assert_failures(status: StatusCode, body: &Value, fields: &[&str]) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(failure_fields(body), fields, "{body}");
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
    /// Creates a contact (with `ContactIDExt` `EXT-{email}`) through the store; returns its id.
    pub async fn contact(&self, email: &str) -> i64 {
        let ext = Some(format!("EXT-{email}"));
        self.contact_in(self.site.id, email, ext).await
    }

    /// Creates a contact of site `site_id` through the store; returns its id.
    pub async fn contact_in(&self, site_id: i64, email: &str, ext: Option<String>) -> i64 {
        let input = loquat::domain::contact::ContactInput {
            email_address: email.into(),
            contact_id_ext: ext,
            first_name: None,
            last_name: None,
            is_subscribed: true,
            is_bounced: false,
        };
        self.store.create_contact(site_id, input).await.unwrap().id
    }

    /// Creates the custom numeric field `C_Lead_Score1` ("Lead Score"); returns it.
    pub async fn lead_score_field(&self) -> loquat::domain::contact_fields::RecordField {
        let numeric = loquat::domain::contact_fields::FieldType::Numeric;
        let created = self.store.create_custom_field(
            self.site.id,
            &loquat::domain::record_type::CONTACTS,
            "C_Lead_Score1",
            "Lead Score",
            numeric,
        );
        created.await.unwrap()
    }

    /// Creates an email group through the store; returns its id.
    pub async fn group(&self, name: &str) -> i64 {
        let input = loquat::domain::asset::EmailGroupInput {
            name: name.into(),
            ..Default::default()
        };
        let group = self.store.create_group(self.site.id, "tester", input).await;
        group.unwrap().id
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
}

impl TestApp {
    /// Runs the engine by hand until no sync is left to claim (for [`spawn_app_without_engine`]).
    pub async fn run_engine_until_idle(&self) {
        let token = CancellationToken::new();
        while self.engine.run_once(&token).await.expect("engine run")
            != loquat::engine::Outcome::Idle
        {}
    }
}

/// A hand-driven clock stopped at 2024-05-01T12:00:00Z.
pub fn manual_clock() -> Arc<loquat::domain::clock::ManualClock> {
    let start = loquat::domain::clock::Timestamp::from_nanos(1_714_564_800_000_000_000);
    Arc::new(loquat::domain::clock::ManualClock::new(start))
}

impl TestApp {
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

/// A definition adding contacts found by `statement` (column `Key`) to `list`.
pub fn add_to(list: i64, statement: &str) -> Value {
    serde_json::json!({
        "name": "Staging",
        "fields": {"Key": statement},
        "identifierFieldName": "Key",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}],
        "isSyncTriggeredOnImport": false
    })
}

/// A definition adding contacts found by email to a new list; returns its uri and the list.
pub async fn email_definition(app: &TestApp) -> (String, i64) {
    let list = app.list("L").await;
    let body = add_to(list, "{{Contact.Field(C_EmailAddress)}}");
    (app.definition(&body).await, list)
}

/// The ids of the members of contact list `list`.
pub async fn members(app: &TestApp, list: i64) -> Vec<i64> {
    let members = app.store.list_members(app.site.id, list, 0, 1000).await;
    members.unwrap()
}

/// Syncs `definition` and returns the uri of the terminal sync.
pub async fn sync_to_end(app: &TestApp, definition: &str) -> String {
    let uri = app.sync(definition).await;
    app.wait_for_sync(&uri).await;
    uri
}
