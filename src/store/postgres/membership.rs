//! Checking and writing the records a container holds, shared by lists (of contacts and of
//! accounts) and AppCloud.

use deadpool_postgres::GenericClient;

use crate::domain::asset::ContactListInput;
use crate::store::contacts::{CONTACT_LISTS, ListTables};
use crate::store::{StoreError, StoreResult};

/// `NotFound` unless every id is a contact of the site. The contacts are locked until the
/// transaction ends, so none is deleted (and its memberships cascaded) before rows naming it
/// are written.
pub(super) async fn lock_site_contacts(
    client: &impl GenericClient,
    site_id: i64,
    ids: &[i64],
) -> StoreResult<()> {
    lock_site_records(client, &CONTACT_LISTS, site_id, ids).await
}

/// [`lock_site_contacts`] for the records the lists of `tables` hold.
async fn lock_site_records(
    client: &impl GenericClient,
    tables: &ListTables,
    site_id: i64,
    ids: &[i64],
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let stmt = client
        .prepare_cached(&format!(
            "SELECT id FROM {} WHERE site_id = $1 AND id = ANY($2) ORDER BY id FOR SHARE",
            tables.records
        ))
        .await?;
    let found = client.query(&stmt, &[&site_id, &wanted]).await?;
    if found.len() == wanted.len() {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Applies membership changes to a list of `tables`; every member must be the site's, or
/// nothing changes.
pub(super) async fn change_members(
    client: &impl GenericClient,
    tables: &ListTables,
    site_id: i64,
    list_id: i64,
    input: &ContactListInput,
) -> StoreResult<()> {
    let ListTables {
        members, member, ..
    } = tables;
    let named: Vec<i64> = input
        .membership_additions
        .iter()
        .chain(&input.membership_deletions)
        .copied()
        .collect();
    lock_site_records(client, tables, site_id, &named).await?;
    if !input.membership_additions.is_empty() {
        client
            .execute(
                &format!(
                    "INSERT INTO {members} (list_id, {member})
                     SELECT DISTINCT $1::BIGINT, c FROM unnest($2::BIGINT[]) AS c
                     ON CONFLICT (list_id, {member}) DO NOTHING"
                ),
                &[&list_id, &input.membership_additions],
            )
            .await?;
    }
    if !input.membership_deletions.is_empty() {
        client
            .execute(
                &format!("DELETE FROM {members} WHERE list_id = $1 AND {member} = ANY($2)"),
                &[&list_id, &input.membership_deletions],
            )
            .await?;
    }
    Ok(())
}
