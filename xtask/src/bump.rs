//! `cargo xtask bump`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask bump`.
#[derive(Debug, clap::Args)]
pub struct Bump {}

impl Bump {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask bump` is not implemented yet")
    }
}
