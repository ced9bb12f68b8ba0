//! `git-align status`: placeholder until issue 2 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align status`.
#[derive(Debug, clap::Args)]
pub struct Status {}

impl Status {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align status` is not implemented yet")
    }
}
