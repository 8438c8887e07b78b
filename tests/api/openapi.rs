//! The OpenAPI document and the router agree: the document is served without credentials, is
//! OpenAPI 3, every operation it lists is routed (never the fallback 404, with real ids of
//! each kind), every status seen is one it documents, JSON bodies use only documented
//! properties, and methods it does not list on its paths answer 405.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ACTION, FEEDER, TestApp, send, spawn_app};

/// Real ids for every path parameter, by what the path names.
struct Samples {
    contact: i64,
    list: i64,
    group: i64,
    definition: String,
    import: String,
    export: String,
    sync: String,
    execution: i64,
    custom_object: (String, String),
    account: String,
    account_list: String,
    account_definition: String,
    address_import: String,
    account_export: String,
    activity_export: String,
    record: String,
}

impl Samples {
    async fn arrange(app: &TestApp) -> Self {
        let contact = app.contact("sample@example.com").await;
        let list = app.list("Sample").await;
        let (status, group) = app
            .post(
                "/api/REST/1.0/assets/email/group",
                &json!({"name": "Sample"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        let definition = app
            .definition(&json!({
                "name": "Sample",
                "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email",
                "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
            }))
            .await;
        let fields = json!({"Email": "{{Contact.Field(C_EmailAddress)}}"});
        let import = created(
            app,
            "/api/bulk/2.0/contacts/imports",
            json!({"name": "Sample", "fields": fields, "identifierFieldName": "Email"}),
        )
        .await;
        let export = created(
            app,
            "/api/bulk/2.0/contacts/exports",
            json!({"name": "Sample", "fields": fields}),
        )
        .await;
        let sync = app.sync(&export).await;
        app.wait_for_sync(&sync).await;
        for (guid, kind) in [(ACTION, "action"), (FEEDER, "feeder")] {
            created(
                app,
                "/api/loquat/1.0/appcloud/instances",
                json!({"id": guid, "type": kind}),
            )
            .await;
        }
        let (status, execution) = app
            .post(
                &format!("/api/loquat/1.0/appcloud/instances/{ACTION}/executions"),
                &json!({"contactIds": [contact]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{execution}");
        let (status, object) = app
            .post(
                "/api/REST/2.0/assets/customObject",
                &json!({"name": "Sample", "fields": [{"name": "Email", "dataType": "text"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{object}");
        let custom_object = (
            object["id"].as_str().unwrap().to_owned(),
            object["fields"][0]["id"].as_str().unwrap().to_owned(),
        );
        let (status, account) = app
            .post("/api/REST/1.0/data/account", &json!({"name": "Sample"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account}");
        let account = account["id"].as_str().unwrap().to_owned();
        let (status, account_list) = app
            .post(
                "/api/loquat/1.0/accounts/list",
                &json!({"name": "Sample", "membershipAdditions": [account]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account_list}");
        let account_definition = created(
            app,
            "/api/bulk/2.0/accounts/syncActions",
            json!({
                "name": "Sample",
                "fields": {"Company": "{{Account.Field(M_CompanyName)}}"},
                "identifierFieldName": "Company",
                "syncActions": [{"action": "add", "destination": format!("{{{{AccountList[{}]}}}}", account_list["id"].as_str().unwrap())}]
            }),
        )
        .await;
        let address_import = created(
            app,
            "/api/bulk/2.0/emailAddresses/imports",
            json!({
                "name": "Sample",
                "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}]
            }),
        )
        .await;
        let account_export = created(
            app,
            "/api/bulk/2.0/accounts/exports",
            json!({"name": "Sample", "fields": {"Id": "{{Account.Id}}"}}),
        )
        .await;
        let activity_export = created(
            app,
            "/api/bulk/2.0/activities/exports",
            json!({"name": "Sample", "fields": {"Id": "{{Activity.Id}}"},
                   "filter": "'{{Activity.Type}}' = 'Subscribe'"}),
        )
        .await;
        let (status, record) = app
            .post(
                &format!(
                    "/api/REST/2.0/data/customObject/{}/instance",
                    custom_object.0
                ),
                &json!({"fieldValues": [{"id": custom_object.1, "value": "x"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        Self {
            record: record["id"].as_str().unwrap().to_owned(),
            account_list: account_list["id"].as_str().unwrap().to_owned(),
            account_definition,
            address_import,
            account_export,
            activity_export,
            account,
            custom_object,
            contact,
            list,
            group: group["id"].as_str().unwrap().parse().unwrap(),
            definition,
            import,
            export,
            sync,
            execution: execution["id"].as_i64().unwrap(),
        }
    }

    /// `template` with each parameter replaced by a sample id of the kind the path names.
    fn fill(&self, template: &str) -> String {
        let bulk = |uri: &str| format!("/api/bulk/2.0{uri}");
        let id = if template.contains("/data/customObject/") {
            self.record.clone()
        } else if template.contains("/accounts/list") {
            self.account_list.clone()
        } else if template.starts_with("/api/loquat/") {
            if template.ends_with("/instances/{id}/members") {
                FEEDER.to_owned()
            } else {
                ACTION.to_owned()
            }
        } else if template.starts_with(&bulk("/activities/exports/")) {
            id_of(&self.activity_export)
        } else if template.starts_with(&bulk("/accounts/exports/")) {
            id_of(&self.account_export)
        } else if template.starts_with(&bulk("/emailAddresses/imports/")) {
            id_of(&self.address_import)
        } else if template.starts_with(&bulk("/accounts/syncActions/")) {
            id_of(&self.account_definition)
        } else if template.starts_with(&bulk("/contacts/syncActions/")) {
            id_of(&self.definition)
        } else if template.starts_with(&bulk("/contacts/imports/")) {
            id_of(&self.import)
        } else if template.starts_with(&bulk("/contacts/exports/")) {
            id_of(&self.export)
        } else if template.starts_with(&bulk("/syncs/")) {
            id_of(&self.sync)
        } else if template.starts_with(&bulk("/contacts/fields/"))
            || template.starts_with(&bulk("/accounts/fields/"))
        {
            "100001".to_owned()
        } else if template.contains("/data/account/") {
            self.account.clone()
        } else if template.contains("/customObject") {
            self.custom_object.0.clone()
        } else if template.starts_with(&bulk("/activities/fields/")) {
            "3".to_owned()
        } else if template.contains("/contact/list/") || template.contains("/contacts/lists/") {
            self.list.to_string()
        } else if template.contains("/email/group/") || template.contains("/emailGroups/") {
            self.group.to_string()
        } else if template.contains("/data/contact/") {
            self.contact.to_string()
        } else {
            assert!(!template.contains('{'), "no sample for {template}");
            String::new()
        };
        template
            .replace("{id}", &id)
            .replace("{group_id}", &self.group.to_string())
            .replace("{execution_id}", &self.execution.to_string())
            .replace("{field_id}", &self.custom_object.1)
            .replace("{parent_id}", &self.custom_object.0)
    }
}

fn id_of(uri: &str) -> String {
    uri.rsplit('/').next().unwrap().to_owned()
}

async fn created(app: &TestApp, path: &str, body: Value) -> String {
    let (status, created) = app.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uri"].as_str().unwrap_or_default().to_owned()
}

async fn fetch_document(app: &TestApp, path: &str) -> Value {
    let response = app.anonymous(Method::GET, path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Every `(method, path template, operation)` of the document, DELETEs last (longest path
/// first) so deleting a sample never hides another route.
fn operations(doc: &Value) -> Vec<(Method, String, Value)> {
    let mut all: Vec<(Method, String, Value)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().iter().map(|(method, op)| {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                (method, path.clone(), op.clone())
            })
        })
        .collect();
    all.sort_by_key(|(method, path, _)| {
        let deleting = *method == Method::DELETE;
        (deleting, deleting.then_some(std::cmp::Reverse(path.len())))
    });
    all
}

/// The component a `$ref` names, or the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Whether every key of `body` is a property of `schema` (any variant of a `oneOf`).
fn keys_documented(doc: &Value, schema: &Value, body: &Value) -> bool {
    let schema = resolve(doc, schema);
    if let Some(variants) = schema["oneOf"].as_array() {
        return variants.iter().any(|v| keys_documented(doc, v, body));
    }
    match (schema["properties"].as_object(), body.as_object()) {
        (Some(properties), Some(object)) => object.keys().all(|k| properties.contains_key(k)),
        (None, Some(_)) => schema["type"] == "object" || schema.get("type").is_none(),
        (_, None) => true,
    }
}

/// A body the operation accepts in form, so the request reaches its handler.
fn request_for(app: &TestApp, method: &Method, path: &str, op: &Value) -> reqwest::RequestBuilder {
    let request = app.request(method.clone(), path);
    if op.get("requestBody").is_none() {
        return request;
    }
    let body = if path.ends_with("/data") {
        json!([])
    } else {
        json!({})
    };
    request.json(&body)
}

#[tokio::test]
async fn the_document_is_served_without_credentials_and_is_openapi_3() {
    let app = spawn_app().await;
    let bulk = fetch_document(&app, "/api/bulk/2.0/openapi.json").await;
    assert!(
        bulk["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "{}",
        bulk["openapi"]
    );
    assert!(bulk["paths"].as_object().is_some_and(|p| p.len() > 40));
    let rest = fetch_document(&app, "/api/REST/1.0/openapi.json").await;
    assert_eq!(rest, bulk);
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_as_documented() {
    let app = spawn_app().await;
    let doc = fetch_document(&app, "/api/bulk/2.0/openapi.json").await;
    let samples = Samples::arrange(&app).await;
    for (method, template, op) in operations(&doc) {
        let path = samples.fill(&template);
        let (status, body) = send(request_for(&app, &method, &path, &op)).await;
        let what = format!("{method} {path}: {status} {body}");
        assert_ne!(status, StatusCode::NOT_FOUND, "not routed: {what}");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "not routed: {what}");
        let documented = &op["responses"][status.as_str()];
        assert!(documented.is_object(), "undocumented status: {what}");
        if let Some(schema) = documented["content"]["application/json"].get("schema") {
            assert!(
                keys_documented(&doc, schema, &body),
                "undocumented property: {what}"
            );
        }
    }
}

#[tokio::test]
async fn methods_the_document_does_not_list_are_not_allowed() {
    let app = spawn_app().await;
    let doc = fetch_document(&app, "/api/bulk/2.0/openapi.json").await;
    let samples = Samples::arrange(&app).await;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = samples.fill(template);
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            if item.get(method.as_str().to_lowercase()).is_some() {
                continue;
            }
            let (status, body) = send(app.request(method.clone(), &path)).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is routed but undocumented: {body}"
            );
        }
    }
}

#[tokio::test]
async fn export_data_and_identity_bodies_use_only_documented_properties() {
    let app = spawn_app().await;
    let doc = fetch_document(&app, "/api/bulk/2.0/openapi.json").await;
    let samples = Samples::arrange(&app).await;
    let schema = json!({"$ref": "#/components/schemas/ExportDataPage"});
    let (status, page) = app
        .get(&format!("/api/bulk/2.0{}/data", samples.sync))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(keys_documented(&doc, &schema, &page), "{page}");
    for required in resolve(&doc, &schema)["required"].as_array().unwrap() {
        assert!(page.get(required.as_str().unwrap()).is_some(), "{page}");
    }
    let (status, identity) = app.get("/id").await;
    assert_eq!(status, StatusCode::OK, "{identity}");
    let schema = json!({"$ref": "#/components/schemas/Identity"});
    assert!(keys_documented(&doc, &schema, &identity), "{identity}");
    let user = json!({"$ref": "#/components/schemas/IdentityUser"});
    assert!(keys_documented(&doc, &user, &identity["user"]));
}
