//! Import definition rules.

use serde_json::{Value, json};

use super::{FieldTarget, UpdateRule, validate_import_definition};

fn body() -> Value {
    json!({
        "name": "Contacts from the CRM",
        "fields": {
            "Email": "{{Contact.Field(C_EmailAddress)}}",
            "First": "{{Contact.Field(C_FirstName)}}",
            "Score": "{{Contact.Field(C_Lead_Score1)}}",
            "Subscribed": "{{Contact.Email.IsSubscribed}}"
        },
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": "{{ContactList[3]}}"}]
    })
}

fn fields_of(failures: &[crate::domain::failure::Failure]) -> Vec<&str> {
    failures.iter().map(|f| f.field.as_str()).collect()
}

#[test]
fn accepts_a_typical_import_with_eloquas_defaults() {
    let import = validate_import_definition(&body()).expect("valid");
    assert_eq!(import.fields.len(), 4);
    assert_eq!(
        import.fields[2].target,
        FieldTarget::Field("C_Lead_Score1".into())
    );
    assert_eq!(import.fields[3].target, FieldTarget::IsSubscribed);
    assert_eq!(import.identifier_index(), 0);
    assert_eq!(import.update_rule, UpdateRule::Always);
    assert_eq!(import.data_retention_duration.as_str(), "P7D");
    assert!(!import.is_sync_triggered_on_import && !import.is_updating_multiple_matched_records);
    assert_eq!(import.sync_actions.len(), 1);
}

#[test]
fn sync_actions_are_optional_for_imports() {
    let mut b = body();
    b.as_object_mut().unwrap().remove("syncActions");
    assert!(
        validate_import_definition(&b)
            .unwrap()
            .sync_actions
            .is_empty()
    );
    b["syncActions"] = json!([]);
    assert!(validate_import_definition(&b).is_ok());
}

#[test]
fn field_rules_apply_per_column() {
    let mut b = body();
    b["updateRule"] = json!("useFieldRule");
    b["updateRuleByField"] = json!({"First": "ifExistingIsNull"});
    let import = validate_import_definition(&b).unwrap();
    assert_eq!(import.rule_for("First"), UpdateRule::IfExistingIsNull);
    assert_eq!(import.rule_for("Score"), UpdateRule::Always);
}

#[test]
fn refuses_each_broken_rule_naming_its_field() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"fields": {}}), "fields"),
        (
            json!({"identifierFieldName": "Nope"}),
            "identifierFieldName",
        ),
        (
            json!({"identifierFieldName": "First"}),
            "identifierFieldName",
        ),
        (
            json!({"fields": {"Email": "{{ContactList[1]}}"}}),
            "fields.Email",
        ),
        (
            json!({"fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Again": "{{Contact.Field(C_EmailAddress)}}"}}),
            "fields.Again",
        ),
        (json!({"updateRule": "sometimes"}), "updateRule"),
        (
            json!({"updateRuleByField": {"Nope": "always"}}),
            "updateRuleByField.Nope",
        ),
        (
            json!({"updateRuleByField": {"First": "useFieldRule"}}),
            "updateRuleByField.First",
        ),
        (
            json!({"dataRetentionDuration": "P15D"}),
            "dataRetentionDuration",
        ),
        (
            json!({"dataRetentionDuration": "PT30M"}),
            "dataRetentionDuration",
        ),
        (
            json!({"isUpdatingMultipleMatchedRecords": "maybe"}),
            "isUpdatingMultipleMatchedRecords",
        ),
        (
            json!({"syncActions": [{"action": "add"}]}),
            "syncActions[0].destination",
        ),
        (json!({"name": ""}), "name"),
    ];
    for (patch, field) in cases {
        let mut b = body();
        for (key, value) in patch.as_object().unwrap() {
            b[key] = value.clone();
        }
        let failures = validate_import_definition(&b).expect_err("refused");
        assert!(
            fields_of(&failures).contains(&field),
            "{patch}: {failures:?}"
        );
    }
    let hundred_and_one: serde_json::Map<String, Value> = (0..101)
        .map(|i| {
            (
                format!("c{i}"),
                json!(format!("{{{{Contact.Field(C_X{i})}}}}")),
            )
        })
        .collect();
    let mut b = body();
    b["fields"] = Value::Object(hundred_and_one);
    assert!(fields_of(&validate_import_definition(&b).unwrap_err()).contains(&"fields"));
}

#[test]
fn the_json_form_validates_back_to_the_same_definition() {
    let mut b = body();
    b["updateRule"] = json!("useFieldRule");
    b["updateRuleByField"] = json!({"First": "ifNewIsNotNull"});
    b["autoDeleteDuration"] = json!("P2D");
    b["nullIdentifierFieldName"] = json!(false);
    let import = validate_import_definition(&b).unwrap();
    assert_eq!(
        validate_import_definition(&import.to_json()).unwrap(),
        import
    );
    let keys: Vec<String> = import
        .to_json()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys[..4],
        ["name", "fields", "identifierFieldName", "syncActions"]
    );
}
