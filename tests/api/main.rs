//! One integration binary: every test drives a real server over HTTP on a random port.

// Test helpers outside #[test] functions panic on purpose when arranging state fails.
#![allow(clippy::unwrap_used)]

mod appcloud;
mod containers;
mod discovery;
mod exports;
mod helpers;
mod hostile;
mod hostile_params;
mod hostile_refs;
mod hostile_uploads;
mod imports;
mod limits;
mod metrics;
mod openapi;
mod pipeline;
mod pipeline_actions;
mod pipeline_background;
mod pipeline_rejects;
mod pipeline_staging;
mod pipeline_syncs;
mod rest_assets;
mod rest_contacts;
mod routes;
mod routes_fixture;
mod signin;
mod signin_tokens;
mod sync_actions;
mod ui;
