//! Request properties read without failing: reading a definition body never stops at the first
//! wrong property, so the rules can report every failure at once, quoting what the client sent.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// One property of a request body: absent, of the expected type, or anything else.
///
/// The JSON as sent is kept in both present cases, because failures quote it (`"TRUE"` stays
/// `TRUE`, an over-long array is quoted whole).
#[derive(Debug, Clone)]
pub enum Lenient<T> {
    /// Not sent, or `null` (clients send `null` for "not set").
    Absent,
    /// Of the expected type.
    Valid(T, Value),
    /// Present but not of the expected type.
    Invalid(Value),
}

impl<T: DeserializeOwned> Lenient<T> {
    /// Reads a JSON value; `null` is [`Absent`](Self::Absent).
    pub fn of(value: Value) -> Self {
        if value.is_null() {
            return Self::Absent;
        }
        match T::deserialize(&value) {
            Ok(typed) => Self::Valid(typed, value),
            Err(_) => Self::Invalid(value),
        }
    }
}

impl<T> Lenient<T> {
    /// The JSON as sent; `None` when absent.
    pub fn sent(&self) -> Option<&Value> {
        match self {
            Self::Absent => None,
            Self::Valid(_, sent) | Self::Invalid(sent) => Some(sent),
        }
    }

    /// The JSON as sent, quoted the way failures quote values.
    pub fn text(&self) -> Option<String> {
        self.sent().map(value_text)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    /// Never fails on JSON. Reading through `Option` makes a missing property (serde's
    /// missing-field path) and `null` both [`Absent`](Self::Absent) without `#[serde(default)]`,
    /// which would also mark the property optional in the OpenAPI document.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<Value>::deserialize(deserializer)?.map_or(Self::Absent, Self::of))
    }
}

/// A boolean as clients send it: a JSON bool, or `"true"`/`"false"` in any case (pyeloqua
/// sends strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Bool(b) => Ok(Self(b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Self(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Self(false)),
            _ => Err(D::Error::custom("must be true or false")),
        }
    }
}

/// How a value is quoted in a failure: a string's content, anything else as JSON text.
pub(super) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::{Flag, Lenient};

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        name: Lenient<String>,
        is_on: Lenient<Flag>,
    }

    fn read(body: Value) -> Body {
        Body::deserialize(&body).expect("a lenient body reads from any object")
    }

    #[test]
    fn missing_and_null_properties_are_absent() {
        let body = read(json!({"isOn": null}));
        assert!(matches!(body.name, Lenient::Absent));
        assert!(matches!(body.is_on, Lenient::Absent));
        assert_eq!(body.name.text(), None);
    }

    #[test]
    fn values_of_the_expected_type_keep_what_was_sent() {
        let body = read(json!({"name": "List", "isOn": "TRUE", "other": 1}));
        assert!(matches!(&body.name, Lenient::Valid(name, _) if name == "List"));
        assert!(matches!(body.is_on, Lenient::Valid(Flag(true), _)));
        assert_eq!(body.is_on.text().as_deref(), Some("TRUE"));
    }

    #[test]
    fn values_of_another_type_are_kept_raw() {
        let body = read(json!({"name": ["List"], "isOn": "yes"}));
        assert!(matches!(&body.name, Lenient::Invalid(raw) if *raw == json!(["List"])));
        assert_eq!(body.name.text().as_deref(), Some(r#"["List"]"#));
        assert_eq!(body.is_on.text().as_deref(), Some("yes"));
    }
}
