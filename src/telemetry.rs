//! Log setup: `tracing` with `RUST_LOG`-style filtering (`LOQUAT_LOG`, default `info`), text
//! or JSON lines on stderr.
//!
//! Every line a request logs carries its span: `method`, `route` (the template, never the raw
//! path) and `request_id` (the `X-Request-Id` of the response). Lines name ids and counts,
//! never row values, passwords or tokens.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber, writing to stderr; call once, from `main`.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("LOQUAT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    subscriber(json, filter, std::io::stderr).init();
}

/// The subscriber [`init`] installs, writing to `writer` (tests capture lines with it).
pub fn subscriber<W>(
    json: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync + 'static>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        Box::new(builder.json().finish())
    } else {
        Box::new(builder.finish())
    }
}
