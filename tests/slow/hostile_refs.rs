//! Hostile references: markup and export filters that are almost valid, ids in bodies that
//! overflow, and references to another site's definitions, lists and contacts. Each is a 400
//! naming the property and changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ACTION, TestApp, spawn_app};
use crate::hostile::{
    Case, DEF, DEFS, EXECUTIONS, EXPORTS, IMPORTS, JSON, LIST, MEMBERS, SYNCS, Want, case, run,
    with,
};
use crate::routes_fixture::{Fixture, Payload};

const DESTINATION: &str = "syncActions[0].destination";

/// A definition body with one sync action.
fn definition(destination: &str, action: &str, status: Option<&str>) -> String {
    let mut sync_action = json!({"action": action, "destination": destination});
    if let Some(status) = status {
        sync_action["status"] = json!(status);
    }
    json!({
        "name": "Near miss", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email", "syncActions": [sync_action]
    })
    .to_string()
}

/// Destinations one character or rule away from `{{ContactList[l]}}` and friends.
fn near_misses(l: &str, e: &str) -> Vec<(String, &'static str, Option<&'static str>)> {
    let add = |d: String| (d, "add", None);
    let done = |d: String| (d, "setStatus", Some("complete"));
    vec![
        add(format!("{{{{ContactList[{l}]}}")),
        add(format!("{{ContactList[{l}]}}}}")),
        add(format!("{{{{ContactList[0{l}]}}}}")),
        add(format!("{{{{contactList[{l}]}}}}")),
        add(format!("{{{{contactlist[{l}]}}}}")),
        add(format!("{{{{CONTACTLIST[{l}]}}}}")),
        add(format!("{{{{ ContactList[{l}]}}}}")),
        add(format!("{{{{ContactList [{l}]}}}}")),
        add(format!("{{{{ContactList[ {l}]}}}}")),
        add(format!("{{{{ContactList[{l}] }}}}")),
        add(format!(" {{{{ContactList[{l}]}}}}")),
        add(format!("{{{{ContactList[{l}]}}}} ")),
        add(format!("{{{{ContactList[{l}]}}}}\n")),
        add(format!("{{{{ContactList[{l}]}}}}{{{{ContactList[{l}]}}}}")),
        add(format!("{{{{ContactList({l})}}}}")),
        add(format!("{{{{ContactList[+{l}]}}}}")),
        add(format!("{{{{ContactList[-{l}]}}}}")),
        add("{{ContactList[]}}".into()),
        add(format!("{{{{ContactList[{l}.0]}}}}")),
        add(format!("{{{{ContactList[{l}]]}}}}")),
        add("{{ContactList[１]}}".into()),
        add(format!("{{{{ContactList[{l}\u{0}]}}}}")),
        add("{{ContactList[9223372036854775808]}}".into()),
        add("{{ContactList[99999999999999999999]}}".into()),
        add("{{ContactList[0]}}".into()),
        add("{{ContactList[999999]}}".into()),
        done(format!(
            "{{{{ActionInstance({}).Execution[{e}]}}}}",
            &ACTION[1..]
        )),
        done(format!("{{{{ActionInstance({ACTION}0).Execution[{e}]}}}}")),
        done("{{ActionInstance(01234567-89ab-cdef-0123-456789abcdef).Execution[1]}}".into()),
        done(format!("{{{{ActionInstance({ACTION}).Execution[{e}]}}")),
        done(format!("{{{{ActionInstance({ACTION}).execution[{e}]}}}}")),
        done(format!(
            "{{{{ActionInstance({ACTION}).Execution[18446744073709551616]}}}}"
        )),
        done(format!("{{{{ActionInstance({ACTION}) .Execution[{e}]}}}}")),
    ]
}

/// Export filters that almost parse.
fn filters(l: &str, e: &str) -> Vec<String> {
    let email = "'{{Contact.Field(C_EmailAddress)}}'";
    let status = format!("STATUS('{{{{ActionInstance({ACTION}).Execution[{e}]}}}}')");
    let mut filters = vec![
        format!("EXISTS('{{{{ContactList[{l}]}}}}'"),
        format!("EXISTS({{{{ContactList[{l}]}}}})"),
        format!("EXISTS('{{{{ContactList[{l}]}}')"),
        format!("EXISTS('{{{{ContactList[0{l}]}}}}')"),
        format!("EXIST('{{{{ContactList[{l}]}}}}')"),
        format!("exists ('{{{{ContactList[{l}]}}}}') extra"),
        format!("EXISTS('{{{{ContactList[{l}]}}}}') AND EXISTS('{{{{ContactList[{l}]}}}}')"),
        format!("{email} = 'a"),
        format!("{email} == 'a'"),
        format!("{email} ="),
        format!("{email} = 'a' AND"),
        format!("{email} = 'a' OR OR {email} = 'b'"),
        format!("{email} = 'a')"),
        format!("({email} = 'a'"),
        "'{{Contact.Field(C_Nope)}}' = 'a'".into(),
        "'{{Contact.Field(C_EmailAddress)}' = 'a'".into(),
        format!("{status} > 'complete'"),
        "AND".into(),
        "NOT".into(),
        "()".into(),
        "'a' = 'a'".into(),
        "{{ContactList[1]}}".into(),
        format!("{}{email} = 'a'", "(".repeat(100_000)),
        format!("{}{email} = 'a'", "NOT ".repeat(100_000)),
        "x".repeat(1 << 20),
    ];
    filters.push(format!("{email} = 'a' {}", "AND ".repeat(50_000)));
    filters
}

/// `(name, method, path, body, field)` rows as cases.
fn table(rows: Vec<(String, &str, &str, String, &'static str)>) -> Vec<Case> {
    let method = |m: &str| reqwest::Method::from_bytes(m.as_bytes()).unwrap();
    let to_case = |(name, m, path, body, field): (String, &str, &str, String, &'static str)| {
        case(name, method(m), path, Some(JSON), body, Want::Bad(field))
    };
    rows.into_iter().map(to_case).collect()
}

fn cases(fixture: &Fixture, foreign: &Foreign) -> Vec<Case> {
    let (l, e, contact) = (
        fixture.id("list"),
        fixture.id("execution"),
        fixture.id("contact"),
    );
    let mut rows = Vec::new();
    for (destination, action, status) in near_misses(l, e) {
        let body = definition(&destination, action, status);
        let name = format!("destination {destination:?} ({action})");
        rows.push((name.clone(), "POST", DEFS, body.clone(), DESTINATION));
        rows.push((format!("{name} (PUT)"), "PUT", DEF, body, DESTINATION));
    }
    let theirs = format!("{{{{ContactList[{}]}}}}", foreign.list);
    let actions = json!([{"action": "add", "destination": theirs}]);
    let import = with(&fixture.body(Payload::Import), "syncActions", actions);
    let ours = format!("{{{{ContactList[{l}]}}}}");
    let group = format!("{{{{EmailGroup[{}]}}}}", fixture.id("group"));
    let decision = format!("{{{{DecisionInstance({ACTION}).Execution[{e}]}}}}");
    let action = format!("{{{{ActionInstance({ACTION}).Execution[{e}]}}}}");
    let complete = Some("complete");
    for (what, body, field) in [
        (
            "another site's list",
            definition(&theirs, "add", None),
            DESTINATION,
        ),
        (
            "add to a group",
            definition(&group, "add", None),
            "syncActions[0].action",
        ),
        (
            "remove from a group",
            definition(&group, "remove", None),
            "syncActions[0].action",
        ),
        (
            "a status on a list",
            definition(&ours, "add", complete),
            "syncActions[0].status",
        ),
        (
            "an action instance as a decision",
            definition(&decision, "setStatus", complete),
            "syncActions[0].status",
        ),
        (
            "Complete",
            definition(&action, "setStatus", Some("Complete")),
            "syncActions[0].status",
        ),
        (
            "ADD",
            definition(&ours, "ADD", None),
            "syncActions[0].action",
        ),
    ] {
        rows.push((format!("definition: {what}"), "POST", DEFS, body, field));
    }
    rows.push((
        "import: another site's list".into(),
        "POST",
        IMPORTS,
        import,
        DESTINATION,
    ));
    let def: Value = serde_json::from_str(&definition(&ours, "add", None)).unwrap();
    for statement in [
        "{{Contact.Field(C_EmailAddress)}",
        "{{Contact.field(C_EmailAddress)}}",
        "{{Contact.Field( C_EmailAddress)}}",
        "{{Contact.Field(C_EmailAddress) }}",
        "{{Contact.ID}}",
        "{{contact.Id}}",
        "{{Contact.Id}} ",
        "{{Contact.Field(C_FirstName)}}",
    ] {
        let body = with(&def, "fields", json!({"Email": statement}));
        rows.push((
            format!("identifier {statement:?}"),
            "POST",
            DEFS,
            body,
            "fields",
        ));
    }
    let export = fixture.body(Payload::Export);
    for filter in filters(l, e) {
        let shown: String = filter.chars().take(60).collect();
        let body = with(&export, "filter", json!(filter));
        rows.push((format!("filter {shown:?}"), "POST", EXPORTS, body, "filter"));
    }
    let uris = [&foreign.definition, &foreign.import, &foreign.export].map(String::as_str);
    for uri in uris.into_iter().chain(NOT_SYNCABLE) {
        let body = json!({"syncedInstanceUri": uri}).to_string();
        rows.push((
            format!("sync of {uri:?}"),
            "POST",
            SYNCS,
            body,
            "syncedInstanceUri",
        ));
    }
    let bad_ids = [
        "9223372036854775808",
        "-1",
        "0",
        "1.5",
        "true",
        "\"99999999999999999999\"",
        "\"1 OR 1=1\"",
        "null",
    ];
    let theirs = foreign.contact.to_string();
    for id in bad_ids.into_iter().chain([theirs.as_str()]) {
        let ids = format!("[{contact},{id}]");
        for (path, m, body, field) in [
            (
                EXECUTIONS,
                "POST",
                format!(r#"{{"contactIds":{ids}}}"#),
                "contactIds",
            ),
            (
                MEMBERS,
                "PUT",
                format!(r#"{{"contactIds":{ids},"status":"active"}}"#),
                "contactIds",
            ),
            (
                LIST,
                "PUT",
                format!(r#"{{"name":"Owned","membershipAdditions":{ids}}}"#),
                "membershipAdditions",
            ),
            (
                LIST,
                "PUT",
                format!(r#"{{"name":"Owned","membershipDeletions":{ids}}}"#),
                "membershipDeletions",
            ),
        ] {
            rows.push((format!("{m} {path} {field}={ids}"), m, path, body, field));
        }
    }
    table(rows)
}

/// `syncedInstanceUri` values that name no definition of the caller (id 1 is the fixture's).
const NOT_SYNCABLE: [&str; 15] = [
    "/contacts/syncActions/9223372036854775808",
    "/contacts/syncActions/99999999999999999999",
    "/contacts/syncActions/0",
    "/contacts/syncActions/-1",
    "/contacts/syncActions/abc",
    "/contacts/syncActions/",
    "/contacts/syncActions/1/data",
    "/contacts/lists/1",
    "/syncs/1",
    "contacts/syncActions/1",
    "https://evil.example.com/api/bulk/2.0/contacts/syncActions/1",
    "/contacts/syncActions/1?x=1",
    "/contacts/syncActions/1 ",
    "/contacts/syncActions/%31",
    "",
];

/// Another site's resources: uris of a definition, import and export, a list and a contact.
struct Foreign {
    definition: String,
    import: String,
    export: String,
    list: i64,
    contact: i64,
}

async fn foreign(app: &TestApp, fixture: &Fixture) -> Foreign {
    let (site, auth) = app.add_site("Other", "bob", true).await;
    let list = loquat::domain::asset::ContactListInput {
        name: "Theirs".into(),
        ..Default::default()
    };
    let list = app
        .store
        .create_list(site.id, "bob", list)
        .await
        .unwrap()
        .id;
    let contact = loquat::domain::contact::ContactInput {
        email_address: "theirs@example.com".into(),
        contact_id_ext: None,
        first_name: None,
        last_name: None,
        is_subscribed: true,
        is_bounced: false,
    };
    let contact = app.store.create_contact(site.id, contact).await.unwrap().id;
    let mut uris = Vec::new();
    let definition = definition(&format!("{{{{ContactList[{list}]}}}}"), "add", None);
    for (path, body) in [
        (DEFS, definition),
        (IMPORTS, fixture.body(Payload::Import).to_string()),
        (EXPORTS, fixture.body(Payload::Export).to_string()),
    ] {
        let request = app
            .anonymous(reqwest::Method::POST, path)
            .header("Authorization", &auth);
        let request = request
            .header("Content-Type", "application/json")
            .body(body);
        let (status, created) = crate::helpers::send(request).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        uris.push(created["uri"].as_str().unwrap().to_owned());
    }
    let [definition, import, export] = <[String; 3]>::try_from(uris).unwrap();
    Foreign {
        definition,
        import,
        export,
        list,
        contact,
    }
}

#[tokio::test]
async fn export_filters_naming_what_the_site_lacks_are_400() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let foreign = foreign(&app, &fixture).await;
    let export = fixture.body(Payload::Export);
    let execution = format!("{{{{ActionInstance({ACTION}).Execution[999999]}}}}");
    let rows = [
        "EXISTS('{{ContactList[999999]}}')".to_owned(),
        "EXISTS('{{ContactList[9223372036854775808]}}')".to_owned(),
        format!("EXISTS('{{{{ContactList[{}]}}}}')", foreign.list),
        format!("STATUS('{execution}') = 'complete'"),
        format!(
            "STATUS('{{{{ActionInstance({ACTION}).Execution[{}]}}}}') = 'done'",
            fixture.id("execution")
        ),
    ]
    .map(|filter| {
        let body = with(&export, "filter", json!(filter));
        (format!("filter {filter}"), "POST", EXPORTS, body, "filter")
    });
    run(&app, &fixture, table(rows.to_vec())).await;
}

#[tokio::test]
async fn near_miss_markup_filters_overflowing_ids_and_foreign_references_are_400() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let foreign = foreign(&app, &fixture).await;
    run(&app, &fixture, cases(&fixture, &foreign)).await;
}
