//! Operation state in `<common dir>/align/`: `state.json` for a stopped operation and
//! `last-operation.json` recording every branch the last operation changed (for `undo`).
//! Every write goes through [`crate::fsutil::write_atomic`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::Strategy;
use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::git::Git;
use crate::report::Session;

/// The directory holding git-align's state.
pub fn align_dir(git: &Git) -> PathBuf {
    git.common_dir().join("align")
}

/// A fresh operation id: `align-YYYYMMDD-HHMMSS-NNN` (NNN = milliseconds).
pub fn operation_id(now: OffsetDateTime) -> String {
    format!(
        "align-{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

/// Where the user was before the operation started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Checkout {
    /// A branch was checked out.
    Branch(String),
    /// `HEAD` was detached at this commit.
    Detached(String),
}

/// The operation stopped on conflicts, waiting for `continue` or `abort`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedOperation {
    /// The operation id.
    pub id: String,
    /// The branch being aligned.
    pub branch: String,
    /// The target it is aligned onto (the commit-ish used).
    pub target: String,
    /// The target's branch name.
    pub target_name: String,
    /// Rebase or merge.
    pub strategy: Strategy,
    /// The complexity class used.
    pub class: String,
    /// The backup ref of the branch.
    pub backup_ref: String,
    /// The branch tip before the operation.
    pub old_tip: String,
    /// The user's checkout when the operation started.
    pub original_checkout: Checkout,
    /// The work tree the operation was started from; `continue` and `abort` act from it
    /// even when run inside the temporary worktree that holds the conflict (which they
    /// remove).
    #[serde(default)]
    pub home: PathBuf,
    /// The temporary worktree the conflict is in, when the branch was not checked out.
    pub worktree: Option<PathBuf>,
    /// True when git's own `--autostash` holds the user's uncommitted changes.
    pub autostash: bool,
    /// Steps finished so far (`safety`, `backup`, …).
    pub steps_done: Vec<String>,
    /// Branches this operation has already changed (for `undo`).
    pub changed: Vec<ChangedBranch>,
    /// The session report being built.
    pub session: Session,
}

/// A branch an operation moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedBranch {
    /// The branch.
    pub branch: String,
    /// Its backup ref.
    pub backup_ref: String,
    /// The tip before.
    pub old_tip: String,
    /// The tip after.
    pub new_tip: String,
}

/// What `undo` reads: the last operation's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastOperation {
    /// The operation id.
    pub id: String,
    /// Every branch it changed.
    pub changed: Vec<ChangedBranch>,
}

fn state_path(git: &Git) -> PathBuf {
    align_dir(git).join("state.json")
}

fn last_path(git: &Git) -> PathBuf {
    align_dir(git).join("last-operation.json")
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::io(
                format!(
                    "reading {} (corrupt; delete it to start over)",
                    path.display()
                ),
                std::io::Error::other(e),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| {
        Error::io(
            format!("encoding {}", path.display()),
            std::io::Error::other(e),
        )
    })?;
    write_atomic(path, &text)
}

/// The stopped operation, if there is one.
pub fn load_stopped(git: &Git) -> Result<Option<StoppedOperation>> {
    read_json(&state_path(git))
}

/// Saves the stopped operation.
pub fn save_stopped(git: &Git, op: &StoppedOperation) -> Result<()> {
    write_json(&state_path(git), op)
}

/// Forgets the stopped operation.
pub fn clear_stopped(git: &Git) -> Result<()> {
    match std::fs::remove_file(state_path(git)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("removing state.json", e)),
    }
}

/// The last operation's record, if any.
pub fn load_last(git: &Git) -> Result<Option<LastOperation>> {
    read_json(&last_path(git))
}

/// Records the last operation.
pub fn save_last(git: &Git, last: &LastOperation) -> Result<()> {
    write_json(&last_path(git), last)
}

/// The user's current checkout.
pub fn current_checkout(git: &Git) -> Result<Checkout> {
    let out = git.output(["symbolic-ref", "-q", "--short", "HEAD"])?;
    if out.status.success() {
        return Ok(Checkout::Branch(
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ));
    }
    Ok(Checkout::Detached(git.resolve("HEAD")?.unwrap_or_default()))
}

/// Branches checked out in a linked worktree other than this one, with its path: moving
/// their refs would pull the rug from under that worktree.
pub fn checked_out_elsewhere(git: &Git) -> Result<Vec<(String, String)>> {
    let out = git.run(["worktree", "list", "--porcelain"])?;
    let here = git.work_tree().to_string_lossy().into_owned();
    Ok(out
        .split("\n\n")
        .filter_map(|block| {
            let path = block.lines().find_map(|l| l.strip_prefix("worktree "))?;
            let branch = block
                .lines()
                .find_map(|l| l.strip_prefix("branch refs/heads/"))?;
            (path != here).then(|| (branch.to_string(), path.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let t = time::macros::datetime!(2026-11-24 10:15:00.001 UTC);
        assert_eq!(operation_id(t), "align-20261124-101500-001");
    }
}
