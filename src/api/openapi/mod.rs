//! The OpenAPI 3 document, generated from the `#[utoipa::path]` annotations on the handlers
//! and the `ToSchema` derives on the wire DTOs, served (without authentication) at
//! `GET /api/bulk/2.0/openapi.json` and `GET /api/REST/1.0/openapi.json`.
//!
//! Statuses every authenticated operation can answer (401, 403, 429, 503) are added here once,
//! by [`CommonResponses`], rather than repeated on each handler.

pub mod build;
pub mod schemas;

use std::sync::LazyLock;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::path::{HttpMethod, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::AppState;
use super::error::{ErrorMessage, FailureDto, FailuresBody, OAuthErrorBody};
use super::rest::{
    accounts, contacts, custom_object_data, custom_objects, groups, lists, resource,
};
use super::{appcloud, containers, dashboard, id, oauth, syncs, wire};

/// The whole API: every annotated handler, the Basic and Bearer schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Loquat",
        description = "A server speaking Oracle Eloqua's Bulk API 2.0 (and the parts of REST 1.0 \
                       its clients use). Authenticate with HTTP Basic `Site\\User:password` or an \
                       OAuth 2.0 bearer token."
    ),
    paths(
        document,
        syncs::list,
        syncs::create,
        syncs::read,
        syncs::logs,
        syncs::rejects,
        syncs::data,
        syncs::delete_data,
        groups::read_subscription,
        groups::set_subscription,
        id::identify,
        oauth::token,
        oauth::revoke,
        appcloud::list_instances,
        appcloud::create_instance,
        appcloud::read_instance,
        appcloud::remove_instance,
        appcloud::list_executions,
        appcloud::create_execution,
        appcloud::read_execution,
        appcloud::members,
        appcloud::place,
        appcloud::feeder_members,
        appcloud::feeder_place,
    ),
    components(schemas(FailuresBody, FailureDto, ErrorMessage, OAuthErrorBody, wire::SyncDto)),
    modifiers(&SecuritySchemes, &DefinitionPaths, &CommonResponses),
    security(("basic" = []), ("bearer" = [])),
)]
pub struct ApiDoc;

/// The document, built once.
static DOCUMENT: LazyLock<Document> = LazyLock::new(ApiDoc::openapi);

/// The document's route, relative to the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

/// The same document, relative to the REST prefix.
pub fn rest_router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/openapi.json",
    operation_id = "document",
    tag = "meta",
    security(()),
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
async fn document() -> impl IntoResponse {
    axum::Json(&*DOCUMENT)
}

/// Registers `basic` (`Site\User:password`) and `bearer` (an OAuth 2.0 access token).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let schemes = [
            ("basic", HttpAuthScheme::Basic, "`Site\\User:password`"),
            (
                "bearer",
                HttpAuthScheme::Bearer,
                "An access token from `POST /auth/oauth2/token`",
            ),
        ];
        for (name, scheme, description) in schemes {
            let scheme = HttpBuilder::new()
                .scheme(scheme)
                .description(Some(description))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
    }
}

/// Adds the operations of the generic handlers (definitions of every kind, read-only
/// collections, REST resources), which `#[utoipa::path]` cannot describe.
struct DefinitionPaths;

impl Modify for DefinitionPaths {
    fn modify(&self, openapi: &mut Document) {
        super::definitions::document::add_all(openapi);
        containers::document(openapi);
        dashboard::document(openapi);
        copy_operation(
            openapi,
            ("/api/bulk/2.0/openapi.json", "/api/REST/1.0/openapi.json"),
            "documentRest",
            "This OpenAPI document (the same as under the Bulk prefix).",
        );
        copy_operation(
            openapi,
            (
                "/api/bulk/2.0/contacts/syncActions",
                "/api/bulk/2.0/syncActions",
            ),
            "listAllSyncActionDefinitions",
            "Lists sync action definitions of every entity type (contacts only, here).",
        );
        resource::document::<contacts::Contacts>(openapi);
        resource::document::<lists::Lists<lists::ContactLists>>(openapi);
        resource::document::<groups::Groups>(openapi);
        resource::document::<custom_objects::CustomObjects>(openapi);
        resource::document::<accounts::Accounts>(openapi);
        resource::document::<lists::Lists<super::account_lists::AccountLists>>(openapi);
        custom_object_data::document(openapi);
    }
}

/// Describes `GET to` as `GET from` is described, under another id and summary: the same
/// handler at a second path.
fn copy_operation(openapi: &mut Document, (from, to): (&str, &str), id: &str, summary: &str) {
    let Some(mut operation) = openapi.paths.paths.get(from).and_then(|i| i.get.clone()) else {
        return;
    };
    operation.operation_id = Some(id.into());
    operation.summary = Some(summary.into());
    let item = PathItem::new(HttpMethod::Get, operation);
    openapi.paths.paths.insert(to.into(), item);
}

/// Adds what any operation can answer: 503 everywhere (store busy, too many requests in
/// flight), and 401, 403 and 429 on those that inherit the document's security.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut Document) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.security.is_none() {
                    for (status, why) in [
                        ("401", "Missing or wrong credentials"),
                        ("403", "The user has no API access"),
                        ("429", "Too many failed sign-ins; see Retry-After"),
                    ] {
                        responses
                            .entry(status.to_owned())
                            .or_insert_with(|| message(why));
                    }
                }
                responses
                    .entry("503".to_owned())
                    .or_insert_with(|| message("Busy: retry with back-off"));
            }
        }
    }
}

/// A response whose body is an [`ErrorMessage`].
fn message(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorMessage")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

#[cfg(test)]
mod tests;
