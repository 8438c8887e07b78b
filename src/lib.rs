//! Loquat: a server that speaks Oracle Eloqua's Bulk API 2.0 sync-action pipeline and
//! applies it to a contact store.
//!
//! - [`api`]: the HTTP layer (axum): routes, auth extraction, Eloqua's wire shapes and errors.
//! - [`domain`]: pure rules: markup, definitions, queries, records, time.
//! - [`store`]: persistence behind the [`store::Store`] trait (SQLite embedded).
//! - [`auth`]: password and token checks.
//! - [`app`]: wiring a store and a listener into a running server.
//! - [`cli`]: the `loquat` command line.
//! - [`push`]: `loquat push`, a client sending files through any Eloqua Bulk API.
//! - [`metrics`]: Prometheus series and `GET /metrics`.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod metrics;
pub mod push;
pub mod store;
pub mod telemetry;
pub mod upload;
