//! `git-align undo`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align undo`.
#[derive(Debug, clap::Args)]
pub struct Undo {}

impl Undo {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align undo` is not implemented yet")
    }
}
