//! Extractors whose rejections are [`ApiError`]s: the caller, JSON bodies, paging parameters
//! and path ids.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::query::{ListQuery, QueryField, RawListParams};
use crate::domain::site::Principal;

/// The authenticated caller (Basic or Bearer); 401 without valid credentials, 403 without
/// API access.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, state).await?;
        if !principal.user.api_access {
            return Err(ApiError::Forbidden);
        }
        Ok(Self(principal))
    }
}

/// Authenticates the request's `Authorization` header, without the permission check.
///
/// # Errors
/// 401 when the header is missing or its credentials are wrong.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized)?;
    let from = parts
        .extensions
        .get::<super::client_addr::ClientAddr>()
        .map(|client| client.limit_key());
    Ok(state.auth.header(value, from).await?)
}

/// A JSON request body as a `serde_json::Value`, after checking `Content-Type`.
#[derive(Debug)]
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json_content_type(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::invalid(
                "body",
                format!("Could not read the body: {}", e.body_text()),
                None,
            )
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// 400 unless the request says its body is JSON (`application/json`, any parameters).
///
/// # Errors
/// A failure naming `Content-Type`.
pub fn require_json_content_type(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = value
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "Content-Type",
            "Must be application/json.",
            Some(value.unwrap_or("(missing)").to_owned()),
        ))
    }
}

/// Parses JSON text, reporting where it is malformed. An object naming a key twice is
/// malformed too: which value would win is up to the parser, so none is guessed.
///
/// # Errors
/// A failure naming `body` with serde's line and column.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice::<UniqueKeys>(bytes)
        .map(|parsed| parsed.0)
        .map_err(|e| ApiError::invalid("body", format!("There was a parsing error: {e}."), None))
}

/// A JSON value whose objects never repeat a key (serde_json's own keeps the last silently).
struct UniqueKeys(serde_json::Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor).map(Self)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Converts a parsed body into a typed request, naming the problem on failure.
///
/// # Errors
/// A failure naming `body` with serde's explanation (which names the property).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("There was a serialization error: {e}."),
            None,
        )
    })
}

/// `limit`, `offset`, `orderBy`, `q`, `totalResults` as received (typed in the document as
/// clients should send them; anything else is a 400 naming the parameter).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RawParams {
    /// Page size: 1 to 1000; default 1000.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Items to skip; default 0.
    #[param(value_type = Option<u64>)]
    offset: Option<String>,
    /// `property` or `property DESC`/`ASC`, e.g. `createdAt DESC`.
    order_by: Option<String>,
    /// Filter: `property='value'` terms (`*` wildcards, `=`, `!=`, `>`, `<` on dates) joined
    /// by `and`, e.g. `name='Daily*'`.
    q: Option<String>,
    /// `false` omits `totalResults` (cheaper); default `true`.
    #[param(value_type = Option<bool>)]
    total_results: Option<String>,
}

/// The collection parameters of a Bulk list endpoint, before typing by resource.
#[derive(Debug, Default)]
pub struct ListParams(pub RawListParams);

impl ListParams {
    /// Types the parameters for resource fields `F`, with `limit` up to `max_limit`.
    ///
    /// # Errors
    /// 400 naming each bad parameter.
    pub fn query<F: QueryField>(&self, max_limit: u32) -> Result<ListQuery<F>, ApiError> {
        self.0.parse(max_limit).map_err(ApiError::Validation)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("query", e.body_text(), None))?;
        Ok(Self(RawListParams {
            limit: raw.limit,
            offset: raw.offset,
            order_by: raw.order_by,
            q: raw.q,
            total_results: raw.total_results,
        }))
    }
}

/// A path id: a positive integer, or 404 (an id that cannot exist names no resource).
///
/// # Errors
/// [`ApiError::NotFound`] for anything else, including overflow.
pub fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::parse_json;

    #[test]
    fn json_bodies_refuse_a_key_named_twice_in_any_object() {
        for text in [
            r#"{"name":"a","name":"b"}"#,
            r#"{"fields":{"E":"x","E":"y"}}"#,
            r#"[{"a":1},{"b":{"c":1,"c":1}}]"#,
        ] {
            assert!(parse_json(text.as_bytes()).is_err(), "{text}");
        }
        let parsed = parse_json(br#"{"b":[{"a":1},{"a":2.5}],"a":null,"c":"\u00e9"}"#).unwrap();
        assert_eq!(
            parsed.to_string(),
            r#"{"b":[{"a":1},{"a":2.5}],"a":null,"c":"é"}"#
        );
    }
}
