//! `git-align restore BRANCH [--backup REF]`: set one branch back to a backup.

use alignment_core::{Git, recovery};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align restore`.
#[derive(Debug, clap::Args)]
pub struct Restore {
    /// The branch to restore.
    pub branch: String,
    /// The backup: full ref, `<branch>/<stamp>`, or stamp (default: the newest).
    #[arg(long, value_name = "REF")]
    pub backup: Option<String>,
}

impl Restore {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        let (backup, old) = recovery::restore(&git, &self.branch, self.backup.as_deref())?;
        if global.json {
            let doc = serde_json::json!({
                "branch": self.branch,
                "backup": backup.refname,
                "commit": backup.commit,
                "previous": old,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else if !global.quiet {
            println!(
                "{}: {} → {} (from {})",
                self.branch, old, backup.commit, backup.refname
            );
        }
        Ok(Outcome::Success)
    }
}
