//! `cargo xtask`: see the `xtask` library for the subcommands.

use std::process::ExitCode;

use clap::Parser;
use xtask::Cli;

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = Cli::parse();
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(xtask::exit_code(&error))
        }
    }
}

/// Restores the default SIGPIPE action so that output cut short by a closed pipe
/// (`git align status | head`) ends the process quietly, as it does for git itself,
/// instead of panicking inside `println!` (Rust ignores SIGPIPE by default).
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; setting a signal
    // disposition to its default has no other precondition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
