//! REST 1.0 contact lists, email groups and group subscriptions over HTTP (§8.3).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_failures, assert_not_found_to_every_method, failure_fields, send, spawn_app,
    without_rest_times,
};

const LIST: &str = "/api/rest/1.0/assets/contact/list";
const LISTS: &str = "/api/rest/1.0/assets/contact/lists";
const GROUP: &str = "/api/rest/1.0/assets/email/group";
const GROUPS: &str = "/api/rest/1.0/assets/email/groups";

async fn created(app: &TestApp, path: &str, body: Value) -> (String, Value) {
    let (status, answer) = app.post(path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    (
        format!("{path}/{}", answer["id"].as_str().expect("string id")),
        answer,
    )
}

#[tokio::test]
async fn a_list_is_created_with_members_read_changed_and_deleted() {
    let app = spawn_app().await;
    let (a, b) = (
        app.contact_in(app.site.id, "a@example.com", None).await,
        app.contact_in(app.site.id, "b@example.com", None).await,
    );
    let body =
        json!({"name": "Webinar", "description": "May", "membershipAdditions": [a, b.to_string()]});
    let (path, list) = created(&app, LIST, body).await;
    let id = list["id"].as_str().unwrap().to_owned();
    let lookup = list["dataLookupId"].as_str().unwrap().to_owned();
    assert!(
        lookup.len() == 32 && lookup.bytes().all(|c| c.is_ascii_hexdigit()),
        "{lookup}"
    );
    let mut expected = json!({
        "type": "ContactList", "id": id, "createdBy": "tester", "depth": "complete",
        "name": "Webinar", "description": "May", "updatedBy": "tester", "count": 2,
        "dataLookupId": lookup, "membershipAdditions": [a.to_string(), b.to_string()], "scope": "local"
    });
    assert_eq!(without_rest_times(list), expected);
    expected
        .as_object_mut()
        .unwrap()
        .remove("membershipAdditions");
    let (status, read) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(without_rest_times(read), expected);

    let change = json!({"name": "Webinar 2", "scope": "global", "membershipDeletions": [a]});
    let (status, changed) = app.put(&path, &change).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let changed = without_rest_times(changed);
    assert_eq!(
        (&changed["name"], &changed["count"], &changed["scope"]),
        (&json!("Webinar 2"), &json!(1), &json!("global"))
    );
    assert_eq!(changed["membershipDeletions"], json!([a.to_string()]));
    assert!(
        changed.get("description").is_none(),
        "PUT replaces the description"
    );
    assert_eq!(changed["dataLookupId"], expected["dataLookupId"]);

    assert_eq!(app.delete(&path).await, (StatusCode::OK, Value::Null));
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_list_bodies_are_400_naming_the_property_and_change_nothing() {
    let app = spawn_app().await;
    let mine = app.contact_in(app.site.id, "a@example.com", None).await;
    let (other_site, _) = app.add_site("Other", "bob", true).await;
    let foreign = app.contact_in(other_site.id, "z@example.com", None).await;
    let (path, _) = created(
        &app,
        LIST,
        json!({"name": "Kept", "membershipAdditions": [mine]}),
    )
    .await;
    let cases = [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": 7}), "name"),
        (json!({"name": "L", "description": false}), "description"),
        (json!({"name": "L", "scope": "planet"}), "scope"),
        (
            json!({"name": "L", "membershipAdditions": "1"}),
            "membershipAdditions",
        ),
        (
            json!({"name": "L", "membershipAdditions": ["x"]}),
            "membershipAdditions",
        ),
        (
            json!({"name": "L", "membershipAdditions": [999_999]}),
            "membershipAdditions",
        ),
        (
            json!({"name": "L", "membershipAdditions": [foreign]}),
            "membershipAdditions",
        ),
        (
            json!({"name": "L", "membershipDeletions": [mine, 999_999]}),
            "membershipDeletions",
        ),
        (json!("Webinar"), "body"),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(LIST, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "POST {body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "POST {body}");
        let (status, answer) = app.put(&path, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {body}: {answer}");
        assert_eq!(failure_fields(&answer), [field], "PUT {body}");
    }
    let (_, kept) = app.get(&path).await;
    assert_eq!((&kept["name"], &kept["count"]), (&json!("Kept"), &json!(1)));
    assert_eq!(app.get(LISTS).await.1["total"], 1, "no list was created");
}

#[tokio::test]
async fn an_unknown_list_is_404_even_with_unknown_members() {
    let app = spawn_app().await;
    let body = json!({"name": "L", "membershipAdditions": [999_999]});
    for id in ["4242", "abc", "99999999999999999999", "0"] {
        assert_not_found_to_every_method(&app, &format!("{LIST}/{id}"), &body).await;
    }
}

#[tokio::test]
async fn lists_are_searched_by_name_and_paged() {
    let app = spawn_app().await;
    for name in ["Webinar May", "Webinar June", "Newsletter"] {
        created(&app, LIST, json!({"name": name})).await;
    }
    let (status, all) = app.get(LISTS).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&all["page"], &all["pageSize"], &all["total"]),
        (&json!(1), &json!(1000), &json!(3))
    );
    let (_, page) = app
        .get(&format!("{LISTS}?search=name='webinar*'&count=1&page=2"))
        .await;
    assert_eq!((&page["pageSize"], &page["total"]), (&json!(1), &json!(2)));
    assert_eq!(page["elements"].as_array().unwrap().len(), 1);
    assert_eq!(page["elements"][0]["name"], "Webinar June");
    let (_, bare) = app.get(&format!("{LISTS}?search=*letter")).await;
    assert_eq!(bare["elements"][0]["name"], "Newsletter");
    let (status, body) = app.get(&format!("{LISTS}?search=scope=local")).await;
    assert_failures(status, &body, &["search"]);
}

#[tokio::test]
async fn a_group_is_created_read_replaced_listed_and_deleted() {
    let app = spawn_app().await;
    let body = json!({"name": "News", "displayName": "Our news", "description": "Weekly",
                      "isVisibleInPublicSubscriptionList": "true", "emailIds": ["5"]});
    let (path, group) = created(&app, GROUP, body).await;
    let expected = json!({
        "type": "EmailGroup", "id": group["id"], "createdBy": "tester", "depth": "complete",
        "name": "News", "description": "Weekly", "displayName": "Our news", "updatedBy": "tester",
        "isVisibleInPublicSubscriptionList": "true", "emailIds": []
    });
    assert_eq!(without_rest_times(group), expected);
    assert_eq!(without_rest_times(app.get(&path).await.1), expected);

    let (status, replaced) = app.put(&path, &json!({"name": "Offers"})).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    let expected = json!({
        "type": "EmailGroup", "id": expected["id"], "createdBy": "tester", "depth": "complete",
        "name": "Offers", "updatedBy": "tester", "isVisibleInPublicSubscriptionList": "false", "emailIds": []
    });
    assert_eq!(without_rest_times(replaced), expected);
    created(&app, GROUP, json!({"name": "Alerts"})).await;
    let (_, listed) = app.get(&format!("{GROUPS}?search=name=Off*")).await;
    assert_eq!((&listed["total"], &listed["page"]), (&json!(1), &json!(1)));
    assert_eq!(without_rest_times(listed["elements"][0].clone()), expected);

    assert_eq!(app.delete(&path).await, (StatusCode::OK, Value::Null));
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(GROUPS).await.1["total"], 1);
}

#[tokio::test]
async fn bad_group_requests_are_400_or_404() {
    let app = spawn_app().await;
    let (path, _) = created(&app, GROUP, json!({"name": "News"})).await;
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "N", "displayName": 1}), "displayName"),
        (
            json!({"name": "N", "isVisibleInPublicSubscriptionList": "yes"}),
            "isVisibleInPublicSubscriptionList",
        ),
    ] {
        let (status, answer) = app.post(GROUP, &body).await;
        assert_failures(status, &answer, &[field]);
        let (status, answer) = app.put(&path, &body).await;
        assert_failures(status, &answer, &[field]);
    }
    for id in ["4242", "abc", "99999999999999999999"] {
        let path = format!("{GROUP}/{id}");
        assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.put(&path, &json!({})).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&path).await.0, StatusCode::NOT_FOUND);
    }
    for target in [GROUP.to_owned(), path, LIST.to_owned()] {
        let method = if target == GROUP || target == LIST {
            Method::POST
        } else {
            Method::PUT
        };
        let plain = app
            .request(method.clone(), &target)
            .header("Content-Type", "text/csv")
            .body("name\nx");
        let (status, body) = send(plain).await;
        assert_failures(status, &body, &["Content-Type"]);
        let broken = app
            .request(method, &target)
            .header("Content-Type", "application/json")
            .body("{\"name\"");
        let (status, body) = send(broken).await;
        assert_failures(status, &body, &["body"]);
    }
}

#[tokio::test]
async fn a_contact_is_subscribed_to_a_group_until_set_otherwise() {
    let app = spawn_app().await;
    let who = app.contact_in(app.site.id, "s@example.com", None).await;
    let (_, group) = created(&app, GROUP, json!({"name": "News"})).await;
    let group_id = group["id"].as_str().unwrap();
    let path = format!("/api/rest/1.0/data/contact/{who}/email/group/{group_id}/subscription");
    let expected = |subscribed: &str| {
        json!({
            "type": "EmailGroupSubscription", "contactId": who.to_string(),
            "emailGroup": {"type": "EmailGroup", "id": group_id, "name": "News"},
            "isSubscribed": subscribed
        })
    };
    assert_eq!(app.get(&path).await, (StatusCode::OK, expected("true")));
    assert_eq!(
        app.put(&path, &json!({"isSubscribed": "false"})).await,
        (StatusCode::OK, expected("false"))
    );
    assert_eq!(app.get(&path).await, (StatusCode::OK, expected("false")));
    assert_eq!(
        app.put(&path, &json!({"isSubscribed": true})).await,
        (StatusCode::OK, expected("true"))
    );

    for body in [json!({}), json!({"isSubscribed": "no"})] {
        let (status, answer) = app.put(&path, &body).await;
        assert_failures(status, &answer, &["isSubscribed"]);
    }
    for bad in [
        format!("/api/rest/1.0/data/contact/999999/email/group/{group_id}/subscription"),
        format!("/api/rest/1.0/data/contact/{who}/email/group/999999/subscription"),
        format!("/api/rest/1.0/data/contact/abc/email/group/{group_id}/subscription"),
        format!("/api/rest/1.0/data/contact/{who}/email/group/99999999999999999999/subscription"),
    ] {
        assert_eq!(app.get(&bad).await.0, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(
            app.put(&bad, &json!({"isSubscribed": false})).await.0,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn another_site_neither_sees_nor_changes_lists_groups_or_subscriptions() {
    let app = spawn_app().await;
    let who = app.contact_in(app.site.id, "s@example.com", None).await;
    let (list, _) = created(
        &app,
        LIST,
        json!({"name": "Mine", "membershipAdditions": [who]}),
    )
    .await;
    let (group, answer) = created(&app, GROUP, json!({"name": "Mine"})).await;
    let subscription = format!(
        "/api/rest/1.0/data/contact/{who}/email/group/{}/subscription",
        answer["id"].as_str().unwrap()
    );
    let (_, other) = app.add_site("Other", "bob", true).await;
    let as_other = |method: Method, target: &str| {
        app.anonymous(method, target)
            .header("Authorization", other.clone())
    };
    for target in [&list, &group, &subscription] {
        assert_eq!(
            send(as_other(Method::GET, target)).await.0,
            StatusCode::NOT_FOUND,
            "{target}"
        );
        let put =
            as_other(Method::PUT, target).json(&json!({"name": "Theirs", "isSubscribed": false}));
        assert_eq!(send(put).await.0, StatusCode::NOT_FOUND, "{target}");
    }
    assert_eq!(
        send(as_other(Method::DELETE, &list)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(as_other(Method::DELETE, &group)).await.0,
        StatusCode::NOT_FOUND
    );
    for collection in [LISTS, GROUPS] {
        let (status, theirs) = send(as_other(Method::GET, collection)).await;
        assert_eq!(
            (status, &theirs["total"]),
            (StatusCode::OK, &json!(0)),
            "{collection}"
        );
    }
    assert_eq!(app.get(&list).await.1["count"], 1);
    assert_eq!(app.get(&subscription).await.1["isSubscribed"], "true");
}
