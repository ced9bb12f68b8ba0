//! `git-align continue`: resume the stopped operation after resolving its conflicts.

use alignment_core::{Config, align};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align continue`.
#[derive(Debug, clap::Args)]
pub struct Continue {}

impl Continue {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = align::open_for_stopped(&global.repo_path())?;
        let config = Config::load(git.work_tree())?;
        let end = align::continue_op(&git, &config)?;
        super::run::print_end(global, &git, &end)
    }
}
