//! Where `loquat push` finds its credentials and URLs: flags, then the environment (both
//! through clap), then a named profile in a TOML file.
//!
//! ```toml
//! [default]                     # used when --profile is not given
//! site = "COMPANYX"
//! user = "user1"
//! password = "password123"
//! login_url = "https://login.eloqua.com"
//!
//! [local]
//! site = "Loquat"
//! user = "admin"
//! password = "…"
//! base_url = "http://127.0.0.1:8080"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::args::{Password, PushArgs};

/// Eloqua's discovery host.
pub const ELOQUA_LOGIN_URL: &str = "https://login.eloqua.com";

/// Who to sign in as and where.
#[derive(Debug)]
pub struct Credentials {
    /// Site (company) name.
    pub site: String,
    /// User name.
    pub user: String,
    /// The user's password.
    pub password: Password,
    /// The instance's base URL, when known without discovery.
    pub base_url: Option<String>,
    /// Where `GET /id` is asked otherwise.
    pub login_url: String,
}

/// One `[name]` table of the profile file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    site: Option<String>,
    user: Option<String>,
    password: Option<Password>,
    base_url: Option<String>,
    login_url: Option<String>,
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Password::from)
    }
}

/// The credentials from the flags and environment, completed from the profile.
///
/// # Errors
/// A missing site, user or password; an unreadable profile file or unknown profile.
pub fn resolve(args: &PushArgs) -> anyhow::Result<Credentials> {
    let profile = load_profile(args)?;
    let missing = |what: &str, flag: &str, env: &str| {
        anyhow::anyhow!(
            "no {what}: give --{flag}, set {env}, or add it to a profile (see docs/PUSH.md)"
        )
    };
    Ok(Credentials {
        site: args
            .site
            .clone()
            .or(profile.site)
            .ok_or_else(|| missing("site", "site", "LOQUAT_PUSH_SITE"))?,
        user: args
            .user
            .clone()
            .or(profile.user)
            .ok_or_else(|| missing("user", "user", "LOQUAT_PUSH_USER"))?,
        password: args
            .password
            .clone()
            .or(profile.password)
            .ok_or_else(|| missing("password", "password", "LOQUAT_PUSH_PASSWORD"))?,
        base_url: args.base_url.clone().or(profile.base_url),
        login_url: args
            .login_url
            .clone()
            .or(profile.login_url)
            .unwrap_or_else(|| ELOQUA_LOGIN_URL.to_owned()),
    })
}

/// The profile named by `--profile`, else `default` if the file has one, else nothing.
fn load_profile(args: &PushArgs) -> anyhow::Result<Profile> {
    let path = match args.profiles_file.clone().or_else(default_path) {
        Some(path) => path,
        None if args.profile.is_some() => bail!("no profile file: give --profiles-file"),
        None => return Ok(Profile::default()),
    };
    if !path.exists() {
        if let Some(name) = &args.profile {
            bail!("profile \"{name}\": {} does not exist", path.display());
        }
        return Ok(Profile::default());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the profile file {}", path.display()))?;
    // toml's own Display quotes the offending line, which may be the password's: say only
    // where and what.
    let mut profiles: BTreeMap<String, Profile> = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(0, |s| {
            text.as_bytes()[..s.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        anyhow::anyhow!(
            "in the profile file {} at line {line}: {}",
            path.display(),
            e.message()
        )
    })?;
    let profile = match &args.profile {
        Some(name) => profiles.remove(name).with_context(|| {
            let known: Vec<_> = profiles.keys().map(String::as_str).collect();
            format!(
                "no profile \"{name}\" in {} (it has: {})",
                path.display(),
                known.join(", ")
            )
        })?,
        None => profiles.remove("default").unwrap_or_default(),
    };
    if profile.password.is_some() {
        warn_if_shared(&path);
    }
    Ok(profile)
}

/// `$XDG_CONFIG_HOME/loquat/profiles.toml`, else `~/.config/loquat/profiles.toml`.
fn default_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("loquat").join("profiles.toml"))
}

/// A file holding a password should be readable by its owner only, as ssh insists for keys.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: {} holds a password and is readable by others; run chmod 600 on it",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}
