//! The web dashboard at `/ui`: static files compiled into the binary (no build step, nothing
//! to install beside it), served without credentials. The page itself signs in with site
//! credentials and calls the API from the browser, so everything it shows passes through the
//! same authentication and site isolation as any other client.
//!
//! Every file is answered with a strict Content-Security-Policy (scripts and styles only from
//! this origin, no inline code, API calls only to this origin, no framing, no form posts) and
//! `X-Content-Type-Options: nosniff`. Files are revalidated on each load (`no-cache` with an
//! `ETag`), so an upgraded server never leaves a browser on the previous version's scripts.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};

/// What the dashboard's pages may load and reach.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The page and everything it loads; `index.html` is what `/ui` answers.
const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: HTML,
        body: include_bytes!("../../assets/ui/index.html"),
    },
    Asset {
        name: "style.css",
        content_type: CSS,
        body: include_bytes!("../../assets/ui/style.css"),
    },
    Asset {
        name: "app.js",
        content_type: JS,
        body: include_bytes!("../../assets/ui/app.js"),
    },
    Asset {
        name: "api.js",
        content_type: JS,
        body: include_bytes!("../../assets/ui/api.js"),
    },
    Asset {
        name: "dom.js",
        content_type: JS,
        body: include_bytes!("../../assets/ui/dom.js"),
    },
    Asset {
        name: "pages.js",
        content_type: JS,
        body: include_bytes!("../../assets/ui/pages.js"),
    },
    Asset {
        name: "sync.js",
        content_type: JS,
        body: include_bytes!("../../assets/ui/sync.js"),
    },
];

/// A strong `ETag` per asset (a digest of its bytes), computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
        .collect()
});

/// `/ui` (and `/ui/`, which path normalisation folds into it) and `/ui/{file}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(index))
        .route("/ui/{file}", get(file))
}

async fn index(headers: HeaderMap) -> Response {
    serve(0, &headers)
}

async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().position(|asset| asset.name == name) {
        Some(at) => serve(at, &headers),
        None => ApiError::NotFound.into_response(),
    }
}

/// The asset at `at` (or 304 when the browser's copy is current), with the security headers.
fn serve(at: usize, request: &HeaderMap) -> Response {
    let (asset, etag): (&Asset, &'static str) = (&ASSETS[at], &ETAGS[at]);
    let current = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if current {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-cache"),
        (header::ETAG, etag),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
