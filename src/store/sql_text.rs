//! SQL text both backends build the same way: `LIKE` patterns, comparison and order keywords,
//! balanced `AND`/`OR` trees, and the filter compiler's errors. Values never appear here; each
//! backend binds them in its own placeholder style.

use crate::domain::clock::Timestamp;
use crate::domain::filter::CompareOp;
use crate::domain::query::{Direction, Op};
use crate::store::StoreResult;

/// Which backend runs a statement. Shared statements are written with PostgreSQL's numbered
/// `$n` placeholders; SQLite reads the same numbers as `?n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// A build with one backend feature constructs only its own variant.
#[cfg_attr(not(all(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) enum Backend {
    /// The embedded store.
    Sqlite,
    /// The shared store.
    Postgres,
}

impl Backend {
    /// `sql` (written with `$n` placeholders and no other `$`) in this backend's style.
    pub(crate) fn placeholders(self, sql: &str) -> String {
        match self {
            Self::Sqlite => sql.replace('$', "?"),
            Self::Postgres => sql.to_owned(),
        }
    }

    /// `column [NOT] LIKE pattern`, ignoring case, with a backslash as escape.
    pub(crate) fn like(self, column: &str, not: bool, pattern: &str) -> String {
        let not = if not { "NOT " } else { "" };
        match self {
            Self::Sqlite => format!("{column} {not}LIKE {pattern} ESCAPE '\\'"),
            Self::Postgres => format!("{column} {not}ILIKE {pattern}"),
        }
    }

    /// `column op value` for text, ignoring case.
    pub(crate) fn text_compare(self, column: &str, op: &str, value: &str) -> String {
        match self {
            Self::Sqlite => format!("{column} {op} {value} COLLATE NOCASE"),
            Self::Postgres => format!("lower({column}) {op} lower({value})"),
        }
    }
}

/// Deletes row `$2` of site `$1` from `table` (a record of another site is not found).
pub(crate) fn delete_owned(table: &str) -> String {
    format!("DELETE FROM {table} WHERE site_id = $1 AND id = $2")
}

/// A value bound to a shared statement; each backend converts it to its driver's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A `BIGINT` (SQLite `INTEGER`), or NULL.
    Int(Option<i64>),
    /// A `TEXT`, or NULL.
    Text(Option<String>),
    /// A `BOOLEAN` (SQLite stores 0 or 1).
    Flag(bool),
}

/// One row of a shared statement's result, read the same way on both backends.
pub trait StoredRow {
    /// Column `i` as an integer.
    fn int(&self, i: usize) -> StoreResult<i64>;
    /// Column `i` as text.
    fn text(&self, i: usize) -> StoreResult<String>;
    /// Column `i` as text or NULL.
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>>;
    /// Column `i` as a flag.
    fn flag(&self, i: usize) -> StoreResult<bool>;
}

/// Why a parsed filter cannot run on a store.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FilterSqlError {
    /// `{{Contact.Field(X)}}` names neither a standard nor one of the site's custom fields.
    #[error("unknown contact field '{0}'")]
    UnknownField(String),
    /// Valid Eloqua that Loquat does not implement, or an operator the value cannot take.
    #[error("{0}")]
    Unsupported(String),
}

/// The error for valid Eloqua that Loquat does not implement.
pub(crate) fn unsupported(what: &str) -> FilterSqlError {
    FilterSqlError::Unsupported(format!(
        "Loquat has no {what}; filter on a contact list with EXISTS('{{{{ContactList[<id>]}}}}')"
    ))
}

/// `*Test*` → `%Test%`, with `LIKE` wildcards in the text escaped by a backslash (both stores'
/// statements name it as the escape).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The SQL spelling of a `q` comparison.
pub(crate) fn list_op(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Gt => ">",
        Op::Lt => "<",
        Op::Ge => ">=",
        Op::Le => "<=",
    }
}

/// The SQL spelling of an `orderBy` direction.
pub(crate) fn direction(dir: Direction) -> &'static str {
    match dir {
        Direction::Ascending => "ASC",
        Direction::Descending => "DESC",
    }
}

/// The SQL spelling of a filter comparison (`LIKE` needs a pattern from [`like_pattern`]).
pub(crate) fn filter_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Lt => "<",
        CompareOp::Ge => ">=",
        CompareOp::Le => "<=",
        CompareOp::Like => "LIKE",
    }
}

/// How a run of `AND`s or `OR`s is joined.
#[derive(Clone, Copy)]
pub(crate) enum Junction {
    /// `AND`
    And,
    /// `OR`
    Or,
}

impl Junction {
    /// The SQL keyword.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Self::And => "AND",
            Self::Or => "OR",
        }
    }
}

/// `operands` joined by `keyword` as a balanced, fully parenthesised tree, so a long chain
/// nests only logarithmically deep; `empty` when there is none.
pub(crate) fn balanced(operands: &[String], keyword: &str, empty: &str) -> String {
    match operands {
        [] => empty.to_owned(),
        [one] => one.clone(),
        _ => {
            let (left, right) = operands.split_at(operands.len() / 2);
            let left = balanced(left, keyword, empty);
            let right = balanced(right, keyword, empty);
            format!("({left} {keyword} {right})")
        }
    }
}

/// Owed callbacks due at parameter 1, oldest first, at most parameter 3 of each site and
/// parameter 2 in all: the columns of `sync_select` (`… FROM syncs s`), then the attempts made
/// and the site. `mark` is the backend's positional placeholder (`?` or `$`). The per-site
/// bound keeps one site's backlog from filling the batch, so every site's callbacks are seen.
pub(crate) fn due_callbacks(sync_select: &str, mark: char) -> String {
    let select = sync_select.replace(" FROM syncs s", ", c.attempts, s.site_id FROM syncs s");
    format!(
        "{select} JOIN sync_callbacks c ON c.sync_id = s.id
         JOIN (SELECT c2.sync_id, ROW_NUMBER() OVER (PARTITION BY s2.site_id ORDER BY c2.next_at, c2.sync_id) AS n
               FROM sync_callbacks c2 JOIN syncs s2 ON s2.id = c2.sync_id WHERE c2.next_at <= {mark}1) r
           ON r.sync_id = s.id
         WHERE r.n <= {mark}3 ORDER BY c.next_at, s.id LIMIT {mark}2"
    )
}

/// Takes callback `sync_id` (parameter 1) if it is still due at parameter 2, moving it to
/// parameter 3 so that no other delivery picks it up meanwhile.
pub(crate) fn claim_callback(mark: char) -> String {
    format!(
        "UPDATE sync_callbacks SET next_at = {mark}3 WHERE sync_id = {mark}1 AND next_at <= {mark}2"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_sql_wildcards_and_trees_stay_balanced() {
        assert_eq!(like_pattern("*50%_off\\*"), "%50\\%\\_off\\\\%");
        let ops: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(balanced(&ops, "AND", "(0)"), "(a AND (b AND c))");
        assert_eq!(balanced(&[], "OR", "(0)"), "(0)");
    }
}

/// Stored times carry nanoseconds, but clients see them, and compare with them, at Eloqua's
/// seven fractional digits (100 ns). So a comparison treats every stored instant within one
/// 100 ns step as equal to the time shown for it: `createdAt > '<a row's createdAt>'` must not
/// return that row. The condition is written as bounds on the raw column (so an index still
/// serves it); `bind` stores each bound and gives its placeholder.
pub(crate) fn time_condition(
    column: &str,
    op: Op,
    at: Timestamp,
    mut bind: impl FnMut(i64) -> String,
) -> String {
    const STEP: i64 = 100;
    let start = at.as_nanos().div_euclid(STEP).saturating_mul(STEP);
    let next = start.saturating_add(STEP);
    match op {
        Op::Gt => format!("{column} >= {}", bind(next)),
        Op::Ge => format!("{column} >= {}", bind(start)),
        Op::Lt => format!("{column} < {}", bind(start)),
        Op::Le => format!("{column} < {}", bind(next)),
        Op::Eq => format!(
            "({column} >= {} AND {column} < {})",
            bind(start),
            bind(next)
        ),
        Op::Ne => format!("({column} < {} OR {column} >= {})", bind(start), bind(next)),
    }
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn times_compare_at_the_shown_precision() {
        // 12:00:00.1234567 shown; stored with 89 more nanoseconds.
        let shown = Timestamp::from_nanos(1_000_000_123_456_700);
        let render = |op| {
            let mut bound = Vec::new();
            let sql = time_condition("c", op, shown, |v| {
                bound.push(v);
                "?".to_owned()
            });
            (sql, bound)
        };
        let (start, next) = (1_000_000_123_456_700, 1_000_000_123_456_800);
        assert_eq!(render(Op::Gt), ("c >= ?".into(), vec![next]));
        assert_eq!(render(Op::Ge), ("c >= ?".into(), vec![start]));
        assert_eq!(render(Op::Lt), ("c < ?".into(), vec![start]));
        assert_eq!(render(Op::Le), ("c < ?".into(), vec![next]));
        assert_eq!(
            render(Op::Eq),
            ("(c >= ? AND c < ?)".into(), vec![start, next])
        );
        assert_eq!(
            render(Op::Ne),
            ("(c < ? OR c >= ?)".into(), vec![start, next])
        );
        // A time given with nanoseconds is taken at the same precision.
        let finer = Timestamp::from_nanos(start + 89);
        let (_, bound) = {
            let mut bound = Vec::new();
            let sql = time_condition("c", Op::Gt, finer, |v| {
                bound.push(v);
                "?".to_owned()
            });
            (sql, bound)
        };
        assert_eq!(bound, vec![next]);
    }
}
