//! One integration binary: every test drives a real server over HTTP on a random port. The
//! slow ones (hostile input over every route, slow bodies, the staging limits) are in
//! `tests/slow`, which shares this binary's helpers and route table.

// Test helpers outside #[test] functions panic on purpose when arranging state fails.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod account_exports;
mod account_sync_actions;
mod activities;
mod appcloud;
mod contact_accounts;
mod containers;
mod csv_injection;
mod custom_objects;
mod discovery;
mod email_address_imports;
mod exports;
mod extract_discovery;
mod helpers;
mod imports;
mod imports_rules;
mod limits;
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
// Shared with `tests/slow`, which alone reads answers of slow bodies.
#[allow(dead_code)]
mod raw;
mod rest_accounts;
mod rest_assets;
mod rest_contacts;
mod routes;
mod routes_fixture;
mod signin;
mod signin_tokens;
mod sync_actions;
mod ui;
