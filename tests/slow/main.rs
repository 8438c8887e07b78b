//! The slow part of the HTTP suite, a binary of its own so that `cargo test --test api` stays
//! quick: hostile input against every route, bodies sent slowly against their deadlines, and
//! the staging limits that take 32 MiB or 501 uploads to reach. `cargo test` runs it too.

// Test helpers outside #[test] functions panic on purpose when arranging state fails.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
// Shared with `tests/api`; this binary uses only part of them.
#[allow(dead_code, unused_imports)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/raw.rs"]
mod raw;
#[allow(dead_code)]
#[path = "../api/routes_fixture.rs"]
mod routes_fixture;

mod hostile;
mod hostile_limits;
mod hostile_params;
mod hostile_refs;
mod hostile_uploads;
mod limits_body;
mod staging_limits;
