//! The HTTP side of `loquat push`: Basic authentication as Eloqua wants it
//! (`Site\User:password`), base-URL discovery through `GET /id`, and retries of 429 and 503
//! answers with back-off that honours `Retry-After`.

use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use super::args::Password;
use super::credentials::Credentials;
use super::progress::Progress;

/// Attempts of one call answered 429 or 503 (or unreachable, for reads) before giving up.
const ATTEMPTS: u32 = 8;
/// Longest wait between attempts, whatever `Retry-After` says.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The request may or may not have reached the server.
    #[error("{method} {url} failed: {source}")]
    Transport {
        /// The method.
        method: Method,
        /// The URL.
        url: String,
        /// What went wrong.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error("{method} {url} answered {status}: {body}")]
    Status {
        /// The method.
        method: Method,
        /// The URL.
        url: String,
        /// The status.
        status: StatusCode,
        /// The start of the answer's body.
        body: String,
    },
}

/// A signed-in client of one instance's Bulk API.
pub struct Api {
    http: reqwest::Client,
    /// `https://host/api/bulk/2.0`
    bulk: String,
    login: String,
    password: Password,
    progress: Progress,
}

impl Api {
    /// Signs in: the base URL is the given one, else the one `GET /id` names.
    ///
    /// # Errors
    /// Discovery fails or says the credentials are wrong.
    pub async fn connect(credentials: &Credentials, progress: Progress) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .user_agent(concat!("loquat-push/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        let mut api = Self {
            http,
            bulk: String::new(),
            login: format!("{}\\{}", credentials.site, credentials.user),
            password: credentials.password.clone(),
            progress,
        };
        let base = match &credentials.base_url {
            Some(base) => base.clone(),
            None => api.discover(&credentials.login_url).await?,
        };
        api.bulk = format!("{}/api/bulk/2.0", base.trim_end_matches('/'));
        Ok(api)
    }

    /// `GET {login}/id` → `urls.base`.
    async fn discover(&self, login_url: &str) -> anyhow::Result<String> {
        let url = format!("{}/id", login_url.trim_end_matches('/'));
        let answer = self.send(Method::GET, &url, None, true).await?;
        let body: Value = answer
            .json()
            .await
            .with_context(|| format!("GET {url}: the answer is not JSON"))?;
        if body.is_string() {
            // Eloqua answers bad credentials with 200 and the string "Not authenticated.".
            bail!(
                "GET {url}: {body}: check the site, user and password (for {})",
                self.login
            );
        }
        match body.pointer("/urls/base").and_then(Value::as_str) {
            Some(base) => Ok(base.to_owned()),
            None => bail!("GET {url}: the answer has no urls.base"),
        }
    }

    /// The Bulk base, e.g. `https://secure.p03.eloqua.com/api/bulk/2.0`.
    pub fn bulk(&self) -> &str {
        &self.bulk
    }

    /// `GET` of a path under the Bulk prefix (with its query), as JSON.
    ///
    /// # Errors
    /// After retries, an unreachable server or an error status.
    pub async fn get(&self, path: &str) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.bulk);
        let answer = self.send(Method::GET, &url, None, true).await?;
        json_of(Method::GET, url, answer).await
    }

    /// `POST` of a JSON body to a path under the Bulk prefix.
    ///
    /// # Errors
    /// An unreachable server (not retried: the POST may have been applied) or an error status.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.bulk);
        let bytes = Bytes::from(body.to_string());
        let answer = self
            .send(Method::POST, &url, Some(("application/json", bytes)), false)
            .await?;
        json_of(Method::POST, url, answer).await
    }

    /// Uploads one body to `{definition}/data`: `None` for 204, the sync for a 201.
    ///
    /// # Errors
    /// As [`post_json`](Self::post_json).
    pub async fn upload(
        &self,
        definition: &str,
        content_type: &'static str,
        body: Bytes,
    ) -> Result<Option<Value>, CallError> {
        let url = format!("{}{definition}/data", self.bulk);
        let answer = self
            .send(Method::POST, &url, Some((content_type, body)), false)
            .await?;
        if answer.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        json_of(Method::POST, url, answer).await.map(Some)
    }

    /// Sends a request, retrying 429 and 503 (and transport errors when `idempotent`).
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<(&'static str, Bytes)>,
        idempotent: bool,
    ) -> Result<reqwest::Response, CallError> {
        let mut attempt = 1;
        loop {
            let mut request = self
                .http
                .request(method.clone(), url)
                .basic_auth(&self.login, Some(self.password.expose()));
            if let Some((content_type, bytes)) = &body {
                request = request
                    .header(header::CONTENT_TYPE, *content_type)
                    .body(bytes.clone());
            }
            let wait = match request.send().await {
                Ok(answer) if answer.status().is_success() => return Ok(answer),
                Ok(answer) if retryable(answer.status()) && attempt < ATTEMPTS => {
                    let wait = retry_after(&answer).unwrap_or_else(|| backoff(attempt));
                    self.progress.note(&format!(
                        "{method} {url} answered {}; retrying in {} s",
                        answer.status(),
                        wait.as_secs()
                    ));
                    wait
                }
                Ok(answer) => return Err(status_error(method, url, answer).await),
                Err(source) if idempotent && attempt < ATTEMPTS => {
                    let wait = backoff(attempt);
                    self.progress.note(&format!(
                        "{method} {url} failed ({source}); retrying in {} s",
                        wait.as_secs()
                    ));
                    wait
                }
                Err(source) => {
                    return Err(CallError::Transport {
                        method,
                        url: url.to_owned(),
                        source,
                    });
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE
}

/// 1 s, 2 s, 4 s … capped at 30 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// `Retry-After` in seconds (Eloqua documents none; Loquat sends one on 429).
fn retry_after(answer: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = answer
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_WAIT))
}

async fn status_error(method: Method, url: &str, answer: reqwest::Response) -> CallError {
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    let mut body: String = text.chars().take(500).collect();
    if body.len() < text.len() {
        body.push('…');
    }
    CallError::Status {
        method,
        url: url.to_owned(),
        status,
        body,
    }
}

async fn json_of(
    method: Method,
    url: String,
    answer: reqwest::Response,
) -> Result<Value, CallError> {
    let status = answer.status();
    match answer.json().await {
        Ok(value) => Ok(value),
        Err(source) if source.is_decode() => Err(CallError::Status {
            method,
            url,
            status,
            body: "the answer is not JSON".to_owned(),
        }),
        Err(source) => Err(CallError::Transport {
            method,
            url,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_thirty() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
