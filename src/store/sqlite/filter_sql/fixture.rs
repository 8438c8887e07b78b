//! The filter suite's fixture on SQLite: a real store with two sites and five contacts of known
//! values, and a compiled filter run against it the way the export does.

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::Value;

use async_trait::async_trait;

use super::{CompiledFilter, FilterSqlError, compile};
use crate::domain::appcloud::InstanceKind;
use crate::domain::asset::ContactListInput;
use crate::domain::clock::SystemClock;
use crate::domain::contact::ContactInput;
use crate::domain::contact_fields::{ContactField, FieldType};
use crate::domain::filter::Filter;
use crate::store::filter_sql::suite::{ACTION, DECISION, FOREIGN, Facts, FilterStore, guid};
use crate::store::sqlite::{SqliteStore, functions};
use crate::store::{AppCloudStore, AssetStore, ContactStore, FieldStore, SiteStore};

/// A store with two sites; site `a` holds five contacts with known values.
pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    facts: Facts,
}

/// The fixture, for the suite's tests.
pub(super) async fn fixture() -> Option<Fixture> {
    Some(Fixture::new().await)
}

fn contact(email: &str, first: Option<&str>, last: Option<&str>) -> ContactInput {
    ContactInput {
        email_address: email.to_owned(),
        contact_id_ext: None,
        first_name: first.map(str::to_owned),
        last_name: last.map(str::to_owned),
        is_subscribed: true,
        is_bounced: false,
    }
}

impl Fixture {
    pub(super) async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loquat.db");
        let store = SqliteStore::open(&path, Arc::new(SystemClock)).unwrap();
        let site = store.create_site("A").await.unwrap().id;
        let other = store.create_site("B").await.unwrap().id;
        let mut inputs = vec![
            contact("alice@example.com", Some("Alice"), Some("Smith")),
            contact("bob@Example.com", Some("bob"), None),
            contact("carol@test.org", None, Some("Jones")),
            contact("dave_x@example.com", Some("100%"), Some("")),
            contact("erin@other.net", Some("Erin_1"), Some("O'Brien")),
        ];
        inputs[1].is_subscribed = false;
        inputs[2].is_bounced = true;
        let mut ids = Vec::new();
        for input in inputs {
            ids.push(store.create_contact(site, input).await.unwrap().id);
        }
        let outsider = store.create_contact(other, contact("zed@b.com", None, None));
        let outsider = outsider.await.unwrap().id;
        let mut custom = Vec::new();
        for (name, data_type) in [
            ("C_Score1", FieldType::Numeric),
            ("C_Renewal1", FieldType::Date),
            ("C_Notes1", FieldType::LargeText),
        ] {
            let field = store.create_custom_field(site, name, name, data_type);
            custom.push(field.await.unwrap());
        }
        let list = |name: &str, members: Vec<i64>| ContactListInput {
            name: name.to_owned(),
            membership_additions: members,
            ..ContactListInput::default()
        };
        let list_a = store.create_list(site, "t", list("A", vec![ids[0], ids[2]]));
        let list_a = list_a.await.unwrap().id;
        let list_b = store.create_list(other, "t", list("B", vec![outsider]));
        let foreign_list = list_b.await.unwrap().id;

        let (action, decision) = (guid(ACTION), guid(DECISION));
        store
            .create_instance(site, "t", &action, InstanceKind::Action, None)
            .await
            .unwrap();
        store
            .create_instance(site, "t", &decision, InstanceKind::Decision, None)
            .await
            .unwrap();
        let run = store.create_execution(site, "t", &action, &ids[..3]);
        let action_run = run.await.unwrap().id;
        let run = store.create_execution(site, "t", &decision, &ids[3..]);
        let decision_run = run.await.unwrap().id;
        for (instance, run, members, status) in [
            (&action, action_run, &ids[..1], "complete"),
            (&action, action_run, &ids[1..2], "COMPLETE"),
            (&decision, decision_run, &ids[3..4], "yes"),
            (&decision, decision_run, &ids[4..], "no"),
        ] {
            let set = store.set_members(site, instance, run, members, status);
            set.await.unwrap();
        }
        // Site b has the action's GUID too, and a GUID of its own.
        for text in [ACTION, FOREIGN] {
            store
                .create_instance(other, "t", &guid(text), InstanceKind::Action, None)
                .await
                .unwrap();
        }
        let foreign_run = store
            .create_execution(other, "t", &guid(FOREIGN), &[outsider])
            .await
            .unwrap()
            .id;
        drop(store);

        let fixture = Self {
            _dir: dir,
            path,
            facts: Facts {
                site,
                custom,
                ids,
                list: list_a,
                foreign_list,
                action_run,
                decision_run,
                foreign_run,
            },
        };
        fixture.seed_raw(other);
        fixture
    }

    /// Values the store API cannot set, and memberships no API would create (the tables keep
    /// no foreign keys), to prove the filter checks the site itself.
    fn seed_raw(&self, other: i64) {
        let conn = self.connection();
        let f = &self.facts;
        let [alice, bob, carol, dave, erin] = f.ids[..] else {
            unreachable!()
        };
        let (score, renewal, notes) = (f.custom[0].id, f.custom[1].id, f.custom[2].id);
        let values: &[(i64, i64, &str)] = &[
            (score, alice, "9"),
            (score, bob, "10"),
            (score, carol, "-2.5"),
            (score, dave, "n/a"),
            (renewal, alice, "2024-05-01"),
            (renewal, bob, "2024-05-01T12:00:00Z"),
            (renewal, carol, "2024-04-30 23:00:00"),
            (renewal, dave, "soon"),
            (notes, alice, "VIP"),
        ];
        for (field, contact, value) in values {
            conn.execute(
                "INSERT INTO contact_custom_values (field_id, contact_id, value) VALUES (?1, ?2, ?3)",
                rusqlite::params![field, contact, value],
            )
            .unwrap();
        }
        for (contact, zip, company) in [
            (alice, "9", "Acme"),
            (bob, "10", "ACME Corp"),
            (erin, "", ""),
        ] {
            conn.execute(
                "UPDATE contacts SET zip_postal = ?2, company = ?3 WHERE id = ?1",
                rusqlite::params![contact, zip, company],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO contact_list_members (list_id, contact_id) VALUES (?1, ?2)",
            [f.foreign_list, bob],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO appcloud_members (instance_id, execution_id, contact_id, status, updated_at)
             SELECT id, ?2, ?3, 'complete', 0 FROM appcloud_instances WHERE site_id = ?1",
            [other, f.foreign_run, carol],
        )
        .unwrap();
    }

    /// A connection with the store's SQL functions, as every store connection has.
    fn connection(&self) -> Connection {
        let conn = Connection::open(&self.path).unwrap();
        functions::register(&conn).unwrap();
        conn
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
        let compiled = compile(filter, site, custom)?;
        Ok(run(&self.connection(), self.facts.site, &compiled))
    }
}

/// Runs `compiled` as the export does: after the caller's own parameter. Its anonymous `?`s
/// must number exactly the parameters it binds.
fn run(conn: &Connection, site: i64, compiled: &CompiledFilter) -> Result<Vec<i64>, String> {
    let sql = format!(
        "SELECT c.id FROM contacts c WHERE c.site_id = ?1 AND ({}) ORDER BY c.id",
        compiled.sql
    );
    let mut stmt = conn.prepare(&sql).map_err(|e| e.to_string())?;
    if stmt.parameter_count() != 1 + compiled.params.len() {
        return Err(format!(
            "{} placeholders for {} values",
            stmt.parameter_count(),
            1 + compiled.params.len()
        ));
    }
    let mut params = vec![Value::Integer(site)];
    params.extend(compiled.params.iter().cloned());
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |r| r.get(0))
        .map_err(|e| e.to_string())?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(|e| e.to_string())
}
