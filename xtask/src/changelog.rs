//! `cargo xtask changelog`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask changelog`.
#[derive(Debug, clap::Args)]
pub struct Changelog {}

impl Changelog {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask changelog` is not implemented yet")
    }
}
