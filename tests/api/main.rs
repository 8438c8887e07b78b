//! One integration binary: every test drives a real server over HTTP on a random port.

// Test helpers outside #[test] functions panic on purpose when arranging state fails.
#![allow(clippy::unwrap_used)]

mod discovery;
mod helpers;
mod sync_actions;
