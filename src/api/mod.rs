//! The HTTP layer: the whole route table, readable top to bottom. Handlers extract, call the
//! domain and the store, and map; Eloqua's wire shapes live here and nowhere else.

mod account_lists;
mod activity_fields;
mod appcloud;
pub mod client_addr;
mod containers;
mod custom_objects;
mod dashboard;
mod data;
pub mod deadline;
mod definitions;
mod error;
mod exports;
pub mod extract;
mod id;
mod imports;
pub mod normalize;
mod oauth;
pub mod openapi;
pub mod per_address;
pub mod request_id;
mod rest;
pub mod state;
mod sync_actions;
mod syncs;
mod ui;
pub mod wire;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use state::AppState;

/// Every route, with auth enforced per handler by the [`extract::Caller`] extractor.
/// Every request (routes and fallbacks) runs under `deadlines`, inside the metrics and trace
/// layers, so a 408 is counted and logged by route like any answer.
pub fn router(state: AppState, deadlines: deadline::Deadlines) -> Router {
    Router::new()
        .merge(id::router())
        .merge(oauth::router())
        .nest("/api/bulk/2.0", bulk_routes())
        .nest("/api/rest/1.0", rest::router())
        .nest("/api/rest/2.0", rest::router_2())
        .nest(
            "/api/loquat/1.0",
            appcloud::router().merge(account_lists::router()),
        )
        .merge(dashboard::router())
        .merge(ui::router())
        .merge(crate::metrics::router(
            state.metrics_access.clone(),
            state.metrics.clone(),
            std::sync::Arc::clone(&state.store),
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            deadlines,
            deadline::enforce,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(span_for))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
}

fn bulk_routes() -> Router<AppState> {
    Router::new()
        .merge(definitions::router())
        .merge(sync_actions::router())
        .merge(data::router())
        .merge(syncs::router())
        .merge(containers::router())
        .merge(custom_objects::router())
        .merge(openapi::router())
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Request spans carry the matched route, never the raw URI (which may hold ids of others),
/// and the request id, so every log line of a request can be found from its `X-Request-Id`.
fn span_for(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or(crate::metrics::UNMATCHED, |p| p.as_str());
    let request_id = request_id::of(req);
    tracing::info_span!("request", method = %req.method(), route, request_id)
}

/// A handler result that is either a response or an [`ApiError`].
pub type ApiResult<T = Response> = Result<T, ApiError>;

/// 204 No Content with an empty body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
