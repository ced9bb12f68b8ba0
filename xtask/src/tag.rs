//! `cargo xtask tag`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask tag`.
#[derive(Debug, clap::Args)]
pub struct Tag {}

impl Tag {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask tag` is not implemented yet")
    }
}
