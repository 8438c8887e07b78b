//! Pure domain logic: Eloqua's markup, definition rules, query language, records and time.
//! Nothing here imports axum, a database crate or the network.

pub mod account;
pub mod account_fields;
pub mod activity;
pub mod appcloud;
pub mod asset;
pub mod callback;
pub mod clock;
pub mod contact;
pub mod contact_fields;
pub mod custom_object;
pub mod definition;
pub mod duration;
pub mod elq;
pub mod failure;
pub mod fields;
pub mod filter;
pub mod import_plan;
pub mod markup;
pub mod plan;
pub mod query;
pub mod record_type;
pub mod site;
pub mod spreadsheet;
pub mod staging;
pub mod sync;
