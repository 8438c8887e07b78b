//! Spells request paths the way the route table does: clients send `/API/Bulk/2.0/…`,
//! `/api/bulk/2.0//contacts/…` or a trailing slash, and Eloqua answers them all.

use axum::extract::Request;
use axum::http::Uri;

/// Prefixes matched without regard to case, and their canonical spelling.
const PREFIXES: &[&str] = &[
    "/api/bulk/2.0",
    "/api/rest/1.0",
    "/api/rest/2.0",
    "/api/loquat/1.0",
    "/auth/oauth2",
    "/id",
];

/// Rewrites the request's path in place (query string kept).
pub fn normalize_request(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    if let Some(fixed) = normalize_path(path) {
        let rebuilt = match uri.query() {
            Some(q) => format!("{fixed}?{q}"),
            None => fixed,
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = rebuilt.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(new_uri) = Uri::from_parts(parts) {
                *req.uri_mut() = new_uri;
            }
        }
    }
    req
}

/// The canonical form of `path`, or `None` when it already is canonical.
pub fn normalize_path(path: &str) -> Option<String> {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    for prefix in PREFIXES {
        let matches = out
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            && (out.len() == prefix.len() || out.as_bytes()[prefix.len()] == b'/');
        if matches {
            out.replace_range(..prefix.len(), prefix);
            break;
        }
    }
    (out != path).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn collapses_slashes_and_matches_prefixes_without_case() {
        let cases = [
            (
                "/API/Bulk/2.0/contacts/syncActions",
                Some("/api/bulk/2.0/contacts/syncActions"),
            ),
            (
                "/api/bulk/2.0//contacts//syncActions/",
                Some("/api/bulk/2.0/contacts/syncActions"),
            ),
            (
                "/api/REST/1.0/assets/contact/list/1",
                Some("/api/rest/1.0/assets/contact/list/1"),
            ),
            ("/api/bulk/2.0/contacts/syncActions", None),
            ("/ID", Some("/id")),
            ("/identity", None),
            ("//", Some("/")),
            ("/", None),
        ];
        for (input, want) in cases {
            assert_eq!(normalize_path(input).as_deref(), want, "{input}");
        }
    }
}
