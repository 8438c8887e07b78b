//! The flags of `loquat push`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::chunker::{DEFAULT_CHUNK_BYTES, InputFormat};
use crate::domain::definition::Identifier;
use crate::domain::record_type::{ACCOUNTS, CONTACTS, EMAIL_ADDRESSES, RecordType};

/// A password: kept out of `Debug` output so it can never reach a log or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The password itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl From<String> for Password {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// Which records a definition this command creates works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectArg {
    /// Contacts: `/contacts/syncActions`.
    Contacts,
    /// Accounts: `/accounts/syncActions` (account lists).
    Accounts,
    /// Email addresses: `/emailAddresses/imports` (global unsubscribe, bounceback).
    #[value(name = "emailAddresses")]
    EmailAddresses,
}

impl ObjectArg {
    /// Its record type.
    pub fn record_type(self) -> &'static RecordType {
        match self {
            Self::Contacts => &CONTACTS,
            Self::Accounts => &ACCOUNTS,
            Self::EmailAddresses => &EMAIL_ADDRESSES,
        }
    }
}

/// Which field the rows identify records by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdentifierArg {
    /// The email address: `{{Contact.Field(C_EmailAddress)}}` (contacts, email addresses).
    Email,
    /// Eloqua's id: `{{Contact.Id}}` or `{{Account.Id}}`.
    Id,
    /// The external id: `{{Contact.Field(ContactIDExt)}}` or `{{Account.Field(CompanyIDExt)}}`.
    ExternalId,
    /// The company name: `{{Account.Field(M_CompanyName)}}` (accounts).
    Name,
}

/// The definition's identifier for `object` and `--identifier` (each object's usual one when
/// absent).
///
/// # Errors
/// An identifier the object has not (`--identifier name` for contacts, …).
pub fn identifier(object: ObjectArg, given: Option<IdentifierArg>) -> anyhow::Result<Identifier> {
    use IdentifierArg as A;
    use ObjectArg as O;
    Ok(match (object, given) {
        (O::Contacts, None | Some(A::Email)) => Identifier::EmailAddress,
        (O::Contacts, Some(A::Id)) => Identifier::ContactId,
        (O::Contacts, Some(A::ExternalId)) => Identifier::ContactIdExt,
        (O::Accounts, None | Some(A::Name)) => Identifier::CompanyName,
        (O::Accounts, Some(A::Id)) => Identifier::AccountId,
        (O::Accounts, Some(A::ExternalId)) => Identifier::CompanyIdExt,
        (O::EmailAddresses, None | Some(A::Email)) => Identifier::Address,
        (object, Some(given)) => anyhow::bail!(
            "--identifier {}: {} are identified by {}",
            given
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned()),
            object.record_type().segment,
            object.record_type().identifiers.join(", ")
        ),
    })
}

/// The column holding `identifier` when `--column` is not given.
pub fn default_column(identifier: Identifier) -> &'static str {
    match identifier {
        Identifier::EmailAddress | Identifier::Address => "EmailAddress",
        Identifier::ContactId => "ContactId",
        Identifier::ContactIdExt => "ContactIDExt",
        Identifier::AccountId => "AccountId",
        Identifier::CompanyName => "CompanyName",
        Identifier::CompanyIdExt => "CompanyIDExt",
    }
}

/// Flags of `loquat push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The CSV or JSON file to send (read as a stream; any size).
    pub input: PathBuf,
    /// An existing sync action definition (or email address import) to upload to, e.g.
    /// /contacts/syncActions/12 or /accounts/syncActions/3.
    #[arg(long, value_name = "URI", conflicts_with_all = ["add_to_list", "remove_from_list",
        "subscribe_group", "unsubscribe_group", "global_subscribe", "global_unsubscribe", "bounce"])]
    pub definition: Option<String>,
    /// The records a created definition works on.
    #[arg(long, value_enum, default_value = "contacts")]
    pub object: ObjectArg,
    /// Create a definition adding each record to this list (a contact list, or an account list
    /// with --object accounts; repeatable).
    #[arg(long, value_name = "LIST_ID")]
    pub add_to_list: Vec<u64>,
    /// Create a definition removing each record from this list (repeatable).
    #[arg(long, value_name = "LIST_ID")]
    pub remove_from_list: Vec<u64>,
    /// Create a definition subscribing each contact to this email group (repeatable).
    #[arg(long, value_name = "GROUP_ID")]
    pub subscribe_group: Vec<u64>,
    /// Create a definition unsubscribing each contact from this email group (repeatable).
    #[arg(long, value_name = "GROUP_ID")]
    pub unsubscribe_group: Vec<u64>,
    /// Create a definition marking each contact globally subscribed.
    #[arg(long, conflicts_with = "global_unsubscribe")]
    pub global_subscribe: bool,
    /// Create a definition marking each contact (or email address) globally unsubscribed.
    #[arg(long)]
    pub global_unsubscribe: bool,
    /// Create an email address import marking each address bounced (--object emailAddresses).
    #[arg(long)]
    pub bounce: bool,
    /// How rows identify records, for a definition this command creates [default: email;
    /// name for accounts].
    #[arg(long, value_enum)]
    pub identifier: Option<IdentifierArg>,
    /// The identifier's column in the file [default: EmailAddress, ContactId, ContactIDExt,
    /// CompanyName, AccountId or CompanyIDExt, after the identifier].
    #[arg(long)]
    pub column: Option<String>,
    /// Name of a created definition [default: "loquat push <file name>"].
    #[arg(long)]
    pub name: Option<String>,
    /// autoDeleteDuration of a created definition (ISO-8601), or "never".
    #[arg(long, default_value = "P7D", value_name = "DURATION")]
    pub auto_delete: String,
    /// Input format [default: json for .json, .jsonl and .ndjson files, else csv].
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,

    /// Site (company) name to sign in to.
    #[arg(long, env = "LOQUAT_PUSH_SITE")]
    pub site: Option<String>,
    /// User name.
    #[arg(long, env = "LOQUAT_PUSH_USER")]
    pub user: Option<String>,
    /// Password (prefer the environment variable or a profile: flags show up in `ps`).
    #[arg(long, env = "LOQUAT_PUSH_PASSWORD", hide_env_values = true)]
    pub password: Option<Password>,
    /// Profile to read credentials and URLs from.
    #[arg(long, env = "LOQUAT_PUSH_PROFILE")]
    pub profile: Option<String>,
    /// Profile file [default: $XDG_CONFIG_HOME/loquat/profiles.toml or ~/.config/loquat/profiles.toml].
    #[arg(long, env = "LOQUAT_PUSH_PROFILES", value_name = "FILE")]
    pub profiles_file: Option<PathBuf>,
    /// The instance's base URL (skips discovery), e.g. https://secure.p03.eloqua.com.
    #[arg(long, env = "LOQUAT_PUSH_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Where to discover the base URL with GET /id [default: https://login.eloqua.com].
    #[arg(long, env = "LOQUAT_PUSH_LOGIN_URL", value_name = "URL")]
    pub login_url: Option<String>,

    /// Learn that a sync ended from a callback: listen here and pass this URL as callbackUrl.
    #[arg(long, value_name = "URL")]
    pub callback: Option<String>,
    /// Address the callback listener binds [default: the host and port of --callback].
    #[arg(long, value_name = "ADDR", requires = "callback")]
    pub callback_bind: Option<String>,
    /// Write rejected rows here as CSV (row,identifier,code,message).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Write --rejects values exactly as uploaded, without the ' that keeps spreadsheets from
    /// running cells starting with = + - @ as formulas (for files read by programs).
    #[arg(long, requires = "rejects")]
    pub raw_csv: bool,
    /// Resume state file [default: <input>.loquat-push.json].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Ignore (and replace) a state file left by an interrupted push of this input.
    #[arg(long)]
    pub restart: bool,

    /// Bytes per upload body (tests use small values to get many chunks).
    #[arg(long, hide = true, default_value_t = DEFAULT_CHUNK_BYTES)]
    pub chunk_bytes: usize,
    /// Files per definition before a sync must run (Eloqua: 500).
    #[arg(long, hide = true, default_value_t = 500)]
    pub max_files: u32,
    /// Testing aid: exit abruptly right after the Nth upload is sent, before its answer is
    /// recorded, as a crash that loses the 204 would.
    #[arg(long, hide = true, value_name = "N")]
    pub crash_after_upload: Option<u64>,
}
