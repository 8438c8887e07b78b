//! The filter suite's fixture on PostgreSQL: a scratch schema with two sites and five contacts
//! of known values (the suite's population, as on SQLite), and a compiled
//! filter run against it the way the export does. Needs `LOQUAT_TEST_DATABASE_URL`; without it
//! each test says `SKIPPED:` on stderr and does nothing.

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{CompiledFilter, FilterSqlError, compile};
use crate::domain::clock::SystemClock;
use crate::domain::contact_fields::RecordField;
use crate::domain::filter::Filter;
use crate::domain::record_type::CONTACTS;
use crate::store::filter_sql::suite::{Facts, FilterStore, populate};
use crate::store::postgres::listing::{self, Param, refs};
use crate::store::postgres::{Client, PostgresStore, ScratchSchema};

/// A schema with two sites; site `a` holds five contacts with known values.
pub(super) struct Fixture {
    client: Client,
    _store: PostgresStore,
    _schema: ScratchSchema,
    facts: Facts,
}

/// The fixture, or `None` when no test database is configured.
pub(super) async fn fixture() -> Option<Fixture> {
    Fixture::new().await
}

impl Fixture {
    /// The fixture, or `None` when no test database is configured.
    pub(super) async fn new() -> Option<Self> {
        let url = super::super::test_database_url("a PostgreSQL filter test")?;
        let schema = ScratchSchema::create(&url).await.unwrap();
        let store = PostgresStore::connect(schema.url(), 2, Arc::new(SystemClock))
            .await
            .unwrap();
        let (facts, raw) = populate(&store).await;
        let client = store.client().await.unwrap();
        for (sql, values) in raw {
            client
                .execute(sql, &refs(&listing::values(values)))
                .await
                .unwrap();
        }
        Some(Self {
            client,
            _store: store,
            _schema: schema,
            facts,
        })
    }

    /// Stores `value` as contact `contact`'s value of custom field `field` (an index).
    pub(super) async fn set_value(&self, field: usize, contact: usize, value: &str) {
        self.client
            .execute(
                "INSERT INTO contact_custom_values (field_id, contact_id, value) VALUES ($1, $2, $3)
                 ON CONFLICT (field_id, contact_id) DO UPDATE SET value = EXCLUDED.value",
                &[&self.facts.custom[field].id, &self.facts.ids[contact], &value],
            )
            .await
            .unwrap();
    }
}

#[async_trait]
impl FilterStore for Fixture {
    fn facts(&self) -> &Facts {
        &self.facts
    }

    async fn select(
        &self,
        filter: &Filter,
        site: i64,
        custom: &[RecordField],
    ) -> Result<Result<Vec<i64>, String>, FilterSqlError> {
        let compiled = compile(&CONTACTS, filter, site, custom, 1)?;
        Ok(self.run(compiled).await.map_err(|e| format!("{e:?}")))
    }
}

impl Fixture {
    /// Runs `compiled` as the export does: after the caller's own parameter.
    async fn run(&self, compiled: CompiledFilter) -> Result<Vec<i64>, tokio_postgres::Error> {
        let sql = format!(
            "SELECT c.id FROM contacts c WHERE c.site_id = $1 AND {} ORDER BY c.id",
            compiled.sql
        );
        let mut params: Vec<Param> = vec![Box::new(self.facts.site)];
        params.extend(compiled.params);
        let rows = self.client.query(sql.as_str(), &refs(&params)).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}
