//! The OpenAPI operations of the shared definition handlers, built from each [`Kind`] and
//! record type as the handlers are mounted (`#[utoipa::path]` cannot describe a generic
//! handler).

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ContentBuilder, OpenApi as Document, Ref, RefOr, Required, Response, ResponseBuilder, Schema,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::Kind;
use crate::api::extract::RawParams;
use crate::api::wire::Envelope;
use crate::domain::record_type::{DefinitionKind, RecordType};

/// Adds the operations and schemas of every definition kind of every record type.
pub fn add_all(document: &mut Document) {
    for record_type in RecordType::ALL {
        for kind in record_type.definitions {
            match kind {
                DefinitionKind::SyncActions => {
                    add::<crate::api::sync_actions::SyncActions>(document, record_type);
                }
                DefinitionKind::Imports => {
                    add::<crate::api::imports::Imports>(document, record_type)
                }
                DefinitionKind::Exports => {
                    add::<crate::api::exports::Exports>(document, record_type)
                }
            }
        }
    }
}

/// Adds `/{record type}/{kind}` (list, create) and `/{record type}/{kind}/{id}` (read,
/// replace, delete) with the schemas they name.
fn add<K: Kind>(document: &mut Document, record_type: &RecordType) {
    let noun = K::NOUN;
    let a = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let dto = K::Schema::name().into_owned();
    let envelope = format!("{}_{dto}", Envelope::<K::Schema>::name());
    let input = K::Input::name().into_owned();
    let base = format!(
        "/api/bulk/2.0/{}/{}",
        record_type.segment,
        K::KIND.segment()
    );
    // `list` names the collection: `listImportDefinitions`.
    let operation = |verb: &str, summary: String| {
        let plural = if verb == "list" { "s" } else { "" };
        OperationBuilder::new()
            .tag(K::TAG)
            .summary(Some(summary))
            .operation_id(Some(format!("{verb}{}{plural}", K::OPERATION)))
    };
    let id = ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .description(Some(format!(
            "{}{} id",
            noun[..1].to_uppercase(),
            &noun[1..]
        )))
        .required(Required::True)
        .schema(Some(i64::schema()))
        .build();
    let body = RequestBodyBuilder::new()
        .content("application/json", json(&input))
        .required(Some(Required::True))
        .build();
    let broken = || {
        answer(
            "A broken rule, malformed JSON or wrong Content-Type",
            "FailuresBody",
        )
    };
    let missing = || answer("No such definition", "ErrorMessage");

    let list = operation("list", format!("Lists {} {noun}s.", record_type.noun))
        .parameters(Some(RawParams::into_params(|| Some(ParameterIn::Query))))
        .response("200", answer("A page of definitions", &envelope))
        .response(
            "400",
            answer(
                "A bad limit, offset, orderBy, q or totalResults",
                "FailuresBody",
            ),
        );
    let create = operation("create", format!("Creates a {} {noun}.", record_type.noun))
        .request_body(Some(body.clone()))
        .response("201", answer("Created", &dto))
        .response("400", broken());
    let read = operation("get", format!("Reads {a} {noun}."))
        .parameter(id.clone())
        .response("200", answer("The definition", &dto))
        .response("404", missing());
    let replace = operation(
        "replace",
        format!("Replaces {a} {noun} (every writable property must be sent)."),
    )
    .parameter(id.clone())
    .request_body(Some(body))
    .response("200", answer("The replaced definition", &dto))
    .response("400", broken())
    .response("404", missing());
    let staged = if K::STAGES_DATA {
        " and its staged data"
    } else {
        ""
    };
    let delete = operation("delete", format!("Deletes {a} {noun}{staged}."))
        .parameter(id)
        .response("204", ResponseBuilder::new().description("Deleted").build())
        .response("404", missing());

    let paths = &mut document.paths;
    paths.add_path_operation(&base, vec![HttpMethod::Get], list);
    paths.add_path_operation(&base, vec![HttpMethod::Post], create);
    let item = format!("{base}/{{id}}");
    paths.add_path_operation(&item, vec![HttpMethod::Get], read);
    paths.add_path_operation(&item, vec![HttpMethod::Put], replace);
    paths.add_path_operation(&item, vec![HttpMethod::Delete], delete);

    let components = document.components.get_or_insert_with(Default::default);
    let mut schemas: Vec<(String, RefOr<Schema>)> = vec![
        (dto, K::Schema::schema()),
        (envelope, Envelope::<K::Schema>::schema()),
        (input, K::Input::schema()),
    ];
    K::Schema::schemas(&mut schemas);
    K::Input::schemas(&mut schemas);
    for (name, schema) in schemas {
        // A schema `#[utoipa::path]` already registered (the Envelope of `GET /syncActions`)
        // stays as it is.
        components.schemas.entry(name).or_insert(schema);
    }
}

/// A JSON body of the component schema `name`.
fn json(name: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(name)))
        .build()
}

/// A response with a JSON body of the component schema `name`.
fn answer(description: &str, name: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", json(name))
        .build()
        .into()
}
