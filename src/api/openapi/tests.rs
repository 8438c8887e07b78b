//! The document's own checks, and the guard against drift for bodies handlers build as
//! `serde_json::Value`: a real response's keys must all be properties of its schema, and the
//! schema's required properties must all be present. The agreement between the document and
//! the router is tested in `tests/api/openapi.rs`.

use serde_json::{Value, json};
use utoipa::OpenApi;

use super::ApiDoc;
use crate::api::definitions::Kind;
use crate::api::exports::Exports;
use crate::api::imports::Imports;
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::definition::{validate_export_definition, validate_import_definition};
use crate::domain::record_type::CONTACTS;
use crate::store::DefinitionRecordOf;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).expect("serialises")
}

fn audit() -> Audit {
    Audit {
        created_by: "tester".into(),
        created_at: Timestamp::from_nanos(1_700_000_000_000_000_000),
        updated_by: "tester".into(),
        updated_at: Timestamp::from_nanos(1_700_000_000_000_000_000),
    }
}

/// The wire form of definition 7 of kind `K` for contacts.
fn stored<K: Kind>(definition: K::Definition, kb_used: i64) -> K::Dto {
    let record = DefinitionRecordOf {
        record_type: &CONTACTS,
        id: 7,
        definition,
        kb_used,
        audit: audit(),
    };
    crate::api::definitions::dto::<K>(record)
}

/// Fails unless `body`'s keys are properties of component `schema` and every required one is
/// there.
fn assert_conforms(doc: &Value, schema: &str, body: &Value) {
    let component = &doc["components"]["schemas"][schema];
    let properties = component["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema} has no properties"));
    let object = body.as_object().expect("an object");
    for key in object.keys() {
        assert!(
            properties.contains_key(key),
            "{schema} lacks property {key}"
        );
    }
    for required in component["required"].as_array().into_iter().flatten() {
        let name = required.as_str().expect("a name");
        assert!(object.contains_key(name), "{schema}: {name} missing");
    }
}

#[test]
fn document_is_openapi_3_with_both_security_schemes_and_unique_operation_ids() {
    let doc = document();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["basic"]["scheme"], "basic");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().expect("item").values())
        .map(|op| op["operationId"].as_str().expect("operationId"))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationIds");
}

#[test]
fn every_path_template_parameter_is_declared_on_each_operation() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        for (method, operation) in item.as_object().expect("item") {
            let declared: Vec<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let mut wanted = names.clone();
            wanted.sort_unstable();
            let mut got = declared.clone();
            got.sort_unstable();
            assert_eq!(got, wanted, "{method} {path}");
        }
    }
}

#[test]
fn import_definition_responses_match_their_schema() {
    let body = json!({
        "name": "Everything",
        "fields": {
            "Email": "{{Contact.Field(C_EmailAddress)}}",
            "First": "{{Contact.Field(C_FirstName)}}"
        },
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": "{{ContactList[1]}}"}],
        "isSyncTriggeredOnImport": true,
        "dataRetentionDuration": "P7D",
        "autoDeleteDuration": "P1D",
        "updateRule": "useFieldRule",
        "updateRuleByField": {"First": "always"},
        "nullIdentifierFieldName": false,
        "isUpdatingMultipleMatchedRecords": true
    });
    let definition = validate_import_definition(&body).expect("valid");
    let dto = stored::<Imports>(definition, 3);
    let doc = document();
    assert_conforms(&doc, "ImportDefinitionDto", &dto);
    for action in dto["syncActions"].as_array().expect("actions") {
        assert_conforms(&doc, "SyncAction", action);
    }
    for optional in ["updateRuleByField", "nullIdentifierFieldName", "kbUsed"] {
        assert!(dto.get(optional).is_some(), "the test covers {optional}");
    }
}

#[test]
fn export_definition_responses_match_their_schema() {
    let body = json!({
        "name": "Everything",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "filter": "EXISTS('{{ContactList[1]}}')",
        "maxRecords": 10,
        "dataRetentionDuration": "P7D",
        "autoDeleteDuration": "P1D"
    });
    let definition = validate_export_definition(&body).expect("valid");
    let dto = stored::<Exports>(definition, 0);
    assert_conforms(&document(), "ExportDefinitionDto", &dto);
    for optional in ["filter", "maxRecords", "autoDeleteDuration"] {
        assert!(dto.get(optional).is_some(), "the test covers {optional}");
    }
}

/// A value of another JSON type than the property's schema type (`type` is a name, or a
/// list of names with `null` for optional properties).
fn wrong_type(property: &Value) -> Value {
    let integer = json!("integer");
    let is_integer = property["type"] == integer
        || property["type"]
            .as_array()
            .is_some_and(|types| types.contains(&integer));
    if is_integer { json!("x") } else { json!(5) }
}

/// Fails unless each property of component `schema`, sent with a wrong type in `valid` at
/// `prefix`, is refused with a failure naming it: the document lists only what is read.
fn assert_every_property_is_read(
    schema: &str,
    valid: &Value,
    prefix: &str,
    validate: impl Fn(&Value) -> Vec<crate::domain::failure::Failure>,
) {
    let doc = document();
    let properties = doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema} has no properties"));
    for (name, property) in properties {
        let mut body = valid.clone();
        let target = if prefix.is_empty() {
            &mut body
        } else {
            &mut body["syncActions"][0]
        };
        target[name.as_str()] = wrong_type(property);
        let field = format!("{prefix}{name}");
        let failures = validate(&body);
        assert!(
            failures.iter().any(|f| f.field == field),
            "{schema}.{name}: {failures:?}"
        );
    }
}

#[test]
fn every_definition_input_property_is_read_by_the_domain() {
    use crate::domain::definition::validate_contact_definition;
    let action = json!({"action": "add", "destination": "{{ContactList[1]}}"});
    let contact = json!({
        "name": "n",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [action],
    });
    let import = contact.clone();
    let export = json!({"name": "n", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}});
    let contact_failures = |b: &Value| validate_contact_definition(b).err().unwrap_or_default();
    let import_failures = |b: &Value| validate_import_definition(b).err().unwrap_or_default();
    let export_failures = |b: &Value| validate_export_definition(b).err().unwrap_or_default();
    assert!(contact_failures(&contact).is_empty() && import_failures(&import).is_empty());
    assert!(export_failures(&export).is_empty());
    assert_every_property_is_read("SyncActionDefinitionInput", &contact, "", contact_failures);
    assert_every_property_is_read("SyncAction", &contact, "syncActions[0].", contact_failures);
    assert_every_property_is_read("ImportDefinitionInput", &import, "", import_failures);
    assert_every_property_is_read("ExportDefinitionInput", &export, "", export_failures);
}
