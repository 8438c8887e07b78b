use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};

use super::{Metrics, UNMATCHED, method_label};
use crate::domain::clock::SystemClock;
use crate::domain::record_type::{ACCOUNTS, ACTIVITIES, CONTACTS};
use crate::domain::sync::{SyncKind, SyncStatus};
use crate::store::sqlite::SqliteStore;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("loquat.db"), Arc::new(SystemClock)).unwrap();
    (dir, store)
}

/// The sample lines of `text` (comments left out).
fn samples(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

#[tokio::test]
async fn an_idle_node_shows_every_store_series_at_zero_and_its_build() {
    let (_dir, store) = store();
    let text = Metrics::new().render(&store).await;
    let lines = samples(&text);
    for expected in [
        "loquat_store_up 1",
        "loquat_syncs{status=\"pending\"} 0",
        "loquat_syncs{status=\"error\"} 0",
        "loquat_engine_queue_depth 0",
        "loquat_staged_rows 0",
    ] {
        assert!(lines.contains(&expected), "{expected} missing from\n{text}");
    }
    let build = format!(
        "loquat_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    assert!(lines.contains(&build.as_str()), "{text}");
    assert!(
        lines.contains(&"loquat_http_requests_shed_total 0"),
        "{text}"
    );
    // A family shows its series once it has one: nothing is invented before it happens.
    assert!(!text.contains("loquat_sync_duration_seconds"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("loquat_process_start_time_seconds "))
    );
}

#[tokio::test]
async fn records_requests_uploads_syncs_and_callbacks() {
    let (_dir, store) = store();
    let metrics = Metrics::new();
    let route = "/api/bulk/2.0/syncs/{id}";
    metrics.request(
        route,
        &Method::GET,
        StatusCode::OK,
        Duration::from_millis(3),
    );
    metrics.request(
        route,
        &Method::GET,
        StatusCode::OK,
        Duration::from_millis(30),
    );
    metrics.request(
        UNMATCHED,
        &Method::from_bytes(b"BREW").unwrap(),
        StatusCode::NOT_FOUND,
        Duration::ZERO,
    );
    metrics.request_shed();
    metrics.upload(SyncKind::Import, &CONTACTS, 2048, 10);
    metrics.sync_finished(
        (SyncKind::SyncAction, &ACCOUNTS),
        SyncStatus::Warning,
        Duration::from_secs(2),
        1000,
    );
    metrics.sync_finished(
        (SyncKind::Export, &ACTIVITIES),
        SyncStatus::Success,
        Duration::from_secs(1),
        0,
    );
    metrics.callback_failed(false);
    metrics.callback_failed(true);
    let text = metrics.render(&store).await;
    let lines = samples(&text);
    for expected in [
        "loquat_http_requests_total{route=\"/api/bulk/2.0/syncs/{id}\",method=\"GET\",status=\"200\"} 2",
        "loquat_http_requests_total{route=\"(unmatched)\",method=\"other\",status=\"404\"} 1",
        "loquat_http_request_duration_seconds_count{route=\"/api/bulk/2.0/syncs/{id}\"} 2",
        "loquat_http_request_duration_seconds_bucket{route=\"/api/bulk/2.0/syncs/{id}\",le=\"0.005\"} 1",
        "loquat_http_requests_shed_total 1",
        "loquat_upload_bytes_total{kind=\"import\",object=\"contacts\"} 2048",
        "loquat_upload_rows_total{kind=\"import\",object=\"contacts\"} 10",
        "loquat_syncs_finished_total{kind=\"syncAction\",object=\"accounts\",status=\"warning\"} 1",
        "loquat_syncs_finished_total{kind=\"export\",object=\"activities\",status=\"success\"} 1",
        "loquat_sync_duration_seconds_count{kind=\"syncAction\",object=\"accounts\"} 1",
        "loquat_sync_duration_seconds_sum{kind=\"syncAction\",object=\"accounts\"} 2.0",
        "loquat_sync_rows_per_second_sum{kind=\"syncAction\",object=\"accounts\"} 500.0",
        "loquat_callback_failures_total{outcome=\"retry\"} 1",
        "loquat_callback_failures_total{outcome=\"gave_up\"} 1",
    ] {
        assert!(lines.contains(&expected), "{expected} missing from\n{text}");
    }
    assert!(
        !text.contains("loquat_sync_rows_per_second_count{kind=\"export\",object=\"activities\"}"),
        "a sync of no rows has no rate\n{text}"
    );
}

#[test]
fn unknown_methods_share_one_label() {
    assert_eq!(method_label(&Method::DELETE), "DELETE");
    assert_eq!(
        method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
        "other"
    );
}
