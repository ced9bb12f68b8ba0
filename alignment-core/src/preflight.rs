//! Safety checks before `run` changes anything. Every failure is collected and reported
//! together, so the user fixes them in one go.

use crate::config::{Config, is_valid_branch_name};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::state;

/// Files in a git directory that mean another operation is in progress.
const IN_PROGRESS: &[(&str, &str)] = &[
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase or `git am`"),
    ("MERGE_HEAD", "a merge"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
    ("BISECT_LOG", "a bisect"),
];

/// The git operation in progress in the current worktree, if any.
pub fn operation_in_progress(git: &Git) -> Option<&'static str> {
    IN_PROGRESS
        .iter()
        .find(|(file, _)| git.git_dir().join(file).exists())
        .map(|(_, what)| *what)
}

/// True when tracked files have uncommitted changes (staged or not).
pub fn is_dirty(git: &Git) -> Result<bool> {
    let out = git.run(["status", "--porcelain", "--untracked-files=no"])?;
    Ok(!out.trim().is_empty())
}

/// Checks everything `run` needs for `branches`; returns one error listing every problem.
pub fn check(
    git: &Git,
    config: &Config,
    branches: &[String],
    targets: &[String],
    checked_out: Option<&str>,
    autostash: bool,
) -> Result<()> {
    let mut problems = Vec::new();
    if let Ok(Some(op)) = state::load_stopped(git) {
        problems.push(format!(
            "operation {} is stopped on conflicts in {:?}; finish it with `git-align continue` or cancel it with `git-align abort`",
            op.id, op.branch
        ));
    }
    if let Some(what) = operation_in_progress(git) {
        problems.push(format!(
            "{what} is in progress in {}; finish or abort it first",
            git.work_tree().display()
        ));
    }
    for branch in branches {
        if !is_valid_branch_name(branch) {
            problems.push(format!("{branch:?} is not a valid branch name"));
            continue;
        }
        if config.primary_targets.iter().any(|p| p == branch) {
            problems.push(format!(
                "{branch:?} is a primary target (primary_targets); git-align aligns feature branches onto primaries, not primaries themselves"
            ));
        }
        if git.resolve(&format!("refs/heads/{branch}"))?.is_none() {
            problems.push(format!(
                "branch {branch:?} does not exist; see `git branch --list`"
            ));
        }
    }
    for target in targets {
        if git.resolve(target)?.is_none() {
            problems.push(format!("target {target:?} does not exist"));
        }
    }
    if let Some(current) = checked_out
        && branches.iter().any(|b| b == current)
        && !autostash
        && is_dirty(git)?
    {
        problems.push(format!(
            "the working tree has uncommitted changes and {current:?} is checked out; commit or stash them, or pass --autostash"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "nothing was changed:\n  - {}",
            problems.join("\n  - ")
        )))
    }
}
