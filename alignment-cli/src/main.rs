//! `git-align`: argument parsing and output over the `alignment-core` library.

mod cli;
mod commands;
mod exit;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.run() {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("git-align: error: {error:#}");
            exit::error_exit_code(&error)
        }
    }
}
