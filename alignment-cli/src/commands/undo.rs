//! `git-align undo`: restore every branch the last operation changed to its backup.

use alignment_core::{Git, recovery};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align undo`.
#[derive(Debug, clap::Args)]
pub struct Undo {}

impl Undo {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        let restored = recovery::undo(&git)?;
        if global.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "restored": restored }))?
            );
        } else if !global.quiet {
            if restored.is_empty() {
                println!("nothing to undo: every branch is already at its backup");
            }
            for c in &restored {
                println!(
                    "{}: {} → {} ({})",
                    c.branch, c.new_tip, c.old_tip, c.backup_ref
                );
            }
        }
        Ok(Outcome::Success)
    }
}
