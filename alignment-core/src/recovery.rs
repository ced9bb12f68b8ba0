//! Taking alignments back: `undo` (every branch the last operation changed) and
//! `restore` (one branch to a backup).

use crate::backup::{self, Backup};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::oplock::OperationLock;
use crate::preflight;
use crate::state::{self, ChangedBranch, Checkout};

fn checked_out_branch(git: &Git) -> Result<Option<String>> {
    Ok(match state::current_checkout(git)? {
        Checkout::Branch(b) => Some(b),
        Checkout::Detached(_) => None,
    })
}

/// Restores every branch the last operation changed to its old tip. Refuses (changing
/// nothing) when a branch moved since, is checked out in another worktree, or when the
/// checked-out branch would be reset over uncommitted changes. Returns the branches
/// restored.
pub fn undo(git: &Git) -> Result<Vec<ChangedBranch>> {
    let _lock = OperationLock::acquire(git)?;
    if let Some(op) = state::load_stopped(git)? {
        return Err(Error::Usage(format!(
            "operation {} is stopped on conflicts; run `git-align abort` first",
            op.id
        )));
    }
    let last = state::load_last(git)?.ok_or_else(|| {
        Error::Usage("nothing to undo: no git-align operation changed a branch".into())
    })?;
    let current = checked_out_branch(git)?;
    let elsewhere = state::checked_out_elsewhere(git)?;
    let mut problems = Vec::new();
    let mut todo = Vec::new();
    for change in &last.changed {
        let tip = git.resolve(&format!("refs/heads/{}", change.branch))?;
        let elsewhere = elsewhere.iter().find(|(b, _)| *b == change.branch);
        match tip.as_deref() {
            Some(t) if t == change.old_tip => {}
            Some(t) if t == change.new_tip => match elsewhere {
                Some((_, path)) => problems.push(format!(
                    "{} is checked out in the worktree {path}; run the undo from there (git-align -C {path} undo)",
                    change.branch
                )),
                None => todo.push(change.clone()),
            },
            Some(t) => problems.push(format!(
                "{} moved since {} aligned it (now {t}, expected {}); restore it explicitly with `git-align restore {} --backup {}`",
                change.branch, last.id, change.new_tip, change.branch, change.backup_ref
            )),
            None => problems.push(format!("{} no longer exists", change.branch)),
        }
    }
    if todo
        .iter()
        .any(|c| current.as_deref() == Some(c.branch.as_str()))
        && preflight::is_dirty(git)?
    {
        problems.push(
            "the checked-out branch would be reset but the working tree has uncommitted changes; commit or stash them first".into(),
        );
    }
    if !problems.is_empty() {
        return Err(Error::Usage(format!(
            "undo refused, nothing was changed:\n  - {}",
            problems.join("\n  - ")
        )));
    }
    let mut input = String::from("start\n");
    let mut others = 0;
    for change in &todo {
        if current.as_deref() != Some(change.branch.as_str()) {
            input.push_str(&format!(
                "update refs/heads/{} {} {}\n",
                change.branch, change.old_tip, change.new_tip
            ));
            others += 1;
        }
    }
    input.push_str("prepare\ncommit\n");
    if others > 0 {
        git.run_with_input(["update-ref", "--stdin"], input.as_bytes())?;
    }
    if let Some(change) = todo
        .iter()
        .find(|c| current.as_deref() == Some(c.branch.as_str()))
    {
        git.run(["reset", "--quiet", "--keep", &change.old_tip])?;
    }
    state::save_last(
        git,
        &state::LastOperation {
            id: last.id,
            changed: Vec::new(),
        },
    )?;
    Ok(todo)
}

/// Sets `branch` to `backup_spec` (or its newest backup). Refuses to discard uncommitted
/// changes of the checked-out branch, to move a branch checked out in another worktree
/// (its files would no longer match), and to touch a branch whose alignment is stopped
/// on conflicts.
pub fn restore(git: &Git, branch: &str, backup_spec: Option<&str>) -> Result<(Backup, String)> {
    let _lock = OperationLock::acquire(git)?;
    let old = git
        .resolve(&format!("refs/heads/{branch}"))?
        .ok_or_else(|| Error::Usage(format!("branch {branch:?} does not exist")))?;
    let backup = match backup_spec {
        Some(spec) => backup::find(git, branch, spec)?,
        None => backup::latest(git, branch)?.ok_or_else(|| {
            Error::Usage(format!(
                "branch {branch:?} has no backup; see `git-align backups list`"
            ))
        })?,
    };
    if let Some(op) = state::load_stopped(git)?.filter(|op| op.branch == branch) {
        return Err(Error::Usage(format!(
            "operation {} is stopped on conflicts while aligning {branch:?}; finish it with `git-align continue` or put the branch back with `git-align abort` (nothing was changed)",
            op.id
        )));
    }
    if let Some((_, path)) = state::checked_out_elsewhere(git)?
        .into_iter()
        .find(|(b, _)| b == branch)
    {
        return Err(Error::Usage(format!(
            "{branch:?} is checked out in the worktree {path}; restore it from there so its files follow (git-align -C {path} restore {branch}) (nothing was changed)"
        )));
    }
    if checked_out_branch(git)?.as_deref() == Some(branch) {
        if preflight::is_dirty(git)? {
            return Err(Error::Usage(format!(
                "{branch:?} is checked out with uncommitted changes; commit or stash them before restoring (nothing was changed)"
            )));
        }
        git.run(["reset", "--quiet", "--keep", &backup.commit])?;
    } else {
        git.run([
            "update-ref",
            &format!("refs/heads/{branch}"),
            &backup.commit,
            &old,
        ])?;
    }
    Ok((backup, old))
}
