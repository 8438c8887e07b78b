//! The real `loquat` binary on a temporary store, driven over HTTP: the shared start and stop
//! (`benches/common/server.rs`) plus the calls the pipeline measures.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "../common/server.rs"]
mod common;

pub use common::{Server, cpu_time_of};

impl Server {
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
        self.email_definition_with("bench", action).await
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
        let (took, uri, status) = self.sync_to_end(definition).await;
        assert_eq!(status, "success", "sync {uri} ended {status}");
        (took, uri)
    }

    /// Creates a sync and polls it to its end; returns the time from creation to the end, the
    /// sync's uri and the status it ended with (`success` or `warning`; `error` panics).
    pub async fn sync_to_end(&self, definition: &str) -> (Duration, String, String) {
        let start = Instant::now();
        let uri = self.create_sync(definition).await;
        let end = self.wait_for_end(&uri).await;
        (start.elapsed(), uri, end)
    }

    /// Polls the sync at `uri` until it ends; the status it ended with (`success` or
    /// `warning`; `error` panics).
    pub async fn wait_for_end(&self, uri: &str) -> String {
        loop {
            let now = self.bulk_get(uri).await;
            match now["status"].as_str() {
                Some(end @ ("success" | "warning")) => return end.into(),
                Some("error") => panic!("sync ended {now}"),
                // Polling lightly: every request takes CPU from the server being measured.
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    /// `GET /api/bulk/2.0{path}`; panics unless it succeeds.
    pub async fn bulk_get(&self, path: &str) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0{path}"),
            Value::Null,
        )
        .await
    }

    /// How many rejects the sync at `uri` reported.
    pub async fn rejects(&self, uri: &str) -> u64 {
        let page = self
            .bulk_get(&format!("{uri}/rejects?limit=1&totalResults=true"))
            .await;
        page["totalResults"].as_u64().unwrap_or(0)
    }
}
