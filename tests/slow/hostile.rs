//! Hostile input, table-driven: each request gets a precise 4xx in Eloqua's shape (a 400's
//! `failures` naming the field, or the documented 404 or 413) and changes nothing, which
//! [`run`] checks by reading the site's state back after every write and in full at the end.
//! This file holds the harness and the JSON bodies; `hostile_uploads`, `hostile_params` and
//! `hostile_refs` hold the rest.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::routes_fixture::{Fixture, NOT_FOUND, Payload, snapshot};

pub const DEFS: &str = "/api/bulk/2.0/contacts/syncActions";
pub const DEF: &str = "/api/bulk/2.0/contacts/syncActions/{definition}";
pub const IMPORTS: &str = "/api/bulk/2.0/contacts/imports";
pub const EXPORTS: &str = "/api/bulk/2.0/contacts/exports";
pub const SYNCS: &str = "/api/bulk/2.0/syncs";
pub const CONTACT: &str = "/api/rest/1.0/data/contact";
pub const LIST: &str = "/api/rest/1.0/assets/contact/list/{list}";
pub const GROUP: &str = "/api/rest/1.0/assets/email/group";
pub const INSTANCES: &str = "/api/loquat/1.0/appcloud/instances";
pub const EXECUTIONS: &str = "/api/loquat/1.0/appcloud/instances/{instance}/executions";
pub const MEMBERS: &str =
    "/api/loquat/1.0/appcloud/instances/{instance}/executions/{execution}/members";
pub const JSON: &str = "application/json";

/// What a case must be answered with.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// 400 whose failures name exactly this field.
    Bad(&'static str),
    /// 404 with Oracle's string.
    Gone,
    /// 413: the site's staging quota is used up.
    Full,
    /// 200 with an empty page: valid, if absurd, and matching nothing.
    Empty,
}

/// One hostile request; `path` may hold the fixture's `{name}` placeholders.
pub struct Case {
    pub name: String,
    pub method: Method,
    pub path: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub want: Want,
}

/// A request with `body` sent as `content_type` (`None`: no `Content-Type` header).
pub fn case(
    name: impl Into<String>,
    method: Method,
    path: impl Into<String>,
    content_type: Option<&str>,
    body: impl Into<Vec<u8>>,
    want: Want,
) -> Case {
    Case {
        name: name.into(),
        method,
        path: path.into(),
        content_type: content_type.map(str::to_owned),
        body: body.into(),
        want,
    }
}

/// A GET.
pub fn get(name: impl Into<String>, path: impl Into<String>, want: Want) -> Case {
    case(name, Method::GET, path, None, Vec::new(), want)
}

/// What hostile requests could touch: definitions (with `kbUsed`), imports, exports, syncs,
/// list counts, contacts, groups, AppCloud members and export data.
async fn state(app: &TestApp, fixture: &Fixture) -> Vec<Value> {
    let paths = [
        "/api/bulk/2.0/contacts/syncActions",
        "/api/bulk/2.0/contacts/imports",
        "/api/bulk/2.0/contacts/exports",
        "/api/bulk/2.0/syncs",
        "/api/bulk/2.0/contacts/lists",
        "/api/rest/1.0/data/contacts",
        "/api/rest/1.0/assets/email/groups",
        "/api/loquat/1.0/appcloud/instances",
        MEMBERS,
        "/api/bulk/2.0/syncs/{export_sync}/data",
    ];
    let mut seen = Vec::new();
    for path in paths {
        let (status, body) = app.get(&fixture.fill(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        seen.push(body);
    }
    seen
}

/// Sends each case as the owner; collects every wrong answer and every change of state, and
/// fails once at the end listing them all.
pub async fn run(app: &TestApp, fixture: &Fixture, cases: Vec<Case>) {
    let (before, everything) = (state(app, fixture).await, snapshot(app, fixture).await);
    let mut wrong = Vec::new();
    for case in cases {
        let path = fixture.fill(&case.path);
        let mut request = app.request(case.method.clone(), &path);
        if let Some(content_type) = &case.content_type {
            request = request.header("Content-Type", content_type);
        }
        let answer = match request.body(case.body).send().await {
            Ok(response) => (response.status(), response.text().await),
            Err(e) => {
                wrong.push(format!("{}: no answer (a panic?): {e}", case.name));
                continue;
            }
        };
        let (status, text) = (answer.0, answer.1.unwrap_or_default());
        if let Some(why) = mismatch(case.want, status, &text) {
            let shown: String = text.chars().take(300).collect();
            wrong.push(format!("{}: {why}; got {status} {shown}", case.name));
        }
        // A GET cannot change anything unless it is a bug; the snapshot below would show it.
        if case.method != Method::GET && state(app, fixture).await != before {
            wrong.push(format!("{}: changed state", case.name));
            break;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(snapshot(app, fixture).await == everything, "state changed");
    // Staging is the one change `kbUsed` could miss (an empty file): a sync counts the rows.
    let staged = [
        ("syncActions", "definition", "ELQ-00140"),
        ("imports", "import", "ELQ-00130"),
    ];
    for (kind, key, code) in staged {
        let sync = app
            .sync(&format!("/contacts/{kind}/{}", fixture.id(key)))
            .await;
        app.wait_for_sync(&sync).await;
        let staged = app.log_codes(&sync).await[0].clone();
        assert_eq!(staged, (code.to_owned(), 1), "only the fixture's row");
    }
}

/// Why an answer is not what `want` says, or `None`.
fn mismatch(want: Want, status: StatusCode, text: &str) -> Option<String> {
    let body: Value = match serde_json::from_str(text) {
        Ok(body) => body,
        Err(_) => return Some("body is not JSON".into()),
    };
    match want {
        Want::Gone if status == StatusCode::NOT_FOUND && body == json!(NOT_FOUND) => None,
        Want::Gone => Some("want 404".into()),
        Want::Full if status == StatusCode::PAYLOAD_TOO_LARGE => {
            (body != json!("Storage space exceeded.")).then(|| "want Oracle's 413 text".into())
        }
        Want::Full => Some("want 413".into()),
        Want::Empty => {
            let items = body.get("items").or_else(|| body.get("elements"));
            let empty = items.and_then(Value::as_array).is_some_and(Vec::is_empty);
            (status != StatusCode::OK || !empty).then(|| "want 200 and no items".into())
        }
        Want::Bad(field) => {
            let failures = body["failures"].as_array().cloned().unwrap_or_default();
            let fields: Vec<&str> = failures
                .iter()
                .filter_map(|f| f["field"].as_str())
                .collect();
            let explained = failures
                .iter()
                .all(|f| f["constraint"].as_str().is_some_and(|c| !c.is_empty()));
            let precise = status == StatusCode::BAD_REQUEST && fields == [field] && explained;
            (!precise).then(|| format!("want 400 naming {field}"))
        }
    }
}

/// `base` with `key` set to `value` (`Value::Null` removes it), as JSON text.
pub fn with(base: &Value, key: &str, value: Value) -> String {
    let mut body = base.clone();
    match value {
        Value::Null => body.as_object_mut().unwrap().remove(key),
        value => body.as_object_mut().unwrap().insert(key.into(), value),
    };
    body.to_string()
}

/// Nesting `depth` deep: `[[[…` (unclosed) or `{"a":{"a":…}}`.
fn nested(depth: usize, closed: bool) -> String {
    if closed {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    } else {
        "[".repeat(depth)
    }
}

/// Malformed, truncated, deeply nested, empty and mistyped JSON on every JSON endpoint.
fn shapes(fixture: &Fixture) -> Vec<Case> {
    let definition = fixture.body(Payload::Definition).to_string();
    let endpoints = [
        ("POST", DEFS),
        ("PUT", DEF),
        ("POST", IMPORTS),
        ("POST", EXPORTS),
        ("POST", SYNCS),
        ("POST", CONTACT),
        ("PUT", LIST),
        ("POST", GROUP),
        ("POST", INSTANCES),
        ("POST", EXECUTIONS),
        ("PUT", MEMBERS),
    ];
    let bodies: [(&str, String); 12] = [
        ("malformed", "{\"name\": 'x'}".into()),
        ("truncated", definition[..definition.len() / 2].into()),
        ("trailing garbage", format!("{definition} {{")),
        ("two documents", format!("{definition}{definition}")),
        ("100,000 [", nested(100_000, false)),
        ("100,000 closed objects", nested(100_000, true)),
        ("empty", String::new()),
        ("whitespace", " \r\n\t".into()),
        ("null", "null".into()),
        ("an array", format!("[{definition}]")),
        ("a string", "\"name\"".into()),
        ("a number", "12345678901234567890123".into()),
    ];
    let mut cases = Vec::new();
    for (method, path) in endpoints {
        for (what, body) in &bodies {
            let name = format!("{method} {path}: {what}");
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            cases.push(case(
                name,
                method,
                path,
                Some(JSON),
                body.clone(),
                Want::Bad("body"),
            ));
        }
    }
    cases
}

/// A JSON request that must be a 400 naming `field`.
pub fn bad(
    name: &str,
    method: &str,
    path: &str,
    body: impl Into<Vec<u8>>,
    field: &'static str,
) -> Case {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    case(
        format!("{method} {path}: {name}"),
        method,
        path,
        Some(JSON),
        body,
        Want::Bad(field),
    )
}

/// Wrong types, duplicate keys and huge strings in definition and REST bodies.
#[rustfmt::skip]
fn properties(fixture: &Fixture) -> Vec<Case> {
    let def = fixture.body(Payload::Definition);
    let mega = "x".repeat(1 << 20);
    let mut cases = Vec::new();
    for (key, value) in [
        ("name", json!(5)),
        ("name", json!(["A"])),
        ("name", json!(mega)),
        ("name", json!(" \t ")),
        ("fields", json!([])),
        ("fields", json!("{{Contact.Id}}")),
        ("identifierFieldName", json!(1)),
        ("syncActions", json!({"action": "add"})),
        ("syncActions", json!("add")),
        ("isSyncTriggeredOnImport", json!("maybe")),
        ("isSyncTriggeredOnImport", json!(1)),
        ("autoDeleteDuration", json!(3600)),
        ("autoDeleteDuration", json!("P99999999999999999999D")),
    ] {
        let name = format!("{key}={}", value.to_string().chars().take(30).collect::<String>());
        let body = with(&def, key, value);
        cases.push(bad(&name, "POST", DEFS, body.clone(), key));
        cases.push(bad(&name, "PUT", DEF, body, key));
    }
    let email = "{{Contact.Field(C_EmailAddress)}}";
    let list = fixture.id("list");
    let dup_name = format!(
        r#"{{"name":"A","name":"B","fields":{{"Email":"{email}"}},"identifierFieldName":"Email","syncActions":[{{"action":"add","destination":"{{{{ContactList[{list}]}}}}"}}]}}"#
    );
    let dup_field = dup_name
        .replace(r#""name":"A","name":"B""#, r#""name":"A""#)
        .replace(r#"{"Email":"{{Contact.Field"#, r#"{"Email":"{{Contact.Id}}","Email":"{{Contact.Field"#);
    let sync = fixture.body(Payload::Sync);
    let instance = json!({"id": "00000000000000000000000000000001", "type": "action", "name": mega});
    let members = format!(r#"{{"contactIds":[{}],"status":1}}"#, fixture.id("contact"));
    cases.extend([
        bad("duplicate name", "POST", DEFS, dup_name.clone(), "body"),
        bad("duplicate name", "PUT", DEF, dup_name, "body"),
        bad("duplicate fields key", "POST", DEFS, dup_field, "body"),
        bad("uri a number", "POST", SYNCS, r#"{"syncedInstanceUri":7}"#, "syncedInstanceUri"),
        bad("uri 1 MB", "POST", SYNCS, json!({"syncedInstanceUri": mega}).to_string(), "syncedInstanceUri"),
        bad("callback a number", "POST", SYNCS, with(&sync, "callbackUrl", json!(1)), "callbackUrl"),
        bad("email a number", "POST", CONTACT, r#"{"emailAddress":5}"#, "emailAddress"),
        bad("email 1 MB", "POST", CONTACT, json!({"emailAddress": format!("{mega}@x.com")}).to_string(), "emailAddress"),
        bad("fieldValues an object", "POST", CONTACT, r#"{"emailAddress":"n@x.com","fieldValues":{}}"#, "fieldValues"),
        bad("name 1 MB", "PUT", LIST, json!({"name": mega}).to_string(), "name"),
        bad("name an array", "PUT", LIST, r#"{"name":["L"]}"#, "name"),
        bad("additions a string", "PUT", LIST, r#"{"name":"L","membershipAdditions":"1"}"#, "membershipAdditions"),
        bad("name a number", "POST", GROUP, r#"{"name":1}"#, "name"),
        bad("name 1 MB", "POST", INSTANCES, instance.to_string(), "name"),
        bad("id a number", "POST", INSTANCES, r#"{"id":1,"type":"action"}"#, "id"),
        bad("ids an object", "POST", EXECUTIONS, r#"{"contactIds":{"1":1}}"#, "contactIds"),
        bad("status a number", "PUT", MEMBERS, members, "status"),
        bad("name 1 MB", "POST", IMPORTS, with(&fixture.body(Payload::Import), "name", json!(mega)), "name"),
        bad("fields an array", "POST", EXPORTS, with(&fixture.body(Payload::Export), "fields", json!([email])), "fields"),
    ]);
    cases
}

#[tokio::test]
async fn malformed_nested_empty_and_mistyped_json_is_400_naming_the_body() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    run(&app, &fixture, shapes(&fixture)).await;
}

#[tokio::test]
async fn mistyped_duplicated_and_huge_properties_are_400_naming_the_property() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    run(&app, &fixture, properties(&fixture)).await;
}

#[tokio::test]
async fn json_endpoints_refuse_a_wrong_or_missing_content_type() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let body = fixture.body(Payload::Definition).to_string();
    let mut cases = Vec::new();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
        Some("text/json"),
        Some(""),
    ] {
        for (method, path) in [
            (Method::POST, DEFS),
            (Method::PUT, DEF),
            (Method::POST, SYNCS),
            (Method::POST, CONTACT),
            (Method::PUT, LIST),
        ] {
            let name = format!("{method} {path} as {content_type:?}");
            cases.push(case(
                name,
                method,
                path,
                content_type,
                body.clone(),
                Want::Bad("Content-Type"),
            ));
        }
    }
    run(&app, &fixture, cases).await;
}

#[tokio::test]
async fn a_huge_callback_url_is_400() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let url = format!("http://{}.example.com/", "x".repeat(1 << 20));
    let body = with(&fixture.body(Payload::Sync), "callbackUrl", json!(url));
    let cases = vec![bad("callback 1 MB", "POST", SYNCS, body, "callbackUrl")];
    run(&app, &fixture, cases).await;
}
