//! Contacts on SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, Row, params};

use super::listing::like_pattern;
use super::{SqliteStore, error};
use crate::domain::clock::Timestamp;
use crate::domain::contact::{Contact, ContactInput};
use crate::store::{ContactSearch, ContactStore, StoreError, StoreResult};

const COLUMNS: &str = "id, email_address, contact_id_ext, first_name, last_name, is_subscribed, is_bounced, created_at, updated_at";

fn contact_from(row: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: row.get(0)?,
        email_address: row.get(1)?,
        contact_id_ext: row.get(2)?,
        first_name: row.get(3)?,
        last_name: row.get(4)?,
        is_subscribed: row.get(5)?,
        is_bounced: row.get(6)?,
        created_at: Timestamp::from_nanos(row.get(7)?),
        updated_at: Timestamp::from_nanos(row.get(8)?),
    })
}

pub(super) fn load_contact(conn: &Connection, site_id: i64, id: i64) -> StoreResult<Contact> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM contacts WHERE site_id = ?1 AND id = ?2"),
        params![site_id, id],
        contact_from,
    )
    .map_err(error::map)
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn create_contact(&self, site_id: i64, input: ContactInput) -> StoreResult<Contact> {
        let now = self.now().as_nanos();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO contacts (site_id, email_address, contact_id_ext, first_name, last_name, is_subscribed, is_bounced, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![site_id, input.email_address, input.contact_id_ext, input.first_name, input.last_name, input.is_subscribed, input.is_bounced, now],
            )?;
            load_contact(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_contact(&self, site_id: i64, id: i64) -> StoreResult<Contact> {
        self.read(move |conn| load_contact(conn, site_id, id)).await
    }

    async fn update_contact(
        &self,
        site_id: i64,
        id: i64,
        input: ContactInput,
    ) -> StoreResult<Contact> {
        let now = self.now().as_nanos();
        self.write(move |tx| {
            let changed = tx
                .execute(
                    "UPDATE contacts SET email_address = ?3, contact_id_ext = ?4, first_name = ?5, last_name = ?6,
                     is_subscribed = ?7, is_bounced = ?8, updated_at = ?9 WHERE site_id = ?1 AND id = ?2",
                    params![site_id, id, input.email_address, input.contact_id_ext, input.first_name, input.last_name, input.is_subscribed, input.is_bounced, now],
                )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            load_contact(tx, site_id, id)
        })
        .await
    }

    async fn delete_contact(&self, site_id: i64, id: i64) -> StoreResult<()> {
        self.delete_owned("contacts", site_id, id).await
    }

    async fn search_contacts(
        &self,
        site_id: i64,
        search: ContactSearch,
    ) -> StoreResult<(Vec<Contact>, u64)> {
        self.read(move |conn| {
            let pattern = search
                .email
                .as_deref()
                .map_or_else(|| "%".to_owned(), like_pattern);
            let filter = "site_id = ?1 AND email_address LIKE ?2 ESCAPE '\\'";
            let total: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM contacts WHERE {filter}"),
                params![site_id, pattern],
                |r| r.get(0),
            )?;
            let count = i64::try_from(search.count).unwrap_or(i64::MAX);
            let offset = i64::try_from(search.page.saturating_sub(1).saturating_mul(search.count))
                .unwrap_or(i64::MAX);
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM contacts WHERE {filter} ORDER BY id LIMIT ?3 OFFSET ?4"
            ))?;
            let contacts = stmt
                .query_map(params![site_id, pattern, count, offset], contact_from)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((contacts, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }
}
