//! CSV that Loquat writes for people (export data with `Accept: text/csv`) keeps spreadsheets
//! from running cells as formulas, unless the operator turns that off for machine consumers.

use loquat::config::Overrides;
use reqwest::StatusCode;
use serde_json::json;

use crate::exports::export;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Creates a contact whose first and last names are the given values.
async fn contact_named(app: &TestApp, email: &str, first: &str, last: &str) {
    let (status, body) = app
        .post(
            "/api/REST/1.0/data/contact",
            &json!({"emailAddress": email, "firstName": first, "lastName": last}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The export's data as CSV text.
async fn export_csv(app: &TestApp) -> String {
    let sync = export(
        app,
        json!({
            "Email": "{{Contact.Field(C_EmailAddress)}}",
            "First": "{{Contact.Field(C_FirstName)}}",
            "Last": "{{Contact.Field(C_LastName)}}"
        }),
        None,
    )
    .await;
    app.csv_data(&sync).await
}

async fn seed(app: &TestApp) {
    contact_named(app, "a@example.com", "=cmd|'/c calc'!A1", "-12.5").await;
    contact_named(app, "b@example.com", "@SUM(1+1)", "+44 20 7946 0958").await;
}

#[tokio::test]
async fn export_csv_prefixes_cells_a_spreadsheet_would_run() {
    let app = spawn_app().await;
    seed(&app).await;
    assert_eq!(
        export_csv(&app).await,
        "Email,First,Last\n\
         a@example.com,'=cmd|'/c calc'!A1,-12.5\n\
         b@example.com,'@SUM(1+1),'+44 20 7946 0958\n"
    );
}

#[tokio::test]
async fn export_csv_keeps_values_raw_when_escaping_is_off() {
    let app = spawn_app_with(
        std::sync::Arc::new(loquat::domain::clock::SystemClock),
        Overrides {
            csv_formula_escape: Some(false),
            ..Overrides::default()
        },
    )
    .await;
    seed(&app).await;
    assert_eq!(
        export_csv(&app).await,
        "Email,First,Last\n\
         a@example.com,=cmd|'/c calc'!A1,-12.5\n\
         b@example.com,@SUM(1+1),+44 20 7946 0958\n"
    );
}
