//! The release journal (`target/xtask/release-journal.json`): what a release has done so
//! far and how to take each step back, written atomically before and after every step so
//! an interrupted release can be undone by the next run.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;

/// The journal's file name under `target/xtask/`.
pub const JOURNAL_FILE: &str = "release-journal.json";
/// The copy of the git index taken before a release.
pub const INDEX_BACKUP_FILE: &str = "release-index.backup";

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Steps are running (or the process died while they were).
    InProgress,
    /// Every step succeeded; `release --undo` can take it back while unpushed.
    Completed,
    /// The steps were taken back.
    Undone,
}

/// A release step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// `pre_release_hook`.
    Hook,
    /// The version bump.
    Bump,
    /// The changelog.
    Changelog,
    /// The release commit.
    Commit,
    /// The release tag.
    Tag,
    /// Release archives (`cargo xtask dist`) and their verification.
    Dist,
    /// `git push --atomic` of the branch and the tag.
    Push,
}

impl Step {
    /// The step's name, as accepted by `XTASK_FAIL_AT`.
    pub fn name(self) -> &'static str {
        match self {
            Step::Hook => "hook",
            Step::Bump => "bump",
            Step::Changelog => "changelog",
            Step::Commit => "commit",
            Step::Tag => "tag",
            Step::Dist => "dist",
            Step::Push => "push",
        }
    }
}

/// Whether a step ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Started (its effects may be partial).
    Started,
    /// Finished.
    Done,
    /// Taken back.
    Undone,
}

/// A file's contents before a step (`None`: it did not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileBackup {
    /// The file.
    pub path: PathBuf,
    /// Its contents before.
    pub contents: Option<String>,
}

/// How to take a step back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Undo {
    /// Put the work tree back to `head` (tracked files) and delete untracked files that
    /// appeared (the hook may change anything).
    RestoreTree,
    /// Write the files back.
    RestoreFiles {
        /// The backups.
        files: Vec<FileBackup>,
    },
    /// Move the branch back from the release commit to `head` (and the index with it).
    ResetBranch {
        /// The release commit, once made.
        commit: Option<String>,
    },
    /// Delete the tag when it is the one this release made.
    DeleteTag {
        /// The tag name.
        name: String,
        /// The tag object, once made.
        object: Option<String>,
    },
    /// Delete files this step created.
    RemovePaths {
        /// The paths.
        paths: Vec<PathBuf>,
    },
    /// Nothing to take back (a push either happened or did not).
    Nothing,
}

/// One journaled step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step.
    pub step: Step,
    /// How far it got.
    pub status: StepStatus,
    /// How to take it back.
    pub undo: Undo,
}

/// The journal of one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// Where the release stands.
    pub state: State,
    /// The version released.
    pub version: String,
    /// The version before.
    pub previous_version: String,
    /// The release tag.
    pub tag: String,
    /// The branch released from.
    pub branch: String,
    /// HEAD before the release.
    pub head: String,
    /// The remote pushed to, when `--push`.
    pub remote: Option<String>,
    /// Whether the push succeeded.
    pub pushed: bool,
    /// The steps, in order.
    pub steps: Vec<StepRecord>,
}

impl Journal {
    /// The journal file of the workspace at `root`: `target/xtask/` under the root itself
    /// (not `CARGO_TARGET_DIR`, which may be shared by several checkouts).
    pub fn path(root: &Path) -> PathBuf {
        root.join("target").join("xtask").join(JOURNAL_FILE)
    }

    /// Reads the journal, `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Journal>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).with_context(|| {
                format!(
                    "{} is corrupt: inspect it, then delete it to start over",
                    path.display()
                )
            })?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the journal atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)?;
        write_atomic(path, format!("{text}\n").as_bytes())
            .with_context(|| format!("writing the release journal {}", path.display()))
    }
}
