//! `git-align restore`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align restore`.
#[derive(Debug, clap::Args)]
pub struct Restore {}

impl Restore {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align restore` is not implemented yet")
    }
}
