//! The flags of `loquat push`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::chunker::{DEFAULT_CHUNK_BYTES, InputFormat};
use crate::domain::definition::Identifier;

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

/// Which contact field the rows identify contacts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IdentifierArg {
    /// The email address: `{{Contact.Field(C_EmailAddress)}}`.
    Email,
    /// Eloqua's contact id: `{{Contact.Id}}`.
    Id,
    /// The external id: `{{Contact.Field(ContactIDExt)}}`.
    ExternalId,
}

impl IdentifierArg {
    /// The definition's identifier.
    pub fn identifier(self) -> Identifier {
        match self {
            Self::Email => Identifier::EmailAddress,
            Self::Id => Identifier::ContactId,
            Self::ExternalId => Identifier::ContactIdExt,
        }
    }

    /// The column holding it when `--column` is not given.
    pub fn default_column(self) -> &'static str {
        match self {
            Self::Email => "EmailAddress",
            Self::Id => "ContactId",
            Self::ExternalId => "ContactIDExt",
        }
    }
}

/// Flags of `loquat push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The CSV or JSON file to send (read as a stream; any size).
    pub input: PathBuf,
    /// An existing sync action definition to upload to, e.g. /contacts/syncActions/12.
    #[arg(long, value_name = "URI", conflicts_with_all = ["add_to_list", "remove_from_list",
        "subscribe_group", "unsubscribe_group", "global_subscribe", "global_unsubscribe"])]
    pub definition: Option<String>,
    /// Create a definition adding each contact to this contact list (repeatable).
    #[arg(long, value_name = "LIST_ID")]
    pub add_to_list: Vec<u64>,
    /// Create a definition removing each contact from this contact list (repeatable).
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
    /// Create a definition marking each contact globally unsubscribed.
    #[arg(long)]
    pub global_unsubscribe: bool,
    /// How rows identify contacts, for a definition this command creates.
    #[arg(long, value_enum, default_value = "email")]
    pub identifier: IdentifierArg,
    /// The identifier's column in the file [default: EmailAddress, ContactId or ContactIDExt].
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
