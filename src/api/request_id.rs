//! `X-Request-Id`: every response carries one, and so does every log line of the request (its
//! span's `request_id`). A client's own id is kept when it is sane; otherwise, or when it sent
//! none, the server makes one (a UUID v4). The layers that set and echo it wrap the whole
//! service (`App::serve`), so that shed and timed-out requests carry one too.

use axum::extract::Request;
use axum::http::HeaderName;

/// The header's name.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest client id kept, in bytes (a UUID is 36; a W3C trace id 32).
pub const MAX_LEN: usize = 128;

/// Removes the client's `X-Request-Id` unless it is one sane value, so that a fresh one is
/// made: logs and responses then never carry arbitrary client text in its place.
pub fn keep_if_sane(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut values = headers.get_all(&HEADER).iter();
    let sane = match (values.next(), values.next()) {
        (Some(value), None) => is_sane(value.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !sane {
        headers.remove(&HEADER);
    }
    request
}

/// One to [`MAX_LEN`] letters, digits or `-_.:/+=@`.
pub fn is_sane(value: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
}

/// The id of `request` (empty when no layer set one, e.g. a router driven without `App`).
pub fn of(request: &Request) -> &str {
    request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[&str]) -> Request {
        let mut builder = Request::builder();
        for value in values {
            builder = builder.header(&HEADER, *value);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn keeps_a_sane_id_and_drops_anything_else() {
        let uuid = "0b6f1b9e-3f7a-4c9e-9a53-1c2d3e4f5a6b";
        assert_eq!(of(&keep_if_sane(with(&[uuid]))), uuid);
        assert_eq!(
            of(&keep_if_sane(with(&["trace:abc/1+2=3@x_y.z"]))),
            "trace:abc/1+2=3@x_y.z"
        );
        for bad in [
            "",
            "has space",
            "quote\"d",
            "semi;colon",
            &"x".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(of(&keep_if_sane(with(&[bad]))), "", "{bad:?}");
        }
        assert_eq!(of(&keep_if_sane(with(&["a", "b"]))), "", "two ids: neither");
        assert_eq!(of(&keep_if_sane(with(&[]))), "");
    }
}
