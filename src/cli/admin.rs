//! Offline operator commands: they open the store directly, so they work with the server
//! stopped (SQLite's locking lets them run beside it too).

use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use crate::auth::{digest, hash_password, random_password, random_token};
use crate::config::Settings;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::contact_fields::{FieldType, internal_name_for};
use crate::domain::record_type::{ACCOUNTS, CONTACTS, RecordType};
use crate::domain::site::{OAuthClient, Site, site_name};
use crate::store::{self, Backend, NewUser, Store, StoreError};

/// `loquat site …`
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create a site (the company name users sign in with).
    Create {
        /// Site name, e.g. COMPANYX.
        name: String,
    },
    /// List sites.
    List,
}

/// `loquat user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user to a site; prints a random password unless --password is given.
    Add {
        /// The site.
        #[arg(long)]
        site: String,
        /// Login name.
        username: String,
        /// Password (default: random, printed once).
        #[arg(long, env = "LOQUAT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Name shown by GET /id.
        #[arg(long)]
        display_name: Option<String>,
        /// Email address shown by GET /id.
        #[arg(long)]
        email: Option<String>,
        /// Create the user without API access (every API call answers 403).
        #[arg(long)]
        no_api_access: bool,
    },
    /// List a site's users.
    List {
        /// The site.
        #[arg(long)]
        site: String,
    },
    /// Remove a user (and their tokens).
    Remove {
        /// The site.
        #[arg(long)]
        site: String,
        /// Login name.
        username: String,
    },
    /// Change a user's password (revokes their tokens).
    Passwd {
        /// The site.
        #[arg(long)]
        site: String,
        /// Login name.
        username: String,
        /// New password (default: random, printed once).
        #[arg(long, env = "LOQUAT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

/// The record type a field command works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FieldObject {
    /// Contact fields (`{{Contact.Field(…)}}`).
    Contact,
    /// Account fields (`{{Account.Field(…)}}`).
    Account,
}

impl FieldObject {
    fn record_type(self) -> &'static RecordType {
        match self {
            Self::Contact => &CONTACTS,
            Self::Account => &ACCOUNTS,
        }
    }
}

/// `loquat field …`
#[derive(Debug, Subcommand)]
pub enum FieldCommand {
    /// Add a custom contact (or account) field to a site.
    Add {
        /// The site.
        #[arg(long)]
        site: String,
        /// The record type the field belongs to.
        #[arg(long, value_enum, default_value = "contact")]
        object: FieldObject,
        /// Display name, e.g. "Lead Score".
        name: String,
        /// text, largeText, numeric (or number) or date.
        #[arg(long = "type", default_value = "text")]
        data_type: String,
        /// Internal name used in imports and exports [default: C_<name>1 for contacts, M_<name>1
        /// for accounts, as Eloqua makes them].
        #[arg(long)]
        internal_name: Option<String>,
    },
    /// List a site's contact (or account) fields, standard then custom.
    List {
        /// The site.
        #[arg(long)]
        site: String,
        /// The record type whose fields to list.
        #[arg(long, value_enum, default_value = "contact")]
        object: FieldObject,
    },
}

/// `loquat oauth-client …`
#[derive(Debug, Subcommand)]
pub enum OAuthCommand {
    /// Register a client; prints its id and secret once.
    Add {
        /// A label for the client.
        name: String,
    },
}

async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let backend = Backend::choose(settings.database.as_deref(), &settings.data_dir)?;
    store::open(&backend, clock, settings.database_pool_size).await
}

async fn find_site(store: &dyn Store, name: &str) -> anyhow::Result<Site> {
    store
        .site_by_name(name)
        .await?
        .with_context(|| format!("no site named {name:?} (see `loquat site list`)"))
}

/// `loquat migrate`
pub(super) async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    open(settings).await?;
    println!("The store is at the latest schema.");
    Ok(())
}

/// `loquat site …`
pub(super) async fn site(settings: &Settings, command: SiteCommand) -> anyhow::Result<()> {
    let store = open(settings).await?;
    match command {
        SiteCommand::Create { name } => {
            let name = site_name(&name)?;
            let site = store.create_site(name).await.map_err(|e| match e {
                StoreError::Conflict { .. } => {
                    anyhow::anyhow!("a site named {name:?} exists already")
                }
                other => other.into(),
            })?;
            println!("Created site {:?} (id {}).", site.name, site.id);
        }
        SiteCommand::List => {
            for site in store.list_sites().await? {
                println!("{}\t{}", site.id, site.name);
            }
        }
    }
    Ok(())
}

/// `loquat user …`
pub(super) async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let store = open(settings).await?;
    match command {
        UserCommand::Add {
            site,
            username,
            password,
            display_name,
            email,
            no_api_access,
        } => {
            let site = find_site(store.as_ref(), &site).await?;
            if username.trim().is_empty() || username.contains(':') || username.contains('\\') {
                anyhow::bail!("a username must be non-empty and cannot contain ':' or '\\'");
            }
            let (password, generated) = choose_password(password);
            let new = NewUser {
                username: username.clone(),
                password_hash: hash_password(&password)?,
                display_name,
                email_address: email,
                api_access: !no_api_access,
            };
            store.add_user(site.id, new).await.map_err(|e| match e {
                StoreError::Conflict { .. } => {
                    anyhow::anyhow!("site {:?} has a user {username:?} already", site.name)
                }
                other => other.into(),
            })?;
            println!("Added {}\\{username}.", site.name);
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        UserCommand::List { site } => {
            let site = find_site(store.as_ref(), &site).await?;
            for user in store.list_users(site.id).await? {
                let access = if user.api_access { "api" } else { "no-api" };
                println!("{}\t{}\t{access}", user.id, user.username);
            }
        }
        UserCommand::Remove { site, username } => {
            let site = find_site(store.as_ref(), &site).await?;
            store
                .remove_user(site.id, &username)
                .await
                .map_err(|e| not_found_user(e, &site, &username))?;
            println!("Removed {}\\{username}.", site.name);
        }
        UserCommand::Passwd {
            site,
            username,
            password,
        } => {
            let site = find_site(store.as_ref(), &site).await?;
            let (password, generated) = choose_password(password);
            store
                .set_password(site.id, &username, &hash_password(&password)?)
                .await
                .map_err(|e| not_found_user(e, &site, &username))?;
            println!(
                "Changed the password of {}\\{username}; their tokens are revoked.",
                site.name
            );
            if generated {
                println!("Password (shown once): {password}");
            }
        }
    }
    Ok(())
}

fn choose_password(given: Option<String>) -> (String, bool) {
    match given.filter(|p| !p.is_empty()) {
        Some(password) => (password, false),
        None => (random_password(), true),
    }
}

fn not_found_user(err: StoreError, site: &Site, username: &str) -> anyhow::Error {
    match err {
        StoreError::NotFound => anyhow::anyhow!("site {:?} has no user {username:?}", site.name),
        other => other.into(),
    }
}

/// `loquat field …`
pub(super) async fn field(settings: &Settings, command: FieldCommand) -> anyhow::Result<()> {
    let store = open(settings).await?;
    match command {
        FieldCommand::Add {
            site,
            object,
            name,
            data_type,
            internal_name,
        } => {
            let record_type = object.record_type();
            let site = find_site(store.as_ref(), &site).await?;
            let data_type = FieldType::parse(&data_type)
                .filter(|t| *t != FieldType::EmailAddress)
                .with_context(|| {
                    format!(
                        "unknown field type {data_type:?}: use text, largeText, numeric or date"
                    )
                })?;
            let internal = internal_name
                .unwrap_or_else(|| internal_name_for(record_type.custom_field_prefix, &name));
            if crate::domain::markup::FieldName::parse(&internal).is_err()
                || record_type.fields.standard(&internal).is_some()
            {
                anyhow::bail!(
                    "{internal:?} cannot name a custom field: use letters, digits and _ (starting with a letter), not a standard field's name"
                );
            }
            let field = store
                .create_custom_field(site.id, record_type, &internal, name.trim(), data_type)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict { .. } => anyhow::anyhow!(
                        "site {:?} has a field {internal:?} already ({} fields)",
                        site.name,
                        record_type.noun
                    ),
                    other => other.into(),
                })?;
            println!(
                "Added field {} ({}, {}) with id {}: {}",
                field.internal_name,
                field.name,
                field.data_type,
                field.id,
                field.statement(record_type.markup_root)
            );
        }
        FieldCommand::List { site, object } => {
            let record_type = object.record_type();
            let site = find_site(store.as_ref(), &site).await?;
            let mut fields = record_type.fields.standard_fields();
            fields.extend(store.list_custom_fields(site.id, record_type).await?);
            for field in fields {
                println!(
                    "{}\t{}\t{}\t{}",
                    field.id, field.internal_name, field.data_type, field.name
                );
            }
        }
    }
    Ok(())
}

/// `loquat oauth-client …`
pub(super) async fn oauth(settings: &Settings, command: OAuthCommand) -> anyhow::Result<()> {
    let store = open(settings).await?;
    match command {
        OAuthCommand::Add { name } => {
            let client_id = random_token();
            let secret = random_token();
            store
                .add_oauth_client(OAuthClient {
                    client_id: client_id.clone(),
                    secret_hash: digest(&secret),
                    name: name.clone(),
                })
                .await?;
            println!("Registered OAuth client {name:?}.");
            println!("client_id:     {client_id}");
            println!("client_secret: {secret}   (shown once)");
        }
    }
    Ok(())
}
