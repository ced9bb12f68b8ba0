//! `git-align continue`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align continue`.
#[derive(Debug, clap::Args)]
pub struct Continue {}

impl Continue {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align continue` is not implemented yet")
    }
}
