//! Export definition rules.

use serde_json::json;

use super::validate_export_definition;

#[test]
fn accepts_an_export_of_list_members_and_round_trips_its_json() {
    let body = json!({
        "name": "List 12345 members",
        "fields": {"Id": "{{Contact.Id}}", "Email": "{{Contact.Field(C_EmailAddress)}}", "Subscribed": "{{Contact.Email.IsSubscribed}}"},
        "filter": "EXISTS('{{ContactList[12345]}}')",
        "maxRecords": 1000
    });
    let export = validate_export_definition(&body).unwrap();
    assert_eq!(export.fields.len(), 3);
    assert_eq!(export.data_retention_duration.as_str(), "PT12H");
    assert_eq!(
        validate_export_definition(&export.to_json()).unwrap(),
        export
    );
}

#[test]
fn refuses_bad_filters_fields_and_limits_naming_them() {
    for (patch, field) in [
        (json!({"filter": "EXISTS('{{ContactList[1]}}'"}), "filter"),
        (json!({"fields": {}}), "fields"),
        (json!({"fields": {"X": "{{ContactList[1]}}"}}), "fields.X"),
        (json!({"maxRecords": 0}), "maxRecords"),
        (
            json!({"dataRetentionDuration": "P30D"}),
            "dataRetentionDuration",
        ),
    ] {
        let mut body =
            json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}});
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let failures = validate_export_definition(&body).unwrap_err();
        assert!(
            failures.iter().any(|f| f.field == field),
            "{patch}: {failures:?}"
        );
    }
    let failures = validate_export_definition(&json!({"name": "x", "fields": {"E": "{{Contact.Id}}"}, "filter": "'{{Contact.Field(C_City)}}' == 'x'"})).unwrap_err();
    assert!(
        failures[0].constraint.starts_with("invalid filter at byte"),
        "{failures:?}"
    );
}
