//! A JSON client of a Loquat server, with one helper per common call.

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use super::{DEADLINE, is_terminal};

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
