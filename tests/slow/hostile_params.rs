//! Hostile query parameters and path ids: absurd `limit`/`offset`/`orderBy`/`q`/`totalResults`
//! on every Bulk collection, absurd `page`/`count`/`search` on REST collections, and ids that
//! overflow or are not numbers in every id position of the route table.

use reqwest::Method;

use crate::helpers::spawn_app;
use crate::hostile::{Case, JSON, Want, case, get, run};
use crate::routes_fixture::ROUTES;
use crate::routes_fixture::{Fixture, Payload};

/// Bulk collections and the page size each allows.
const BULK_LISTS: [(&str, u32); 12] = [
    ("/api/bulk/2.0/contacts/syncActions", 1000),
    ("/api/bulk/2.0/syncActions", 1000),
    ("/api/bulk/2.0/contacts/imports", 1000),
    ("/api/bulk/2.0/contacts/exports", 1000),
    ("/api/bulk/2.0/syncs", 1000),
    ("/api/bulk/2.0/syncs/{sync}/logs", 1000),
    ("/api/bulk/2.0/syncs/{sync}/rejects", 1000),
    ("/api/bulk/2.0/syncs/{export_sync}/data", 50_000),
    ("/api/bulk/2.0/contacts/lists", 1000),
    ("/api/bulk/2.0/emailGroups", 1000),
    ("/api/bulk/2.0/contacts/fields", 1000),
    ("/api/bulk/2.0/accounts/fields", 1000),
];

const REST_LISTS: [&str; 3] = [
    "/api/rest/1.0/data/contacts",
    "/api/rest/1.0/assets/contact/lists",
    "/api/rest/1.0/assets/email/groups",
];

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Values of `limit` refused everywhere (beyond the largest page size).
fn limits(max: u32) -> Vec<String> {
    let mut values: Vec<String> = [
        "-1",
        "0",
        "99999999999999999999",
        "4294967297",
        "1e3",
        "0x10",
        "1.0",
        "１０",
        "10 OR 1=1",
        "NaN",
        "∞",
        "10'",
    ]
    .map(str::to_owned)
    .to_vec();
    values.push((max + 1).to_string());
    values
}

const OFFSETS: [&str; 8] = [
    "-1",
    "99999999999999999999",
    "9223372036854775808",
    "18446744073709551616",
    "1.5",
    "٣",
    "0; DROP TABLE syncs",
    "+-1",
];

const ORDER_BYS: [&str; 10] = [
    "name' OR '1'='1",
    "name; DROP TABLE definitions",
    "naïve",
    "名前 DESC",
    "name ASC DESC",
    "name DESCENDING",
    "-name",
    "name,createdAt",
    "(SELECT 1)",
    "rowid",
];

const QS: [&str; 13] = [
    "name' OR '1'='1",
    "name='x'' OR ''1''=''1'",
    "name='x' OR '1'='1'",
    "name='x'; DROP TABLE definitions; --",
    "名前='x'",
    "name='unterminated",
    "name>'a'",
    "createdAt>'not a date'",
    "createdAt>'99999999999999999999'",
    "name='x' AND",
    "AND name='x'",
    "='x'",
    "name",
];

#[tokio::test]
async fn absurd_paging_sorting_and_filtering_is_400_naming_the_parameter() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let long_q = format!("name='{}'", "x".repeat(10_000));
    let mut cases = Vec::new();
    for (path, max) in BULK_LISTS {
        let mut add = |param: &'static str, value: &str| {
            let url = format!("{path}?{param}={}", encode(value));
            cases.push(get(
                format!("{path} {param}={value}"),
                url,
                Want::Bad(param),
            ));
        };
        limits(max).iter().for_each(|v| add("limit", v));
        OFFSETS.iter().for_each(|v| add("offset", v));
        ["yes", "1", "TRUE'", "maybe"]
            .iter()
            .for_each(|v| add("totalResults", v));
        // Logs, rejects and export data have no properties to sort or search on.
        ORDER_BYS.iter().for_each(|v| add("orderBy", v));
        QS.iter().for_each(|v| add("q", v));
        add("q", &long_q.replace("name", "nome"));
    }
    for path in REST_LISTS {
        let mut add = |param: &'static str, value: &str| {
            let url = format!("{path}?{param}={}", encode(value));
            cases.push(get(
                format!("{path} {param}={value}"),
                url,
                Want::Bad(param),
            ));
        };
        for value in [
            "-1",
            "0",
            "99999999999999999999",
            "9223372036854775808",
            "1.5",
            "１",
        ] {
            add("page", value);
        }
        for value in ["-1", "0", "1001", "99999999999999999999", "1e3", "ten"] {
            add("count", value);
        }
        add("search", "firstName=x");
        add("search", "id=1 OR 1=1");
    }
    run(&app, &fixture, cases).await;
}

#[tokio::test]
async fn valid_but_absurd_paging_and_injection_shaped_values_find_nothing() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let mut cases = Vec::new();
    for (path, _) in BULK_LISTS {
        let url = format!("{path}?offset=9223372036854775807&limit=1000");
        cases.push(get(format!("{path} at offset i64::MAX"), url, Want::Empty));
    }
    let named = [0, 1, 2, 3, 8, 9].map(|i| BULK_LISTS[i].0);
    for path in named {
        for q in [
            "name='%'",
            "name='_wned'",
            "name=\"' OR 1=1 --\"",
            "name='Owned\\'",
        ] {
            let url = format!("{path}?q={}", encode(q));
            cases.push(get(format!("{path} q={q}"), url, Want::Empty));
        }
    }
    for path in REST_LISTS {
        for query in [
            "page=9223372036854775807&count=1000".to_owned(),
            format!("search={}", encode("' OR 1=1 --")),
            format!("search={}", encode("%")),
            format!("search={}", encode("_%")),
        ] {
            let url = format!("{path}?{query}");
            cases.push(get(format!("{path}?{query}"), url, Want::Empty));
        }
    }
    run(&app, &fixture, cases).await;
}

/// Ids that name nothing: overflowing, negative, zero, not numbers, or not GUIDs.
const BAD_IDS: [&str; 14] = [
    "0",
    "-1",
    "9223372036854775808",
    "99999999999999999999",
    "abc",
    "1.0",
    "1e3",
    "0x1",
    "%20",
    "%00",
    "%EF%BC%91",
    "1;DROP",
    "01234567-89ab-cdef-0123-456789abcdef",
    "0123456789abcdef0123456789abcdef0",
];

#[tokio::test]
async fn a_bad_id_in_every_id_position_of_every_route_is_404() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let mut cases: Vec<Case> = Vec::new();
    for &(method, path, payload) in ROUTES {
        let keys = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')));
        for key in keys {
            // Each refused write costs a read-back of the state: a sample of the ids suffices.
            let sample = if method == "GET" {
                &BAD_IDS[..]
            } else {
                &BAD_IDS[1..6]
            };
            for bad in sample {
                let (body, content_type) = match payload {
                    Payload::None => (Vec::new(), None),
                    payload => (fixture.body(payload).to_string().into_bytes(), Some(JSON)),
                };
                let name = format!("{method} {path} with {{{key}}}={bad}");
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                let url = fixture.fill_with(path, key, bad);
                cases.push(case(name, method, url, content_type, body, Want::Gone));
            }
        }
    }
    run(&app, &fixture, cases).await;
}
