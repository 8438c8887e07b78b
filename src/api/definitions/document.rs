//! The OpenAPI operations of the shared definition handlers, built from each [`Kind`] and
//! record type as the handlers are mounted (`#[utoipa::path]` cannot describe a generic
//! handler).

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::HttpMethod;

use super::Kind;
use crate::api::openapi::build::{self, Operation, id_parameter, list_parameters};
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
    let a = build::article(noun);
    let dto = build::schema::<K::Schema>(document);
    let envelope = build::envelope::<K::Schema>(document);
    let input = build::schema::<K::Input>(document);
    let base = format!(
        "/api/bulk/2.0/{}/{}",
        record_type.segment,
        K::KIND.segment()
    );
    let item = format!("{base}/{{id}}");
    let id = || id_parameter(format!("{}{} id", noun[..1].to_uppercase(), &noun[1..]));
    let broken = "A broken rule, malformed JSON or wrong Content-Type";
    let failures = || Some("FailuresBody".to_owned());
    let missing = || ("404", "No such definition", Some("ErrorMessage".to_owned()));
    let staged = if K::STAGES_DATA {
        " and its staged data"
    } else {
        ""
    };
    let operation = |method, path: &str, verb: &str, summary: String| Operation {
        method,
        path: path.to_owned(),
        // `list` names the collection: `listImportDefinitions`.
        id: format!(
            "{verb}{}{}",
            K::OPERATION,
            if verb == "list" { "s" } else { "" }
        ),
        tag: K::TAG,
        summary,
        parameters: Vec::new(),
        body: None,
        responses: Vec::new(),
    };
    let operations = [
        Operation {
            parameters: list_parameters(),
            responses: vec![
                ("200", "A page of definitions", Some(envelope)),
                (
                    "400",
                    "A bad limit, offset, orderBy, q or totalResults",
                    failures(),
                ),
            ],
            ..operation(
                HttpMethod::Get,
                &base,
                "list",
                format!("Lists {} {noun}s.", record_type.noun),
            )
        },
        Operation {
            body: Some(input.clone()),
            responses: vec![
                ("201", "Created", Some(dto.clone())),
                ("400", broken, failures()),
            ],
            ..operation(
                HttpMethod::Post,
                &base,
                "create",
                format!("Creates a {} {noun}.", record_type.noun),
            )
        },
        Operation {
            parameters: vec![id()],
            responses: vec![("200", "The definition", Some(dto.clone())), missing()],
            ..operation(HttpMethod::Get, &item, "get", format!("Reads {a} {noun}."))
        },
        Operation {
            parameters: vec![id()],
            body: Some(input),
            responses: vec![
                ("200", "The replaced definition", Some(dto)),
                ("400", broken, failures()),
                missing(),
            ],
            ..operation(
                HttpMethod::Put,
                &item,
                "replace",
                format!("Replaces {a} {noun} (every writable property must be sent)."),
            )
        },
        Operation {
            parameters: vec![id()],
            responses: vec![("204", "Deleted", None), missing()],
            ..operation(
                HttpMethod::Delete,
                &item,
                "delete",
                format!("Deletes {a} {noun}{staged}."),
            )
        },
    ];
    for operation in operations {
        operation.add_to(document);
    }
}
