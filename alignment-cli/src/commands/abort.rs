//! `git-align abort`: cancel the stopped operation; the branch goes back to exactly its
//! backup commit and the original checkout (and autostash) is restored.

use alignment_core::align;

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align abort`.
#[derive(Debug, clap::Args)]
pub struct Abort {}

impl Abort {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = align::open_for_stopped(&global.repo_path())?;
        let op = align::abort(&git)?;
        if global.json {
            let doc = serde_json::json!({
                "aborted": op.id,
                "branch": op.branch,
                "restored_to": op.old_tip,
                "backup": op.backup_ref,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else if !global.quiet {
            println!(
                "aborted {}: {} is back at {} ({})",
                op.id, op.branch, op.old_tip, op.backup_ref
            );
        }
        Ok(Outcome::Success)
    }
}
