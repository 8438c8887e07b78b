//! `loquat push`: a client that sends a CSV or JSON file of any size through Eloqua's Bulk
//! sync-action pipeline (Loquat's or a real Eloqua instance's) and reports what happened.
//!
//! - [`chunker`]: the input as a stream of upload bodies just under 32 MB.
//! - `client`: Basic authentication, `/id` discovery, retries of 429 and 503.
//! - `definition`: the definition from `--definition` or built from the action flags.
//! - `run`: the upload loop, syncing every `500` files and at the end.
//! - `recover` and `state`: resuming an interrupted push without sending a row twice.
//! - `wait`: polling with back-off, or a callback listener.
//! - `report` and `progress`: logs, rejects, the summary and the progress display.
//!
//! It needs no data directory or store: only credentials and a URL.

mod args;
pub mod chunker;
mod client;
mod credentials;
mod definition;
mod progress;
mod recover;
mod report;
mod run;
mod state;
mod wait;

use std::process::ExitCode;

pub use args::PushArgs;

/// How a push ended; also its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every row was applied: exit 0.
    Success,
    /// Every row was sent but some were rejected (see the rejects): exit 2.
    Warning,
    /// A sync ended in error: exit 1.
    Failed,
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Success => ExitCode::SUCCESS,
            Self::Warning => ExitCode::from(2),
            Self::Failed => ExitCode::FAILURE,
        }
    }
}

/// Runs `loquat push` on a runtime of its own and returns the exit code: 0 success,
/// 2 warning (rejected rows), 1 error (printed on stderr).
pub fn execute(args: PushArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::push(args)) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
