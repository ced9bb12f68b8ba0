//! `cargo xtask version`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask version`.
#[derive(Debug, clap::Args)]
pub struct Version {}

impl Version {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask version` is not implemented yet")
    }
}
