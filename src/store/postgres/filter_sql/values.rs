//! Field comparisons: where a field's value is read (a column of `c` or its custom values
//! row) and how a literal compares with it, by field type.

use super::{Binder, NOTHING, fold, sql_op};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::{FieldType, RecordField};
use crate::domain::filter::CompareOp;
use crate::domain::record_type::Tables;
use crate::store::filter_sql::source::Source;
use crate::store::postgres::listing::like_pattern;

/// `field op value` for a field of the catalogue; binds the parameters it uses.
pub(super) fn condition(
    field: &RecordField,
    tables: &'static Tables,
    op: CompareOp,
    value: &str,
    params: &mut Binder,
) -> String {
    let source = Source::of(field, tables);
    if op == CompareOp::Like {
        // The pattern's escapes (`\%`, `\_`, `\\`) have no letters to lower.
        let pattern = params.bind(like_pattern(value).to_ascii_lowercase());
        return format!("({} LIKE {pattern})", fold(&source.text()));
    }
    let typed = match field.data_type {
        FieldType::Numeric => Typed::number(value),
        FieldType::Date => Typed::date(value),
        _ => None,
    };
    let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
    match typed {
        Some(typed) => {
            let cmp = if op == CompareOp::Ne { "=" } else { sql_op(op) };
            let read = typed.reader();
            let param = typed.bind(params);
            let test = source.test(|x| format!("{} {cmp} {param}", read(x)));
            if op == CompareOp::Ne {
                format!("(NOT {test})")
            } else {
                format!("({test})")
            }
        }
        None if ordering && matches!(field.data_type, FieldType::Numeric | FieldType::Date) => {
            NOTHING.to_owned()
        }
        None if ordering => {
            let param = params.bind(value.to_ascii_lowercase());
            let cmp = sql_op(op);
            format!(
                "({})",
                source.test(|x| format!("{} {cmp} {param}", fold(x)))
            )
        }
        None => {
            let param = params.bind(value.to_ascii_lowercase());
            format!("({} {} {param})", fold(&source.text()), sql_op(op))
        }
    }
}

/// A literal read as the field's type.
enum Typed {
    /// A finite number.
    Number(f64),
    /// An instant, in milliseconds since the Unix epoch.
    Date(i64),
}

impl Typed {
    fn number(value: &str) -> Option<Self> {
        let number = value.trim().parse::<f64>().ok()?;
        number.is_finite().then_some(Self::Number(number))
    }

    fn date(value: &str) -> Option<Self> {
        Timestamp::parse_lenient(value).map(|at| Self::Date(sqlite_millis(at.as_nanos())))
    }

    /// How to read a stored value (NULL when it is not of the type).
    fn reader(&self) -> fn(&str) -> String {
        match self {
            Self::Number(_) => read_number,
            Self::Date(_) => read_date,
        }
    }

    /// Binds the literal; returns its placeholder.
    fn bind(self, params: &mut Binder) -> String {
        match self {
            Self::Number(number) => params.bind(number),
            Self::Date(millis) => params.bind(millis),
        }
    }
}

/// The millisecond SQLite's `julianday` reads from `Timestamp::to_string` of `nanos` (seven
/// fractional digits, then seconds rounded half up to the millisecond).
fn sqlite_millis(nanos: i64) -> i64 {
    let shown = nanos - nanos.rem_euclid(100);
    let (seconds, fraction) = (
        shown.div_euclid(1_000_000_000),
        shown.rem_euclid(1_000_000_000),
    );
    seconds * 1000 + (fraction + 500_000) / 1_000_000
}

/// A number as Rust's `f64` parser takes it (after trimming spaces): sign, integer digits,
/// fraction digits, exponent sign, exponent digits.
const NUMBER: &str = r"^([+-]?)([0-9]*)(?:[.]([0-9]*))?(?:[eE]([+-]?)([0-9]+))?$";

/// Stored text `x` as `float8`, or NULL when it is not a number that is finite as an `f64`.
///
/// Nothing here can fail: the text is split by [`NUMBER`], the decimal exponent of its first
/// significant digit (`e10`) is worked out from the digit counts, and only a mantissa of at
/// most 41 digits with an exponent in `-323..=308` is cast; smaller magnitudes are 0 (as the
/// parser rounds them), larger ones infinite (not a value).
fn read_number(x: &str) -> String {
    format!(
        "(SELECT CASE
            WHEN n.sig = '' THEN 0::float8
            WHEN length(n.edigits) > 6 THEN CASE WHEN n.esign = '-' THEN 0::float8 END
            ELSE (SELECT CASE
                    WHEN e.e10 > 308 THEN NULL
                    WHEN e.e10 < -323 THEN 0::float8
                    WHEN e.e10 = 308 AND e.mant::numeric >= 1.7976931348623158079372897140530341507993e308 THEN NULL
                    ELSE e.mant::float8 END
                  FROM (SELECT d.e10, n.sign || left(n.sig, 1) || '.' || substr(n.sig, 2, 40) || '0e' || d.e10 AS mant
                        FROM (SELECT n.shift + (n.esign || COALESCE(NULLIF(n.edigits, ''), '0'))::int AS e10) d) e)
            END
          FROM (SELECT p.sign, ltrim(p.digits, '0') AS sig, p.esign, p.edigits,
                       p.int_len - 1 - (length(p.digits) - length(ltrim(p.digits, '0'))) AS shift
                FROM (SELECT m[1] AS sign, m[2] || COALESCE(m[3], '') AS digits, length(m[2]) AS int_len,
                             COALESCE(m[4], '') AS esign, ltrim(COALESCE(m[5], ''), '0') AS edigits
                      FROM (SELECT regexp_match(btrim({x}), '{NUMBER}') AS m) r
                      WHERE m IS NOT NULL) p
                WHERE p.digits <> '') n)"
    )
}

/// A date as both `Timestamp::parse_lenient` and SQLite's `julianday` take it: year, month,
/// day, then optionally hour, minute, second, fraction, and `Z` or a sign, hours and minutes.
const DATE: &str = r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.]([0-9]+))?)?)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?$";

/// Stored text `x` as milliseconds since the Unix epoch (rounded as `julianday` rounds), or NULL
/// when it is not a date.
///
/// Nothing here can fail: every cast reads at most nine digits the pattern matched, and the
/// day is built (`make_date`, moved 400 years on to stay clear of year 0) only once month,
/// day, hour, minute, second and offset are known to be in range. An offset needs seconds
/// (RFC 3339); without one, at most nine fraction digits (`parse_lenient`'s naive form).
fn read_date(x: &str) -> String {
    format!(
        "(SELECT CASE WHEN t.mo BETWEEN 1 AND 12
                AND t.d BETWEEN 1 AND (CASE WHEN t.mo = 2 THEN 28 + (t.y % 4 = 0 AND (t.y % 100 <> 0 OR t.y % 400 = 0))::int
                                            WHEN t.mo IN (4, 6, 9, 11) THEN 30 ELSE 31 END)
                AND t.h <= 23 AND t.mi <= 59 AND t.s <= 59 AND t.oh <= 23 AND t.om <= 59
            THEN (make_date(t.y + 400, t.mo, t.d) - DATE '1970-01-01' - 146097)::bigint * 86400000
                 + t.h * 3600000 + t.mi * 60000 + (t.s * 1000000000::bigint + t.ns + 500000) / 1000000
                 - t.osign * (t.oh * 60 + t.om) * 60000
            END
          FROM (SELECT m[1]::int AS y, m[2]::int AS mo, m[3]::int AS d,
                       COALESCE(m[4], '0')::int AS h, COALESCE(m[5], '0')::int AS mi, COALESCE(m[6], '0')::int AS s,
                       rpad(COALESCE(left(m[7], 9), ''), 9, '0')::bigint AS ns,
                       CASE m[9] WHEN '-' THEN -1 ELSE 1 END AS osign,
                       COALESCE(m[10], '0')::int AS oh, COALESCE(m[11], '0')::int AS om
                FROM (SELECT regexp_match(btrim({x}), '{DATE}') AS m) r
                WHERE m IS NOT NULL
                  AND (m[6] IS NOT NULL OR (m[8] IS NULL AND m[9] IS NULL))
                  AND (m[8] IS NOT NULL OR m[9] IS NOT NULL OR length(COALESCE(m[7], '')) <= 9)) t)"
    )
}
