//! The git mechanics of aligning one branch.
//!
//! A branch that is not checked out is first aligned without any worktree (`git replay`
//! for a rebase, `git merge-tree` + `commit-tree` for a merge) and its ref moved with a
//! compare-and-swap `update-ref`. When that meets a conflict (or history `replay` cannot
//! handle), the real `git rebase`/`git merge` runs in a temporary linked worktree under
//! `<common dir>/align/worktrees/`, so a conflict stops there for the user to resolve and
//! the user's own working tree, index and `HEAD` are never touched. The checked-out
//! branch is aligned in place (`--autostash` handled by git itself).

use std::path::{Path, PathBuf};

use crate::config::Strategy;
use crate::error::{Error, Result};
use crate::git::{Git, GitVersion};
use crate::report::ConflictPath;
use crate::state::align_dir;

use super::plan::PlanItem;

/// First git with `git replay`.
const REPLAY_GIT_VERSION: GitVersion = GitVersion {
    major: 2,
    minor: 44,
    patch: 0,
};

/// How an alignment attempt ended.
#[derive(Debug)]
pub enum Step {
    /// The branch now points at `new_tip`.
    Done {
        /// The new tip.
        new_tip: String,
    },
    /// Stopped on conflicts in `dir` (the work tree, or the temporary `worktree`).
    Conflict(Stopped),
}

/// A rebase or merge stopped on conflicts.
#[derive(Debug)]
pub struct Stopped {
    /// Where the conflict waits for resolution.
    pub dir: PathBuf,
    /// The temporary worktree, when the branch was not checked out.
    pub worktree: Option<PathBuf>,
    /// Every unmerged path.
    pub paths: Vec<ConflictPath>,
    /// The commit being applied (rebase) or merged (merge).
    pub commit: Option<String>,
}

/// Options of one alignment.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// The branch is the user's checked-out branch.
    pub checked_out: bool,
    /// Let git stash and restore uncommitted changes around the operation.
    pub autostash: bool,
    /// Commits per rebase step (`chunked` class), or `None` for one step.
    pub batch: Option<usize>,
}

fn in_dir(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut v = vec!["-C".to_string(), dir.to_string_lossy().into_owned()];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// Aligns `item` according to `mode`.
pub fn align(git: &Git, item: &PlanItem, mode: Mode) -> Result<Step> {
    match item.strategy {
        Strategy::Rebase => rebase(git, item, mode),
        Strategy::Merge => merge(git, item, mode),
    }
}

fn rebase(git: &Git, item: &PlanItem, mode: Mode) -> Result<Step> {
    let branch_ref = format!("refs/heads/{}", item.branch);
    let ends: Vec<String> = match mode.batch {
        Some(size) if size > 0 => {
            let commits = git.run([
                "rev-list",
                "--reverse",
                "--topo-order",
                &format!("{}..{}", item.target_tip, item.tip),
            ])?;
            let commits: Vec<&str> = commits.lines().collect();
            commits
                .chunks(size)
                .filter_map(|c| c.last().map(|s| s.to_string()))
                .collect()
        }
        _ => vec![item.tip.clone()],
    };
    let tmp_ref = format!("refs/align/tmp/{}", item.branch);
    let mut base = item.target_tip.clone();
    let mut upstream = item.target_tip.clone();
    // Older git has no `replay`: every step then goes through a real rebase.
    let ends = if git.version() >= REPLAY_GIT_VERSION {
        ends
    } else {
        Vec::new()
    };
    for end in &ends {
        let positive = if *end == item.tip {
            branch_ref.clone()
        } else {
            git.run(["update-ref", "--no-deref", &tmp_ref, end])?;
            tmp_ref.clone()
        };
        let out = git.output([
            "replay",
            "--onto",
            &base,
            &format!("{upstream}..{positive}"),
        ])?;
        let new = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .nth(2)
            .map(str::to_string);
        match new {
            Some(new) if out.status.success() => {
                base = new;
                upstream = end.clone();
            }
            _ => break,
        }
    }
    if ends.iter().any(|e| *e != item.tip) {
        git.output(["update-ref", "-d", &tmp_ref])?;
    }
    if upstream == item.tip && !mode.checked_out {
        git.run(["update-ref", &branch_ref, &base, &item.tip])?;
        return Ok(Step::Done { new_tip: base });
    }
    let mut args = vec!["rebase", "--no-update-refs"];
    if mode.checked_out && mode.autostash {
        args.push("--autostash");
    }
    args.extend(["--onto", base.as_str(), upstream.as_str()]);
    real_operation(git, item, mode, &args)
}

fn merge(git: &Git, item: &PlanItem, mode: Mode) -> Result<Step> {
    let message = format!(
        "Merge {} into {}",
        crate::target::short_ref(&item.target_ref),
        item.branch
    );
    if !mode.checked_out {
        let out = git.output(["merge-tree", "--write-tree", &item.tip, &item.target_tip])?;
        if out.status.success() {
            let tree = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            let commit = git
                .run([
                    "commit-tree",
                    &tree,
                    "-p",
                    &item.tip,
                    "-p",
                    &item.target_tip,
                    "-m",
                    &message,
                ])?
                .trim()
                .to_string();
            let branch_ref = format!("refs/heads/{}", item.branch);
            git.run(["update-ref", &branch_ref, &commit, &item.tip])?;
            return Ok(Step::Done { new_tip: commit });
        }
    }
    let mut args = vec!["merge", "--no-edit", "--no-ff", "-m", message.as_str()];
    if mode.checked_out && mode.autostash {
        args.push("--autostash");
    }
    args.push(item.target_tip.as_str());
    real_operation(git, item, mode, &args)
}

/// Runs the real `git rebase`/`git merge` in the work tree (checked-out branch) or in a
/// fresh temporary worktree.
fn real_operation(git: &Git, item: &PlanItem, mode: Mode, args: &[&str]) -> Result<Step> {
    let worktree = if mode.checked_out {
        None
    } else {
        Some(add_worktree(git, &item.branch)?)
    };
    let dir = worktree
        .clone()
        .unwrap_or_else(|| git.work_tree().to_path_buf());
    let full = in_dir(&dir, args);
    let out = git.output(&full)?;
    if out.status.success() {
        let new_tip = git
            .resolve(&format!("refs/heads/{}", item.branch))?
            .unwrap_or_default();
        if let Some(wt) = &worktree {
            remove_worktree(git, wt)?;
        }
        return Ok(Step::Done { new_tip });
    }
    let paths = unmerged_paths(git, &dir)?;
    if paths.is_empty() {
        // Not a conflict: put everything back and report git's error.
        let _ = git.output(in_dir(&dir, &[args[0], "--abort"]));
        if let Some(wt) = &worktree {
            let _ = remove_worktree(git, wt);
        }
        return Err(crate::git::failure(&full, &out));
    }
    let commit = in_progress_commit(git, &dir)?;
    Ok(Step::Conflict(Stopped {
        dir,
        worktree,
        paths,
        commit,
    }))
}

/// A directory name for `branch` (slashes and odd characters replaced).
fn sanitize(branch: &str) -> String {
    branch
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Adds a temporary worktree with `branch` checked out.
pub fn add_worktree(git: &Git, branch: &str) -> Result<PathBuf> {
    let root = align_dir(git).join("worktrees");
    std::fs::create_dir_all(&root)
        .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
    let dir = root.join(sanitize(branch));
    if dir.exists() {
        let _ = git.output(["worktree", "remove", "--force", &dir.to_string_lossy()]);
        let _ = std::fs::remove_dir_all(&dir);
        git.run(["worktree", "prune"])?;
    }
    git.run(["worktree", "add", "--quiet", &dir.to_string_lossy(), branch])?;
    Ok(dir)
}

/// Removes a temporary worktree (whatever its state).
pub fn remove_worktree(git: &Git, dir: &Path) -> Result<()> {
    git.run(["worktree", "remove", "--force", &dir.to_string_lossy()])?;
    Ok(())
}

/// Every unmerged path in `dir` with its kind.
pub fn unmerged_paths(git: &Git, dir: &Path) -> Result<Vec<ConflictPath>> {
    let out = git.run(in_dir(
        dir,
        &["status", "--porcelain=v2", "--untracked-files=no"],
    ))?;
    Ok(out
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("u ")?;
            let mut fields = rest.splitn(10, ' ');
            let code = fields.next()?.to_string();
            let path = fields.nth(8)?.to_string();
            let kind = match code.as_str() {
                "UU" => "both modified",
                "AA" => "both added",
                "DU" => "deleted by us",
                "UD" => "deleted by them",
                "AU" => "added by us",
                "UA" => "added by them",
                "DD" => "both deleted",
                _ => "unmerged",
            }
            .to_string();
            Some(ConflictPath { path, code, kind })
        })
        .collect())
}

/// The operation in progress in `dir`: `Some(true)` rebase, `Some(false)` merge.
pub fn in_progress(git: &Git, dir: &Path) -> Result<Option<bool>> {
    let out = git.run(in_dir(
        dir,
        &[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "rebase-merge",
            "--git-path",
            "rebase-apply",
            "--git-path",
            "MERGE_HEAD",
        ],
    ))?;
    let paths: Vec<&str> = out.lines().collect();
    let exists = |i: usize| paths.get(i).is_some_and(|p| Path::new(p).exists());
    Ok(if exists(0) || exists(1) {
        Some(true)
    } else if exists(2) {
        Some(false)
    } else {
        None
    })
}

fn in_progress_commit(git: &Git, dir: &Path) -> Result<Option<String>> {
    for name in ["REBASE_HEAD", "MERGE_HEAD"] {
        let out = git.output(in_dir(dir, &["rev-parse", "--verify", "--quiet", name]))?;
        if out.status.success() {
            return Ok(Some(
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            ));
        }
    }
    Ok(None)
}

/// Resumes the stopped rebase or merge in `dir` (no editor).
pub fn resume(git: &Git, branch: &str, dir: &Path, worktree: Option<&Path>) -> Result<Step> {
    let remaining = unmerged_paths(git, dir)?;
    if !remaining.is_empty() {
        let list: Vec<String> = remaining
            .iter()
            .map(|c| format!("{} ({})", c.path, c.kind))
            .collect();
        return Err(Error::Usage(format!(
            "unresolved conflicts remain in {}: {}; edit them, `git add` each, then run `git-align continue` again",
            dir.display(),
            list.join(", ")
        )));
    }
    let args: Vec<String> = match in_progress(git, dir)? {
        Some(true) => in_dir(dir, &["-c", "core.editor=true", "rebase", "--continue"]),
        Some(false) => in_dir(dir, &["commit", "--no-edit"]),
        None => Vec::new(),
    };
    if !args.is_empty() {
        let out = git.output(&args)?;
        if !out.status.success() {
            let paths = unmerged_paths(git, dir)?;
            if paths.is_empty() {
                return Err(crate::git::failure(&args, &out));
            }
            return Ok(Step::Conflict(Stopped {
                dir: dir.to_path_buf(),
                worktree: worktree.map(Path::to_path_buf),
                paths,
                commit: in_progress_commit(git, dir)?,
            }));
        }
    }
    let new_tip = git
        .resolve(&format!("refs/heads/{branch}"))?
        .unwrap_or_default();
    if let Some(wt) = worktree {
        remove_worktree(git, wt)?;
    }
    Ok(Step::Done { new_tip })
}

/// Cancels the stopped rebase or merge in `dir` and removes the temporary worktree.
pub fn cancel(git: &Git, dir: &Path, worktree: Option<&Path>) -> Result<()> {
    match in_progress(git, dir)? {
        Some(true) => {
            git.run(in_dir(dir, &["rebase", "--abort"]))?;
        }
        Some(false) => {
            git.run(in_dir(dir, &["merge", "--abort"]))?;
        }
        None => {}
    }
    if let Some(wt) = worktree {
        remove_worktree(git, wt)?;
    }
    Ok(())
}

/// Puts `branch` back at `commit`: `reset --keep` when it is checked out (keeps local
/// changes, refuses if they would be lost), a compare-free `update-ref` otherwise.
pub fn set_branch(git: &Git, branch: &str, commit: &str, checked_out: bool) -> Result<()> {
    if checked_out {
        git.run(["reset", "--quiet", "--keep", commit])?;
    } else {
        git.run(["update-ref", &format!("refs/heads/{branch}"), commit])?;
    }
    Ok(())
}
