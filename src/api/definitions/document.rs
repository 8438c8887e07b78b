//! The OpenAPI operations of the shared definition handlers, built from each [`Kind`] and
//! record type as the handlers are mounted (`#[utoipa::path]` cannot describe a generic
//! handler).

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::HttpMethod;

use super::Kind;
use crate::api::data::Staging;
use crate::api::exports::Exports;
use crate::api::imports::Imports;
use crate::api::openapi::build::{self, Operation, id_parameter, list_parameters};
use crate::api::openapi::schemas::{CsvText, UploadRows};
use crate::api::sync_actions::SyncActions;
use crate::api::wire::SyncDto;
use crate::domain::record_type::{CONTACTS, RecordType};
use crate::domain::sync::SyncKind;
use crate::store::StoredKind;

/// Adds the operations and schemas of every definition kind of every record type.
pub fn add_all(document: &mut Document) {
    for record_type in RecordType::ALL {
        for kind in record_type.definitions {
            match kind {
                SyncKind::SyncAction => {
                    add::<SyncActions>(document, record_type);
                    add_data::<SyncActions>(document, record_type);
                }
                SyncKind::Import => {
                    add::<Imports>(document, record_type);
                    add_data::<Imports>(document, record_type);
                }
                SyncKind::Export => add::<Exports>(document, record_type),
            }
        }
    }
}

/// The stem of kind `K`'s operation ids under `record_type`: the kind's own for contacts
/// (`createSyncActionDefinition`), prefixed with the record type's noun for the others
/// (`createAccountSyncActionDefinition`).
fn stem<K: Kind>(record_type: &RecordType) -> String {
    if record_type == &CONTACTS {
        return K::OPERATION.to_owned();
    }
    let words = record_type.noun.split(' ');
    let noun: String = words
        .map(|w| format!("{}{}", w[..1].to_uppercase(), &w[1..]))
        .collect();
    format!("{noun}{}", K::OPERATION)
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
        record_type.kind_segment(K::Stored::SYNC)
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
    let operation = |method, path: &str, verb: &str, summary: String| {
        // `list` names the collection: `listImportDefinitions`.
        let plural = if verb == "list" { "s" } else { "" };
        let id = format!("{verb}{}Definition{plural}", stem::<K>(record_type));
        Operation::new(method, path, id, K::TAG, summary)
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
            body: vec![("application/json", input.clone())],
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
            body: vec![("application/json", input)],
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

/// Adds `/{record type}/{kind}/{id}/data`: staging one file (`POST`) and discarding what is
/// staged (`DELETE`).
fn add_data<K: Staging>(document: &mut Document, record_type: &RecordType) {
    let noun = K::NOUN;
    let a = build::article(noun);
    let path = format!(
        "/api/bulk/2.0/{}/{}/{{id}}/data",
        record_type.segment,
        record_type.kind_segment(K::Stored::SYNC)
    );
    let id = || id_parameter(format!("{}{} id", noun[..1].to_uppercase(), &noun[1..]));
    let message = || Some("ErrorMessage".to_owned());
    let upload = Operation {
        parameters: vec![id()],
        body: vec![
            ("application/json", build::schema::<UploadRows>(document)),
            ("text/csv", build::schema::<CsvText>(document)),
        ],
        responses: vec![
            (
                "201",
                "Staged; the definition's isSyncTriggeredOnImport created this sync",
                Some(build::schema::<SyncDto>(document)),
            ),
            ("204", "Staged", None),
            (
                "400",
                "Malformed body, wrong Content-Type or charset, or 500 files already staged",
                Some("FailuresBody".to_owned()),
            ),
            ("404", "No such definition, or a body over 32 MB", message()),
            ("413", "The site's staging quota is exhausted", message()),
        ],
        ..Operation::new(
            HttpMethod::Post,
            &path,
            format!("upload{}Data", stem::<K>(record_type)),
            K::TAG,
            format!("Stages one file of rows for {a} {noun}."),
        )
    };
    let discard = Operation {
        parameters: vec![id()],
        responses: vec![
            ("204", "Discarded", None),
            ("404", "No such definition", message()),
            (
                "409",
                "A sync of the definition is pending or active",
                message(),
            ),
        ],
        ..Operation::new(
            HttpMethod::Delete,
            path,
            format!("delete{}Data", stem::<K>(record_type)),
            K::TAG,
            format!("Discards what is staged for {a} {noun}."),
        )
    };
    upload.add_to(document);
    discard.add_to(document);
}
