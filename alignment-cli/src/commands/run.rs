//! `git-align run`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align run`.
#[derive(Debug, clap::Args)]
pub struct Run {}

impl Run {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align run` is not implemented yet")
    }
}
