//! Every route in one table ([`ROUTES`]), and one of each resource of a site for the route
//! tests and the hostile suites: a definition with staged data and a finished sync, an import with staged data, an
//! export and its finished sync, a contact, list, group, custom field, AppCloud instances and
//! an execution.

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ACTION, FEEDER, TestApp};

/// What a request carries, built from the [`Fixture`] so it would succeed for the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    None,
    Definition,
    Rows,
    Import,
    Export,
    Sync,
    Contact,
    Subscription,
    List,
    Group,
    Instance,
    Execution,
    Members,
    FeederMembers,
    CustomObject,
    CustomObjectReplace,
    Account,
    AccountList,
    CustomObjectData,
    AccountDefinition,
    AccountRows,
    AddressImport,
    AccountExport,
    ActivityExport,
}

use Payload as P;

/// `(method, path, payload)`. `{name}` segments are the fixture's ids. REST and AppCloud come
/// first so that the owner's DELETEs (run in reverse order) remove definitions before lists.
#[rustfmt::skip]
pub const ROUTES: &[(&str, &str, Payload)] = &[
    ("POST", "/api/rest/1.0/data/contact", P::Contact),
    ("GET", "/api/rest/1.0/data/contact/{contact}", P::None),
    ("PUT", "/api/rest/1.0/data/contact/{contact}", P::Contact),
    ("DELETE", "/api/rest/1.0/data/contact/{contact}", P::None),
    ("GET", "/api/rest/1.0/data/contacts", P::None),
    ("GET", "/api/rest/1.0/data/contact/{contact}/email/group/{group}/subscription", P::None),
    ("PUT", "/api/rest/1.0/data/contact/{contact}/email/group/{group}/subscription", P::Subscription),
    ("POST", "/api/rest/1.0/assets/contact/list", P::List),
    ("GET", "/api/rest/1.0/assets/contact/list/{list}", P::None),
    ("PUT", "/api/rest/1.0/assets/contact/list/{list}", P::List),
    ("DELETE", "/api/rest/1.0/assets/contact/list/{list}", P::None),
    ("GET", "/api/rest/1.0/assets/contact/lists", P::None),
    ("POST", "/api/rest/1.0/assets/email/group", P::Group),
    ("GET", "/api/rest/1.0/assets/email/group/{group}", P::None),
    ("PUT", "/api/rest/1.0/assets/email/group/{group}", P::Group),
    ("DELETE", "/api/rest/1.0/assets/email/group/{group}", P::None),
    ("GET", "/api/rest/1.0/assets/email/groups", P::None),
    ("POST", "/api/rest/1.0/data/account", P::Account),
    ("GET", "/api/rest/1.0/data/account/{account}", P::None),
    ("PUT", "/api/rest/1.0/data/account/{account}", P::Account),
    ("DELETE", "/api/rest/1.0/data/account/{account}", P::None),
    ("GET", "/api/rest/1.0/data/accounts", P::None),
    ("POST", "/api/loquat/1.0/accounts/list", P::AccountList),
    ("GET", "/api/loquat/1.0/accounts/list/{account_list}", P::None),
    ("PUT", "/api/loquat/1.0/accounts/list/{account_list}", P::AccountList),
    ("DELETE", "/api/loquat/1.0/accounts/list/{account_list}", P::None),
    ("GET", "/api/loquat/1.0/accounts/lists", P::None),
    ("POST", "/api/rest/2.0/assets/customObject", P::CustomObject),
    ("GET", "/api/rest/2.0/assets/customObject/{custom_object}", P::None),
    ("PUT", "/api/rest/2.0/assets/customObject/{custom_object}", P::CustomObjectReplace),
    ("DELETE", "/api/rest/2.0/assets/customObject/{custom_object}", P::None),
    ("GET", "/api/rest/2.0/assets/customObjects", P::None),
    ("POST", "/api/rest/2.0/data/customObject/{custom_object}/instance", P::CustomObjectData),
    ("GET", "/api/rest/2.0/data/customObject/{custom_object}/instance/{custom_object_record}", P::None),
    ("PUT", "/api/rest/2.0/data/customObject/{custom_object}/instance/{custom_object_record}", P::CustomObjectData),
    ("DELETE", "/api/rest/2.0/data/customObject/{custom_object}/instance/{custom_object_record}", P::None),
    ("GET", "/api/rest/2.0/data/customObject/{custom_object}/instances", P::None),
    ("GET", "/api/loquat/1.0/appcloud/instances", P::None),
    ("POST", "/api/loquat/1.0/appcloud/instances", P::Instance),
    ("GET", "/api/loquat/1.0/appcloud/instances/{instance}", P::None),
    ("DELETE", "/api/loquat/1.0/appcloud/instances/{instance}", P::None),
    ("GET", "/api/loquat/1.0/appcloud/instances/{instance}/executions", P::None),
    ("POST", "/api/loquat/1.0/appcloud/instances/{instance}/executions", P::Execution),
    ("GET", "/api/loquat/1.0/appcloud/instances/{instance}/executions/{execution}", P::None),
    ("GET", "/api/loquat/1.0/appcloud/instances/{instance}/executions/{execution}/members", P::None),
    ("PUT", "/api/loquat/1.0/appcloud/instances/{instance}/executions/{execution}/members", P::Members),
    ("GET", "/api/loquat/1.0/appcloud/instances/{feeder}/members", P::None),
    ("PUT", "/api/loquat/1.0/appcloud/instances/{feeder}/members", P::FeederMembers),
    ("GET", "/api/bulk/2.0/contacts/syncActions", P::None),
    ("POST", "/api/bulk/2.0/contacts/syncActions", P::Definition),
    ("GET", "/api/bulk/2.0/contacts/syncActions/{definition}", P::None),
    ("PUT", "/api/bulk/2.0/contacts/syncActions/{definition}", P::Definition),
    ("DELETE", "/api/bulk/2.0/contacts/syncActions/{definition}", P::None),
    ("GET", "/api/bulk/2.0/syncActions", P::None),
    ("POST", "/api/bulk/2.0/contacts/syncActions/{definition}/data", P::Rows),
    ("DELETE", "/api/bulk/2.0/contacts/syncActions/{definition}/data", P::None),
    ("GET", "/api/bulk/2.0/accounts/syncActions", P::None),
    ("POST", "/api/bulk/2.0/accounts/syncActions", P::AccountDefinition),
    ("GET", "/api/bulk/2.0/accounts/syncActions/{account_definition}", P::None),
    ("PUT", "/api/bulk/2.0/accounts/syncActions/{account_definition}", P::AccountDefinition),
    ("DELETE", "/api/bulk/2.0/accounts/syncActions/{account_definition}", P::None),
    ("POST", "/api/bulk/2.0/accounts/syncActions/{account_definition}/data", P::AccountRows),
    ("DELETE", "/api/bulk/2.0/accounts/syncActions/{account_definition}/data", P::None),
    ("GET", "/api/bulk/2.0/accounts/exports", P::None),
    ("POST", "/api/bulk/2.0/accounts/exports", P::AccountExport),
    ("GET", "/api/bulk/2.0/accounts/exports/{account_export}", P::None),
    ("PUT", "/api/bulk/2.0/accounts/exports/{account_export}", P::AccountExport),
    ("DELETE", "/api/bulk/2.0/accounts/exports/{account_export}", P::None),
    ("GET", "/api/bulk/2.0/activities/exports", P::None),
    ("POST", "/api/bulk/2.0/activities/exports", P::ActivityExport),
    ("GET", "/api/bulk/2.0/activities/exports/{activity_export}", P::None),
    ("PUT", "/api/bulk/2.0/activities/exports/{activity_export}", P::ActivityExport),
    ("DELETE", "/api/bulk/2.0/activities/exports/{activity_export}", P::None),
    ("GET", "/api/bulk/2.0/emailAddresses/imports", P::None),
    ("POST", "/api/bulk/2.0/emailAddresses/imports", P::AddressImport),
    ("GET", "/api/bulk/2.0/emailAddresses/imports/{address_import}", P::None),
    ("PUT", "/api/bulk/2.0/emailAddresses/imports/{address_import}", P::AddressImport),
    ("DELETE", "/api/bulk/2.0/emailAddresses/imports/{address_import}", P::None),
    ("POST", "/api/bulk/2.0/emailAddresses/imports/{address_import}/data", P::Rows),
    ("DELETE", "/api/bulk/2.0/emailAddresses/imports/{address_import}/data", P::None),
    ("GET", "/api/bulk/2.0/contacts/imports", P::None),
    ("POST", "/api/bulk/2.0/contacts/imports", P::Import),
    ("GET", "/api/bulk/2.0/contacts/imports/{import}", P::None),
    ("PUT", "/api/bulk/2.0/contacts/imports/{import}", P::Import),
    ("DELETE", "/api/bulk/2.0/contacts/imports/{import}", P::None),
    ("POST", "/api/bulk/2.0/contacts/imports/{import}/data", P::Rows),
    ("DELETE", "/api/bulk/2.0/contacts/imports/{import}/data", P::None),
    ("GET", "/api/bulk/2.0/contacts/exports", P::None),
    ("POST", "/api/bulk/2.0/contacts/exports", P::Export),
    ("GET", "/api/bulk/2.0/contacts/exports/{export}", P::None),
    ("PUT", "/api/bulk/2.0/contacts/exports/{export}", P::Export),
    ("DELETE", "/api/bulk/2.0/contacts/exports/{export}", P::None),
    ("GET", "/api/bulk/2.0/syncs", P::None),
    ("POST", "/api/bulk/2.0/syncs", P::Sync),
    ("GET", "/api/bulk/2.0/syncs/{sync}", P::None),
    ("GET", "/api/bulk/2.0/syncs/{sync}/logs", P::None),
    ("GET", "/api/bulk/2.0/syncs/{sync}/rejects", P::None),
    ("GET", "/api/bulk/2.0/syncs/{export_sync}/data", P::None),
    ("DELETE", "/api/bulk/2.0/syncs/{export_sync}/data", P::None),
    ("GET", "/api/bulk/2.0/contacts/lists", P::None),
    ("GET", "/api/bulk/2.0/contacts/lists/{list}", P::None),
    ("GET", "/api/bulk/2.0/emailGroups", P::None),
    ("GET", "/api/bulk/2.0/emailGroups/{group}", P::None),
    ("GET", "/api/bulk/2.0/contacts/fields", P::None),
    ("GET", "/api/bulk/2.0/contacts/fields/{field}", P::None),
    ("GET", "/api/bulk/2.0/accounts/fields", P::None),
    ("GET", "/api/bulk/2.0/accounts/fields/{account_field}", P::None),
    ("GET", "/api/bulk/2.0/activities/fields", P::None),
    ("GET", "/api/bulk/2.0/accounts/lists", P::None),
    ("GET", "/api/bulk/2.0/accounts/lists/{account_list}", P::None),
    ("GET", "/api/bulk/2.0/customObjects", P::None),
    ("GET", "/api/bulk/2.0/customObjects/{custom_object}", P::None),
    ("GET", "/api/bulk/2.0/customObjects/{custom_object}/fields", P::None),
    ("GET", "/api/bulk/2.0/customObjects/{custom_object}/fields/{custom_object_field}", P::None),
    ("GET", "/api/bulk/2.0/activities/fields/{activity_field}", P::None),
    ("GET", "/api/loquat/1.0/contacts/syncActions/staged", P::None),
    ("GET", "/api/loquat/1.0/customObjects/records", P::None),
    ("GET", "/api/loquat/1.0/emailGroups/subscriptions", P::None),
];

/// Routes whose ids name what every site shares (Eloqua's activity fields), not a site's
/// own data: another site reads them too.
pub const SHARED: &[&str] = &["/api/bulk/2.0/activities/fields/{activity_field}"];

/// The body of every 404.
pub const NOT_FOUND: &str = "The requested resource was not found.";

/// One of each resource of the default site, with staged data and finished syncs.
pub struct Fixture {
    ids: HashMap<&'static str, String>,
}

impl Fixture {
    /// Creates the resources (two syncs run to the end; a fraction of a second).
    pub async fn new(app: &TestApp) -> Self {
        let contact = app.contact("owner@example.com").await;
        let list = app.list("Owned").await;
        let group = created(
            app,
            "/api/rest/1.0/assets/email/group",
            json!({"name": "News"}),
        )
        .await;
        let instances = "/api/loquat/1.0/appcloud/instances";
        created(app, instances, json!({"id": ACTION, "type": "action"})).await;
        created(app, instances, json!({"id": FEEDER, "type": "feeder"})).await;
        let executions = format!("{instances}/{ACTION}/executions");
        let execution = created(app, &executions, json!({"contactIds": [contact]})).await;
        let mut fixture = Self {
            ids: HashMap::from([
                ("contact", contact.to_string()),
                ("list", list.to_string()),
                ("group", group),
                ("instance", ACTION.to_owned()),
                ("feeder", FEEDER.to_owned()),
                ("execution", execution),
            ]),
        };
        let definition = app.definition(&fixture.body(P::Definition)).await;
        app.upload(&definition, &fixture.body(P::Rows)).await;
        let sync = app.sync(&definition).await;
        assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
        stage_one_kb(app, &definition).await;
        let import = uri(
            app,
            "/api/bulk/2.0/contacts/imports",
            fixture.body(P::Import),
        )
        .await;
        stage_one_kb(app, &import).await;
        let export = uri(
            app,
            "/api/bulk/2.0/contacts/exports",
            fixture.body(P::Export),
        )
        .await;
        let export_sync = app.sync(&export).await;
        assert_eq!(app.wait_for_sync(&export_sync).await["status"], "success");
        let field = app.store.create_custom_field(
            app.site.id,
            &loquat::domain::record_type::CONTACTS,
            "C_Score1",
            "Score",
            loquat::domain::contact_fields::FieldType::Numeric,
        );
        let field = field.await.unwrap().id.to_string();
        let account_field = app.store.create_custom_field(
            app.site.id,
            &loquat::domain::record_type::ACCOUNTS,
            "M_Tier1",
            "Tier",
            loquat::domain::contact_fields::FieldType::Text,
        );
        let account_field = account_field.await.unwrap().id.to_string();
        for (key, value) in [
            ("definition", definition),
            ("sync", sync),
            ("import", import),
            ("export", export),
            ("export_sync", export_sync),
        ] {
            let id = value.rsplit('/').next().unwrap().to_owned();
            fixture.ids.insert(key, id);
        }
        fixture.ids.insert("field", field);
        fixture.ids.insert("account_field", account_field);
        fixture.ids.insert("activity_field", "3".to_owned());
        let (status, object) = app
            .post(
                "/api/rest/2.0/assets/customObject",
                &fixture.body(P::CustomObject),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{object}");
        let field = object["fields"][0]["id"].as_str().unwrap().to_owned();
        fixture
            .ids
            .insert("custom_object", object["id"].as_str().unwrap().to_owned());
        fixture.ids.insert("custom_object_field", field);
        let (status, account) = app
            .post("/api/rest/1.0/data/account", &fixture.body(P::Account))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{account}");
        fixture
            .ids
            .insert("account", account["id"].as_str().unwrap().to_owned());
        let (status, list) = app
            .post(
                "/api/loquat/1.0/accounts/list",
                &fixture.body(P::AccountList),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{list}");
        fixture
            .ids
            .insert("account_list", list["id"].as_str().unwrap().to_owned());
        let account_definition = uri(
            app,
            "/api/bulk/2.0/accounts/syncActions",
            fixture.body(P::AccountDefinition),
        )
        .await;
        app.upload(&account_definition, &fixture.body(P::AccountRows))
            .await;
        fixture.ids.insert(
            "account_definition",
            account_definition.rsplit('/').next().unwrap().to_owned(),
        );
        let account_export = uri(
            app,
            "/api/bulk/2.0/accounts/exports",
            fixture.body(P::AccountExport),
        )
        .await;
        fixture.ids.insert(
            "account_export",
            account_export.rsplit('/').next().unwrap().to_owned(),
        );
        let activity_export = uri(
            app,
            "/api/bulk/2.0/activities/exports",
            fixture.body(P::ActivityExport),
        )
        .await;
        fixture.ids.insert(
            "activity_export",
            activity_export.rsplit('/').next().unwrap().to_owned(),
        );
        let address_import = uri(
            app,
            "/api/bulk/2.0/emailAddresses/imports",
            fixture.body(P::AddressImport),
        )
        .await;
        app.upload(&address_import, &fixture.body(P::Rows)).await;
        fixture.ids.insert(
            "address_import",
            address_import.rsplit('/').next().unwrap().to_owned(),
        );
        let instance = format!(
            "/api/rest/2.0/data/customObject/{}/instance",
            fixture.id("custom_object")
        );
        let (status, record) = app
            .post(&instance, &fixture.body(P::CustomObjectData))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{record}");
        fixture.ids.insert(
            "custom_object_record",
            record["id"].as_str().unwrap().to_owned(),
        );
        fixture
    }

    /// The id behind `{key}`.
    pub fn id(&self, key: &str) -> &str {
        self.ids
            .get(key)
            .unwrap_or_else(|| panic!("no fixture id {key}"))
    }

    /// `template` with each `{key}` replaced by the fixture's id.
    pub fn fill(&self, template: &str) -> String {
        self.fill_with(template, "", "")
    }

    /// `template` with `{key}` replaced by `value` and every other `{…}` by the fixture's id.
    pub fn fill_with(&self, template: &str, key: &str, value: &str) -> String {
        let mut out = template.to_owned();
        for (name, id) in &self.ids {
            let id = if *name == key { value } else { id.as_str() };
            out = out.replace(&format!("{{{name}}}"), id);
        }
        assert!(!out.contains('{'), "unfilled placeholder in {template}");
        out
    }

    /// A body that `payload` names, valid for the owner.
    pub fn body(&self, payload: Payload) -> Value {
        let contact: i64 = self.id("contact").parse().unwrap();
        let list = self.id("list");
        let email = "{{Contact.Field(C_EmailAddress)}}";
        match payload {
            P::None => Value::Null,
            P::Definition => json!({
                "name": "Owned", "fields": {"Email": email}, "identifierFieldName": "Email",
                "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
            }),
            P::Rows => json!([{"Email": "owner@example.com"}]),
            P::Import => {
                json!({"name": "In", "fields": {"Email": email}, "identifierFieldName": "Email"})
            }
            P::Export => json!({"name": "Out", "fields": {"Email": email}}),
            P::Sync => {
                json!({"syncedInstanceUri": format!("/contacts/syncActions/{}", self.id("definition"))})
            }
            P::Contact => json!({"emailAddress": "owner@example.com"}),
            P::Subscription => json!({"isSubscribed": "false"}),
            P::List => json!({"name": "Owned"}),
            P::Group => json!({"name": "News"}),
            P::Instance => json!({"id": "abcdefabcdefabcdefabcdefabcdef01", "type": "decision"}),
            P::Execution => json!({"contactIds": [contact]}),
            P::Members => json!({"contactIds": [contact], "status": "complete"}),
            P::FeederMembers => json!({"contactIds": [contact], "status": "active"}),
            P::Account => json!({"name": "Acme Corp", "city": "Springfield"}),
            P::CustomObjectData => json!({
                "contactId": contact.to_string(),
                "fieldValues": [{"id": self.id("custom_object_field"), "value": "owner@example.com"}]
            }),
            P::AccountList => {
                json!({"name": "Targets", "membershipAdditions": [self.id("account")]})
            }
            P::AccountDefinition => json!({
                "name": "Accounts", "fields": {"Company": "{{Account.Field(M_CompanyName)}}"},
                "identifierFieldName": "Company",
                "syncActions": [{"action": "add", "destination": format!("{{{{AccountList[{}]}}}}", self.id("account_list"))}]
            }),
            P::AccountRows => json!([{"Company": "Acme Corp"}]),
            P::AccountExport => json!({
                "name": "Accounts", "fields": {"Company": "{{Account.Field(M_CompanyName)}}"},
                "filter": format!("EXISTS('{{{{AccountList[{}]}}}}')", self.id("account_list"))
            }),
            P::ActivityExport => json!({
                "name": "Unsubscribes", "fields": {"Date": "{{Activity.CreatedAt}}"},
                "filter": "'{{Activity.Type}}' = 'Unsubscribe'"
            }),
            P::AddressImport => json!({
                "name": "Suppressions", "fields": {"Email": email}, "identifierFieldName": "Email",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}]
            }),
            P::CustomObject => {
                json!({"name": "Registrations", "fields": [{"name": "Email", "dataType": "text"}]})
            }
            P::CustomObjectReplace => json!({
                "name": "Registrations",
                "fields": [{"id": self.id("custom_object_field"), "name": "Email", "dataType": "text"}]
            }),
        }
    }

    /// The request a table row describes, filled in, without credentials.
    pub fn request(&self, app: &TestApp, route: &(&str, &str, Payload)) -> reqwest::RequestBuilder {
        let (method, path, payload) = *route;
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let request = app.anonymous(method, &self.fill(path));
        match payload {
            P::None => request,
            payload => request.json(&self.body(payload)),
        }
    }
}

/// Stages one row in exactly 1024 bytes, so that any byte staged later shows in `kbUsed`.
async fn stage_one_kb(app: &TestApp, uri: &str) {
    let mut csv = b"Email,Pad\nowner@example.com,".to_vec();
    csv.resize(1023, b'x');
    csv.push(b'\n');
    let (status, body) = app.post_data(uri, "text/csv", csv).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, read) = app.bulk_get(uri).await;
    assert_eq!(read["kbUsed"], 1, "{read}");
}

async fn created(app: &TestApp, path: &str, body: Value) -> String {
    let (status, answer) = app.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    match &answer["id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

async fn uri(app: &TestApp, path: &str, body: Value) -> String {
    let (status, answer) = app.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    answer["uri"].as_str().unwrap().to_owned()
}

/// Every GET of the table as the owner: `(path, status, body)`, to compare before and after.
pub async fn snapshot(app: &TestApp, fixture: &Fixture) -> Vec<(String, StatusCode, Value)> {
    let mut seen = Vec::new();
    for (_, path, _) in ROUTES.iter().filter(|r| r.0 == "GET") {
        let path = fixture.fill(path);
        let (status, body) = app.get(&path).await;
        seen.push((path, status, body));
    }
    seen
}
