//! One object member: its key, its value, and the duplicate-key check of the current object.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::upload::too_long;

/// Keys of the current object, for the duplicate check: a short list scanned linearly (rows
/// usually have one key), switching to a hash set so a huge object stays linear.
#[derive(Default)]
pub(super) struct KeySet<'de> {
    few: Vec<Cow<'de, str>>,
    many: HashSet<Cow<'de, str>>,
}

impl<'de> KeySet<'de> {
    const FEW: usize = 16;

    /// How many keys the current object has had.
    pub(super) fn len(&self) -> usize {
        self.few.len() + self.many.len()
    }

    pub(super) fn clear(&mut self) {
        self.few.clear();
        if !self.many.is_empty() {
            self.many.clear();
        }
    }

    /// Adds `key`; false if it was already there.
    pub(super) fn insert(&mut self, key: Cow<'de, str>) -> bool {
        if self.many.is_empty() {
            if self.few.contains(&key) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(key);
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key)
    }
}

/// An object key: borrowed unless it contains escapes.
pub(super) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<Er: de::Error>(self, v: &'de str) -> Result<Self::Value, Er> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Self::Value, Er> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// A decoded value: where its text lives.
#[derive(Clone, Copy)]
pub(super) enum Scalar<'de> {
    /// `null`, or the key was absent.
    Null,
    /// Borrowed from the body (or a static `"true"`/`"false"`).
    Borrowed(&'de str),
    /// Appended to the buffer the [`ValueSeed`] was given, at this byte range.
    InBuffer(usize, usize),
}

impl<'de> Scalar<'de> {
    /// Whether the text is empty (`null` is), without looking at the buffer.
    #[inline]
    pub(super) fn is_empty(self) -> bool {
        match self {
            Self::Null => true,
            Self::Borrowed(text) => text.is_empty(),
            Self::InBuffer(start, end) => start == end,
        }
    }

    /// The text, from the buffer given to the [`ValueSeed`] that read it (`null` is empty).
    #[inline]
    pub(super) fn text<'a>(self, buffer: &'a str) -> &'a str
    where
        'de: 'a,
    {
        match self {
            Self::Null => "",
            Self::Borrowed(text) => text,
            Self::InBuffer(start, end) => &buffer[start..end],
        }
    }
}

/// One object value; text that cannot be borrowed is appended to `text` (never cleared here).
/// Reports why a value was refused through `problem`, which the row turns into a message
/// naming the key.
pub(super) struct ValueSeed<'a> {
    text: &'a mut String,
    problem: &'a mut Option<String>,
}

impl<'a> ValueSeed<'a> {
    pub(super) fn new(text: &'a mut String, problem: &'a mut Option<String>) -> Self {
        Self { text, problem }
    }

    fn refuse<Er: de::Error>(self, problem: impl Into<String>) -> Result<Scalar<'static>, Er> {
        let problem = problem.into();
        let err = Er::custom(&problem);
        *self.problem = Some(problem);
        Err(err)
    }

    fn write(self, value: impl fmt::Display) -> Scalar<'static> {
        let start = self.text.len();
        // Writing into a String cannot fail.
        let _ = write!(self.text, "{value}");
        Scalar::InBuffer(start, self.text.len())
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Scalar<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_unit<Er: de::Error>(self) -> Result<Self::Value, Er> {
        Ok(Scalar::Null)
    }

    fn visit_bool<Er: de::Error>(self, v: bool) -> Result<Self::Value, Er> {
        Ok(Scalar::Borrowed(if v { "true" } else { "false" }))
    }

    fn visit_i64<Er: de::Error>(self, v: i64) -> Result<Self::Value, Er> {
        Ok(self.write(v))
    }

    fn visit_u64<Er: de::Error>(self, v: u64) -> Result<Self::Value, Er> {
        Ok(self.write(v))
    }

    /// `Display` is the shortest text that round-trips, never in exponent form.
    fn visit_f64<Er: de::Error>(self, v: f64) -> Result<Self::Value, Er> {
        Ok(self.write(v))
    }

    fn visit_borrowed_str<Er: de::Error>(self, v: &'de str) -> Result<Self::Value, Er> {
        // Only escaped strings can hold U+0000: serde_json refuses raw control characters.
        if let Some(problem) = too_long(v.as_bytes()) {
            return self.refuse(problem);
        }
        Ok(Scalar::Borrowed(v))
    }

    fn visit_str<Er: de::Error>(self, v: &str) -> Result<Self::Value, Er> {
        if v.contains('\0') {
            return self.refuse("contains a NUL character (U+0000)");
        }
        if let Some(problem) = too_long(v.as_bytes()) {
            return self.refuse(problem);
        }
        Ok(self.write(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.refuse("is an array; values must be strings, numbers, booleans or null")
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        self.refuse("is an object; values must be strings, numbers, booleans or null")
    }
}
