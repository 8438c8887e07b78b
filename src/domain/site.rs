//! Sites (Eloqua instances), their users, and who is calling.

/// One tenant: an Eloqua "company" that users sign in to as `Site\User`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Store id.
    pub id: i64,
    /// The company name used at login.
    pub name: String,
}

/// Why a text cannot name a site.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteNameError {
    /// Nothing but spaces.
    #[error("a site name must not be empty")]
    Empty,
    /// `:` or `\`, which HTTP Basic sign-in (`Site\User:password`) uses as separators.
    #[error(
        "a site name cannot contain {0:?}: users sign in with HTTP Basic as Site\\User:password, which could not carry it"
    )]
    Separator(char),
    /// A control character (invisible, and unsafe in logs and headers).
    #[error("a site name cannot contain control characters")]
    Control,
}

/// The name a site is created with: `text` without surrounding spaces, if users can sign in
/// with it.
///
/// # Errors
/// [`SiteNameError`] naming what makes it unusable.
pub fn site_name(text: &str) -> Result<&str, SiteNameError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(SiteNameError::Empty);
    }
    if let Some(separator) = name.chars().find(|c| matches!(c, ':' | '\\')) {
        return Err(SiteNameError::Separator(separator));
    }
    if name.chars().any(char::is_control) {
        return Err(SiteNameError::Control);
    }
    Ok(name)
}

/// A user of a site, without secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Store id.
    pub id: i64,
    /// The site the user belongs to.
    pub site_id: i64,
    /// Login name (also what `createdBy` shows).
    pub username: String,
    /// Name shown by `/id`.
    pub display_name: Option<String>,
    /// Address shown by `/id`.
    pub email_address: Option<String>,
    /// Whether the user may call the Bulk and REST APIs (without it: 403).
    pub api_access: bool,
}

/// A user as the authenticator needs it: with the stored password hash.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// The site's name.
    pub site_name: String,
    /// PHC string of the argon2 hash.
    pub password_hash: String,
}

/// The authenticated caller of a request: every store call is scoped by its site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The caller's site.
    pub site: Site,
    /// The caller.
    pub user: User,
}

/// A registered OAuth client (an "app" in Eloqua's terms), secret kept hashed.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    /// Public client id.
    pub client_id: String,
    /// SHA-256 hex digest of the secret.
    pub secret_hash: String,
    /// Label given by the operator.
    pub name: String,
}

/// Which kind of token a digest stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Sent as `Authorization: Bearer`.
    Access,
    /// Exchanged for a new access token.
    Refresh,
}

impl TokenKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_names_are_what_basic_sign_in_can_carry() {
        assert_eq!(site_name("  COMPANYX "), Ok("COMPANYX"));
        assert_eq!(site_name("Acme Corp. (EU)"), Ok("Acme Corp. (EU)"));
        assert_eq!(site_name(" \t"), Err(SiteNameError::Empty));
        assert_eq!(site_name("a:b"), Err(SiteNameError::Separator(':')));
        assert_eq!(site_name("a\\b"), Err(SiteNameError::Separator('\\')));
        assert_eq!(site_name("a\u{7}b"), Err(SiteNameError::Control));
        assert_eq!(site_name("a\nb"), Err(SiteNameError::Control));
    }
}
