//! Contact lists, email groups and subscriptions on SQLite.

use rusqlite::{Connection, Row, Transaction, params};

use super::contacts::load_contact;
use super::{SqliteStore, error};
use crate::domain::asset::{
    Audit, ContactList, ContactListInput, EmailGroup, EmailGroupInput, Subscription,
};
use crate::domain::clock::Timestamp;
use crate::store::AssetStore;
use crate::store::contacts::{CONTACT_LISTS, GROUP_SELECT, ListTables};
use crate::store::{StoreError, StoreResult, SubscriptionCounts};

fn audit_from(row: &Row<'_>, first: usize) -> rusqlite::Result<Audit> {
    Ok(Audit {
        created_by: row.get(first)?,
        created_at: Timestamp::from_nanos(row.get(first + 1)?),
        updated_by: row.get(first + 2)?,
        updated_at: Timestamp::from_nanos(row.get(first + 3)?),
    })
}

fn list_from(row: &Row<'_>) -> rusqlite::Result<ContactList> {
    Ok(ContactList {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        scope: row.get(3)?,
        count: row.get(4)?,
        audit: audit_from(row, 5)?,
    })
}

fn group_from(row: &Row<'_>) -> rusqlite::Result<EmailGroup> {
    Ok(EmailGroup {
        id: row.get(0)?,
        name: row.get(1)?,
        display_name: row.get(2)?,
        description: row.get(3)?,
        is_visible_in_public_subscription_list: row.get(4)?,
        audit: audit_from(row, 5)?,
    })
}

pub(super) fn load_list(
    conn: &Connection,
    tables: &ListTables,
    site_id: i64,
    id: i64,
) -> StoreResult<ContactList> {
    conn.query_row(
        &format!("{} WHERE l.site_id = ?1 AND l.id = ?2", tables.select),
        params![site_id, id],
        list_from,
    )
    .map_err(error::map)
}

fn load_group(conn: &Connection, site_id: i64, id: i64) -> StoreResult<EmailGroup> {
    conn.query_row(
        &format!("{GROUP_SELECT} WHERE g.site_id = ?1 AND g.id = ?2"),
        params![site_id, id],
        group_from,
    )
    .map_err(error::map)
}

/// Applies membership changes; every member must be the site's, or nothing changes.
fn change_members(
    tx: &Transaction<'_>,
    tables: &ListTables,
    site_id: i64,
    list_id: i64,
    input: &ContactListInput,
) -> StoreResult<()> {
    let ListTables {
        members,
        member,
        records,
        ..
    } = tables;
    let mut check = tx.prepare_cached(&format!(
        "SELECT 1 FROM {records} WHERE site_id = ?1 AND id = ?2"
    ))?;
    for id in input
        .membership_additions
        .iter()
        .chain(&input.membership_deletions)
    {
        if !check.exists(params![site_id, id])? {
            return Err(StoreError::NotFound);
        }
    }
    let mut add = tx.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {members} (list_id, {member}) VALUES (?1, ?2)"
    ))?;
    for id in &input.membership_additions {
        add.execute(params![list_id, id])?;
    }
    let mut remove = tx.prepare_cached(&format!(
        "DELETE FROM {members} WHERE list_id = ?1 AND {member} = ?2"
    ))?;
    for id in &input.membership_deletions {
        remove.execute(params![list_id, id])?;
    }
    Ok(())
}

crate::store::asset_methods::asset_listings!(SqliteStore);

impl SqliteStore {
    /// Creates a list of the kind `tables` describes, with its first members.
    pub(super) async fn create_list_of(
        &self,
        tables: &'static ListTables,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        let (by, now) = (by.to_owned(), self.now().as_nanos());
        self.write(move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO {} (site_id, name, description, scope, created_by, created_at, updated_by, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)",
                    tables.lists
                ),
                params![site_id, input.name, input.description, input.scope.as_deref().unwrap_or("local"), by, now],
            )?;
            let id = tx.last_insert_rowid();
            change_members(tx, tables, site_id, id, &input)?;
            load_list(tx, tables, site_id, id)
        })
        .await
    }

    /// One list of the kind `tables` describes, with its member count.
    pub(super) async fn get_list_of(
        &self,
        tables: &'static ListTables,
        site_id: i64,
        id: i64,
    ) -> StoreResult<ContactList> {
        self.read(move |conn| load_list(conn, tables, site_id, id))
            .await
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
        let (by, now) = (by.to_owned(), self.now().as_nanos());
        self.write(move |tx| {
            let changed = tx.execute(
                &format!(
                    "UPDATE {} SET name = ?3, description = ?4, scope = COALESCE(?5, scope), updated_by = ?6, updated_at = ?7
                     WHERE site_id = ?1 AND id = ?2",
                    tables.lists
                ),
                params![site_id, id, input.name, input.description, input.scope, by, now],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            change_members(tx, tables, site_id, id, &input)?;
            load_list(tx, tables, site_id, id)
        })
        .await
    }
}

#[async_trait::async_trait]
impl AssetStore for SqliteStore {
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
        self.read(move |conn| {
            load_list(conn, &CONTACT_LISTS, site_id, id)?;
            let mut stmt = conn
                .prepare("SELECT contact_id FROM contact_list_members WHERE list_id = ?1 AND contact_id > ?2 ORDER BY contact_id LIMIT ?3")?;
            let ids = stmt
                .query_map(params![id, after, limit], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(ids)
        })
        .await
    }

    async fn create_group(
        &self,
        site_id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup> {
        let (by, now) = (by.to_owned(), self.now().as_nanos());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO email_groups (site_id, name, display_name, description, is_visible_in_public_subscription_list,
                 created_by, created_at, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, ?7)",
                params![site_id, input.name, input.display_name, input.description, input.is_visible_in_public_subscription_list, by, now],
            )?;
            load_group(tx, site_id, tx.last_insert_rowid())
        })
        .await
    }

    async fn get_group(&self, site_id: i64, id: i64) -> StoreResult<EmailGroup> {
        self.read(move |conn| load_group(conn, site_id, id)).await
    }

    async fn update_group(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup> {
        let (by, now) = (by.to_owned(), self.now().as_nanos());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE email_groups SET name = ?3, display_name = ?4, description = ?5,
                     is_visible_in_public_subscription_list = ?6, updated_by = ?7, updated_at = ?8 WHERE site_id = ?1 AND id = ?2",
                    params![site_id, id, input.name, input.display_name, input.description, input.is_visible_in_public_subscription_list, by, now],
                )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            load_group(tx, site_id, id)
        })
        .await
    }

    async fn subscription_counts(
        &self,
        site_id: i64,
        group_ids: &[i64],
    ) -> StoreResult<Vec<SubscriptionCounts>> {
        let counts = self
            .counts_by_id(
                "SELECT COALESCE(SUM(s.is_subscribed = 1), 0), COALESCE(SUM(s.is_subscribed = 0), 0)
                 FROM email_groups g LEFT JOIN email_group_subscriptions s ON s.group_id = g.id
                 WHERE g.site_id = ?1 AND g.id = ?2 GROUP BY g.id",
                site_id,
                group_ids,
            )
            .await?;
        let counts = counts
            .into_iter()
            .map(|(group_id, subscribed, unsubscribed)| SubscriptionCounts {
                group_id,
                subscribed,
                unsubscribed,
            });
        Ok(counts.collect())
    }

    async fn get_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
    ) -> StoreResult<Subscription> {
        self.read(move |conn| {
            load_contact(conn, site_id, contact_id)?;
            load_group(conn, site_id, group_id)?;
            let stored: Option<bool> = rusqlite::OptionalExtension::optional(conn.query_row(
                "SELECT is_subscribed FROM email_group_subscriptions WHERE group_id = ?1 AND contact_id = ?2",
                params![group_id, contact_id],
                |r| r.get(0),
            ))?;
            Ok(Subscription { contact_id, group_id, is_subscribed: stored.unwrap_or(true) })
        })
        .await
    }

    async fn set_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
        subscribed: bool,
    ) -> StoreResult<Subscription> {
        let now = self.now().as_nanos();
        self.write(move |tx| {
            load_contact(tx, site_id, contact_id)?;
            load_group(tx, site_id, group_id)?;
            tx.execute(
                "INSERT INTO email_group_subscriptions (group_id, contact_id, is_subscribed, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (group_id, contact_id) DO UPDATE SET is_subscribed = excluded.is_subscribed, updated_at = excluded.updated_at",
                params![group_id, contact_id, subscribed, now],
            )?;
            Ok(Subscription { contact_id, group_id, is_subscribed: subscribed })
        })
        .await
    }
}

crate::store::asset_methods::account_lists!(SqliteStore);
