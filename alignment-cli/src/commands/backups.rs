//! `git-align backups [list|prune]`: the backup refs under `refs/align/backups/`.

use alignment_core::oplock::OperationLock;
use alignment_core::{Config, Git, backup};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align backups`.
#[derive(Debug, clap::Args)]
pub struct Backups {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<BackupsAction>,
}

/// `git-align backups` actions.
#[derive(Debug, clap::Subcommand)]
pub enum BackupsAction {
    /// List every backup.
    List,
    /// Delete backups older than `[backup] retention_days`, keeping the newest `keep` per branch.
    Prune,
}

impl Backups {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        match self.action.unwrap_or(BackupsAction::List) {
            BackupsAction::List => {
                let all = backup::list(&git)?;
                if global.json {
                    println!("{}", serde_json::to_string_pretty(&all)?);
                } else if !global.quiet {
                    if all.is_empty() {
                        println!("no backups");
                    }
                    for b in &all {
                        println!(
                            "{:<24} {:<20} {}  {}",
                            b.branch,
                            b.stamp,
                            &b.commit[..b.commit.len().min(12)],
                            b.refname
                        );
                    }
                }
            }
            BackupsAction::Prune => {
                let _lock = (!global.dry_run)
                    .then(|| OperationLock::acquire(&git))
                    .transpose()?;
                let config = Config::load(git.work_tree())?;
                let all = backup::list(&git)?;
                let doomed =
                    backup::prunable(&all, &config.backup, time::OffsetDateTime::now_utc());
                if !global.dry_run {
                    backup::delete(&git, &doomed)?;
                }
                if global.json {
                    let doc = serde_json::json!({ "dry_run": global.dry_run, "pruned": doomed });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                } else if !global.quiet {
                    let verb = if global.dry_run {
                        "would delete"
                    } else {
                        "deleted"
                    };
                    for b in &doomed {
                        println!("{verb} {}", b.refname);
                    }
                    println!("{verb} {} of {} backups", doomed.len(), all.len());
                }
            }
        }
        Ok(Outcome::Success)
    }
}
