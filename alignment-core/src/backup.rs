//! Backup refs: `refs/align/backups/<branch>/<UTC timestamp YYYYMMDDTHHMMSSZ>`.
//!
//! Every branch of an operation is backed up in one `git update-ref --stdin` transaction
//! before anything is rewritten, so either all backups exist or none do.

use serde::Serialize;
use time::OffsetDateTime;

use crate::config::BackupConfig;
use crate::error::{Error, Result};
use crate::git::Git;

/// The namespace holding every backup ref.
pub const BACKUP_PREFIX: &str = "refs/align/backups/";

/// One backup ref.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backup {
    /// The branch it backs up.
    pub branch: String,
    /// The full ref name.
    pub refname: String,
    /// The commit it points at.
    pub commit: String,
    /// The timestamp part of the ref name (`20261124T101500Z`, possibly with a `-N` suffix).
    pub stamp: String,
}

/// The timestamp used in backup ref names for `now`.
pub fn stamp(now: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Every backup, grouped by branch, oldest first within a branch.
pub fn list(git: &Git) -> Result<Vec<Backup>> {
    let out = git.run([
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        BACKUP_PREFIX,
    ])?;
    let mut backups: Vec<Backup> = out
        .lines()
        .filter_map(|line| {
            let (refname, commit) = line.split_once(' ')?;
            let rest = refname.strip_prefix(BACKUP_PREFIX)?;
            let (branch, stamp) = rest.rsplit_once('/')?;
            Some(Backup {
                branch: branch.to_string(),
                refname: refname.to_string(),
                commit: commit.to_string(),
                stamp: stamp.to_string(),
            })
        })
        .collect();
    backups.sort_by(|a, b| (&a.branch, &a.stamp).cmp(&(&b.branch, &b.stamp)));
    Ok(backups)
}

/// The newest backup of `branch`, if any.
pub fn latest(git: &Git, branch: &str) -> Result<Option<Backup>> {
    Ok(list(git)?.into_iter().rfind(|b| b.branch == branch))
}

/// Writes one backup per `(branch, commit)` in a single transaction and returns the ref
/// names in the same order. A ref name already taken (two runs in one second) gets a
/// `-N` suffix.
pub fn create_all(
    git: &Git,
    branches: &[(String, String)],
    now: OffsetDateTime,
) -> Result<Vec<String>> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let existing: Vec<String> = list(git)?.into_iter().map(|b| b.refname).collect();
    let base = stamp(now);
    let mut input = String::from("start\n");
    let mut refs = Vec::new();
    for (branch, commit) in branches {
        let mut refname = format!("{BACKUP_PREFIX}{branch}/{base}");
        let mut n = 1;
        while existing.contains(&refname) || refs.contains(&refname) {
            refname = format!("{BACKUP_PREFIX}{branch}/{base}-{n}");
            n += 1;
        }
        input.push_str(&format!("create {refname} {commit}\n"));
        refs.push(refname);
    }
    input.push_str("prepare\ncommit\n");
    git.run_with_input(["update-ref", "--stdin"], input.as_bytes())?;
    Ok(refs)
}

/// Parses a backup stamp (`20261124T101500Z`, optional `-N` suffix) into a time.
fn parse_stamp(stamp: &str) -> Option<OffsetDateTime> {
    let core = stamp.split('-').next()?;
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(core, format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

/// The backups `prune` would delete: older than `retention_days` and not among the newest
/// `keep` of their branch. Backups with an unreadable stamp are kept.
pub fn prunable(backups: &[Backup], config: &BackupConfig, now: OffsetDateTime) -> Vec<Backup> {
    let cutoff = now - time::Duration::days(i64::from(config.retention_days));
    let mut out = Vec::new();
    let mut branches: Vec<&str> = backups.iter().map(|b| b.branch.as_str()).collect();
    branches.dedup();
    for branch in branches {
        let mine: Vec<&Backup> = backups.iter().filter(|b| b.branch == branch).collect();
        let keep_from = mine.len().saturating_sub(config.keep as usize);
        for backup in &mine[..keep_from] {
            if parse_stamp(&backup.stamp).is_some_and(|t| t < cutoff) {
                out.push((*backup).clone());
            }
        }
    }
    out
}

/// Deletes `backups` in one transaction (each only if it still points where it did).
pub fn delete(git: &Git, backups: &[Backup]) -> Result<()> {
    if backups.is_empty() {
        return Ok(());
    }
    let mut input = String::from("start\n");
    for backup in backups {
        input.push_str(&format!("delete {} {}\n", backup.refname, backup.commit));
    }
    input.push_str("prepare\ncommit\n");
    git.run_with_input(["update-ref", "--stdin"], input.as_bytes())?;
    Ok(())
}

/// Resolves what the user passed as `--backup` (a full ref, a path under the backup
/// namespace, or a stamp of `branch`) to a backup of `branch`.
pub fn find(git: &Git, branch: &str, spec: &str) -> Result<Backup> {
    let all = list(git)?;
    all.into_iter()
        .filter(|b| b.branch == branch)
        .find(|b| {
            b.refname == spec
                || b.stamp == spec
                || b.refname.strip_prefix(BACKUP_PREFIX) == Some(spec)
        })
        .ok_or_else(|| {
            Error::Usage(format!(
                "no backup {spec:?} of branch {branch:?}; list them with `git-align backups list`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(branch: &str, stamp: &str) -> Backup {
        Backup {
            branch: branch.into(),
            refname: format!("{BACKUP_PREFIX}{branch}/{stamp}"),
            commit: "0".repeat(40),
            stamp: stamp.into(),
        }
    }

    #[test]
    fn prune_honours_retention_and_keep() {
        let now = parse_stamp("20261124T000000Z").expect("stamp");
        let backups = vec![
            backup("a", "20260101T000000Z"),
            backup("a", "20260201T000000Z"),
            backup("a", "20261120T000000Z"),
            backup("b", "20260101T000000Z"),
        ];
        let config = BackupConfig {
            retention_days: 30,
            keep: 1,
        };
        let pruned: Vec<String> = prunable(&backups, &config, now)
            .into_iter()
            .map(|b| b.refname)
            .collect();
        assert_eq!(
            pruned,
            vec![
                format!("{BACKUP_PREFIX}a/20260101T000000Z"),
                format!("{BACKUP_PREFIX}a/20260201T000000Z"),
            ]
        );
    }

    #[test]
    fn stamps_round_trip() {
        let t = parse_stamp("20261124T101500Z").expect("parses");
        assert_eq!(stamp(t), "20261124T101500Z");
        assert_eq!(parse_stamp("20261124T101500Z-2"), Some(t));
    }
}
