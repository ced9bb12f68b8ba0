//! `git-align report`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align report`.
#[derive(Debug, clap::Args)]
pub struct Report {}

impl Report {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align report` is not implemented yet")
    }
}
