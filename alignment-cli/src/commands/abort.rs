//! `git-align abort`: placeholder until issue 3 lands.

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align abort`.
#[derive(Debug, clap::Args)]
pub struct Abort {}

impl Abort {
    /// Runs the command.
    pub fn run(self, _global: &Global) -> anyhow::Result<Outcome> {
        anyhow::bail!("`git-align abort` is not implemented yet")
    }
}
