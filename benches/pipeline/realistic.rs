//! Data shaped like a customer's file, the profile the headline figures use: contacts and
//! rows in no order, unknown addresses, empty and malformed rows, duplicates.
//!
//! - Contacts: `n` people with three columns (email, first and last name), inserted in one
//!   order while their addresses sort in another, so contact ids, the email index and the
//!   upload are three unrelated orders.
//! - Sync rows: one per contact for 93% of the contacts, in random order, plus 5% unknown
//!   addresses, 1% empty or malformed cells and 1% duplicates of earlier rows (in another
//!   letter case, which still names the same contact).
//! - Import rows: `n` new people with five columns, in random order, with 1% empty or
//!   malformed addresses and 1% repeated addresses.
//!
//! Everything is drawn from a fixed seed, so every run (and both backends) sees the same data.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const FIRST: [&str; 16] = [
    "maria", "james", "wei", "olga", "ahmed", "chloe", "kenji", "lucas", "fatima", "noah", "ines",
    "piotr", "amara", "liam", "sofia", "dmitri",
];
const LAST: [&str; 16] = [
    "garcia", "smith", "chen", "ivanova", "haddad", "martin", "sato", "silva", "khan", "murphy",
    "rossi", "nowak", "okafor", "walsh", "lopez", "petrov",
];
const DOMAINS: [&str; 6] = [
    "gmail.com",
    "example.org",
    "outlook.com",
    "acme.co.uk",
    "mail.example.de",
    "yahoo.fr",
];

/// A person's mix of name and number, far from the order of `i`.
pub fn spread(i: usize) -> u64 {
    // SplitMix64's finaliser: consecutive `i` land anywhere.
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Contact `i`'s first name, last name and (unique) email address.
pub fn person(i: usize) -> [String; 3] {
    let h = spread(i);
    let first = FIRST[(h & 15) as usize];
    let last = LAST[((h >> 4) & 15) as usize];
    let domain = DOMAINS[((h >> 8) % 6) as usize];
    let email = format!("{first}.{last}{}@{domain}", i);
    [email, capitalise(first), capitalise(last)]
}

/// Contact `i`'s email address.
pub fn email(i: usize) -> String {
    let [email, _, _] = person(i);
    email
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// One row of an upload: an address, an empty cell, or no cell at all.
#[derive(Debug, Clone)]
pub enum Cell {
    Value(String),
    Empty,
    Missing,
}

/// What a sync of [`sync_rows`] must report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expected {
    /// Rows that match a contact first.
    pub matched: usize,
    /// Rows matching no contact (unknown or malformed addresses).
    pub unmatched: usize,
    /// Rows whose identifier cell is empty or absent.
    pub empty: usize,
    /// Rows whose contact an earlier row matched.
    pub duplicates: usize,
}

/// The rows of a sync against `contacts` contacts, shuffled, with what the sync must report.
pub fn sync_rows(contacts: usize) -> (Vec<Cell>, Expected) {
    let mut rng = StdRng::seed_from_u64(0x0010_C0A7);
    let known = contacts * 93 / 100;
    let mut picked: Vec<usize> = (0..contacts).collect();
    picked.shuffle(&mut rng);
    picked.truncate(known);
    let percent = contacts / 100;
    let mut rows: Vec<Cell> = picked.iter().map(|&i| Cell::Value(email(i))).collect();
    for u in 0..5 * percent {
        rows.push(Cell::Value(format!("nobody.{u}@unknown.example")));
    }
    for e in 0..percent {
        rows.push(match e % 3 {
            0 => Cell::Empty,
            1 => Cell::Missing,
            _ => Cell::Value(format!("not an address {e}")),
        });
    }
    let malformed = (0..percent).filter(|e| e % 3 == 2).count();
    for _ in 0..percent {
        let again = picked[rng.gen_range(0..known)];
        rows.push(Cell::Value(email(again).to_uppercase()));
    }
    rows.shuffle(&mut rng);
    // A duplicate may come before the row it repeats once shuffled: whichever comes first
    // matches, the other is the duplicate, so the counts hold either way. Two duplicates of
    // one contact are both duplicates.
    let expected = Expected {
        matched: known,
        unmatched: 5 * percent + malformed,
        empty: percent - malformed,
        duplicates: percent,
    };
    (rows, expected)
}

/// The columns of [`import_rows`], with the fields they map to.
pub const IMPORT_FIELDS: [(&str, &str); 5] = [
    ("Email", "{{Contact.Field(C_EmailAddress)}}"),
    ("First", "{{Contact.Field(C_FirstName)}}"),
    ("Last", "{{Contact.Field(C_LastName)}}"),
    ("Company", "{{Contact.Field(C_Company)}}"),
    ("City", "{{Contact.Field(C_City)}}"),
];

const CITIES: [&str; 8] = [
    "Lisbon", "Osaka", "Lagos", "Boston", "Krakow", "Lyon", "Leeds", "Pune",
];

/// `n` rows of new people for an import, shuffled: five columns, 1% of them with an empty or
/// malformed address and 1% repeating an earlier address. Person numbers start at
/// `first`, so imports into one store can stay apart.
pub fn import_rows(first: usize, n: usize) -> Vec<[Cell; 5]> {
    let mut rng = StdRng::seed_from_u64(0x01A4_0127 ^ first as u64);
    let percent = n / 100;
    let fresh = n - 2 * percent;
    let mut rows: Vec<[Cell; 5]> = (first..first + fresh)
        .map(|i| {
            let [email, first_name, last_name] = person(i);
            [
                Cell::Value(email),
                Cell::Value(first_name),
                Cell::Value(last_name),
                Cell::Value(format!("{} Ltd", capitalise(LAST[i % 16]))),
                Cell::Value(CITIES[i % 8].to_owned()),
            ]
        })
        .collect();
    for e in 0..percent {
        let mut row = rows[e].clone();
        row[0] = if e % 2 == 0 {
            Cell::Empty
        } else {
            Cell::Value(format!("broken{e}-at-example.com"))
        };
        rows.push(row);
    }
    for _ in 0..percent {
        let again = rows[rng.gen_range(0..fresh)].clone();
        rows.push(again);
    }
    rows.shuffle(&mut rng);
    rows
}

/// JSON array bodies of at most `per_body` rows each, keys in the order `names` gives.
pub fn json_bodies<const N: usize>(
    rows: &[[Cell; N]],
    names: [&str; N],
    per_body: usize,
) -> Vec<Vec<u8>> {
    rows.chunks(per_body)
        .map(|chunk| {
            let mut body = Vec::with_capacity(chunk.len() * 24 * N + 2);
            body.push(b'[');
            for (n, row) in chunk.iter().enumerate() {
                if n > 0 {
                    body.push(b',');
                }
                body.push(b'{');
                let mut first = true;
                for (name, cell) in names.iter().zip(row) {
                    let value = match cell {
                        Cell::Value(v) => v.as_str(),
                        Cell::Empty => "",
                        Cell::Missing => continue,
                    };
                    if !first {
                        body.push(b',');
                    }
                    first = false;
                    body.extend_from_slice(
                        format!("{}:{}", serde_json::json!(name), serde_json::json!(value))
                            .as_bytes(),
                    );
                }
                body.push(b'}');
            }
            body.push(b']');
            body
        })
        .collect()
}

/// Sync rows as one-column rows for [`json_bodies`].
pub fn one_column(rows: Vec<Cell>) -> Vec<[Cell; 1]> {
    rows.into_iter().map(|c| [c]).collect()
}
