//! `cargo xtask publish`: placeholder until issue 5 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask publish`.
#[derive(Debug, clap::Args)]
pub struct Publish {}

impl Publish {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask publish` is not implemented yet")
    }
}
