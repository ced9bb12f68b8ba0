//! The plan of a `run`: for each branch its target, strategy, complexity class and how far
//! behind it is. Computed without changing anything (this is what `--dry-run` prints).

use serde::Serialize;

use crate::config::{Config, Strategy};
use crate::error::{Error, Result};
use crate::git::Git;

/// What `run` will do to one branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    /// The branch.
    pub branch: String,
    /// Its tip now.
    pub tip: String,
    /// The target branch name.
    pub target: String,
    /// The ref aligned onto (`refs/heads/main` or `refs/remotes/origin/main`).
    pub target_ref: String,
    /// The commit aligned onto.
    pub target_tip: String,
    /// Why this target.
    pub target_reason: String,
    /// Rebase or merge (after the class forced it, if it did).
    pub strategy: Strategy,
    /// `simple`, `chunked` or `integration`.
    pub class: String,
    /// Why the class (and any forced strategy).
    pub class_reason: String,
    /// Commits on the branch not on the target.
    pub ahead: u64,
    /// Commits on the target not on the branch.
    pub behind: u64,
}

impl PlanItem {
    /// True when the branch already contains its target.
    pub fn up_to_date(&self) -> bool {
        self.behind == 0
    }
}

/// What the user asked `run` to use.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// `--onto`.
    pub onto: Option<String>,
    /// `--strategy`.
    pub strategy: Option<Strategy>,
}

/// The target of `branch` and why: `--onto`, the first matching rule, or the primary with
/// the most recent merge base (ties to the first listed).
fn choose_target(
    git: &Git,
    config: &Config,
    branch: &str,
    req: &PlanRequest,
) -> Result<(String, String)> {
    if let Some(onto) = &req.onto {
        return Ok((onto.clone(), "--onto".into()));
    }
    if let Some(rule) = config
        .rules
        .iter()
        .find(|r| crate::glob::matches(&r.pattern, branch))
    {
        return Ok((
            rule.target.clone(),
            format!("rule `{}` matches", rule.pattern),
        ));
    }
    let mut best: Option<(i64, &String)> = None;
    for primary in &config.primary_targets {
        let out = git.output(["merge-base", branch, primary.as_str()])?;
        if !out.status.success() {
            continue;
        }
        let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let time: i64 = git
            .run(["log", "-1", "--format=%ct", &base])?
            .trim()
            .parse()
            .unwrap_or(0);
        if best.is_none_or(|(t, _)| time > t) {
            best = Some((time, primary));
        }
    }
    match best {
        Some((_, primary)) if config.primary_targets.len() == 1 => {
            Ok((primary.clone(), "only primary target".into()))
        }
        Some((_, primary)) => Ok((primary.clone(), "most recent merge base".into())),
        None => Err(Error::Usage(format!(
            "branch {branch:?} shares no history with any primary target; pass --onto TARGET"
        ))),
    }
}

/// The ref to align onto: the remote-tracking branch when it is newer than (or there is
/// no) local branch, else the local branch.
fn target_ref(git: &Git, config: &Config, target: &str) -> Result<Option<(String, String)>> {
    let local_ref = format!("refs/heads/{target}");
    let remote_ref = format!("refs/remotes/{}/{target}", config.remote);
    let local = git.resolve(&local_ref)?;
    let remote = git.resolve(&remote_ref)?;
    Ok(match (local, remote) {
        (Some(l), Some(r)) if l != r && git.is_ancestor(&l, &r)? => Some((remote_ref, r)),
        (Some(l), _) => Some((local_ref, l)),
        (None, Some(r)) => Some((remote_ref, r)),
        (None, None) => git.resolve(target)?.map(|c| (target.to_string(), c)),
    })
}

/// Plans `branch`.
pub fn plan_branch(
    git: &Git,
    config: &Config,
    branch: &str,
    req: &PlanRequest,
) -> Result<PlanItem> {
    let tip = git
        .resolve(&format!("refs/heads/{branch}"))?
        .ok_or_else(|| Error::Usage(format!("branch {branch:?} does not exist")))?;
    let (target, target_reason) = choose_target(git, config, branch, req)?;
    let (target_ref, target_tip) = target_ref(git, config, &target)?
        .ok_or_else(|| Error::Usage(format!("target {target:?} of {branch:?} does not exist")))?;
    let counts = git.run([
        "rev-list",
        "--left-right",
        "--count",
        &format!("{target_tip}...{tip}"),
    ])?;
    let mut nums = counts
        .split_whitespace()
        .map(|n| n.parse::<u64>().unwrap_or(0));
    let behind = nums.next().unwrap_or(0);
    let ahead = nums.next().unwrap_or(0);
    let mut strategy = req.strategy.unwrap_or(config.strategy);
    let (class, class_reason) = classify(git, config, &target_tip, &tip, ahead)?;
    let class_reason = if class == "integration" && strategy == Strategy::Rebase {
        strategy = Strategy::Merge;
        format!("{class_reason}; merge strategy forced")
    } else {
        class_reason
    };
    Ok(PlanItem {
        branch: branch.to_string(),
        tip,
        target,
        target_ref,
        target_tip,
        target_reason,
        strategy,
        class: class.to_string(),
        class_reason,
        ahead,
        behind,
    })
}

fn classify(
    git: &Git,
    config: &Config,
    target_tip: &str,
    tip: &str,
    ahead: u64,
) -> Result<(&'static str, String)> {
    let t = &config.complexity;
    let base = git.run(["merge-base", target_tip, tip])?.trim().to_string();
    // Age is measured against the target's tip, not the wall clock: what matters is how
    // much the target moved on since the branch forked.
    let times = git.run(["show", "-s", "--format=%ct", &base, target_tip])?;
    let mut times = times.lines().map(|l| l.trim().parse::<u64>().unwrap_or(0));
    let (when, target_time) = (times.next().unwrap_or(0), times.next().unwrap_or(0));
    let age_days = target_time.saturating_sub(when) / 86_400;
    if age_days > u64::from(t.age_days) {
        return Ok((
            "integration",
            format!(
                "merge base is {age_days} days older than the target tip (> {})",
                t.age_days
            ),
        ));
    }
    if ahead > u64::from(t.commits) {
        return Ok((
            "chunked",
            format!(
                "{ahead} commits ahead (> {}); batches of {}",
                t.commits, t.batch_size
            ),
        ));
    }
    let files = git
        .run(["diff", "--name-only", &base, tip])?
        .lines()
        .count() as u64;
    if files > u64::from(t.files) {
        return Ok((
            "chunked",
            format!(
                "{files} files changed (> {}); batches of {}",
                t.files, t.batch_size
            ),
        ));
    }
    Ok(("simple", String::new()))
}

/// Every local branch that is not a primary target, sorted by name.
pub fn feature_branches(git: &Git, config: &Config) -> Result<Vec<String>> {
    let out = git.run(["for-each-ref", "--format=%(refname:short)", "refs/heads/"])?;
    let mut names: Vec<String> = out
        .lines()
        .filter(|n| !n.is_empty() && !config.primary_targets.iter().any(|p| p == n))
        .map(str::to_string)
        .collect();
    names.sort();
    Ok(names)
}
