//! The one place PostgreSQL errors become [`StoreError`]s.

use tokio_postgres::error::{DbError, SqlState};

use crate::store::StoreError;

/// Unique indexes by name, mapped to the rule names the API knows (the same as SQLite's).
const UNIQUE_RULES: &[&str] = &[
    "sites_name",
    "users_login",
    "oauth_clients_pkey",
    "contacts_email",
    "appcloud_instances_guid",
    "contact_custom_fields_name",
    "account_custom_fields_name",
];

/// `?` on a driver call gives the store's error (see [`map`]).
impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> Self {
        map(err)
    }
}

/// Staging answers with the store's error too.
impl From<tokio_postgres::Error> for crate::store::StageError {
    fn from(err: tokio_postgres::Error) -> Self {
        Self::Store(map(err))
    }
}

/// Maps a driver error to the store's error.
pub(super) fn map(err: tokio_postgres::Error) -> StoreError {
    let Some(db) = err.as_db_error() else {
        // No answer from the server: the connection broke or could not be made.
        if err.is_closed() || err.to_string().contains("connect") {
            return StoreError::Unavailable(format!("database connection: {err}"));
        }
        return StoreError::Other(err.into());
    };
    let code = db.code();
    if *code == SqlState::UNIQUE_VIOLATION {
        let constraint = db
            .constraint()
            .and_then(|name| UNIQUE_RULES.iter().find(|rule| **rule == name))
            .copied()
            .unwrap_or("reference");
        return StoreError::Conflict { constraint };
    }
    if *code == SqlState::FOREIGN_KEY_VIOLATION {
        return StoreError::Conflict {
            constraint: "reference",
        };
    }
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::ADMIN_SHUTDOWN
        || *code == SqlState::CANNOT_CONNECT_NOW
        || *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::QUERY_CANCELED
    {
        return StoreError::Unavailable(format!("the database is busy ({})", code.code()));
    }
    if *code == SqlState::DISK_FULL {
        return StoreError::Unavailable("the database disk is full".into());
    }
    StoreError::Other(anyhow::anyhow!(described(db)))
}

/// A database error as logs may show it: its SQLSTATE, the objects it names and its message,
/// but never its DETAIL (where PostgreSQL puts a failing row's values) and, for data
/// exceptions (class 22, e.g. `invalid input syntax for type bigint: "…"`), not the message
/// either, which quotes the offending value. Uploaded rows are personal data.
fn described(db: &DbError) -> String {
    let code = db.code().code();
    let mut text = format!("database error {code}");
    for (what, name) in [
        ("table", db.table()),
        ("column", db.column()),
        ("constraint", db.constraint()),
    ] {
        if let Some(name) = name {
            text.push_str(&format!(" {what} {name}"));
        }
    }
    if !code.starts_with("22") {
        text.push_str(": ");
        text.push_str(db.message());
    }
    text
}
