//! The `loquat` command line: `serve`, `migrate`, `config-example`, and offline operator
//! commands for sites, users and OAuth clients. Logic lives in the library; this only parses
//! and dispatches.

mod admin;
mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{FileSettings, Overrides, Settings};

/// A server that speaks Oracle Eloqua's Bulk API 2.0 sync-action pipeline.
#[derive(Debug, Parser)]
#[command(name = "loquat", version, about)]
pub struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives; shared by every command.
#[derive(Debug, Args)]
struct StoreArgs {
    /// TOML config file.
    #[arg(long, env = "LOQUAT_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Directory of the embedded store [default: $XDG_DATA_HOME/loquat or ~/.local/share/loquat].
    #[arg(long, env = "LOQUAT_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL instead of the embedded store in the data directory: sqlite:PATH, or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB for a store several nodes share.
    #[arg(
        long,
        env = "LOQUAT_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    database: Option<String>,
    /// Connections kept to a PostgreSQL store [default: 16].
    #[arg(long, env = "LOQUAT_DATABASE_POOL_SIZE", global = true)]
    database_pool_size: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Create or upgrade the store's schema, then exit.
    Migrate,
    /// Print a commented sample config file.
    ConfigExample,
    /// Manage sites (Eloqua instances).
    #[command(subcommand)]
    Site(admin::SiteCommand),
    /// Manage a site's users.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Manage a site's custom contact fields.
    #[command(subcommand)]
    Field(admin::FieldCommand),
    /// Manage OAuth clients allowed to use the token endpoint.
    #[command(subcommand, name = "oauth-client")]
    OAuthClient(admin::OAuthCommand),
    /// Send a CSV or JSON file through a sync action (to Loquat or any Eloqua instance).
    Push(Box<crate::push::PushArgs>),
}

/// Flags of `loquat serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "LOQUAT_BIND")]
    bind: Option<String>,
    /// URL clients reach this server at, advertised by GET /id [default: http://<bind>].
    #[arg(long, env = "LOQUAT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Write logs as JSON lines.
    #[arg(long, env = "LOQUAT_LOG_JSON")]
    log_json: Option<bool>,
    /// MiB of staged uploads a site may keep [default: 10240].
    #[arg(long, env = "LOQUAT_STAGING_QUOTA_MB")]
    staging_quota_mb: Option<u64>,
    /// Hours unsynced staged data is kept [default: 168].
    #[arg(long, env = "LOQUAT_STAGING_RETENTION_HOURS")]
    staging_retention_hours: Option<u64>,
    /// Hosts sync callbacks may reach, comma-separated: *, *.example.com, host, address or CIDR [default: *].
    #[arg(long, env = "LOQUAT_CALLBACK_HOSTS", value_delimiter = ',')]
    callback_hosts: Option<Vec<String>>,
    /// Requests served at once; more are answered 503 [default: 512].
    #[arg(long, env = "LOQUAT_MAX_IN_FLIGHT")]
    max_in_flight: Option<usize>,
    /// Seconds a running sync stays this node's without renewal [default: 30].
    #[arg(long, env = "LOQUAT_SYNC_LEASE_SECONDS")]
    sync_lease_seconds: Option<u64>,
    /// Serve GET /metrics (Prometheus text format) [default: true].
    #[arg(long, env = "LOQUAT_METRICS")]
    metrics: Option<bool>,
    /// Require "Authorization: Bearer <TOKEN>" on GET /metrics.
    #[arg(long, env = "LOQUAT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<crate::metrics::Token>,
    /// A proxy (address or CIDR) whose X-Forwarded-For names the client; repeatable.
    #[arg(
        long = "trusted-proxy",
        env = "LOQUAT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Option<Vec<String>>,
    /// Seconds a request body may take to arrive (408 beyond) [default: 30].
    #[arg(long, env = "LOQUAT_BODY_TIMEOUT_SECONDS")]
    body_timeout_seconds: Option<u64>,
    /// KiB of a request body past its first 64 KiB that buy one more second (408 once a body falls behind) [default: 16].
    #[arg(long, env = "LOQUAT_BODY_MIN_RATE_KIB")]
    body_min_rate_kib: Option<u64>,
    /// Requests one client address may have in flight [default: 128, at most half of --max-in-flight].
    #[arg(long, env = "LOQUAT_MAX_IN_FLIGHT_PER_ADDRESS")]
    max_in_flight_per_address: Option<usize>,
    /// Let callbacks reach loopback, private and link-local addresses (not metadata services) [default: false].
    #[arg(long, env = "LOQUAT_CALLBACK_ALLOW_PRIVATE")]
    callback_allow_private: Option<bool>,
    /// Prefix CSV cells a spreadsheet would run as formulas with ' [default: true].
    #[arg(long, env = "LOQUAT_CSV_FORMULA_ESCAPE")]
    csv_formula_escape: Option<bool>,
}

impl Cli {
    /// Runs the parsed command and tells the exit code. `push` is a client: it needs no data
    /// directory or store settings, and has exit codes of its own (2 for rejected rows).
    pub fn execute(self) -> std::process::ExitCode {
        let command = match self.command {
            Command::Push(args) => return crate::push::execute(*args),
            command => command,
        };
        match (Self { command, ..self }).run() {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                std::process::ExitCode::FAILURE
            }
        }
    }

    /// Runs the parsed command.
    ///
    /// # Errors
    /// Whatever the command failed with, with context for the operator.
    pub fn run(self) -> anyhow::Result<()> {
        let file = match &self.store.config {
            Some(path) => FileSettings::load(path)?,
            None => FileSettings::default(),
        };
        let mut overrides = Overrides {
            data_dir: self.store.data_dir,
            database: self.store.database,
            database_pool_size: self.store.database_pool_size,
            ..Overrides::default()
        };
        if let Command::Serve(args) = &self.command {
            overrides.bind = args.bind.clone();
            overrides.public_url = args.public_url.clone();
            overrides.log_json = args.log_json;
            overrides.staging_quota_mb = args.staging_quota_mb;
            overrides.staging_retention_hours = args.staging_retention_hours;
            overrides.callback_hosts = args.callback_hosts.clone();
            overrides.max_in_flight = args.max_in_flight;
            overrides.sync_lease_seconds = args.sync_lease_seconds;
            overrides.metrics = args.metrics;
            overrides.metrics_token = args.metrics_token.clone();
            overrides.trusted_proxies = args.trusted_proxies.clone();
            overrides.body_timeout_seconds = args.body_timeout_seconds;
            overrides.body_min_rate_kib = args.body_min_rate_kib;
            overrides.max_in_flight_per_address = args.max_in_flight_per_address;
            overrides.callback_allow_private = args.callback_allow_private;
            overrides.csv_formula_escape = args.csv_formula_escape;
        }
        let settings = Settings::resolve(file, overrides)?;
        crate::telemetry::init(settings.log_json);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            match self.command {
                Command::Serve(_) => serve::run(&settings).await,
                Command::Migrate => admin::migrate(&settings).await,
                Command::ConfigExample => {
                    print!("{}", crate::config::EXAMPLE);
                    Ok(())
                }
                Command::Site(cmd) => admin::site(&settings, cmd).await,
                Command::User(cmd) => admin::user(&settings, cmd).await,
                Command::OAuthClient(cmd) => admin::oauth(&settings, cmd).await,
                Command::Field(cmd) => admin::field(&settings, cmd).await,
                Command::Push(_) => anyhow::bail!("push runs through Cli::execute"),
            }
        })
    }
}
