//! The account-list sync beside its floor: accounts and rows shaped as the realistic
//! profile's contacts and rows (keys in no order, 5% unknown, 1% empty or missing, 1%
//! duplicates), matched on `CompanyIDExt` and added to an account list.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::profile::{Timed, sync_staged};
use super::raw::{FloorRecords, SyncFloor};
use super::realistic::{self, Cell, Expected};
use super::server::Server;
use super::{Line, RUNS};

/// Sync rows per upload, as the contact profile's.
const ROWS_PER_UPLOAD: usize = 600_000;

/// Account `i`'s external id: its order unrelated to `i` and to the upload's.
fn external_id(i: usize) -> String {
    format!("ACC-{:016x}", realistic::spread(i))
}

/// Account `i`'s company name.
fn company(i: usize) -> String {
    let [_, first, last] = realistic::person(i);
    format!("{last} & {first} {i}")
}

/// Accounts by external id, as Loquat indexes them.
const ACCOUNTS: FloorRecords = FloorRecords {
    schema: "CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL,
                 company_name TEXT, company_id_ext TEXT);
             CREATE INDEX records_ext ON records (site_id, company_id_ext);",
    insert: "INSERT INTO records (site_id, company_name, company_id_ext) VALUES (1, ?1, ?2)",
    values: |i| vec![company(i), external_id(i)],
    join: "c.site_id = 1 AND c.company_id_ext = s.value",
    order: "value",
};

/// The rows of a sync against `accounts` accounts, shuffled, with what it must report.
fn sync_rows(accounts: usize) -> (Vec<Cell>, Expected) {
    let mut rng = StdRng::seed_from_u64(0x0ACC_0417);
    let known = accounts * 93 / 100;
    let mut picked: Vec<usize> = (0..accounts).collect();
    picked.shuffle(&mut rng);
    picked.truncate(known);
    let percent = accounts / 100;
    let mut rows: Vec<Cell> = picked
        .iter()
        .map(|&i| Cell::Value(external_id(i)))
        .collect();
    for u in 0..5 * percent {
        rows.push(Cell::Value(format!("ACC-unknown-{u}")));
    }
    for e in 0..percent {
        rows.push(if e % 2 == 0 {
            Cell::Empty
        } else {
            Cell::Missing
        });
    }
    for _ in 0..percent {
        rows.push(Cell::Value(external_id(picked[rng.gen_range(0..known)])));
    }
    rows.shuffle(&mut rng);
    let expected = Expected {
        matched: known,
        unmatched: 5 * percent,
        empty: percent,
        duplicates: percent,
    };
    (rows, expected)
}

/// Loads `n` accounts straight into the server's SQLite store (there is no bulk account API
/// yet), in the order of `i`.
async fn seed_accounts(server: &Server, n: usize) {
    let path = server
        .sqlite_file()
        .expect("accounts are seeded into SQLite");
    tokio::task::spawn_blocking(move || {
        let mut conn = rusqlite::Connection::open(path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx
                .prepare("INSERT INTO accounts (site_id, company_name, company_id_ext, created_at, updated_at) VALUES (1, ?1, ?2, 0, 0)")
                .unwrap();
            for i in 0..n {
                insert.execute([company(i), external_id(i)]).unwrap();
            }
        }
        tx.commit().unwrap();
    })
    .await
    .unwrap();
}

/// One sync of the rows to a new account list (upload not timed).
async fn sync_once(server: &Server, bodies: &[Vec<u8>], expected: Expected) -> Timed {
    let list = server
        .call(
            reqwest::Method::POST,
            "/api/loquat/1.0/accounts/list",
            json!({"name": "Bench accounts"}),
        )
        .await;
    let list = list["id"].as_str().unwrap().to_owned();
    let created = server
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/accounts/syncActions",
            json!({
                "name": "bench accounts",
                "fields": {"Ext": "{{Account.Field(CompanyIDExt)}}"},
                "identifierFieldName": "Ext",
                "syncActions": [{"action": "add", "destination": format!("{{{{AccountList[{list}]}}}}")}]
            }),
        )
        .await;
    let definition = created["uri"].as_str().unwrap().to_owned();
    let (timed, uri) = sync_staged(server, &definition, bodies).await;
    let rejects = expected.unmatched + expected.empty + expected.duplicates;
    assert_eq!(server.rejects(&uri).await, rejects as u64, "{uri}");
    let list = server.bulk_get(&format!("/accounts/lists/{list}")).await;
    assert_eq!(list["count"], expected.matched, "{list}");
    timed
}

/// The account-list sync of `rows` accounts beside its floor (SQLite).
pub fn sync(runtime: &tokio::runtime::Runtime, rows: usize) -> Vec<Line> {
    let (cells, expected) = sync_rows(rows);
    let bodies = realistic::json_bodies(
        &realistic::one_column(cells.clone()),
        ["Ext"],
        ROWS_PER_UPLOAD,
    );
    let mut raw = SyncFloor::new(&ACCOUNTS, rows, &cells);
    let (mut floor, mut real) = (Timed::MAX, Timed::MAX);
    runtime.block_on(async {
        let server = Server::start().await;
        seed_accounts(&server, rows).await;
        for _ in 0..RUNS {
            floor = floor.min(raw.run(false));
            real = real.min(sync_once(&server, &bodies, expected).await);
        }
    });
    vec![Line {
        what: format!(
            "account-list sync: {} rows by CompanyIDExt against {rows} accounts, pending → warning",
            cells.len()
        ),
        loquat: real.wall,
        raw: Some(floor.wall),
        note: format!(
            "raw: plain SQL, one probe per row in upload order + rejects; CPU {:.2} s / {:.2} s = {:.2}×",
            real.cpu.as_secs_f64(),
            floor.cpu.as_secs_f64(),
            real.cpu.as_secs_f64() / floor.cpu.as_secs_f64(),
        ),
    }]
}
