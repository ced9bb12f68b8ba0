//! `cargo xtask release-notes`: placeholder until issue 4 lands.

use anyhow::Result;

use crate::context::Ctx;

/// Arguments of `cargo xtask release-notes`.
#[derive(Debug, clap::Args)]
pub struct ReleaseNotes {}

impl ReleaseNotes {
    /// Runs the subcommand.
    pub fn run(self, _ctx: &Ctx) -> Result<()> {
        anyhow::bail!("`cargo xtask release-notes` is not implemented yet")
    }
}
