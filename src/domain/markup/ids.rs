//! Validated values that appear inside markup: AppCloud instance GUIDs, contact field names, email properties.

use std::fmt;
use std::str::FromStr;

use super::MarkupError;
use super::lexer::found;

/// `as_str`, `Display` and `FromStr` (through `parse`) for a text value validated on parsing.
macro_rules! validated_text {
    ($type:ident, $as_str:literal) => {
        impl $type {
            #[doc = $as_str]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $type {
            type Err = MarkupError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

/// An AppCloud service-instance GUID written as 32 hex digits without dashes, stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(String);

impl InstanceId {
    /// Parses 32 hex digits (either case); the result is lowercased so equal GUIDs compare equal.
    ///
    /// # Errors
    /// Dashes, non-hex characters or a length other than 32; `at` is a byte offset into `text`.
    pub fn parse(text: &str) -> Result<Self, MarkupError> {
        if let Some(at) = text.find('-') {
            return Err(MarkupError::new(
                at,
                "write the instance GUID as 32 hex digits without dashes",
            ));
        }
        if let Some((at, _)) = text.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
            return Err(MarkupError::new(
                at,
                format!(
                    "expected a hex digit in the instance GUID, found {}",
                    found(text, at)
                ),
            ));
        }
        if text.len() != 32 {
            return Err(MarkupError::new(
                0,
                format!("an instance GUID has 32 hex digits, found {}", text.len()),
            ));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }
}

validated_text!(InstanceId, "The GUID as 32 lowercase hex digits.");

/// A contact field's internal name as used in `{{Contact.Field(...)}}`: `[A-Za-z][A-Za-z0-9_]{0,99}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldName(String);

impl FieldName {
    /// The longest field name accepted, in characters.
    pub const MAX_LEN: usize = 100;

    /// Parses a field name; case is kept because Eloqua field names are case-sensitive here.
    ///
    /// # Errors
    /// Empty, not starting with a letter, other characters than letters/digits/`_`, or too long;
    /// `at` is a byte offset into `text`.
    pub fn parse(text: &str) -> Result<Self, MarkupError> {
        if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(MarkupError::new(
                0,
                format!(
                    "a field name must start with a letter, found {}",
                    found(text, 0)
                ),
            ));
        }
        let bad = text
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'));
        if let Some((at, _)) = bad {
            return Err(MarkupError::new(
                at,
                format!(
                    "a field name may only contain letters, digits and '_', found {}",
                    found(text, at)
                ),
            ));
        }
        if text.len() > Self::MAX_LEN {
            return Err(MarkupError::new(
                Self::MAX_LEN,
                format!(
                    "a field name must be at most {} characters, found {}",
                    Self::MAX_LEN,
                    text.len()
                ),
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

validated_text!(FieldName, "The field name exactly as written.");

/// The email-state properties reachable as `{{Contact.Email.<property>}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailProperty {
    /// `IsSubscribed`: the contact's global subscription flag.
    IsSubscribed,
    /// `IsBounced`: whether the address has hard-bounced.
    IsBounced,
    /// `Format`: the preferred email format.
    Format,
}

impl EmailProperty {
    /// Every property, in the order messages list them.
    pub const ALL: [EmailProperty; 3] = [Self::IsSubscribed, Self::IsBounced, Self::Format];

    /// The property's name as written in markup.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IsSubscribed => "IsSubscribed",
            Self::IsBounced => "IsBounced",
            Self::Format => "Format",
        }
    }

    /// Looks a property up by its exact (case-sensitive) markup name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for EmailProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
