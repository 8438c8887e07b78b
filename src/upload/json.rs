//! JSON bodies: one array of flat objects, walked element by element with serde visitors.
//!
//! Rules: the top level must be an array (`[]` is zero rows); every element must be an object;
//! values must be strings, numbers, booleans or `null` (nested arrays or objects are refused,
//! naming the row and key); a key may appear once per object; nothing but whitespace may follow
//! the array. Syntax errors carry serde_json's line and column.
//!
//! Integers outside the 64-bit range are read as floats, as serde_json does, so their text may
//! lose digits; no Eloqua identifier comes near that range.
//!
//! No `serde_json::Value` is ever built: strings without escapes are borrowed from the body
//! (`visit_borrowed_str`); escaped strings and numbers are written into a reused buffer (for
//! [`decode_columns`], one arena per row, since several values of a row must live at once).
//!
//! The walk and every check are shared by both entry points; what a row keeps and how it is
//! handed to the sink is [`rows::Rows`].

mod member;
mod rows;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use self::member::{KeySeed, KeySet, ValueSeed};
use self::rows::{ManyColumns, OneColumn, Rows};
use super::{
    DecodeError, DecodeFailure, FileSummary, MAX_COLUMNS, RowValue, name_too_long, too_many_columns,
};

/// Decodes a JSON body (already UTF-8 checked, BOM removed). See [`super::decode`].
pub(super) fn decode<E, F>(
    text: &str,
    identifier: &str,
    sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(RowValue<'_>) -> Result<(), E>,
{
    walk(text, OneColumn::new(identifier, sink))
}

/// Decodes a JSON body (already UTF-8 checked, BOM removed). See [`super::decode_columns`].
pub(super) fn decode_columns<E, F>(
    text: &str,
    columns: &[&str],
    sink: F,
) -> Result<FileSummary, DecodeFailure<E>>
where
    F: FnMut(&[Option<&str>]) -> Result<(), E>,
{
    walk(text, ManyColumns::new(columns, sink))
}

/// Walks the array, handing each row's members to `rows`.
fn walk<'de, R: Rows<'de>>(
    text: &'de str,
    rows: R,
) -> Result<FileSummary, DecodeFailure<R::Error>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut state = State {
        rows,
        count: 0,
        ignored: BTreeSet::new(),
        keys: KeySet::default(),
        stop: None,
    };
    if let Err(err) = (&mut de).deserialize_any(Body(&mut state)) {
        return Err(failure(&err, state.stop.take()));
    }
    de.end().map_err(|err| {
        DecodeError::new("unexpected data after the JSON array").at_serde_position(&err)
    })?;
    Ok(FileSummary {
        rows: state.count,
        ignored_columns: state.ignored,
    })
}

/// Why the visitors stopped, kept aside because serde's error type can carry neither a row
/// number nor the sink's error.
enum Stop<E> {
    Malformed { row: Option<u64>, message: String },
    Sink(E),
}

/// Turns a serde error (plus what the visitors recorded) into the caller's failure.
fn failure<E>(err: &serde_json::Error, stop: Option<Stop<E>>) -> DecodeFailure<E> {
    let decode_error = match stop {
        Some(Stop::Sink(e)) => return DecodeFailure::Sink(e),
        Some(Stop::Malformed { row, message }) => DecodeError {
            row,
            ..DecodeError::new(message)
        },
        None => {
            // serde_json appends " at line L column C"; we report those as fields instead.
            let full = err.to_string();
            let suffix = format!(" at line {} column {}", err.line(), err.column());
            let bare = full.strip_suffix(&suffix).unwrap_or(&full);
            DecodeError::new(bare)
        }
    };
    DecodeFailure::Malformed(decode_error.at_serde_position(err))
}

impl DecodeError {
    fn at_serde_position(mut self, err: &serde_json::Error) -> Self {
        if err.line() > 0 {
            self.line = Some(err.line() as u64);
            self.column = Some(err.column() as u64);
        }
        self
    }
}

/// Everything the visitors share while walking one body.
struct State<'de, R: Rows<'de>> {
    rows: R,
    /// Rows begun so far: the 1-based number of the current row.
    count: u64,
    ignored: BTreeSet<String>,
    keys: KeySet<'de>,
    stop: Option<Stop<R::Error>>,
}

impl<'de, R: Rows<'de>> State<'de, R> {
    /// Records why the body is refused and returns the error that makes serde unwind.
    fn refuse<T, Er: de::Error>(&mut self, row: Option<u64>, message: String) -> Result<T, Er> {
        let err = Er::custom(&message);
        self.stop = Some(Stop::Malformed { row, message });
        Err(err)
    }

    /// Reads member `key` of the current row and hands its value to the rows, after checking
    /// the key and recording it if it names no column.
    fn member<A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
        key: Cow<'de, str>,
    ) -> Result<(), A::Error> {
        let row = Some(self.count);
        if matches!(&key, Cow::Owned(k) if k.contains('\0')) {
            let message = format!("key {key:?} contains a NUL character (U+0000)");
            return self.refuse(row, message);
        }
        if let Some(why) = name_too_long(&key) {
            return self.refuse(row, why);
        }
        if !self.keys.insert(key.clone()) {
            return self.refuse(row, format!("duplicate key {key:?}"));
        }
        if self.keys.len() > MAX_COLUMNS {
            return self.refuse(row, too_many_columns("the object has"));
        }
        let position = self.rows.find(&key);
        if position.is_none() && !self.ignored.contains(&*key) {
            if self.ignored.len() >= MAX_COLUMNS {
                let what = "the rows name, besides the definition's,";
                return self.refuse(row, too_many_columns(what));
            }
            self.ignored.insert(key.clone().into_owned());
        }
        let mut problem = None;
        let buffer = self.rows.buffer(position);
        let value = match map.next_value_seed(ValueSeed::new(buffer, &mut problem)) {
            Ok(value) => value,
            Err(err) => match problem {
                Some(problem) => {
                    return self.refuse(row, format!("the value of {key:?} {problem}"));
                }
                None => return Err(err),
            },
        };
        self.rows.keep(position, value);
        Ok(())
    }
}

/// Answers every non-container JSON value with `self.refuse_kind("…")`.
macro_rules! refuse_scalars {
    () => {
        fn visit_bool<Er: de::Error>(self, _: bool) -> Result<(), Er> {
            self.refuse_kind("a boolean")
        }
        fn visit_i64<Er: de::Error>(self, _: i64) -> Result<(), Er> {
            self.refuse_kind("a number")
        }
        fn visit_u64<Er: de::Error>(self, _: u64) -> Result<(), Er> {
            self.refuse_kind("a number")
        }
        fn visit_f64<Er: de::Error>(self, _: f64) -> Result<(), Er> {
            self.refuse_kind("a number")
        }
        fn visit_str<Er: de::Error>(self, _: &str) -> Result<(), Er> {
            self.refuse_kind("a string")
        }
        fn visit_unit<Er: de::Error>(self) -> Result<(), Er> {
            self.refuse_kind("null")
        }
    };
}

/// The whole body: must be an array; each element is a [`Row`].
struct Body<'a, 'de, R: Rows<'de>>(&'a mut State<'de, R>);

impl<'de, R: Rows<'de>> Body<'_, 'de, R> {
    fn refuse_kind<Er: de::Error>(self, found: &str) -> Result<(), Er> {
        let message = format!("the body must be a JSON array of objects, not {found}");
        self.0.refuse(None, message)
    }
}

impl<'de, R: Rows<'de>> Visitor<'de> for Body<'_, 'de, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Row(&mut *self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.refuse_kind("an object")
    }

    refuse_scalars!();
}

/// One array element: must be a flat object; ends with one call to the sink.
struct Row<'a, 'de, R: Rows<'de>>(&'a mut State<'de, R>);

impl<'de, R: Rows<'de>> Row<'_, 'de, R> {
    fn refuse_kind<Er: de::Error>(self, found: &str) -> Result<(), Er> {
        let row = Some(self.0.count);
        self.0
            .refuse(row, format!("expected a JSON object, found {found}"))
    }
}

impl<'de, R: Rows<'de>> DeserializeSeed<'de> for Row<'_, 'de, R> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.count += 1;
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Rows<'de>> Visitor<'de> for Row<'_, 'de, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flat JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.0;
        st.keys.clear();
        st.rows.begin();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            st.member(&mut map, key)?;
        }
        if let Err(e) = st.rows.end() {
            st.stop = Some(Stop::Sink(e));
            return Err(de::Error::custom("the row sink failed"));
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        self.refuse_kind("an array")
    }

    refuse_scalars!();
}
