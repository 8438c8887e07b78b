//! `GET /metrics`: outside Eloqua's API auth, open by default, or behind a bearer token
//! (`metrics_token`), or not served at all (`metrics = false`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Metrics;
use crate::store::Store;

/// The `Content-Type` of the exposition: Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The `/metrics` bearer token. Its `Debug` never shows it, so settings can be printed.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Token(String);

/// Why a `metrics_token` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Nothing was given (an empty variable would otherwise leave `/metrics` open unnoticed).
    #[error("must not be empty")]
    Empty,
    /// A character a client cannot send in an `Authorization` header as it is.
    #[error("must be printable ASCII without spaces")]
    BadCharacter,
}

impl Token {
    /// Checks a token: non-empty printable ASCII without spaces.
    ///
    /// # Errors
    /// [`TokenError`] naming what is wrong (never echoing the token).
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        if text.is_empty() {
            return Err(TokenError::Empty);
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::BadCharacter);
        }
        Ok(Self(text.to_owned()))
    }
}

impl std::str::FromStr for Token {
    type Err = TokenError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Token {
    type Error = TokenError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Who may read `/metrics`.
#[derive(Clone)]
pub enum Access {
    /// Not served (the path answers 404 like any unknown path).
    Off,
    /// Anyone who can reach the listener.
    Open,
    /// Requests with `Authorization: Bearer <token>`; this is the token's SHA-256, compared in
    /// constant time with the presented token's.
    Bearer(Arc<[u8; 32]>),
}

impl Access {
    /// From the `metrics` and `metrics_token` settings.
    pub fn new(enabled: bool, token: Option<&Token>) -> Self {
        match (enabled, token) {
            (false, _) => Self::Off,
            (true, None) => Self::Open,
            (true, Some(token)) => Self::Bearer(Arc::new(digest(&token.0))),
        }
    }

    /// Whether `headers` carry what this access asks for.
    fn allows(&self, headers: &HeaderMap) -> bool {
        match self {
            Self::Off => false,
            Self::Open => true,
            Self::Bearer(expected) => bearer(headers)
                .is_some_and(|given| bool::from(digest(given).ct_eq(expected.as_ref()))),
        }
    }
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Off => "Off",
            Self::Open => "Open",
            Self::Bearer(_) => "Bearer(<redacted>)",
        })
    }
}

/// Comparing digests keeps the comparison constant-time whatever the lengths.
fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The credentials of an `Authorization: Bearer …` header (scheme matched without regard to
/// case, as RFC 9110 asks).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
}

#[derive(Clone)]
struct Endpoint {
    access: Access,
    metrics: Metrics,
    store: Arc<dyn Store>,
}

/// The `/metrics` route (none when `access` is [`Access::Off`]), with its own state so that
/// it merges into any router.
pub fn router<S>(access: Access, metrics: Metrics, store: Arc<dyn Store>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if matches!(access, Access::Off) {
        return Router::new();
    }
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Endpoint {
            access,
            metrics,
            store,
        })
}

async fn scrape(State(endpoint): State<Endpoint>, headers: HeaderMap) -> Response {
    if !endpoint.access.allows(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"loquat metrics\""),
            )],
            "/metrics requires Authorization: Bearer <metrics_token>.\n",
        )
            .into_response();
    }
    let text = endpoint.metrics.render(endpoint.store.as_ref()).await;
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_token_admits_only_its_bearer() {
        let token = Token::parse("s3cret-token").unwrap();
        let access = Access::new(true, Some(&token));
        assert!(access.allows(&with_auth("Bearer s3cret-token")));
        assert!(access.allows(&with_auth("bearer s3cret-token")));
        assert!(!access.allows(&with_auth("Bearer s3cret-toke")));
        assert!(!access.allows(&with_auth("Bearer s3cret-token2")));
        assert!(!access.allows(&with_auth("Basic s3cret-token")));
        assert!(!access.allows(&with_auth("Bearer")));
        assert!(!access.allows(&HeaderMap::new()));
    }

    #[test]
    fn open_and_off() {
        assert!(Access::new(true, None).allows(&HeaderMap::new()));
        let token = Token::parse("t").unwrap();
        assert!(matches!(Access::new(false, Some(&token)), Access::Off));
    }

    #[test]
    fn tokens_are_checked_and_never_shown() {
        assert_eq!(Token::parse(""), Err(TokenError::Empty));
        assert_eq!(Token::parse("two words"), Err(TokenError::BadCharacter));
        assert_eq!(Token::parse("tab\there"), Err(TokenError::BadCharacter));
        let token = Token::parse("hunter2").unwrap();
        assert!(!format!("{token:?}").contains("hunter2"));
        let access = Access::new(true, Some(&token));
        assert!(!format!("{access:?}").contains("hunter2"));
    }
}
