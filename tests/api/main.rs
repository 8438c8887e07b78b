//! One integration binary: every test drives a real server over HTTP on a random port.

// Test helpers outside #[test] functions panic on purpose when arranging state fails.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod appcloud;
mod containers;
mod csv_injection;
mod discovery;
mod exports;
mod helpers;
mod hostile;
mod hostile_limits;
mod hostile_params;
mod hostile_refs;
mod hostile_uploads;
mod imports;
mod imports_rules;
mod limits;
mod limits_body;
mod listing_times;
mod metrics;
mod openapi;
mod pipeline;
mod pipeline_actions;
mod pipeline_background;
mod pipeline_callbacks;
mod pipeline_rejects;
mod pipeline_staging;
mod pipeline_syncs;
mod raw;
mod rest_assets;
mod rest_contacts;
mod routes;
mod routes_fixture;
mod signin;
mod signin_tokens;
mod sync_actions;
mod ui;
