//! Rows a sync cannot apply (§6.1, §7.8, §7.10): each reject reason with its code and log
//! line, ignored columns, `recordIndex` across files and batches, and paging the rejects.

use serde_json::{Value, json};

use crate::helpers::{TestApp, codes, rows, spawn_app};
use crate::helpers::{add_to, members};

const BY_EMAIL: &str = "{{Contact.Field(C_EmailAddress)}}";

/// A new list and a definition adding contacts found by `statement` (column `Key`) to it.
async fn definition(app: &TestApp, statement: &str) -> (String, i64) {
    let list = app.list("L").await;
    (app.definition(&add_to(list, statement)).await, list)
}

/// Syncs `definition` to its end; returns the sync's uri and final status.
async fn sync(app: &TestApp, definition: &str) -> (String, Value) {
    let uri = app.sync(definition).await;
    let status = app.wait_for_sync(&uri).await["status"].clone();
    (uri, status)
}

/// `(recordIndex, statusCode, fieldValues, message)` of a page of rejects.
fn described(items: &[Value]) -> Vec<(u64, &str, &Value, &str)> {
    fn item(r: &Value) -> (u64, &str, &Value, &str) {
        let text = |key: &str| r[key].as_str().unwrap();
        (
            r["recordIndex"].as_u64().unwrap(),
            text("statusCode"),
            &r["fieldValues"],
            text("message"),
        )
    }
    items.iter().map(item).collect()
}

#[tokio::test]
async fn rows_that_cannot_be_applied_are_rejected_with_their_codes() {
    let app = spawn_app().await;
    let known = app.contact("known@example.com").await;
    let (uri, list) = definition(&app, BY_EMAIL).await;
    let rows = json!([
        {"Key": "known@example.com"},
        {"Key": "nobody@example.com"},
        {"Other": "x"},
        {},
        {"Key": " KNOWN@example.com "},
        {"Key": "", "Other": null}
    ]);
    app.upload(&uri, &rows).await;
    let (sync, status) = sync(&app, &uri).await;
    assert_eq!(status, "warning");
    let id = sync.trim_start_matches("/syncs/");
    let expected = [
        "ELQ-00140 6 Records staged for sync actions.".to_owned(),
        "ELQ-00111 0 Field Other is not part of import definition, and will be ignored.".into(),
        format!("ELQ-00119 1 Added members to Contact List {list}."),
        "ELQ-00026 1 Duplicate identifier.".into(),
        "ELQ-00061 1 Rejected records (missing fields).".into(),
        "ELQ-00059 2 Empty records.".into(),
        "ELQ-00034 1 Total unmatched records.".into(),
        "ELQ-00060 5 Total rejected records.".into(),
        format!("ELQ-00101 0 Sync processed for sync {id}, resulting in Warning status."),
    ];
    assert_eq!(app.log_lines(&sync).await, expected);
    for line in &app.logs(&sync).await[3..8] {
        assert_eq!(line["severity"], "warning", "{line}");
    }
    let rejects = app.rejects(&sync).await;
    let none = json!({});
    let expected = [
        (
            2,
            "ELQ-00085",
            &json!({"Key": "nobody@example.com"}),
            "Contact does not exist.",
        ),
        (3, "ELQ-00061", &none, "Rejected records (missing fields)."),
        (4, "ELQ-00059", &none, "Empty records."),
        // §7.8: `fieldValues` is the row as received, spaces included.
        (
            5,
            "ELQ-00026",
            &json!({"Key": " KNOWN@example.com "}),
            "Duplicate identifier.",
        ),
        (6, "ELQ-00059", &none, "Empty records."),
    ];
    assert_eq!(described(&rejects), expected);
    assert!(
        rejects.iter().all(|r| r["invalidFields"] == json!(["Key"])),
        "{rejects:?}"
    );
    assert_eq!(members(&app, list).await, [known]);
}

#[tokio::test]
async fn a_contact_id_that_is_not_a_whole_number_names_no_contact() {
    let app = spawn_app().await;
    let id = app.contact("a@example.com").await;
    let (uri, list) = definition(&app, "{{Contact.Id}}").await;
    let values = [
        format!("{id}abc"),
        format!("0x{id}"),
        format!("{id}.0"),
        format!("-{id}"),
        format!("{id} {id}"),
    ];
    app.upload(&uri, &rows("Key", &values.each_ref().map(String::as_str)))
        .await;
    let (sync, status) = sync(&app, &uri).await;
    assert_eq!(status, "warning");
    let rejects = app.rejects(&sync).await;
    let codes: Vec<&str> = rejects
        .iter()
        .map(|r| r["statusCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["ELQ-00085"; 5], "{rejects:?}");
    assert!(members(&app, list).await.is_empty());
}

#[tokio::test]
async fn ignored_columns_warn_but_a_sync_without_rejects_still_succeeds() {
    let app = spawn_app().await;
    app.contact("a@example.com").await;
    let (uri, _) = definition(&app, BY_EMAIL).await;
    let csv = "FirstName,Key,Zip\nAnn,a@example.com,123\n";
    app.upload_raw(&uri, "text/csv", csv).await;
    let (sync, status) = sync(&app, &uri).await;
    assert_eq!(status, "success");
    let ignored: Vec<(Value, Value)> = app
        .logs(&sync)
        .await
        .into_iter()
        .filter(|l| l["statusCode"] == "ELQ-00111")
        .map(|l| (l["message"].clone(), l["severity"].clone()))
        .collect();
    let warning = |field: &str| {
        let message =
            format!("Field {field} is not part of import definition, and will be ignored.");
        (json!(message), json!("warning"))
    };
    assert_eq!(ignored, [warning("FirstName"), warning("Zip")]);
    assert!(app.rejects(&sync).await.is_empty());
}

#[tokio::test]
async fn rejects_are_numbered_across_files_in_upload_order_and_paged() {
    let app = spawn_app().await;
    app.contact("known@x.com").await;
    let (uri, _) = definition(&app, BY_EMAIL).await;
    let csv = "Key\nf1r1@x.com\nknown@x.com\nf1r3@x.com\n";
    app.upload_raw(&uri, "text/csv", csv).await;
    app.upload(&uri, &rows("Key", &["f2r1@x.com", "KNOWN@x.com"]))
        .await;
    let (sync, _) = sync(&app, &uri).await;
    let page = |query: &str| {
        let (app, path) = (&app, format!("{sync}/rejects?{query}"));
        async move { app.bulk_get(&path).await.1 }
    };
    let indexed = |page: &Value| -> Vec<(u64, String, String)> {
        let items = described(page["items"].as_array().unwrap());
        let item = |(i, code, values, _): (u64, &str, &Value, &str)| {
            (
                i,
                values["Key"].as_str().unwrap().to_owned(),
                code.to_owned(),
            )
        };
        items.into_iter().map(item).collect()
    };
    let expected: Vec<(u64, String, String)> = [
        (1, "f1r1@x.com", "ELQ-00085"),
        (3, "f1r3@x.com", "ELQ-00085"),
        (4, "f2r1@x.com", "ELQ-00085"),
        (5, "KNOWN@x.com", "ELQ-00026"),
    ]
    .map(|(i, v, c)| (i, v.to_owned(), c.to_owned()))
    .to_vec();
    assert_eq!(indexed(&page("").await), expected);
    let first = page("limit=2").await;
    assert_eq!(indexed(&first), expected[..2]);
    let envelope = json!({"totalResults": 4, "limit": 2, "offset": 0, "count": 2, "hasMore": true});
    for (key, value) in envelope.as_object().unwrap() {
        assert_eq!(&first[key], value, "{key}");
    }
    let last = page("limit=2&offset=3").await;
    assert_eq!(
        (indexed(&last), &last["hasMore"]),
        (expected[3..].to_vec(), &json!(false))
    );
    let untotalled = page("limit=2&offset=1&totalResults=false").await;
    assert_eq!(
        (indexed(&untotalled), &untotalled["hasMore"]),
        (expected[1..3].to_vec(), &json!(true))
    );
    assert!(untotalled.get("totalResults").is_none(), "{untotalled}");
    let end = page("limit=2&offset=2&totalResults=false").await;
    assert_eq!(
        (indexed(&end), &end["hasMore"]),
        (expected[2..].to_vec(), &json!(false))
    );
    let logs = app
        .bulk_get(&format!("{sync}/logs?limit=1&offset=1"))
        .await
        .1;
    assert_eq!(
        (&logs["items"][0]["statusCode"], &logs["hasMore"]),
        (&json!("ELQ-00119"), &json!(true))
    );
}

#[tokio::test]
async fn matches_and_duplicates_carry_across_the_engines_batches() {
    // The engine applies 50,000 rows per transaction; the contact first appears in row 50,001.
    let app = spawn_app().await;
    let a = app.contact("a@x.com").await;
    let (uri, list) = definition(&app, BY_EMAIL).await;
    let mut csv = String::from("Key\n");
    for i in 1..=50_000 {
        csv.push_str(&format!("u{i}@x.com\n"));
    }
    csv.push_str("A@x.com\na@x.com\n");
    app.upload_raw(&uri, "text/csv", csv).await;
    let (sync, status) = sync(&app, &uri).await;
    assert_eq!(status, "warning");
    let expected = [
        ("ELQ-00140", 50_002),
        ("ELQ-00119", 1),
        ("ELQ-00026", 1),
        ("ELQ-00034", 50_000),
        ("ELQ-00060", 50_001),
        ("ELQ-00101", 0),
    ];
    assert_eq!(app.log_codes(&sync).await, codes(&expected));
    let (_, tail) = app.bulk_get(&format!("{sync}/rejects?offset=49999")).await;
    let tail = described(tail["items"].as_array().unwrap());
    let expected = [
        (
            50_000,
            "ELQ-00085",
            &json!({"Key": "u50000@x.com"}),
            "Contact does not exist.",
        ),
        (
            50_002,
            "ELQ-00026",
            &json!({"Key": "a@x.com"}),
            "Duplicate identifier.",
        ),
    ];
    assert_eq!(tail, expected);
    assert_eq!(members(&app, list).await, [a]);
}
