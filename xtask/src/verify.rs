//! `cargo xtask verify`: placeholder until issue 5 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask verify`.
#[derive(Debug, clap::Args)]
pub struct Verify {}

impl Verify {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask verify` is not implemented yet")
    }
}
