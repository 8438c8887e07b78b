//! Schema migrations of the PostgreSQL store, recorded in `loquat_migrations` and run under
//! an advisory lock so that nodes starting together migrate once.

use anyhow::Context;

/// Schema versions, applied in order.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_schema.sql"),
    include_str!("../../../migrations/postgres/0002_token_grants.sql"),
    include_str!("../../../migrations/postgres/0003_liveness_keys.sql"),
    include_str!("../../../migrations/postgres/0004_unlogged_seen.sql"),
    include_str!("../../../migrations/postgres/0005_accounts.sql"),
    include_str!("../../../migrations/postgres/0006_custom_objects.sql"),
    include_str!("../../../migrations/postgres/0007_account_lists.sql"),
    include_str!("../../../migrations/postgres/0008_custom_object_records.sql"),
    include_str!("../../../migrations/postgres/0009_definition_record_types.sql"),
    include_str!("../../../migrations/postgres/0010_email_addresses.sql"),
    include_str!("../../../migrations/postgres/0011_activities.sql"),
    include_str!("../../../migrations/postgres/0012_contact_accounts.sql"),
    include_str!("../../../migrations/postgres/0013_follow_addresses_by_statement.sql"),
];

/// The advisory lock key migrations hold (any constant unlikely to clash: "loquat" in ASCII).
pub(super) const LOCK_KEY: i64 = 0x6c6f_7175_6174;

/// Applies the migrations not yet applied to the connection's schema (its `search_path`).
///
/// # Errors
/// When a migration fails (it is rolled back) or the database is newer than this build.
pub async fn migrate(client: &mut tokio_postgres::Client) -> anyhow::Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .await
        .context("taking the migration lock")?;
    let result = apply(client).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
    result?;
    unlocked.context("releasing the migration lock")?;
    Ok(())
}

async fn apply(client: &mut tokio_postgres::Client) -> anyhow::Result<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS loquat_migrations (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await?;
    let done: i64 = client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM loquat_migrations",
            &[],
        )
        .await?
        .get(0);
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if done > known {
        anyhow::bail!(
            "the database is at schema version {done}, newer than this build knows ({known}); upgrade Loquat"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(done)?) {
        let version = i64::try_from(index + 1)?;
        let tx = client.transaction().await?;
        tx.batch_execute(sql)
            .await
            .with_context(|| format!("migration {version}"))?;
        tx.execute(
            "INSERT INTO loquat_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
