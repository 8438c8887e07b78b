//! Bulk container lookups over HTTP (§8.1): contact lists, email groups, contact fields.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    PAGE_KEYS, TestApp, assert_failures, send, spawn_app, strings, without_bulk_times,
};

const BULK: &str = "/api/bulk/2.0";
const REST_LIST: &str = "/api/rest/1.0/assets/contact/list";

async fn rest_create(app: &TestApp, path: &str, body: Value) -> String {
    let (status, answer) = app.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_lists_count_follows_rest_membership_changes() {
    let app = spawn_app().await;
    let (a, b, c) = (
        app.contact_in(app.site.id, "a@x.com", None).await,
        app.contact_in(app.site.id, "b@x.com", None).await,
        app.contact_in(app.site.id, "c@x.com", None).await,
    );
    let id = rest_create(
        &app,
        REST_LIST,
        json!({"name": "Webinar", "membershipAdditions": [a, b]}),
    )
    .await;
    let bulk = format!("{BULK}/contacts/lists/{id}");
    let (status, list) = app.get(&bulk).await;
    assert_eq!(status, StatusCode::OK);
    let expected = |count: i64| {
        json!({
            "name": "Webinar", "count": count, "statement": format!("{{{{ContactList[{id}]}}}}"),
            "uri": format!("/contacts/lists/{id}"), "createdBy": "tester", "updatedBy": "tester"
        })
    };
    assert_eq!(
        without_bulk_times(list, &["createdAt", "updatedAt"]),
        expected(2)
    );
    let rest = format!("{REST_LIST}/{id}");
    let change =
        json!({"name": "Webinar", "membershipAdditions": [c, a], "membershipDeletions": [b]});
    assert_eq!(app.put(&rest, &change).await.0, StatusCode::OK);
    assert_eq!(
        without_bulk_times(app.get(&bulk).await.1, &["createdAt", "updatedAt"]),
        expected(2)
    );
    let remove = json!({"name": "Webinar", "membershipDeletions": [a, c]});
    assert_eq!(app.put(&rest, &remove).await.0, StatusCode::OK);
    assert_eq!(
        without_bulk_times(app.get(&bulk).await.1, &["createdAt", "updatedAt"]),
        expected(0)
    );
    let (_, listed) = app.get(&format!("{BULK}/contacts/lists")).await;
    assert_eq!(
        without_bulk_times(listed["items"][0].clone(), &["createdAt", "updatedAt"]),
        expected(0)
    );
}

#[tokio::test]
async fn lists_are_filtered_and_paged_in_the_bulk_envelope() {
    let app = spawn_app().await;
    for name in ["Webinar May", "Webinar June", "Newsletter"] {
        rest_create(&app, REST_LIST, json!({"name": name})).await;
    }
    let (status, page) = app
        .get(&format!(
            "{BULK}/contacts/lists?q=name='Webinar*'&limit=1&offset=1"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["name"], "Webinar June");
    let envelope: Vec<(&str, Value)> = page
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let keys: Vec<&str> = envelope.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, PAGE_KEYS);
    assert_eq!(
        keys,
        [
            "items",
            "totalResults",
            "limit",
            "offset",
            "count",
            "hasMore"
        ]
    );
    assert_eq!(
        (
            &page["totalResults"],
            &page["limit"],
            &page["offset"],
            &page["count"],
            &page["hasMore"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(1), &json!(false))
    );
    let (_, all) = app
        .get(&format!(
            "{BULK}/contacts/lists?orderBy=name DESC&totalResults=false"
        ))
        .await;
    let names = strings(&all["items"], "name");
    assert_eq!(names, ["Webinar May", "Webinar June", "Newsletter"]);
    assert!(all.get("totalResults").is_none());
    let (status, body) = app.get(&format!("{BULK}/contacts/lists?limit=0")).await;
    assert_failures(status, &body, &["limit"]);
}

#[tokio::test]
async fn email_groups_have_the_bulk_shape() {
    let app = spawn_app().await;
    let id = rest_create(
        &app,
        "/api/rest/1.0/assets/email/group",
        json!({"name": "News"}),
    )
    .await;
    rest_create(
        &app,
        "/api/rest/1.0/assets/email/group",
        json!({"name": "Offers"}),
    )
    .await;
    let expected = json!({
        "name": "News", "statement": format!("{{{{EmailGroup[{id}]}}}}"), "uri": format!("/emailGroups/{id}"),
        "createdBy": "tester", "updatedBy": "tester"
    });
    let (status, group) = app.get(&format!("{BULK}/emailGroups/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<String> = group.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "name",
            "statement",
            "uri",
            "createdAt",
            "createdBy",
            "updatedAt",
            "updatedBy"
        ]
    );
    assert_eq!(
        without_bulk_times(group, &["createdAt", "updatedAt"]),
        expected
    );
    let (_, listed) = app.get(&format!("{BULK}/emailGroups?q=name=News")).await;
    assert_eq!(
        (&listed["totalResults"], &listed["count"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        without_bulk_times(listed["items"][0].clone(), &["createdAt", "updatedAt"]),
        expected
    );
}

#[tokio::test]
async fn unknown_or_malformed_container_ids_are_404() {
    let app = spawn_app().await;
    for kind in ["contacts/lists", "emailGroups", "contacts/fields"] {
        for id in ["4242", "abc", "99999999999999999999", "0"] {
            let (status, _) = app.get(&format!("{BULK}/{kind}/{id}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{kind}/{id}");
        }
    }
}

#[tokio::test]
async fn another_sites_containers_stay_hidden() {
    let app = spawn_app().await;
    let list = rest_create(&app, REST_LIST, json!({"name": "Mine"})).await;
    let group = rest_create(
        &app,
        "/api/rest/1.0/assets/email/group",
        json!({"name": "Mine"}),
    )
    .await;
    let (_, other) = app.add_site("Other", "bob", true).await;
    let as_other = |target: String| {
        app.anonymous(Method::GET, &target)
            .header("Authorization", other.clone())
    };
    assert_eq!(
        send(as_other(format!("{BULK}/contacts/lists/{list}")))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(as_other(format!("{BULK}/emailGroups/{group}")))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    for collection in ["contacts/lists", "emailGroups"] {
        let (status, theirs) = send(as_other(format!("{BULK}/{collection}"))).await;
        assert_eq!(
            (status, &theirs["totalResults"], &theirs["items"]),
            (StatusCode::OK, &json!(0), &json!([]))
        );
    }
    let (status, _) = send(app.anonymous(Method::GET, &format!("{BULK}/contacts/lists"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_contact_field_catalogue_lists_the_stored_fields() {
    let app = spawn_app().await;
    let (status, all) = app.get(&format!("{BULK}/contacts/fields")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&all["totalResults"], &all["count"], &all["hasMore"]),
        (&json!(19), &json!(19), &json!(false))
    );
    assert_eq!(
        all["items"][0],
        json!({
            "name": "Email Address", "internalName": "C_EmailAddress", "dataType": "emailAddress",
            "hasReadOnlyConstraint": false, "hasNotNullConstraint": true, "hasUniquenessConstraint": true,
            "statement": "{{Contact.Field(C_EmailAddress)}}", "uri": "/contacts/fields/100001",
            "createdAt": "1900-01-01T05:00:00.0000000Z", "updatedAt": "1900-01-01T05:00:00.0000000Z"
        })
    );
    let internal = strings(&all["items"], "internalName");
    for expected in [
        "C_EmailAddress",
        "C_FirstName",
        "C_LastName",
        "C_Company",
        "C_Title",
        "C_BusPhone",
        "C_Address1",
        "C_City",
        "C_Country",
        "ContactIDExt",
    ] {
        assert!(internal.contains(&expected), "{expected} in {internal:?}");
    }

    let (_, ext) = app.get(&format!("{BULK}/contacts/fields/100100")).await;
    assert_eq!(
        (&ext["internalName"], &ext["hasUniquenessConstraint"]),
        (&json!("ContactIDExt"), &json!(true))
    );
    assert_eq!(ext["statement"], "{{Contact.Field(ContactIDExt)}}");
    let (_, modified) = app.get(&format!("{BULK}/contacts/fields/100027")).await;
    assert_eq!(
        (
            &modified["internalName"],
            &modified["dataType"],
            &modified["hasReadOnlyConstraint"]
        ),
        (&json!("C_DateModified"), &json!("date"), &json!(true))
    );

    let (_, page) = app
        .get(&format!("{BULK}/contacts/fields?limit=2&offset=1"))
        .await;
    let names = strings(&page["items"], "internalName");
    assert_eq!(names, ["C_FirstName", "C_LastName"]);
    assert_eq!(
        (&page["totalResults"], &page["hasMore"], &page["offset"]),
        (&json!(19), &json!(true), &json!(1))
    );

    let (_, named) = app
        .get(&format!(
            "{BULK}/contacts/fields?q=name='*name'&orderBy=internalName DESC"
        ))
        .await;
    let names = strings(&named["items"], "internalName");
    assert_eq!(names, ["C_LastName", "C_FirstName"]);
    let (_, by_internal) = app
        .get(&format!(
            "{BULK}/contacts/fields?q=internalName=c_emailaddress"
        ))
        .await;
    assert_eq!(by_internal["items"][0]["uri"], "/contacts/fields/100001");

    for (q, expected) in [
        ("internalName='C_*Name'", vec!["C_FirstName", "C_LastName"]),
        ("internalName!='C_*'", vec!["ContactIDExt"]),
        ("dataType=emailAddress", vec!["C_EmailAddress"]),
    ] {
        let (status, body) = app.get(&format!("{BULK}/contacts/fields?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        let names = strings(&body["items"], "internalName");
        assert_eq!(names, expected, "{q}");
    }
    let custom = app.lead_score_field().await;
    assert_eq!(custom.id, 100_200);
    let (_, score) = app.get(&format!("{BULK}/contacts/fields/100200")).await;
    assert_eq!(
        (
            &score["internalName"],
            &score["dataType"],
            &score["statement"]
        ),
        (
            &json!("C_Lead_Score1"),
            &json!("numeric"),
            &json!("{{Contact.Field(C_Lead_Score1)}}")
        )
    );
    let (_, other) = app.add_site("Other", "bob", true).await;
    let theirs = send(
        app.anonymous(Method::GET, &format!("{BULK}/contacts/fields/100200"))
            .header("Authorization", other),
    )
    .await;
    assert_eq!(
        theirs.0,
        StatusCode::NOT_FOUND,
        "custom fields belong to their site"
    );
    let (status, body) = app
        .get(&format!("{BULK}/contacts/fields?q=color=red"))
        .await;
    assert_failures(status, &body, &["q"]);
}

#[tokio::test]
async fn the_account_field_catalogue_lists_account_fields_apart_from_contact_fields() {
    let app = spawn_app().await;
    let (status, all) = app.get(&format!("{BULK}/accounts/fields")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&all["totalResults"], &all["hasMore"]),
        (&json!(13), &json!(false))
    );
    assert_eq!(
        all["items"][0],
        json!({
            "name": "Company Name", "internalName": "M_CompanyName", "dataType": "text",
            "hasReadOnlyConstraint": false, "hasNotNullConstraint": false, "hasUniquenessConstraint": false,
            "statement": "{{Account.Field(M_CompanyName)}}", "uri": "/accounts/fields/100001",
            "createdAt": "1900-01-01T05:00:00.0000000Z", "updatedAt": "1900-01-01T05:00:00.0000000Z"
        })
    );
    let internal = strings(&all["items"], "internalName");
    for expected in [
        "M_CompanyName",
        "M_Address1",
        "M_City",
        "M_State_Prov",
        "M_Zip_Postal",
        "M_Country",
        "M_Business_Phone",
        "M_Fax",
        "M_Industry",
        "M_Revenue",
        "CompanyIDExt",
    ] {
        assert!(internal.contains(&expected), "{expected} in {internal:?}");
    }
    let (_, ext) = app.get(&format!("{BULK}/accounts/fields/100100")).await;
    assert_eq!(
        (&ext["statement"], &ext["hasUniquenessConstraint"]),
        (&json!("{{Account.Field(CompanyIDExt)}}"), &json!(true))
    );
    let (_, by_q) = app
        .get(&format!(
            "{BULK}/accounts/fields?q=internalName='M_Address*'"
        ))
        .await;
    assert_eq!(
        strings(&by_q["items"], "internalName"),
        ["M_Address1", "M_Address2", "M_Address3"]
    );

    // Custom fields belong to one record type: each catalogue shows only its own.
    let tier = app
        .store
        .create_custom_field(
            app.site.id,
            &loquat::domain::record_type::ACCOUNTS,
            "M_Tier1",
            "Tier",
            loquat::domain::contact_fields::FieldType::Text,
        )
        .await
        .expect("account field");
    let score = app.lead_score_field().await;
    let (_, accounts) = app.get(&format!("{BULK}/accounts/fields")).await;
    let names = strings(&accounts["items"], "internalName");
    assert!(names.contains(&"M_Tier1") && !names.contains(&"C_Lead_Score1"));
    let (_, contacts) = app.get(&format!("{BULK}/contacts/fields")).await;
    let names = strings(&contacts["items"], "internalName");
    assert!(names.contains(&"C_Lead_Score1") && !names.contains(&"M_Tier1"));
    let (status, one) = app
        .get(&format!("{BULK}/accounts/fields/{}", tier.id))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["statement"], "{{Account.Field(M_Tier1)}}");
    assert_eq!(
        one["createdAt"],
        json!(tier.created_at.unwrap().to_string()),
        "a custom field carries the time it was added"
    );
    assert_ne!(one["createdAt"], "1900-01-01T05:00:00.0000000Z");
    assert_eq!(one["uri"], format!("/accounts/fields/{}", tier.id));
    assert_eq!(tier.id, score.id, "each record type numbers its own fields");
    let (status, _) = app.get(&format!("{BULK}/accounts/fields/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, other) = app.add_site("Other", "bob", true).await;
    let theirs = send(
        app.anonymous(Method::GET, &format!("{BULK}/accounts/fields/{}", tier.id))
            .header("Authorization", other),
    )
    .await;
    assert_eq!(
        theirs.0,
        StatusCode::NOT_FOUND,
        "custom fields belong to their site"
    );
    let (status, _) = send(app.anonymous(Method::GET, &format!("{BULK}/accounts/fields"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn activity_fields_are_listed_per_activity_type_with_oracles_names() {
    let app = spawn_app().await;
    let (status, opens) = app
        .get(&format!("{BULK}/activities/fields?activityType=EmailOpen"))
        .await;
    assert_eq!(status, StatusCode::OK, "{opens}");
    let names = strings(&opens["items"], "internalName");
    assert_eq!(
        names[..5],
        [
            "ActivityId",
            "ActivityType",
            "ActivityDate",
            "EmailAddress",
            "ContactId"
        ]
    );
    assert_eq!(opens["totalResults"], json!(names.len()));
    let date = &opens["items"][2];
    assert_eq!(
        (&date["statement"], &date["dataType"], &date["uri"]),
        (
            &json!("{{Activity.CreatedAt}}"),
            &json!("date"),
            &json!("/activities/fields/3")
        )
    );
    // Every type an extract tool discovers has the fields it keys rows on.
    for activity_type in [
        "EmailOpen",
        "EmailClickthrough",
        "EmailSend",
        "Subscribe",
        "Unsubscribe",
        "Bounceback",
        "WebVisit",
        "PageView",
        "FormSubmit",
    ] {
        let (status, body) = app
            .get(&format!(
                "{BULK}/activities/fields?activityType={activity_type}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{activity_type}: {body}");
        let names = strings(&body["items"], "internalName");
        for key in ["ActivityId", "ActivityType", "ActivityDate"] {
            assert!(names.contains(&key), "{activity_type} lacks {key}");
        }
        for item in body["items"].as_array().unwrap() {
            let types = item["activityTypes"].as_array().unwrap();
            assert!(types.contains(&json!(activity_type)), "{item}");
            assert!(
                item["statement"]
                    .as_str()
                    .unwrap()
                    .starts_with("{{Activity.")
            );
        }
    }
    let (_, unsubscribes) = app
        .get(&format!(
            "{BULK}/activities/fields?activityType=unsubscribe&q=internalName='Asset*'"
        ))
        .await;
    assert_eq!(
        strings(&unsubscribes["items"], "internalName"),
        ["AssetId", "AssetType", "AssetName"]
    );
    let (_, clicks) = app
        .get(&format!(
            "{BULK}/activities/fields?activityType=EmailClickthrough"
        ))
        .await;
    assert!(strings(&clicks["items"], "internalName").contains(&"EmailClickedThruLink"));

    let (status, one) = app.get(&format!("{BULK}/activities/fields/3")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["internalName"], "ActivityDate");
    assert_eq!(one["activityTypes"].as_array().unwrap().len(), 9);
    let (status, _) = app.get(&format!("{BULK}/activities/fields/999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for query in ["", "?activityType=External", "?activityType=", "?limit=5"] {
        let (status, body) = app.get(&format!("{BULK}/activities/fields{query}")).await;
        assert_failures(status, &body, &["activityType"]);
    }
    let (status, _) = send(app.anonymous(
        Method::GET,
        &format!("{BULK}/activities/fields?activityType=EmailOpen"),
    ))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
