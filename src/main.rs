//! The `loquat` binary: parse the command line and run it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    loquat::cli::Cli::parse().execute()
}
