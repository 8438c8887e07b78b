//! Waiting for a sync to end: polling `GET /syncs/{id}` with exponential back-off (1 s
//! doubling to 30 s), or, with `--callback`, a small local HTTP listener that Eloqua calls when
//! the sync ends, still polling slowly in case a callback never comes.

use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::client::Api;
use super::progress::Progress;

/// Statuses a sync ends in.
pub const TERMINAL: [&str; 3] = ["success", "warning", "error"];

/// The callback listener: the URL handed to Eloqua and the sync URIs it has been called for.
pub struct Callbacks {
    url: String,
    received: mpsc::UnboundedReceiver<String>,
    server: JoinHandle<()>,
}

impl Callbacks {
    /// Binds `bind` (or the host and port of `url`) and serves until dropped. A port of 0 in
    /// `url` takes whatever port the system gives, written back into the URL.
    ///
    /// # Errors
    /// A malformed URL or an address that cannot be bound.
    pub async fn listen(url: &str, bind: Option<&str>) -> anyhow::Result<Self> {
        let mut parsed = url::Url::parse(url).with_context(|| format!("--callback {url}"))?;
        if parsed.scheme() != "http" && bind.is_none() {
            anyhow::bail!(
                "--callback {url}: the listener speaks plain http; put it behind your TLS proxy and give --callback-bind"
            );
        }
        let address = match bind {
            Some(bind) => bind.to_owned(),
            None => {
                let host = parsed.host_str().context("--callback needs a host")?;
                let port = parsed.port_or_known_default().unwrap_or(80);
                format!("{host}:{port}")
            }
        };
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .with_context(|| format!("binding the callback listener on {address}"))?;
        if bind.is_none() && parsed.port() == Some(0) {
            let port = listener.local_addr()?.port();
            // Cannot fail: the URL has a host, since it was bound above.
            let _ = parsed.set_port(Some(port));
        }
        let (sender, received) = mpsc::unbounded_channel();
        let app = Router::new().fallback(receive).with_state(sender);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: parsed.to_string(),
            received,
            server,
        })
    }

    /// The URL to pass as a sync's `callbackUrl`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Resolves once a callback for `uri` arrives (callbacks for other syncs are dropped).
    async fn called_for(&mut self, uri: &str) {
        while let Some(called) = self.received.recv().await {
            if called == uri {
                return;
            }
        }
        std::future::pending::<()>().await;
    }
}

impl Drop for Callbacks {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Any request: note the `uri` of the sync in its JSON body, answer 204.
async fn receive(State(sender): State<mpsc::UnboundedSender<String>>, body: Bytes) -> StatusCode {
    if let Some(uri) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("uri").and_then(Value::as_str).map(str::to_owned))
    {
        let _ = sender.send(uri);
    }
    StatusCode::NO_CONTENT
}

/// Waits until the sync at `uri` ends; returns its status.
///
/// # Errors
/// The sync cannot be read.
pub async fn until_done(
    api: &Api,
    uri: &str,
    mut callbacks: Option<&mut Callbacks>,
    progress: &Progress,
) -> anyhow::Result<String> {
    let (mut delay, max) = match callbacks {
        Some(_) => (Duration::from_secs(10), Duration::from_secs(60)),
        None => (Duration::from_secs(1), Duration::from_secs(30)),
    };
    let mut last = String::new();
    loop {
        let sync = api.get(uri).await?;
        let status = sync
            .get("status")
            .and_then(Value::as_str)
            .with_context(|| format!("GET {uri}: no status in the answer"))?
            .to_owned();
        if TERMINAL.contains(&status.as_str()) {
            return Ok(status);
        }
        if status != last {
            progress.note(&format!("sync {uri} is {status}"));
            progress.waiting(&format!("waiting for {uri} ({status})"));
            last = status;
        }
        match callbacks.as_deref_mut() {
            Some(callbacks) => {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = callbacks.called_for(uri) => {}
                }
            }
            None => tokio::time::sleep(delay).await,
        }
        delay = (delay * 2).min(max);
    }
}
