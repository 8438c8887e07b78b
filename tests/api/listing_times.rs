//! `q` compares times at the precision clients see (seven fractional digits), whatever finer
//! precision the store keeps.

use std::sync::Arc;

use loquat::config::Overrides;
use loquat::domain::clock::{ManualClock, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

const BASE: &str = "/api/bulk/2.0/contacts/syncActions";

async fn create(app: &TestApp, name: &str) -> serde_json::Value {
    let (status, created) = app
        .post(
            BASE,
            &json!({
                "name": name,
                "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "E",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn names(app: &TestApp, q: &str) -> Vec<String> {
    let (status, page) = app.get(&format!("{BASE}?q={q}&orderBy=name")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_created_at_shown_to_the_client_compares_equal_to_itself() {
    // 42 ns past a whole 100 ns step: finer than the seven digits clients see.
    let clock = Arc::new(ManualClock::new(Timestamp::from_nanos(
        1_714_564_800_000_000_042,
    )));
    let app = spawn_app_with(clock.clone(), Overrides::default()).await;
    let first = create(&app, "First").await;
    clock.advance_seconds(1);
    create(&app, "Second").await;
    let shown = first["createdAt"].as_str().unwrap();
    assert_eq!(shown, "2024-05-01T12:00:00.0000000Z");
    assert_eq!(
        names(&app, &format!("createdAt>'{shown}'")).await,
        ["Second"]
    );
    assert_eq!(
        names(&app, &format!("createdAt>='{shown}'")).await,
        ["First", "Second"]
    );
    assert_eq!(
        names(&app, &format!("createdAt='{shown}'")).await,
        ["First"]
    );
    assert_eq!(
        names(&app, &format!("createdAt!='{shown}'")).await,
        ["Second"]
    );
    assert_eq!(
        names(&app, &format!("createdAt<='{shown}'")).await,
        ["First"]
    );
    assert!(
        names(&app, &format!("createdAt<'{shown}'"))
            .await
            .is_empty()
    );
}
