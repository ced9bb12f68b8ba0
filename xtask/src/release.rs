//! `cargo xtask release`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask release`.
#[derive(Debug, clap::Args)]
pub struct Release {}

impl Release {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask release` is not implemented yet")
    }
}
