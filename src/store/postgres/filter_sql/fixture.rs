//! The filter suite's fixture on PostgreSQL: a scratch schema with two sites and five contacts
//! of known values (the SQLite fixture's, written straight into the tables), and a compiled
//! filter run against it the way the export does. Needs `LOQUAT_TEST_DATABASE_URL`; without it
//! the tests pass trivially.

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{CompiledFilter, FilterSqlError, compile};
use crate::domain::clock::SystemClock;
use crate::domain::contact_fields::{ContactField, FieldType, Storage};
use crate::domain::filter::Filter;
use crate::store::filter_sql::suite::{ACTION, DECISION, FOREIGN, Facts, FilterStore};
use crate::store::postgres::listing::{Param, refs};
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

async fn id(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> i64 {
    client.query_one(sql, params).await.unwrap().get(0)
}

impl Fixture {
    /// The fixture, or `None` when no test database is configured.
    pub(super) async fn new() -> Option<Self> {
        let url = std::env::var("LOQUAT_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let schema = ScratchSchema::create(&url).await.unwrap();
        let store = PostgresStore::connect(schema.url(), 2, Arc::new(SystemClock))
            .await
            .unwrap();
        let client = store.client().await.unwrap();
        let site_sql = "INSERT INTO sites (name, created_at) VALUES ($1, 0) RETURNING id";
        let site = id(&client, site_sql, &[&"A"]).await;
        let other = id(&client, site_sql, &[&"B"]).await;
        let contact_sql = "INSERT INTO contacts (site_id, email_address, first_name, last_name,
             is_subscribed, is_bounced, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0) RETURNING id";
        let mut ids = Vec::new();
        for (email, first, last, subscribed, bounced) in [
            (
                "alice@example.com",
                Some("Alice"),
                Some("Smith"),
                true,
                false,
            ),
            ("bob@Example.com", Some("bob"), None, false, false),
            ("carol@test.org", None, Some("Jones"), true, true),
            ("dave_x@example.com", Some("100%"), Some(""), true, false),
            (
                "erin@other.net",
                Some("Erin_1"),
                Some("O'Brien"),
                true,
                false,
            ),
        ] {
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] =
                [&site, &email, &first, &last, &subscribed, &bounced];
            ids.push(id(&client, contact_sql, &params).await);
        }
        let none: Option<&str> = None;
        let outsider = id(
            &client,
            contact_sql,
            &[&other, &"zed@b.com", &none, &none, &true, &false],
        )
        .await;
        let mut custom = Vec::new();
        for (name, data_type) in [
            ("C_Score1", FieldType::Numeric),
            ("C_Renewal1", FieldType::Date),
            ("C_Notes1", FieldType::LargeText),
        ] {
            let field = id(
                &client,
                "INSERT INTO contact_custom_fields (site_id, internal_name, name, data_type, created_at)
                 VALUES ($1, $2, $2, $3, 0) RETURNING id",
                &[&site, &name, &data_type.as_str()],
            )
            .await;
            custom.push(ContactField {
                id: field,
                internal_name: name.to_owned(),
                name: name.to_owned(),
                data_type,
                storage: Storage::Custom,
                not_null: false,
                unique: false,
            });
        }
        let list_sql = "INSERT INTO contact_lists (site_id, name, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, 't', 0, 't', 0) RETURNING id";
        let list = id(&client, list_sql, &[&site, &"A"]).await;
        let foreign_list = id(&client, list_sql, &[&other, &"B"]).await;
        let instance_sql =
            "INSERT INTO appcloud_instances (site_id, guid, kind, created_by, created_at)
             VALUES ($1, $2, $3, 't', 0) RETURNING id";
        let action = id(&client, instance_sql, &[&site, &ACTION, &"action"]).await;
        let decision = id(&client, instance_sql, &[&site, &DECISION, &"decision"]).await;
        // Site b has the action's GUID too, and a GUID of its own.
        let other_action = id(&client, instance_sql, &[&other, &ACTION, &"action"]).await;
        let foreign = id(&client, instance_sql, &[&other, &FOREIGN, &"action"]).await;
        let run_sql = "INSERT INTO appcloud_executions (instance_id, created_by, created_at)
             VALUES ($1, 't', 0) RETURNING id";
        let action_run = id(&client, run_sql, &[&action]).await;
        let decision_run = id(&client, run_sql, &[&decision]).await;
        let foreign_run = id(&client, run_sql, &[&foreign]).await;

        let [alice, bob, carol, dave, erin] = ids[..] else {
            unreachable!()
        };
        let member_sql = "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
             VALUES ($1, $2, $3, $4, 0)";
        for (instance, run, contact, status) in [
            (action, action_run, alice, "complete"),
            (action, action_run, bob, "COMPLETE"),
            (action, action_run, carol, "pending"),
            (decision, decision_run, dave, "yes"),
            (decision, decision_run, erin, "no"),
            (foreign, foreign_run, outsider, "pending"),
            // Memberships no API would create, to prove the filter checks the site itself.
            (other_action, foreign_run, carol, "complete"),
            (foreign, foreign_run, carol, "complete"),
        ] {
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
                [&instance, &run, &contact, &status];
            client.execute(member_sql, &params).await.unwrap();
        }
        for (list_id, contact) in [
            (list, alice),
            (list, carol),
            (foreign_list, outsider),
            (foreign_list, bob),
        ] {
            client
                .execute(
                    "INSERT INTO contact_list_members (list_id, contact_id) VALUES ($1, $2)",
                    &[&list_id, &contact],
                )
                .await
                .unwrap();
        }
        let (score, renewal, notes) = (custom[0].id, custom[1].id, custom[2].id);
        for (field, contact, value) in [
            (score, alice, "9"),
            (score, bob, "10"),
            (score, carol, "-2.5"),
            (score, dave, "n/a"),
            (renewal, alice, "2024-05-01"),
            (renewal, bob, "2024-05-01T12:00:00Z"),
            (renewal, carol, "2024-04-30 23:00:00"),
            (renewal, dave, "soon"),
            (notes, alice, "VIP"),
        ] {
            client
                .execute(
                    "INSERT INTO contact_custom_values (field_id, contact_id, value) VALUES ($1, $2, $3)",
                    &[&field, &contact, &value],
                )
                .await
                .unwrap();
        }
        for (contact, zip, company) in [
            (alice, "9", "Acme"),
            (bob, "10", "ACME Corp"),
            (erin, "", ""),
        ] {
            client
                .execute(
                    "UPDATE contacts SET zip_postal = $2, company = $3 WHERE id = $1",
                    &[&contact, &zip, &company],
                )
                .await
                .unwrap();
        }
        Some(Self {
            client,
            _store: store,
            _schema: schema,
            facts: Facts {
                site,
                custom,
                ids,
                list,
                foreign_list,
                action_run,
                decision_run,
                foreign_run,
            },
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
        custom: &[ContactField],
    ) -> Result<Result<Vec<i64>, String>, FilterSqlError> {
        let compiled = compile(filter, site, custom, 1)?;
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
