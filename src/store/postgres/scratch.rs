//! Throw-away schemas for tests and benchmarks: each gets its own schema in one database, so
//! many run in parallel against one server and leave nothing behind.

use anyhow::Context;
use tokio_postgres::NoTls;

/// Scratch schemas are named `loquat_t_<unix seconds>_<random>`.
const PREFIX: &str = "loquat_t_";

/// The test database `LOQUAT_TEST_DATABASE_URL` names, or `None` after a `SKIPPED:` line on
/// stderr naming `test`, so that a PostgreSQL test without a database never passes silently
/// (`.ci/run` fails its PostgreSQL pass on such a line).
pub fn test_database_url(test: &str) -> Option<String> {
    let url = std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("SKIPPED: {test}: needs LOQUAT_TEST_DATABASE_URL");
    }
    url
}

/// A schema that exists until this value is dropped.
#[derive(Debug)]
pub struct ScratchSchema {
    base_url: String,
    name: String,
    url: String,
}

impl ScratchSchema {
    /// Creates a fresh schema in the database `base_url` names.
    ///
    /// # Errors
    /// When the server cannot be reached or refuses.
    pub async fn create(base_url: &str) -> anyhow::Result<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let name = format!("{PREFIX}{now}_{:08x}", rand::random::<u32>());
        let (client, connection) = tokio_postgres::connect(base_url, NoTls)
            .await
            .with_context(|| format!("connecting to {}", super::super::redact(base_url)))?;
        let driver = tokio::spawn(connection);
        // Schemas a killed test run left behind (named by creation time) go after an hour.
        let stale = client
            .query(
                r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'loquat\_t\_%'",
                &[],
            )
            .await
            .context("listing scratch schemas")?;
        for row in stale {
            let old: String = row.get(0);
            let created = old
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split('_').next())
                .and_then(|secs| secs.parse::<u64>().ok());
            if created.is_some_and(|at| at + 3600 < now) {
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {old} CASCADE"))
                    .await;
            }
        }
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .context("creating a scratch schema")?;
        drop(client);
        let _ = driver.await;
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options=-csearch_path%3D{name}");
        Ok(Self {
            base_url: base_url.to_owned(),
            name,
            url,
        })
    }

    /// A URL whose connections use the schema (by `search_path`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        // Drop runs outside any async context (or inside one that must not block), so the
        // schema is dropped from a thread with its own small runtime.
        let (base_url, name) = (self.base_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let (client, connection) = tokio_postgres::connect(&base_url, NoTls).await.ok()?;
                tokio::spawn(connection);
                // A server still mid-transaction in the schema must not block the test for
                // long; a schema left behind is dropped by a later run.
                client
                    .batch_execute(&format!(
                        "SET lock_timeout = '3s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                    ))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop scratch schema {}", self.name);
        }
    }
}
