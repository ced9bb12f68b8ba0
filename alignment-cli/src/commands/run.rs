//! `git-align run`: align branches onto their targets (backup first, stop cleanly on
//! conflicts, validate), or print the plan with `--dry-run`.

use alignment_core::align::{self, PlanItem, PlanRequest, RunEnd, RunOptions};
use alignment_core::config::Strategy;
use alignment_core::report::{Outcome as BranchOutcome, Session};
use alignment_core::state::StoppedOperation;
use alignment_core::{Config, Git};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align run`.
#[derive(Debug, clap::Args)]
pub struct Run {
    /// Branches to align.
    #[arg(value_name = "BRANCH")]
    pub branches: Vec<String>,
    /// Align onto this target instead of the configured one.
    #[arg(long, value_name = "TARGET")]
    pub onto: Option<String>,
    /// Rebase (default from config) or merge.
    #[arg(long, value_parser = ["rebase", "merge"])]
    pub strategy: Option<String>,
    /// Every feature branch that is behind its target and not merged, in name order.
    #[arg(long, conflicts_with = "branches")]
    pub all: bool,
    /// Stash uncommitted changes of the checked-out branch and restore them afterwards.
    #[arg(long)]
    pub autostash: bool,
    /// Do not fetch the targets from the remote first.
    #[arg(long)]
    pub no_fetch: bool,
}

impl Run {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        let config = Config::load(git.work_tree())?;
        let options = RunOptions {
            branches: self.branches,
            all: self.all,
            request: PlanRequest {
                onto: self.onto,
                strategy: self.strategy.map(|s| {
                    if s == "merge" {
                        Strategy::Merge
                    } else {
                        Strategy::Rebase
                    }
                }),
            },
            autostash: self.autostash,
            fetch: !self.no_fetch,
        };
        if global.dry_run {
            let plan = align::plan(&git, &config, &options)?;
            let predicted = predicted_conflicts(&git, &config, &plan);
            print_plan(global, &plan, &predicted)?;
            return Ok(Outcome::Success);
        }
        let end = align::run(&git, &config, &options)?;
        print_end(global, &git, &end)
    }
}

/// Predicted conflicting files per planned branch, from `status` analysis (empty when the
/// analysis fails: the plan is still worth printing).
fn predicted_conflicts(git: &Git, config: &Config, plan: &[PlanItem]) -> Vec<Vec<String>> {
    let options = alignment_core::status::StatusOptions {
        branches: plan.iter().map(|i| i.branch.clone()).collect(),
        predict: true,
        jobs: 0,
        on_predict: None,
    };
    let report = alignment_core::status::analyze(git, config, &options).ok();
    plan.iter()
        .map(|item| {
            report
                .as_ref()
                .and_then(|r| r.branches.iter().find(|b| b.name == item.branch))
                .map(|b| b.predicted_conflicts.clone().unwrap_or_default())
                .unwrap_or_default()
        })
        .collect()
}

fn print_plan(global: &Global, plan: &[PlanItem], predicted: &[Vec<String>]) -> anyhow::Result<()> {
    if global.json {
        let items: Vec<serde_json::Value> = plan
            .iter()
            .zip(predicted)
            .map(|(item, files)| {
                let mut v = serde_json::to_value(item).unwrap_or_default();
                v["predicted_conflicts"] = serde_json::json!(files);
                v
            })
            .collect();
        let doc = serde_json::json!({ "schema": "git-align/plan/v1", "dry_run": true, "branches": items });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    if global.quiet {
        return Ok(());
    }
    if plan.is_empty() {
        println!("nothing to align");
        return Ok(());
    }
    println!("dry run: nothing will be changed");
    for (item, files) in plan.iter().zip(predicted) {
        if let Some(error) = &item.error {
            println!("  {:<24} cannot be aligned: {error}", item.branch);
            continue;
        }
        let action = if item.up_to_date() {
            "up to date".to_string()
        } else {
            format!(
                "{} onto {} ({} behind, {} ahead)",
                item.strategy,
                alignment_core::target::short_ref(&item.target_ref),
                item.behind,
                item.ahead
            )
        };
        println!(
            "  {:<24} {action}; class {}{}",
            item.branch,
            item.class,
            reason(&item.class_reason)
        );
        if !files.is_empty() {
            println!("  {:<24} predicted conflicts: {}", "", files.join(", "));
        }
    }
    Ok(())
}

fn reason(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

/// Prints a finished or stopped run (human or JSON) and returns the exit outcome: 3 when
/// any branch conflicted, 4 when a critical validator restored one, else 0.
pub fn print_end(global: &Global, git: &Git, end: &RunEnd) -> anyhow::Result<Outcome> {
    let session = end.session();
    let stopped = match end {
        RunEnd::Stopped(_, op) => Some(op.as_ref()),
        RunEnd::Finished(_) => None,
    };
    if global.json {
        let mut doc = serde_json::to_value(session)?;
        doc["stopped"] = match stopped {
            Some(op) => serde_json::json!({
                "branch": op.branch,
                "directory": align::conflict_dir(git, op),
                "next": ["git-align continue", "git-align abort"],
            }),
            None => serde_json::Value::Null,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else if !global.quiet {
        print_session(session, stopped.map(|op| op.branch.as_str()));
        if let Some(op) = stopped {
            print_stopped(git, op, session);
        }
    }
    Ok(outcome(session))
}

fn outcome(session: &Session) -> Outcome {
    let any = |o: BranchOutcome| session.branches.iter().any(|b| b.result == o);
    if any(BranchOutcome::Conflicts) {
        Outcome::Conflicts
    } else if any(BranchOutcome::ValidationFailed) {
        Outcome::ValidationFailed
    } else {
        Outcome::Success
    }
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// `n` and the noun, plural unless `n` is 1 ("1 commit", "3 commits").
fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Indents the continuation lines of a multi-line detail (a validator's quoted output)
/// under the detail column of the session table.
fn indented(detail: &str) -> String {
    detail.replace('\n', &format!("\n{:46}", ""))
}

fn print_session(session: &Session, stopped: Option<&str>) {
    println!("git-align {}", session.id);
    for b in &session.branches {
        let detail = match b.result {
            BranchOutcome::Aligned => format!(
                "{} {} → {} ({}, {}, {})",
                b.strategy,
                short(&b.old_tip),
                short(&b.new_tip),
                counted(b.commits_replayed, "commit"),
                b.class,
                b.target
            ),
            BranchOutcome::Conflicts if stopped == Some(b.branch.as_str()) => {
                format!(
                    "{}; stopped",
                    counted(b.conflicts.len() as u64, "conflicting path")
                )
            }
            BranchOutcome::Conflicts => format!(
                "{}; left unchanged (align it alone to resolve: git-align run {})",
                counted(b.conflicts.len() as u64, "conflicting path"),
                b.branch
            ),
            BranchOutcome::ValidationFailed => {
                let failed: Vec<String> = b
                    .checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(|c| format!("{}: {}", c.name, indented(&c.detail)))
                    .collect();
                format!(
                    "restored to {} after failed validation ({})",
                    short(&b.old_tip),
                    failed.join("; ")
                )
            }
            BranchOutcome::UpToDate => format!("already contains {}", b.target),
            BranchOutcome::Skipped => b.error.clone().unwrap_or_default(),
        };
        println!("  {:<24} {:<18} {detail}", b.branch, b.result.as_str());
        if stopped != Some(b.branch.as_str()) {
            for c in &b.conflicts {
                println!("  {:<24} {:<18} {}: {}", "", "", c.kind, c.path);
            }
        }
        if !b.class_reason.is_empty() {
            println!(
                "  {:<24} {:<18} class {}: {}",
                "", "", b.class, b.class_reason
            );
        }
        for c in b
            .checks
            .iter()
            .filter(|c| !c.passed && c.severity == "warning")
        {
            println!(
                "  {:<24} {:<18} warning: {}: {}",
                "",
                "",
                c.name,
                indented(&c.detail)
            );
        }
        if let Some(backup) = &b.backup_ref
            && b.result != BranchOutcome::UpToDate
        {
            println!("  {:<24} {:<18} backup {backup}", "", "");
        }
    }
    let t = &session.totals;
    println!(
        "{} aligned, {} up to date, {} conflicts, {} validation failed, {} skipped ({} ms)",
        t.aligned, t.up_to_date, t.conflicts, t.validation_failed, t.skipped, t.duration_ms
    );
}

fn print_stopped(git: &Git, op: &StoppedOperation, session: &Session) {
    let dir = align::conflict_dir(git, op);
    println!();
    println!(
        "Stopped on conflicts while aligning {} onto {}.",
        op.branch, op.target_name
    );
    if let Some(b) = session.branches.iter().find(|b| b.branch == op.branch) {
        if let Some(commit) = &b.conflict_commit {
            println!("Commit being applied: {commit}");
        }
        for c in &b.conflicts {
            println!("  {:<16} {}", c.kind, c.path);
        }
    }
    if op.worktree.is_some() {
        println!("The conflict is in a temporary worktree (your own checkout is untouched):");
        println!("  cd {}", dir.display());
    }
    println!("Resolve each file, `git add` it, then run `git-align continue`.");
    println!(
        "To cancel and put {} back at its backup: `git-align abort`.",
        op.branch
    );
}
