//! Contact lists, email groups and subscriptions on PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::membership::change_members;
use super::{PostgresStore, count};
use crate::domain::asset::{
    Audit, ContactList, ContactListInput, EmailGroup, EmailGroupInput, Subscription,
};
use crate::domain::clock::Timestamp;
use crate::store::AssetStore;
use crate::store::contacts::{CONTACT_LISTS, ListTables};
use crate::store::{StoreError, StoreResult, SubscriptionCounts};

/// Columns [`group_from`] reads, of `email_groups` aliased `g`.
const GROUP_COLUMNS: &str = "g.id, g.name, g.display_name, g.description,
    g.is_visible_in_public_subscription_list, g.created_by, g.created_at, g.updated_by, g.updated_at";

fn audit_from(row: &Row, first: usize) -> Audit {
    Audit {
        created_by: row.get(first),
        created_at: Timestamp::from_nanos(row.get(first + 1)),
        updated_by: row.get(first + 2),
        updated_at: Timestamp::from_nanos(row.get(first + 3)),
    }
}

fn list_from(row: &Row) -> StoreResult<ContactList> {
    Ok(ContactList {
        id: row.get(0),
        name: row.get(1),
        description: row.get(2),
        scope: row.get(3),
        count: row.get(4),
        audit: audit_from(row, 5),
    })
}

fn group_from(row: &Row) -> StoreResult<EmailGroup> {
    Ok(EmailGroup {
        id: row.get(0),
        name: row.get(1),
        display_name: row.get(2),
        description: row.get(3),
        is_visible_in_public_subscription_list: row.get(4),
        audit: audit_from(row, 5),
    })
}

pub(super) async fn load_list(
    client: &impl GenericClient,
    tables: &ListTables,
    site_id: i64,
    id: i64,
) -> StoreResult<ContactList> {
    let stmt = client
        .prepare_cached(&format!(
            "{} WHERE l.site_id = $1 AND l.id = $2",
            tables.select
        ))
        .await?;
    let row = client
        .query_opt(&stmt, &[&site_id, &id])
        .await?
        .ok_or(StoreError::NotFound)?;
    list_from(&row)
}

async fn load_group(client: &impl GenericClient, site_id: i64, id: i64) -> StoreResult<EmailGroup> {
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {GROUP_COLUMNS} FROM email_groups g WHERE g.site_id = $1 AND g.id = $2"
        ))
        .await?;
    let row = client
        .query_opt(&stmt, &[&site_id, &id])
        .await?
        .ok_or(StoreError::NotFound)?;
    group_from(&row)
}

/// `Ok` when a statement touched a row, `NotFound` otherwise.
fn found(n: u64) -> StoreResult<()> {
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

crate::store::asset_methods::asset_listings!(PostgresStore);

impl PostgresStore {
    /// Creates a list of the kind `tables` describes, with its first members.
    pub(super) async fn create_list_of(
        &self,
        tables: &'static ListTables,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let sql = format!(
            "INSERT INTO {} (site_id, name, description, scope, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
            tables.lists
        );
        let id: i64 = tx
            .query_one(
                sql.as_str(),
                &[
                    &site_id,
                    &input.name,
                    &input.description,
                    &input.scope.as_deref().unwrap_or("local"),
                    &by,
                    &now,
                ],
            )
            .await?
            .get(0);
        change_members(&tx, tables, site_id, id, &input).await?;
        let list = load_list(&tx, tables, site_id, id).await?;
        tx.commit().await?;
        Ok(list)
    }

    /// One list of the kind `tables` describes, with its member count.
    pub(super) async fn get_list_of(
        &self,
        tables: &'static ListTables,
        site_id: i64,
        id: i64,
    ) -> StoreResult<ContactList> {
        let client = self.client().await?;
        load_list(&client, tables, site_id, id).await
    }

    /// Replaces a list's properties and applies its membership changes.
    pub(super) async fn update_list_of(
        &self,
        tables: &'static ListTables,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let sql = format!(
            "UPDATE {} SET name = $3, description = $4, scope = COALESCE($5, scope),
             updated_by = $6, updated_at = $7 WHERE site_id = $1 AND id = $2",
            tables.lists
        );
        let changed = tx
            .execute(
                sql.as_str(),
                &[
                    &site_id,
                    &id,
                    &input.name,
                    &input.description,
                    &input.scope,
                    &by,
                    &now,
                ],
            )
            .await?;
        found(changed)?;
        change_members(&tx, tables, site_id, id, &input).await?;
        let list = load_list(&tx, tables, site_id, id).await?;
        tx.commit().await?;
        Ok(list)
    }
}

#[async_trait::async_trait]
impl AssetStore for PostgresStore {
    async fn create_list(
        &self,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        self.create_list_of(&CONTACT_LISTS, site_id, by, input)
            .await
    }

    async fn get_list(&self, site_id: i64, id: i64) -> StoreResult<ContactList> {
        self.get_list_of(&CONTACT_LISTS, site_id, id).await
    }

    async fn update_list(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        self.update_list_of(&CONTACT_LISTS, site_id, id, by, input)
            .await
    }

    async fn list_members(
        &self,
        site_id: i64,
        id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<i64>> {
        let client = self.client().await?;
        load_list(&client, &CONTACT_LISTS, site_id, id).await?;
        let rows = client
            .query(
                "SELECT contact_id FROM contact_list_members WHERE list_id = $1 AND contact_id > $2
                 ORDER BY contact_id LIMIT $3",
                &[&id, &after, &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn create_group(
        &self,
        site_id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup> {
        let now = self.now().as_nanos();
        let client = self.client().await?;
        let sql = format!(
            "INSERT INTO email_groups AS g (site_id, name, display_name, description,
             is_visible_in_public_subscription_list, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING {GROUP_COLUMNS}"
        );
        let row = client
            .query_one(
                sql.as_str(),
                &[
                    &site_id,
                    &input.name,
                    &input.display_name,
                    &input.description,
                    &input.is_visible_in_public_subscription_list,
                    &by,
                    &now,
                ],
            )
            .await?;
        group_from(&row)
    }

    async fn get_group(&self, site_id: i64, id: i64) -> StoreResult<EmailGroup> {
        let client = self.client().await?;
        load_group(&client, site_id, id).await
    }

    async fn update_group(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup> {
        let now = self.now().as_nanos();
        let client = self.client().await?;
        let sql = format!(
            "UPDATE email_groups g SET name = $3, display_name = $4, description = $5,
             is_visible_in_public_subscription_list = $6, updated_by = $7, updated_at = $8
             WHERE g.site_id = $1 AND g.id = $2 RETURNING {GROUP_COLUMNS}"
        );
        let row = client
            .query_opt(
                sql.as_str(),
                &[
                    &site_id,
                    &id,
                    &input.name,
                    &input.display_name,
                    &input.description,
                    &input.is_visible_in_public_subscription_list,
                    &by,
                    &now,
                ],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        group_from(&row)
    }

    async fn subscription_counts(
        &self,
        site_id: i64,
        group_ids: &[i64],
    ) -> StoreResult<Vec<SubscriptionCounts>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT g.id, COUNT(s.contact_id) FILTER (WHERE s.is_subscribed),
                        COUNT(s.contact_id) FILTER (WHERE NOT s.is_subscribed)
                 FROM email_groups g LEFT JOIN email_group_subscriptions s ON s.group_id = g.id
                 WHERE g.site_id = $1 AND g.id = ANY($2) GROUP BY g.id ORDER BY g.id",
                &[&site_id, &group_ids],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SubscriptionCounts {
                group_id: r.get(0),
                subscribed: count(r.get(1)),
                unsubscribed: count(r.get(2)),
            })
            .collect())
    }

    async fn get_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
    ) -> StoreResult<Subscription> {
        let client = self.client().await?;
        // The contact is checked before the group, as on SQLite; both must be the site's.
        let row = client
            .query_opt(
                "SELECT (SELECT s.is_subscribed FROM email_group_subscriptions s
                         WHERE s.group_id = g.id AND s.contact_id = c.id)
                 FROM contacts c, email_groups g
                 WHERE c.site_id = $1 AND c.id = $2 AND g.site_id = $1 AND g.id = $3",
                &[&site_id, &contact_id, &group_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let stored: Option<bool> = row.get(0);
        Ok(Subscription {
            contact_id,
            group_id,
            is_subscribed: stored.unwrap_or(true),
        })
    }

    async fn set_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
        subscribed: bool,
    ) -> StoreResult<Subscription> {
        let now = self.now().as_nanos();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Both rows stay locked until commit, so neither is deleted under the new row.
        let both = tx
            .query_opt(
                "SELECT 1 FROM contacts c, email_groups g
                 WHERE c.site_id = $1 AND c.id = $2 AND g.site_id = $1 AND g.id = $3 FOR SHARE",
                &[&site_id, &contact_id, &group_id],
            )
            .await?;
        if both.is_none() {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            "INSERT INTO email_group_subscriptions (group_id, contact_id, is_subscribed, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (group_id, contact_id) DO UPDATE
             SET is_subscribed = excluded.is_subscribed, updated_at = excluded.updated_at",
            &[&group_id, &contact_id, &subscribed, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(Subscription {
            contact_id,
            group_id,
            is_subscribed: subscribed,
        })
    }
}

crate::store::asset_methods::account_lists!(PostgresStore);
