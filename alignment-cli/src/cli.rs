//! The command line: global options and the command list.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;
use crate::exit::Outcome;

/// git-align: keep many feature branches aligned with the primary branches they
/// integrate into, without ever losing a commit.
#[derive(Debug, Parser)]
#[command(name = "git-align", version, about, long_about = None)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// Run as if git-align was started in <PATH>.
    #[arg(short = 'C', global = true, value_name = "PATH")]
    pub directory: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show what would change and change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Print only errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

impl Global {
    /// The directory to open the repository from.
    pub fn repo_path(&self) -> PathBuf {
        self.directory.clone().unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The git-align commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show where every feature branch stands against its target.
    Status(commands::status::Status),
    /// Inspect .git-align.toml.
    Config(commands::config::ConfigCmd),
    /// Align branches onto their targets (backup first, stop cleanly on conflicts).
    Run(commands::run::Run),
    /// Resume the stopped operation after resolving conflicts.
    Continue(commands::continue_op::Continue),
    /// Cancel the stopped operation: branch back at its backup, checkout restored.
    Abort(commands::abort::Abort),
    /// Restore every branch the last operation changed to its backup.
    Undo(commands::undo::Undo),
    /// Set one branch back to a backup.
    Restore(commands::restore::Restore),
    /// List or prune backup refs.
    Backups(commands::backups::Backups),
    /// Show the last session's report.
    Report(commands::report::Report),
}

impl Cli {
    /// Runs the chosen command.
    pub fn run(self) -> anyhow::Result<Outcome> {
        match self.command {
            Command::Status(cmd) => cmd.run(&self.global),
            Command::Config(cmd) => cmd.run(&self.global),
            Command::Run(cmd) => cmd.run(&self.global),
            Command::Continue(cmd) => cmd.run(&self.global),
            Command::Abort(cmd) => cmd.run(&self.global),
            Command::Undo(cmd) => cmd.run(&self.global),
            Command::Restore(cmd) => cmd.run(&self.global),
            Command::Backups(cmd) => cmd.run(&self.global),
            Command::Report(cmd) => cmd.run(&self.global),
        }
    }
}
