//! Contacts: the records sync actions act on.

use super::clock::Timestamp;

/// A contact of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Store id (`Contact.Id`).
    pub id: i64,
    /// `C_EmailAddress`, unique per site without regard to case.
    pub email_address: String,
    /// `ContactIDExt`.
    pub contact_id_ext: Option<String>,
    /// `C_FirstName`.
    pub first_name: Option<String>,
    /// `C_LastName`.
    pub last_name: Option<String>,
    /// Global subscription (`{{GlobalSubscribe}}`); false means globally unsubscribed.
    pub is_subscribed: bool,
    /// Hard-bounced address.
    pub is_bounced: bool,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// The writable properties of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    /// `C_EmailAddress` (required).
    pub email_address: String,
    /// `ContactIDExt`.
    pub contact_id_ext: Option<String>,
    /// `C_FirstName`.
    pub first_name: Option<String>,
    /// `C_LastName`.
    pub last_name: Option<String>,
    /// Global subscription.
    pub is_subscribed: bool,
    /// Hard-bounced address.
    pub is_bounced: bool,
}

/// Whether `text` looks like an email address Eloqua would store: one `@`, a dot in the
/// domain, no spaces, at most 400 characters.
pub fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && text.chars().count() <= 400
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::is_valid_email;

    #[test]
    fn accepts_ordinary_addresses_and_refuses_junk() {
        assert!(is_valid_email("fred@example.com"));
        assert!(is_valid_email("Fred.Smith+tag@sub.example.co.uk"));
        for bad in [
            "",
            "fred",
            "@example.com",
            "fred@",
            "fred@example",
            "a b@c.d",
            "a@b@c.d",
            "a@.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }
}
