//! The `loquat` binary: parse the command line and run it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    match loquat::cli::Cli::parse().run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
