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
    /// Hosts callbacks may reach: `*` (any), `*.example.com`, `host.example.com`, or an
    /// address or CIDR block (which also allows private addresses in it).
    pub callback_hosts: Vec<String>,
    /// Requests served at once; more are answered 503.
    pub max_in_flight: usize,
    /// How long a running sync stays its node's without renewal before another node may take
    /// it over (on PostgreSQL, a node whose process died loses its syncs at once).
    pub sync_lease_seconds: u64,
    /// Serve `GET /metrics`.
    pub metrics: bool,
    /// When set, `GET /metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<crate::metrics::Token>,
    /// Proxies whose `X-Forwarded-For` names the client; without any, the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds a request body may take to arrive in full (408 beyond).
    pub body_timeout_seconds: u64,
    /// Bytes of a request body past its first [`BODY_RATE_GRACE_BYTES`] that extend its
    /// deadline by a second (the minimum rate a body must keep up; 0 fixes the deadline).
    pub body_min_rate_bytes: u64,
    /// Requests one client address may have in flight at once (503 beyond).
    pub max_in_flight_per_address: usize,
    /// Callbacks may reach loopback, private and link-local addresses (metadata services only when listed).
    pub callback_allow_private: bool,
    /// CSV written by Loquat prefixes cells that a spreadsheet would run as a formula with `'`.
    pub csv_formula_escape: bool,
}

/// Default whole-body deadline of a request.
pub const DEFAULT_BODY_TIMEOUT_SECONDS: u64 = 30;
/// Default minimum body rate, in KiB/s, after the first [`BODY_RATE_GRACE_BYTES`].
pub const DEFAULT_BODY_MIN_RATE_KIB: u64 = 16;
/// Bytes of a body that may arrive at any pace before the minimum rate applies.
pub const BODY_RATE_GRACE_BYTES: u64 = 64 * 1024;
/// Most requests one address may have in flight by default (and at most half of
/// `max_in_flight`, so one address can never take every slot).
pub const DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS: usize = 128;

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
            .field("trusted_proxies", &self.trusted_proxies)
            .field("body_timeout_seconds", &self.body_timeout_seconds)
            .field("body_min_rate_bytes", &self.body_min_rate_bytes)
            .field("max_in_flight_per_address", &self.max_in_flight_per_address)
            .field("callback_allow_private", &self.callback_allow_private)
            .field("csv_formula_escape", &self.csv_formula_escape)
            .finish()
    }
}

/// The values one layer of settings gives: a config file, or the command line with the
/// environment ([`Overrides`]). Every key is optional; a file may hold only these keys.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// `bind = "127.0.0.1:8080"`; `--bind` / `LOQUAT_BIND`
    pub bind: Option<String>,
    /// `data_dir = "/var/lib/loquat"`; `--data-dir` / `LOQUAT_DATA_DIR`
    pub data_dir: Option<PathBuf>,
    /// `database = "sqlite:/var/lib/loquat/loquat.db"`; `--database` / `LOQUAT_DATABASE_URL`
    pub database: Option<String>,
    /// `public_url = "https://loquat.example.com"`; `--public-url` / `LOQUAT_PUBLIC_URL`
    pub public_url: Option<String>,
    /// `log_json = true`; `--log-json` / `LOQUAT_LOG_JSON`
    pub log_json: Option<bool>,
    /// `staging_quota_mb = 10240`; `--staging-quota-mb` / `LOQUAT_STAGING_QUOTA_MB`
    pub staging_quota_mb: Option<u64>,
    /// `staging_retention_hours = 168`; `--staging-retention-hours` / `LOQUAT_STAGING_RETENTION_HOURS`
    pub staging_retention_hours: Option<u64>,
    /// `callback_hosts = ["*"]`; `--callback-hosts` / `LOQUAT_CALLBACK_HOSTS` (comma-separated)
    pub callback_hosts: Option<Vec<String>>,
    /// `max_in_flight = 512`; `--max-in-flight` / `LOQUAT_MAX_IN_FLIGHT`
    pub max_in_flight: Option<usize>,
    /// `database_pool_size = 16`; `--database-pool-size` / `LOQUAT_DATABASE_POOL_SIZE`
    pub database_pool_size: Option<usize>,
    /// `sync_lease_seconds = 30`; `--sync-lease-seconds` / `LOQUAT_SYNC_LEASE_SECONDS`
    pub sync_lease_seconds: Option<u64>,
    /// `metrics = true`; `--metrics` / `LOQUAT_METRICS`
    pub metrics: Option<bool>,
    /// `metrics_token = "…"`; `--metrics-token` / `LOQUAT_METRICS_TOKEN`
    pub metrics_token: Option<crate::metrics::Token>,
    /// `trusted_proxies = ["10.0.0.0/8"]`; `--trusted-proxy` (repeatable) / `LOQUAT_TRUSTED_PROXIES` (comma-separated)
    pub trusted_proxies: Option<Vec<String>>,
    /// `body_timeout_seconds = 30`; `--body-timeout-seconds` / `LOQUAT_BODY_TIMEOUT_SECONDS`
    pub body_timeout_seconds: Option<u64>,
    /// `body_min_rate_kib = 16`; `--body-min-rate-kib` / `LOQUAT_BODY_MIN_RATE_KIB`
    pub body_min_rate_kib: Option<u64>,
    /// `max_in_flight_per_address = 128`; `--max-in-flight-per-address` / `LOQUAT_MAX_IN_FLIGHT_PER_ADDRESS`
    pub max_in_flight_per_address: Option<usize>,
    /// `callback_allow_private = false`; `--callback-allow-private` / `LOQUAT_CALLBACK_ALLOW_PRIVATE`
    pub callback_allow_private: Option<bool>,
    /// `csv_formula_escape = true`; `--csv-formula-escape` / `LOQUAT_CSV_FORMULA_ESCAPE`
    pub csv_formula_escape: Option<bool>,
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

/// What the command line and environment gave (each `None` when not given): the same keys
/// as a config file, so that both are written once.
pub type Overrides = FileSettings;

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
        let mut settings = Self {
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
            trusted_proxies: cli
                .trusted_proxies
                .or(file.trusted_proxies)
                .unwrap_or_default()
                .iter()
                .map(|text| parse_cidr(text))
                .collect::<anyhow::Result<_>>()?,
            body_timeout_seconds: cli
                .body_timeout_seconds
                .or(file.body_timeout_seconds)
                .unwrap_or(DEFAULT_BODY_TIMEOUT_SECONDS)
                .max(1),
            body_min_rate_bytes: cli
                .body_min_rate_kib
                .or(file.body_min_rate_kib)
                .unwrap_or(DEFAULT_BODY_MIN_RATE_KIB)
                .saturating_mul(1024),
            max_in_flight_per_address: 0,
            callback_allow_private: cli
                .callback_allow_private
                .or(file.callback_allow_private)
                .unwrap_or(false),
            csv_formula_escape: cli
                .csv_formula_escape
                .or(file.csv_formula_escape)
                .unwrap_or(true),
        };
        settings.max_in_flight_per_address = cli
            .max_in_flight_per_address
            .or(file.max_in_flight_per_address)
            .unwrap_or_else(|| DEFAULT_MAX_IN_FLIGHT_PER_ADDRESS.min(settings.max_in_flight / 2))
            .clamp(1, settings.max_in_flight);
        settings.check_metrics_exposure()?;
        settings.callback_policy()?;
        Ok(settings)
    }

    /// Where callbacks may go: `callback_hosts`, `callback_allow_private`, and loopback when
    /// the server listens on a loopback address only.
    ///
    /// # Errors
    /// When a `callback_hosts` pattern is malformed.
    pub fn callback_policy(&self) -> anyhow::Result<crate::domain::callback::CallbackPolicy> {
        crate::domain::callback::CallbackPolicy::new(
            &self.callback_hosts,
            self.callback_allow_private,
            self.bind.ip().is_loopback(),
        )
        .map_err(|why| anyhow::anyhow!("callback_hosts: {why}"))
    }

    /// Metrics count callback failures and request outcomes of every site; on an address other
    /// machines reach, only a holder of `metrics_token` may read them.
    fn check_metrics_exposure(&self) -> anyhow::Result<()> {
        if self.metrics && self.metrics_token.is_none() && !self.bind.ip().is_loopback() {
            anyhow::bail!(
                "metrics_token: GET /metrics is served on {}, which other machines can reach; \
                 set metrics_token (--metrics-token, LOQUAT_METRICS_TOKEN) or turn metrics off \
                 (metrics = false)",
                self.bind
            );
        }
        Ok(())
    }
}

/// `10.0.0.0/8`, `::1/128` or a bare address (one host).
fn parse_cidr(text: &str) -> anyhow::Result<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            anyhow::anyhow!(
                "trusted_proxies: {text:?} is not an address or a CIDR block such as 10.0.0.0/8"
            )
        })
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

# Hosts sync callbacks may be sent to: "*" (any host), "*.example.com" (a domain and its
# subdomains), an exact host name, or an address or CIDR block such as "10.1.0.0/16". Whatever
# the host, a callback never reaches a loopback, private, link-local or metadata address
# unless the address lies in a listed block, the host is listed by exact name, or (for all but
# metadata services) callback_allow_private is true (see docs/OPERATIONS.md, "Callbacks and
# private networks").
callback_hosts = ["*"]

# Requests served at once; beyond it new requests are answered 503 (retry with back-off).
max_in_flight = 512

# Requests one client address may have in flight at once (503 beyond), so that one address
# cannot take every slot of max_in_flight. Default: 128, and at most half of max_in_flight.
# max_in_flight_per_address = 128

# Proxies (addresses or CIDR blocks) whose X-Forwarded-For header names the client. Without
# any, the connecting peer is the client: behind a proxy, list it here, or every client shares
# the proxy's address for sign-in throttling and max_in_flight_per_address.
# trusted_proxies = ["10.0.0.0/8"]

# A request body must arrive in full within body_timeout_seconds of the request's start, plus
# one second for every body_min_rate_kib KiB it sends past its first 64 KiB; otherwise the answer
# is 408. A client that keeps up the minimum rate is never cut off by this rule (the 120 s limit
# on the whole request still holds); one that stalls is. 0 fixes the deadline.
body_timeout_seconds = 30
body_min_rate_kib = 16

# Callbacks never reach loopback, private (RFC 1918, RFC 4193), link-local, CGNAT, multicast,
# unspecified, reserved or cloud metadata addresses unless this is true, or callback_hosts
# lists the host by exact name or the address's CIDR block. Cloud metadata services are never
# allowed by this switch, only by such a listing. When the server listens on a loopback address
# only, loopback callbacks are allowed (local development).
callback_allow_private = false

# CSV written by Loquat (export data, rejects) prefixes cells starting with = + - @, tab or
# carriage return with ' so that spreadsheets show them as text instead of running them.
# Machine consumers that need the raw values can turn it off.
csv_formula_escape = true

# Serve GET /metrics (Prometheus text format) on the same address, outside the Eloqua API's
# sign-in. It shows counts and timings only (no ids, no row values); see docs/METRICS.md.
# On an address other than loopback the server refuses to start without metrics_token.
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
    fn metrics_on_a_reachable_address_need_a_token() {
        let on = |bind: &str, extra: &str| {
            let file: FileSettings =
                toml::from_str(&format!("bind = \"{bind}\"\n{extra}")).unwrap();
            Settings::resolve(file, Overrides::default())
        };
        let err = on("0.0.0.0:8080", "").unwrap_err();
        assert!(err.to_string().starts_with("metrics_token:"), "{err}");
        assert!(on("0.0.0.0:8080", "metrics_token = \"t0ken\"").is_ok());
        assert!(on("0.0.0.0:8080", "metrics = false").is_ok());
        assert!(on("127.0.0.1:8080", "").is_ok());
        assert!(on("[::1]:8080", "").is_ok());
    }

    #[test]
    fn trusted_proxies_take_blocks_or_addresses_and_name_a_bad_one() {
        let cli = Overrides {
            trusted_proxies: Some(vec!["10.0.0.0/8".into(), " ::1 ".into()]),
            ..Overrides::default()
        };
        let settings = Settings::resolve(FileSettings::default(), cli).unwrap();
        let shown: Vec<String> = settings
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128"]);
        let cli = Overrides {
            trusted_proxies: Some(vec!["10.0.0.0/33".into()]),
            ..Overrides::default()
        };
        let err = Settings::resolve(FileSettings::default(), cli).unwrap_err();
        assert!(err.to_string().starts_with("trusted_proxies:"), "{err}");
    }

    #[test]
    fn one_address_never_gets_every_slot_by_default() {
        let with = |max: usize, per: Option<usize>| {
            let cli = Overrides {
                max_in_flight: Some(max),
                max_in_flight_per_address: per,
                ..Overrides::default()
            };
            Settings::resolve(FileSettings::default(), cli)
                .unwrap()
                .max_in_flight_per_address
        };
        assert_eq!(with(512, None), 128);
        assert_eq!(with(20, None), 10);
        assert_eq!(with(1, None), 1);
        assert_eq!(with(20, Some(500)), 20, "never above max_in_flight");
        let defaults = Settings::resolve(FileSettings::default(), Overrides::default()).unwrap();
        assert_eq!(defaults.body_timeout_seconds, 30);
        assert_eq!(defaults.body_min_rate_bytes, 16 * 1024);
        assert!(!defaults.callback_allow_private);
        assert!(defaults.csv_formula_escape);
    }

    #[test]
    fn the_example_parses() {
        toml::from_str::<FileSettings>(EXAMPLE).unwrap();
    }
}
