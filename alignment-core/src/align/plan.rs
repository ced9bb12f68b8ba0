//! The plan of a `run`: for each branch its target, strategy, complexity class and how far
//! behind it is. Computed without changing anything (this is what `--dry-run` prints).

use serde::Serialize;

use crate::complexity::{Complexity, classify};
use crate::config::{Config, Strategy};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::status::{self, StatusOptions};

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
    /// Why this branch cannot be aligned (no shared history, missing target); the other
    /// fields are then best-effort.
    pub error: Option<String>,
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

/// Plans `branches` (already checked by preflight). Without `--onto`, target, ahead,
/// behind and class come from [`status::analyze`] (a constant number of git processes
/// whatever the number of branches), so `run` and `status` always agree.
pub fn plan_branches(
    git: &Git,
    config: &Config,
    branches: &[String],
    req: &PlanRequest,
) -> Result<Vec<PlanItem>> {
    if let Some(onto) = &req.onto {
        return branches
            .iter()
            .map(|b| plan_onto(git, config, b, onto, req))
            .collect();
    }
    let options = StatusOptions {
        branches: branches.to_vec(),
        predict: false,
        jobs: 1,
        on_predict: None,
    };
    let report = status::analyze(git, config, &options)?;
    let mut items = Vec::new();
    for branch in branches {
        let row = report
            .branches
            .iter()
            .find(|r| &r.name == branch)
            .ok_or_else(|| Error::Usage(format!("branch {branch:?} does not exist")))?;
        let target_tip = report
            .targets
            .iter()
            .find(|t| Some(&t.reference) == row.target_ref.as_ref())
            .map(|t| t.tip.clone());
        let (Some(target), Some(target_ref), Some(target_tip), Some(class), None) = (
            row.target.clone(),
            row.target_ref.clone(),
            target_tip,
            row.complexity,
            row.error.as_ref(),
        ) else {
            let why = row
                .error
                .clone()
                .unwrap_or_else(|| "no target could be determined".into());
            items.push(PlanItem {
                branch: branch.clone(),
                tip: row.tip.clone(),
                target: row.target.clone().unwrap_or_default(),
                target_ref: row.target_ref.clone().unwrap_or_default(),
                target_tip: String::new(),
                target_reason: String::new(),
                strategy: req.strategy.unwrap_or(config.strategy),
                class: String::new(),
                class_reason: String::new(),
                ahead: row.ahead,
                behind: row.behind,
                error: Some(format!("{why}; pass --onto TARGET")),
            });
            continue;
        };
        items.push(item(
            config,
            req,
            Facts {
                branch: branch.clone(),
                tip: row.tip.clone(),
                target,
                target_ref,
                target_tip,
                target_reason: row.target_reason.clone().unwrap_or_default(),
                ahead: row.ahead,
                behind: row.behind,
                class,
                files: row.files_changed,
            },
        ));
    }
    Ok(items)
}

/// What is known about a branch before the class decides the strategy.
struct Facts {
    branch: String,
    tip: String,
    target: String,
    target_ref: String,
    target_tip: String,
    target_reason: String,
    ahead: u64,
    behind: u64,
    class: Complexity,
    files: u64,
}

fn item(config: &Config, req: &PlanRequest, f: Facts) -> PlanItem {
    let t = &config.complexity;
    let mut strategy = req.strategy.unwrap_or(config.strategy);
    let class_reason = match f.class {
        Complexity::Simple => String::new(),
        Complexity::Chunked => format!(
            "{} commits ahead, {} files changed (thresholds {} commits, {} files); batches of {}",
            f.ahead, f.files, t.commits, t.files, t.batch_size
        ),
        Complexity::Integration => {
            let forced = if strategy == Strategy::Rebase {
                strategy = Strategy::Merge;
                "; merge strategy forced"
            } else {
                ""
            };
            format!("merge base older than {} days{forced}", t.age_days)
        }
    };
    PlanItem {
        branch: f.branch,
        tip: f.tip,
        target: f.target,
        target_ref: f.target_ref,
        target_tip: f.target_tip,
        target_reason: f.target_reason,
        strategy,
        class: f.class.to_string(),
        class_reason,
        ahead: f.ahead,
        behind: f.behind,
        error: None,
    }
}

/// Plans `branch` onto an explicit `--onto` target.
fn plan_onto(
    git: &Git,
    config: &Config,
    branch: &str,
    onto: &str,
    req: &PlanRequest,
) -> Result<PlanItem> {
    let tip = git
        .resolve(&format!("refs/heads/{branch}"))?
        .ok_or_else(|| Error::Usage(format!("branch {branch:?} does not exist")))?;
    let (target_ref, target_tip) = target_ref(git, config, onto)?
        .ok_or_else(|| Error::Usage(format!("target {onto:?} does not exist")))?;
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
    let out = git.output(["merge-base", &target_tip, &tip])?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "{branch:?} shares no history with {onto:?}"
        )));
    }
    let base = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let when: i64 = git
        .run(["show", "-s", "--format=%ct", &base])?
        .trim()
        .parse()
        .unwrap_or(0);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let age_days = u64::try_from((now - when).max(0) / 86_400).unwrap_or(0);
    let files = git
        .run(["diff", "--name-only", &base, &tip])?
        .lines()
        .count() as u64;
    let class = classify(ahead, files, age_days, &config.complexity);
    Ok(item(
        config,
        req,
        Facts {
            branch: branch.to_string(),
            tip,
            target: onto.to_string(),
            target_ref,
            target_tip,
            target_reason: "--onto".into(),
            ahead,
            behind,
            class,
            files,
        },
    ))
}

/// The ref to align onto: the remote-tracking branch when it is newer than (or there is
/// no) local branch, else the local branch, else `target` as given.
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
