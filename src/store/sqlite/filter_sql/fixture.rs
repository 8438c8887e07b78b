//! The filter suite's fixture on SQLite: a real store with two sites and five contacts of known
//! values, and a compiled filter run against it the way the export does.

use std::path::PathBuf;
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::Value;

use async_trait::async_trait;

use super::{CompiledFilter, FilterSqlError, compile};
use crate::domain::clock::SystemClock;
use crate::domain::contact_fields::RecordField;
use crate::domain::filter::Filter;
use crate::domain::record_type::CONTACTS;
use crate::store::filter_sql::suite::{Facts, FilterStore, populate};
use crate::store::sql_text::Backend;
use crate::store::sqlite::{SqliteStore, functions, listing};

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

impl Fixture {
    pub(super) async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loquat.db");
        let store = SqliteStore::open(&path, Arc::new(SystemClock)).unwrap();
        let (facts, raw) = populate(&store).await;
        drop(store);
        let fixture = Self {
            _dir: dir,
            path,
            facts,
        };
        let conn = fixture.connection();
        for (sql, values) in raw {
            let sql = Backend::Sqlite.placeholders(sql);
            let params = rusqlite::params_from_iter(listing::values(values));
            conn.execute(&sql, params).unwrap();
        }
        fixture
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
        custom: &[RecordField],
    ) -> Result<Result<Vec<i64>, String>, FilterSqlError> {
        let compiled = compile(&CONTACTS, filter, site, custom)?;
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
