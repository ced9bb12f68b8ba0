//! Target determination: which primary branch a feature branch integrates into, which ref
//! of it to compare against (local `main` or remote-tracking `origin/main`), and why.
//!
//! A matching `[[rule]]` wins (the first match, in file order). Otherwise the primary
//! target whose merge base with the branch is most recent by committer date (the most
//! shared history) is chosen; ties go to the primary listed first in `primary_targets`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::Result;
use crate::git::Git;
use crate::glob;

/// A target branch as found in the repository: the ref git-align compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTarget {
    /// The branch name from the configuration (`main`).
    pub name: String,
    /// The full ref used: `refs/heads/main`, or `refs/remotes/origin/main` when the remote
    /// branch exists and is newer than the local one (or there is no local one).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The commit the ref points at.
    pub tip: String,
    /// True when the remote-tracking ref is used.
    pub remote_tracking: bool,
}

impl ResolvedTarget {
    /// The short form shown to users: `main` or `origin/main`.
    pub fn display(&self) -> String {
        short_ref(&self.reference)
    }
}

/// `refs/heads/x` → `x`, `refs/remotes/origin/x` → `origin/x`; anything else unchanged.
pub fn short_ref(reference: &str) -> String {
    reference
        .strip_prefix("refs/heads/")
        .or_else(|| reference.strip_prefix("refs/remotes/"))
        .unwrap_or(reference)
        .to_string()
}

/// Finds every target of the configuration (primaries and rule targets) in the
/// repository. Targets that exist neither locally nor on the remote are left out.
///
/// The remote-tracking ref `refs/remotes/<remote>/<name>` is used when there is no local
/// branch, or when the local branch is a strict ancestor of it (the remote is newer);
/// otherwise (equal, local newer, or diverged) the local branch is used. Costs one
/// `for-each-ref` plus at most one `merge-base --is-ancestor` per target.
pub fn resolve_targets(git: &Git, config: &Config) -> Result<Vec<ResolvedTarget>> {
    let names = config.all_targets();
    let remote_prefix = format!("refs/remotes/{}/", config.remote);
    let mut args = vec![
        "for-each-ref".to_string(),
        "--format=%(refname)%00%(objectname)".to_string(),
    ];
    for name in &names {
        args.push(format!("refs/heads/{name}"));
        args.push(format!("{remote_prefix}{name}"));
    }
    let listing = git.run(&args)?;
    let tips: HashMap<&str, &str> = listing
        .lines()
        .filter_map(|line| line.split_once('\0'))
        .collect();
    let mut resolved = Vec::new();
    for name in names {
        let local_ref = format!("refs/heads/{name}");
        let remote_ref = format!("{remote_prefix}{name}");
        let local = tips.get(local_ref.as_str()).copied();
        let remote = tips.get(remote_ref.as_str()).copied();
        let use_remote = match (local, remote) {
            (None, None) => continue,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(l), Some(r)) => l != r && git.is_ancestor(l, r)?,
        };
        let (reference, tip) = if use_remote {
            (remote_ref, remote)
        } else {
            (local_ref, local)
        };
        resolved.push(ResolvedTarget {
            name: name.to_string(),
            reference,
            tip: tip.unwrap_or_default().to_string(),
            remote_tracking: use_remote,
        });
    }
    Ok(resolved)
}

/// Why a target was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetReason {
    /// A `[[rule]]` pattern matched the branch name.
    Rule {
        /// The pattern that matched.
        pattern: String,
    },
    /// The only primary target that shares history with the branch.
    OnlyPrimary,
    /// The primary whose merge base with the branch is the most recent.
    MostRecentMergeBase {
        /// The merge base's committer date (unix seconds).
        merge_base_time: i64,
        /// How many primaries shared history with the branch and were compared.
        candidates: usize,
    },
}

impl std::fmt::Display for TargetReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetReason::Rule { pattern } => write!(f, "rule `{pattern}` matches"),
            TargetReason::OnlyPrimary => f.write_str("only primary target sharing history"),
            TargetReason::MostRecentMergeBase {
                merge_base_time,
                candidates,
            } => {
                let date = crate::status::rfc3339(*merge_base_time);
                write!(
                    f,
                    "most recent merge base ({date}) among {candidates} primary targets"
                )
            }
        }
    }
}

/// The outcome of [`determine_target`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetChoice {
    /// The chosen target's branch name (a primary or a rule's target).
    pub target: String,
    /// Why it was chosen.
    pub reason: TargetReason,
}

/// Chooses the target of `branch`.
///
/// `merge_base_time(primary)` returns the committer date (unix seconds) of the most
/// recent merge base of the branch with that primary, or `None` when the primary is
/// absent or shares no history with the branch. Returns `None` when no rule matches and
/// no primary shares history with the branch.
pub fn determine_target(
    branch: &str,
    config: &Config,
    merge_base_time: impl Fn(&str) -> Option<i64>,
) -> Option<TargetChoice> {
    if let Some(rule) = config
        .rules
        .iter()
        .find(|rule| glob::matches(&rule.pattern, branch))
    {
        return Some(TargetChoice {
            target: rule.target.clone(),
            reason: TargetReason::Rule {
                pattern: rule.pattern.clone(),
            },
        });
    }
    let candidates: Vec<(&String, i64)> = config
        .primary_targets
        .iter()
        .filter_map(|primary| merge_base_time(primary).map(|time| (primary, time)))
        .collect();
    // `max_by_key` keeps the last maximum; iterate in reverse so ties go to the first
    // listed primary.
    let (best, time) = candidates
        .iter()
        .rev()
        .max_by_key(|(_, time)| *time)
        .copied()?;
    let reason = if candidates.len() == 1 {
        TargetReason::OnlyPrimary
    } else {
        TargetReason::MostRecentMergeBase {
            merge_base_time: time,
            candidates: candidates.len(),
        }
    };
    Some(TargetChoice {
        target: best.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Rule;

    fn config() -> Config {
        Config {
            primary_targets: vec!["main".into(), "develop".into()],
            rules: vec![Rule {
                pattern: "sci/*".into(),
                target: "scientific".into(),
            }],
            ..Config::default()
        }
    }

    #[test]
    fn rule_wins_over_merge_bases() {
        let choice = determine_target("sci/x", &config(), |_| Some(10)).expect("chosen");
        assert_eq!(choice.target, "scientific");
        assert!(matches!(choice.reason, TargetReason::Rule { .. }));
    }

    #[test]
    fn most_recent_merge_base_wins_and_ties_go_first() {
        let times = |p: &str| match p {
            "main" => Some(5),
            _ => Some(9),
        };
        assert_eq!(
            determine_target("feat", &config(), times).map(|c| c.target),
            Some("develop".into())
        );
        assert_eq!(
            determine_target("feat", &config(), |_| Some(7)).map(|c| c.target),
            Some("main".into())
        );
        let only =
            determine_target("feat", &config(), |p| (p == "develop").then_some(1)).expect("chosen");
        assert_eq!(only.target, "develop");
        assert_eq!(only.reason, TargetReason::OnlyPrimary);
        assert_eq!(determine_target("feat", &config(), |_| None), None);
    }

    #[test]
    fn short_refs() {
        assert_eq!(short_ref("refs/heads/a/b"), "a/b");
        assert_eq!(short_ref("refs/remotes/origin/main"), "origin/main");
    }
}
