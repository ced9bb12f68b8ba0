//! `git-align config check`: validate `.git-align.toml` and print the resolved
//! configuration, defaults included.

use alignment_core::{Config, Git};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align config`.
#[derive(Debug, clap::Args)]
pub struct ConfigCmd {
    /// What to do with the configuration.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// `git-align config` actions.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigAction {
    /// Validate .git-align.toml and print the resolved configuration (TOML, or JSON with --json).
    Check,
}

impl ConfigCmd {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        match self.action {
            ConfigAction::Check => {
                let git = Git::open(global.repo_path())?;
                let config = Config::load(git.work_tree())?;
                if global.json {
                    println!("{}", serde_json::to_string_pretty(&config)?);
                } else if !global.quiet {
                    print!("{}", config.to_toml()?);
                }
                Ok(Outcome::Success)
            }
        }
    }
}
