//! The one place SQLite errors become [`StoreError`]s.

use rusqlite::ErrorCode;

use crate::store::StoreError;

/// Named uniqueness rules, recognised from SQLite's "UNIQUE constraint failed: table.col" text.
const UNIQUE_RULES: &[(&str, &str)] = &[
    ("sites.", "sites_name"),
    ("users.", "users_login"),
    ("oauth_clients.", "oauth_clients_pkey"),
    ("contacts.", "contacts_email"),
    ("appcloud_instances.", "appcloud_instances_guid"),
    ("contact_custom_fields.", "contact_custom_fields_name"),
    ("account_custom_fields.", "account_custom_fields_name"),
];

/// `?` on a driver call gives the store's error (see [`map`]).
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        map(err)
    }
}

/// Staging answers with the store's error too.
impl From<rusqlite::Error> for crate::store::StageError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(map(err))
    }
}

/// Maps a driver error to the store's error.
pub(super) fn map(err: rusqlite::Error) -> StoreError {
    match &err {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(failure, message) => match failure.code {
            ErrorCode::ConstraintViolation => {
                let text = message.as_deref().unwrap_or_default();
                let constraint = UNIQUE_RULES
                    .iter()
                    .find(|(table, _)| text.contains(table))
                    .map_or("reference", |(_, name)| name);
                StoreError::Conflict { constraint }
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable("the database is busy".into())
            }
            ErrorCode::DiskFull => StoreError::Unavailable("the disk is full".into()),
            _ => StoreError::Other(err.into()),
        },
        _ => StoreError::Other(err.into()),
    }
}
