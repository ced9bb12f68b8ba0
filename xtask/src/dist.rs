//! `cargo xtask dist`: placeholder until issue 5 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask dist`.
#[derive(Debug, clap::Args)]
pub struct Dist {}

impl Dist {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask dist` is not implemented yet")
    }
}
