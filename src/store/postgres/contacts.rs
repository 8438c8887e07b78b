//! Contacts on PostgreSQL.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::listing::like_pattern;
use super::{PostgresStore, big, count};
use crate::domain::clock::Timestamp;
use crate::domain::contact::{Contact, ContactInput};
use crate::store::{ContactSearch, ContactStore, StoreError, StoreResult};

const COLUMNS: &str = "id, email_address, contact_id_ext, first_name, last_name, is_subscribed, is_bounced, created_at, updated_at";

fn contact_from(row: &Row) -> Contact {
    Contact {
        id: row.get(0),
        email_address: row.get(1),
        contact_id_ext: row.get(2),
        first_name: row.get(3),
        last_name: row.get(4),
        is_subscribed: row.get(5),
        is_bounced: row.get(6),
        created_at: Timestamp::from_nanos(row.get(7)),
        updated_at: Timestamp::from_nanos(row.get(8)),
    }
}

/// One contact of a site (`NotFound` for another site's).
async fn load_contact(client: &impl GenericClient, site_id: i64, id: i64) -> StoreResult<Contact> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contacts WHERE site_id = $1 AND id = $2"
        ))
        .await?;
    client
        .query_opt(&stmt, &[&site_id, &id])
        .await?
        .map(|row| contact_from(&row))
        .ok_or(StoreError::NotFound)
}

#[async_trait]
impl ContactStore for PostgresStore {
    async fn create_contact(&self, site_id: i64, input: ContactInput) -> StoreResult<Contact> {
        let now = self.now().as_nanos();
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO contacts (site_id, email_address, contact_id_ext, first_name, last_name, is_subscribed, is_bounced, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
                ),
                &[
                    &site_id,
                    &input.email_address,
                    &input.contact_id_ext,
                    &input.first_name,
                    &input.last_name,
                    &input.is_subscribed,
                    &input.is_bounced,
                    &now,
                ],
            )
            .await?;
        // Read back: the statement's trigger may have applied a suppressed address's
        // unsubscribe or bounceback after RETURNING saw the row.
        load_contact(&client, site_id, contact_from(&row).id).await
    }

    async fn get_contact(&self, site_id: i64, id: i64) -> StoreResult<Contact> {
        let client = self.client().await?;
        load_contact(&client, site_id, id).await
    }

    async fn update_contact(
        &self,
        site_id: i64,
        id: i64,
        input: ContactInput,
    ) -> StoreResult<Contact> {
        let now = self.now().as_nanos();
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE contacts SET email_address = $3, contact_id_ext = $4, first_name = $5, last_name = $6,
                     is_subscribed = $7, is_bounced = $8, updated_at = $9 WHERE site_id = $1 AND id = $2
                     RETURNING {COLUMNS}"
                ),
                &[
                    &site_id,
                    &id,
                    &input.email_address,
                    &input.contact_id_ext,
                    &input.first_name,
                    &input.last_name,
                    &input.is_subscribed,
                    &input.is_bounced,
                    &now,
                ],
            )
            .await?;
        let id = row
            .map(|row| contact_from(&row).id)
            .ok_or(StoreError::NotFound)?;
        // Read back, as after a create: a new address may be a suppressed one.
        load_contact(&client, site_id, id).await
    }

    async fn delete_contact(&self, site_id: i64, id: i64) -> StoreResult<()> {
        // The contacts_cascade trigger removes memberships, subscriptions and custom values.
        self.delete_owned("contacts", site_id, id).await
    }

    async fn search_contacts(
        &self,
        site_id: i64,
        search: ContactSearch,
    ) -> StoreResult<(Vec<Contact>, u64)> {
        let pattern = search.email.as_deref().map_or_else(
            || "%".to_owned(),
            |email| like_pattern(email).to_ascii_lowercase(),
        );
        // ASCII case folded, as SQLite's LIKE folds it.
        let filter = "site_id = $1 AND lower(email_address COLLATE \"C\") LIKE $2";
        let mut client = self.client().await?;
        // One snapshot for the total and the page.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let total: i64 = tx
            .query_one(
                &format!("SELECT COUNT(*) FROM contacts WHERE {filter}"),
                &[&site_id, &pattern],
            )
            .await?
            .get(0);
        let limit = big(search.count);
        let offset = big(search.page.saturating_sub(1).saturating_mul(search.count));
        let rows = tx
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM contacts WHERE {filter} ORDER BY id LIMIT $3 OFFSET $4"
                ),
                &[&site_id, &pattern, &limit, &offset],
            )
            .await?;
        tx.commit().await?;
        Ok((rows.iter().map(contact_from).collect(), count(total)))
    }
}
