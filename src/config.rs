//! Settings: code defaults, then an optional TOML file, then environment variables, then
//! command-line flags (clap reads a flag or its `LOQUAT_*` variable; both beat the file).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where the server listens, keeps its data and says it lives.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// Listen address.
    pub bind: SocketAddr,
    /// Directory of the embedded store.
    pub data_dir: PathBuf,
    /// A database URL overriding the embedded store: `sqlite:PATH` or `postgres://…`.
    pub database: Option<String>,
    /// Connections kept to a PostgreSQL store.
    pub database_pool_size: usize,
    /// The URL clients reach this server at, advertised by `/id` (no trailing slash).
    pub public_url: String,
    /// Log lines as JSON instead of text.
    pub log_json: bool,
    /// Bytes a site may keep staged (413 beyond).
    pub staging_quota_bytes: u64,
    /// How long unsynced staged data is kept.
    pub staging_retention_seconds: u64,
    /// Hosts callbacks may reach: `*` (any), `*.example.com` or `host.example.com`.
    pub callback_hosts: Vec<String>,
    /// Requests served at once; more are answered 503.
    pub max_in_flight: usize,
    /// How long a running sync stays its node's without renewal before another node may take
    /// it over.
    pub sync_lease_seconds: u64,
    /// Serve `GET /metrics`.
    pub metrics: bool,
    /// When set, `GET /metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<crate::metrics::Token>,
}

/// Default connections kept to a PostgreSQL store.
pub const DEFAULT_DATABASE_POOL_SIZE: usize = 16;
/// Default lease of a running sync.
pub const DEFAULT_SYNC_LEASE_SECONDS: u64 = 30;

/// Default number of requests served at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;

/// Default staging quota per site: 10 GiB.
pub const DEFAULT_STAGING_QUOTA_MB: u64 = 10 * 1024;
/// Default retention of unsynced staged data: 7 days, as Eloqua's imports.
pub const DEFAULT_STAGING_RETENTION_HOURS: u64 = 7 * 24;

impl std::fmt::Debug for Settings {
    // The database URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database",
                &self.database.as_deref().map(crate::store::redact),
            )
            .field("public_url", &self.public_url)
            .field("log_json", &self.log_json)
            .field("staging_quota_bytes", &self.staging_quota_bytes)
            .field("staging_retention_seconds", &self.staging_retention_seconds)
            .field("callback_hosts", &self.callback_hosts)
            .field("max_in_flight", &self.max_in_flight)
            .field("database_pool_size", &self.database_pool_size)
            .field("sync_lease_seconds", &self.sync_lease_seconds)
            .field("metrics", &self.metrics)
            // `Token`'s Debug shows only that one is set.
            .field("metrics_token", &self.metrics_token)
            .finish()
    }
}

/// The values a config file may set; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// `bind = "127.0.0.1:8080"`
    pub bind: Option<String>,
    /// `data_dir = "/var/lib/loquat"`
    pub data_dir: Option<PathBuf>,
    /// `database = "sqlite:/var/lib/loquat/loquat.db"`
    pub database: Option<String>,
    /// `public_url = "https://loquat.example.com"`
    pub public_url: Option<String>,
    /// `log_json = true`
    pub log_json: Option<bool>,
    /// `staging_quota_mb = 10240`
    pub staging_quota_mb: Option<u64>,
    /// `staging_retention_hours = 168`
    pub staging_retention_hours: Option<u64>,
    /// `callback_hosts = ["*"]`
    pub callback_hosts: Option<Vec<String>>,
    /// `max_in_flight = 512`
    pub max_in_flight: Option<usize>,
    /// `database_pool_size = 16`
    pub database_pool_size: Option<usize>,
    /// `sync_lease_seconds = 30`
    pub sync_lease_seconds: Option<u64>,
    /// `metrics = true`
    pub metrics: Option<bool>,
    /// `metrics_token = "…"`
    pub metrics_token: Option<crate::metrics::Token>,
}

impl FileSettings {
    /// Reads a TOML config file.
    ///
    /// # Errors
    /// When the file cannot be read or has an unknown key or a value of the wrong type.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in config file {}", path.display()))
    }
}

/// What the command line and environment gave (each `None` when not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--bind` / `LOQUAT_BIND`
    pub bind: Option<String>,
    /// `--data-dir` / `LOQUAT_DATA_DIR`
    pub data_dir: Option<PathBuf>,
    /// `--database` / `LOQUAT_DATABASE_URL`
    pub database: Option<String>,
    /// `--public-url` / `LOQUAT_PUBLIC_URL`
    pub public_url: Option<String>,
    /// `--log-json` / `LOQUAT_LOG_JSON`
    pub log_json: Option<bool>,
    /// `--staging-quota-mb` / `LOQUAT_STAGING_QUOTA_MB`
    pub staging_quota_mb: Option<u64>,
    /// `--staging-retention-hours` / `LOQUAT_STAGING_RETENTION_HOURS`
    pub staging_retention_hours: Option<u64>,
    /// `--callback-hosts` / `LOQUAT_CALLBACK_HOSTS` (comma-separated)
    pub callback_hosts: Option<Vec<String>>,
    /// `--max-in-flight` / `LOQUAT_MAX_IN_FLIGHT`
    pub max_in_flight: Option<usize>,
    /// `--database-pool-size` / `LOQUAT_DATABASE_POOL_SIZE`
    pub database_pool_size: Option<usize>,
    /// `--sync-lease-seconds` / `LOQUAT_SYNC_LEASE_SECONDS`
    pub sync_lease_seconds: Option<u64>,
    /// `--metrics` / `LOQUAT_METRICS`
    pub metrics: Option<bool>,
    /// `--metrics-token` / `LOQUAT_METRICS_TOKEN`
    pub metrics_token: Option<crate::metrics::Token>,
}

impl Settings {
    /// Layers overrides over the file over defaults.
    ///
    /// # Errors
    /// Naming the key whose value is invalid.
    pub fn resolve(file: FileSettings, cli: Overrides) -> anyhow::Result<Self> {
        let bind_text = cli
            .bind
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind: SocketAddr = bind_text.parse().with_context(|| {
            format!("bind: {bind_text:?} is not an address such as 127.0.0.1:8080")
        })?;
        let data_dir = cli
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir);
        let public_url = match cli.public_url.or(file.public_url) {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    anyhow::bail!("public_url: {url:?} must start with http:// or https://");
                }
                url.trim_end_matches('/').to_owned()
            }
            None => format!("http://{bind}"),
        };
        Ok(Self {
            bind,
            data_dir,
            database: cli.database.or(file.database),
            public_url,
            log_json: cli.log_json.or(file.log_json).unwrap_or(false),
            staging_quota_bytes: cli
                .staging_quota_mb
                .or(file.staging_quota_mb)
                .unwrap_or(DEFAULT_STAGING_QUOTA_MB)
                .saturating_mul(1024 * 1024),
            staging_retention_seconds: cli
                .staging_retention_hours
                .or(file.staging_retention_hours)
                .unwrap_or(DEFAULT_STAGING_RETENTION_HOURS)
                .saturating_mul(3600),
            callback_hosts: cli
                .callback_hosts
                .or(file.callback_hosts)
                .unwrap_or_else(|| vec!["*".to_owned()]),
            max_in_flight: cli
                .max_in_flight
                .or(file.max_in_flight)
                .unwrap_or(DEFAULT_MAX_IN_FLIGHT)
                .max(1),
            database_pool_size: cli
                .database_pool_size
                .or(file.database_pool_size)
                .unwrap_or(DEFAULT_DATABASE_POOL_SIZE)
                .max(2),
            sync_lease_seconds: cli
                .sync_lease_seconds
                .or(file.sync_lease_seconds)
                .unwrap_or(DEFAULT_SYNC_LEASE_SECONDS)
                .max(1),
            metrics: cli.metrics.or(file.metrics).unwrap_or(true),
            metrics_token: cli.metrics_token.or(file.metrics_token),
        })
    }
}

/// `$XDG_DATA_HOME/loquat`, else `~/.local/share/loquat`, else `./loquat-data`.
pub fn default_data_dir() -> PathBuf {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(xdg) = non_empty("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("loquat");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home).join(".local/share/loquat");
    }
    PathBuf::from("loquat-data")
}

/// A commented sample config file (`loquat config-example`).
pub const EXAMPLE: &str = r#"# Loquat configuration. Every key is optional; environment variables (LOQUAT_BIND,
# LOQUAT_DATA_DIR, LOQUAT_DATABASE_URL, LOQUAT_PUBLIC_URL, LOQUAT_LOG_JSON, ...) and flags
# override it.

# Address to listen on.
bind = "127.0.0.1:8080"

# Directory of the embedded SQLite store (created on first start).
# data_dir = "/var/lib/loquat"

# Explicit database URL instead of <data_dir>/loquat.db: an SQLite file, or a PostgreSQL
# database shared by several Loquat nodes (see docs/OPERATIONS.md).
# database = "sqlite:/var/lib/loquat/loquat.db"
# database = "postgres://loquat@db.example.com/loquat"

# Connections each node keeps to a PostgreSQL store.
database_pool_size = 16

# Seconds a running sync stays its node's without renewal (renewed every third of it); when
# a node stops, another takes its syncs over after at most this long.
sync_lease_seconds = 30

# The URL clients reach this server at; GET /id advertises it. Defaults to http://<bind>.
# public_url = "https://loquat.example.com"

# Write log lines as JSON.
log_json = false

# Bytes of uploads a site may keep staged, in MiB; beyond it uploads answer 413.
staging_quota_mb = 10240

# Hours unsynced staged data is kept before it expires.
staging_retention_hours = 168

# Hosts sync callbacks may be sent to: "*" (any host, the default: convenient for local
# development, but a caller can then make the server send requests to any address it can
# reach), "*.example.com" (a domain and its subdomains) or an exact host name.
callback_hosts = ["*"]

# Requests served at once; beyond it new requests are answered 503 (retry with back-off).
max_in_flight = 512

# Serve GET /metrics (Prometheus text format) on the same address, outside the Eloqua API's
# sign-in. It shows counts and timings only (no ids, no row values); see docs/METRICS.md.
metrics = true

# When set, GET /metrics answers 401 unless the request carries
# "Authorization: Bearer <metrics_token>". Without it anyone who reaches the address can read
# the metrics.
# metrics_token = "a-long-random-string"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file = FileSettings {
            bind: Some("0.0.0.0:9000".into()),
            public_url: Some("https://file.example/".into()),
            ..FileSettings::default()
        };
        let cli = Overrides {
            bind: Some("127.0.0.1:7000".into()),
            ..Overrides::default()
        };
        let settings = Settings::resolve(file, cli).unwrap();
        assert_eq!(settings.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(settings.public_url, "https://file.example");
    }

    #[test]
    fn public_url_defaults_to_the_bind_address() {
        let settings = Settings::resolve(FileSettings::default(), Overrides::default()).unwrap();
        assert_eq!(settings.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn names_the_bad_key() {
        let cli = Overrides {
            bind: Some("nowhere".into()),
            ..Overrides::default()
        };
        let err = Settings::resolve(FileSettings::default(), cli).unwrap_err();
        assert!(err.to_string().starts_with("bind:"), "{err}");
        let err = toml::from_str::<FileSettings>("colour = 1").unwrap_err();
        assert!(err.to_string().contains("colour"));
    }

    #[test]
    fn metrics_are_on_by_default_and_the_token_never_shows() {
        let settings = Settings::resolve(FileSettings::default(), Overrides::default()).unwrap();
        assert!(settings.metrics);
        assert_eq!(settings.metrics_token, None);
        let file: FileSettings =
            toml::from_str("metrics = false\nmetrics_token = \"hunter2\"").unwrap();
        assert!(!format!("{file:?}").contains("hunter2"));
        let settings = Settings::resolve(file, Overrides::default()).unwrap();
        assert!(!settings.metrics);
        assert!(settings.metrics_token.is_some());
        assert!(!format!("{settings:?}").contains("hunter2"));
        let err = toml::from_str::<FileSettings>("metrics_token = \"\"").unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
    }

    #[test]
    fn the_example_parses() {
        toml::from_str::<FileSettings>(EXAMPLE).unwrap();
    }
}
