//! `loquat serve`: bootstrap an empty store, then serve until SIGINT or SIGTERM.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::auth::{hash_password, random_password};
use crate::config::Settings;
use crate::domain::clock::{Clock, SystemClock};
use crate::store::{self, Backend, NewUser, Store, StoreError};

/// Serves with the system clock.
pub(super) async fn run(settings: &Settings) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let backend = Backend::choose(settings.database.as_deref(), &settings.data_dir)?;
    let store = store::open(&backend, Arc::clone(&clock), settings.database_pool_size).await?;
    bootstrap(store.as_ref()).await?;
    let app = App::with_store(settings, store, clock).await?;
    let address = app.local_addr()?;
    tracing::info!(%address, public_url = %settings.public_url, "loquat listening");
    // One plain line on stdout names the address actually bound, so that whoever started the
    // server with `--bind 127.0.0.1:0` (tests, scripts) learns its port.
    println!("listening on http://{address}");
    let shutdown = CancellationToken::new();
    tokio::spawn(trip_on_signal(shutdown.clone()));
    app.run(shutdown).await
}

/// On a store with no site, creates one with an admin user and prints the credentials once.
/// `LOQUAT_BOOTSTRAP_SITE`, `LOQUAT_BOOTSTRAP_USER` and `LOQUAT_BOOTSTRAP_PASSWORD` choose them
/// (for scripts and CI); without a password a random one is generated.
///
/// # Errors
/// When the store fails.
pub async fn bootstrap(store: &dyn Store) -> anyhow::Result<()> {
    if !store.list_sites().await?.is_empty() {
        return Ok(());
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let site_name = env("LOQUAT_BOOTSTRAP_SITE").unwrap_or_else(|| "Loquat".to_owned());
    let site_name = crate::domain::site::site_name(&site_name)
        .context("LOQUAT_BOOTSTRAP_SITE")?
        .to_owned();
    let username = env("LOQUAT_BOOTSTRAP_USER").unwrap_or_else(|| "admin".to_owned());
    let given = env("LOQUAT_BOOTSTRAP_PASSWORD");
    let password = given.clone().unwrap_or_else(random_password);
    let site = match store.create_site(&site_name).await {
        Ok(site) => site,
        // Another node sharing the database bootstrapped it first.
        Err(StoreError::Conflict {
            constraint: "sites_name",
        }) => return Ok(()),
        Err(other) => return Err(other).context("creating the first site"),
    };
    store
        .add_user(
            site.id,
            NewUser {
                username: username.clone(),
                password_hash: hash_password(&password)?,
                display_name: None,
                email_address: None,
                api_access: true,
            },
        )
        .await
        .context("creating the first user")?;
    tracing::info!(site_id = site.id, "bootstrapped an empty store");
    // Printed, not logged: logs never carry secrets, and this is shown exactly once.
    println!("Created site {site_name:?} with user {username:?}.");
    if given.is_none() {
        println!("Password (shown once): {password}");
    }
    println!("Sign in with HTTP Basic as {site_name}\\{username}.");
    Ok(())
}

async fn trip_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
    shutdown.cancel();
}
