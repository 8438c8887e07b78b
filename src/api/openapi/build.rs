//! Operations of generic handlers, which `#[utoipa::path]` cannot describe, written as data
//! and added to the document with utoipa's builders.

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    Content, ContentBuilder, OpenApi as Document, Ref, RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::api::extract::RawParams;
use crate::api::wire::Envelope;

/// One documented operation.
pub struct Operation {
    /// Its method.
    pub method: HttpMethod,
    /// The full path (`/api/bulk/2.0/contacts/lists/{id}`).
    pub path: String,
    /// `operationId`.
    pub id: String,
    /// The tag it is listed under.
    pub tag: &'static str,
    /// The one-line summary.
    pub summary: String,
    /// Path and query parameters.
    pub parameters: Vec<Parameter>,
    /// The request body: `(content type, component schema)` per accepted type.
    pub body: Vec<(&'static str, String)>,
    /// `(status, description, component schema of a JSON body)`.
    pub responses: Vec<(&'static str, &'static str, Option<String>)>,
}

impl Operation {
    /// An operation without parameters, body or responses yet.
    pub fn new(
        method: HttpMethod,
        path: impl Into<String>,
        id: impl Into<String>,
        tag: &'static str,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            method,
            path: path.into(),
            id: id.into(),
            tag,
            summary: summary.into(),
            parameters: Vec::new(),
            body: Vec::new(),
            responses: Vec::new(),
        }
    }

    /// Adds the operation to `document`.
    pub fn add_to(self, document: &mut Document) {
        let mut operation = OperationBuilder::new()
            .tag(self.tag)
            .summary(Some(self.summary))
            .operation_id(Some(self.id));
        if !self.parameters.is_empty() {
            operation = operation.parameters(Some(self.parameters));
        }
        if !self.body.is_empty() {
            let body = self
                .body
                .iter()
                .fold(RequestBodyBuilder::new(), |body, (content_type, schema)| {
                    body.content(*content_type, json(schema))
                });
            operation = operation.request_body(Some(body.required(Some(Required::True)).build()));
        }
        for (status, description, schema) in self.responses {
            let mut response = ResponseBuilder::new().description(description);
            if let Some(schema) = schema {
                response = response.content("application/json", json(&schema));
            }
            operation = operation.response(status, RefOr::T(response.build()));
        }
        document
            .paths
            .add_path_operation(&self.path, vec![self.method], operation);
    }
}

/// The indefinite article before `noun` ("an import definition").
pub fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The `{id}` path parameter.
pub fn id_parameter(description: impl Into<String>) -> Parameter {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .description(Some(description))
        .required(Required::True)
        .schema(Some(i64::schema()))
        .build()
}

/// `limit`, `offset`, `orderBy`, `q`, `totalResults` of a Bulk list.
pub fn list_parameters() -> Vec<Parameter> {
    RawParams::into_params(|| Some(ParameterIn::Query))
}

/// Registers `T` (and what it names) as a component; its name.
pub fn schema<T: ToSchema>(document: &mut Document) -> String {
    let name = T::name().into_owned();
    let mut schemas: Vec<(String, RefOr<Schema>)> = vec![(name.clone(), T::schema())];
    T::schemas(&mut schemas);
    register(document, schemas);
    name
}

/// Registers `Envelope<T>` as `Envelope_T`, as `#[utoipa::path]` names it; its name.
pub fn envelope<T: ToSchema>(document: &mut Document) -> String {
    generic::<Envelope<T>, T>(document)
}

/// Registers `W`, a wrapper of `T` (`Elements<T>`), as `W_T`, as `#[utoipa::path]` names it;
/// its name.
pub fn generic<W: ToSchema, T: ToSchema>(document: &mut Document) -> String {
    let name = format!("{}_{}", W::name(), schema::<T>(document));
    register(document, vec![(name.clone(), W::schema())]);
    name
}

/// Adds schemas; one `#[utoipa::path]` already registered stays as it is.
fn register(document: &mut Document, schemas: Vec<(String, RefOr<Schema>)>) {
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
}

/// A JSON body of the component schema `name`.
fn json(name: &str) -> Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(name)))
        .build()
}
