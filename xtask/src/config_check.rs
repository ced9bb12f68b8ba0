//! `cargo xtask config check`: loads and validates release.toml and prints the resolved
//! configuration, defaults included.

use anyhow::Result;

use crate::config::ReleaseConfig;
use crate::context::Ctx;

/// Arguments of `cargo xtask config`.
#[derive(Debug, clap::Args)]
pub struct ConfigCmd {
    /// What to do with the configuration.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// `cargo xtask config` actions.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigAction {
    /// Validate release.toml and print the resolved configuration.
    Check,
}

impl ConfigCmd {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        match self.action {
            ConfigAction::Check => {
                let config = ReleaseConfig::load(&ctx.root)?;
                if ctx.json {
                    println!("{}", serde_json::to_string_pretty(&config)?);
                } else {
                    print!("{}", toml::to_string_pretty(&config)?);
                }
                Ok(())
            }
        }
    }
}
