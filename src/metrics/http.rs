//! The request counter: a middleware on every route, so the matched route template is known.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::Metrics;

/// The `route` label of a request no route matched (the raw path is never a label: it holds
/// ids, and a client could make a series per request).
pub const UNMATCHED: &str = "(unmatched)";

/// Counts the request and times it, by route template, once the response is ready (the
/// body's streaming is not included). Use with `axum::middleware::from_fn_with_state`.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.request(
        route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
        &method,
        response.status(),
        started.elapsed(),
    );
    response
}
