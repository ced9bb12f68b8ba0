//! `git-align backups`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align backups`.
#[derive(Debug, clap::Args)]
pub struct Backups {}

impl Backups {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align backups` is not implemented yet")
    }
}
