//! `run`, `continue` and `abort`: aligning branches onto their targets with a backup
//! first, stopping cleanly on conflicts and validating the result.

pub mod mechanics;
pub mod plan;

use std::path::Path;
use std::time::Instant;

use time::OffsetDateTime;

use crate::backup;
use crate::config::{Config, Strategy};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::oplock::OperationLock;
use crate::preflight;
use crate::report::{self, BranchReport, Outcome, Phases, SCHEMA, Session, Totals};
use crate::state::{self, ChangedBranch, Checkout, LastOperation, StoppedOperation};
use crate::validate;

pub use plan::{PlanItem, PlanRequest};

/// What the user asked `run` to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Branches named on the command line.
    pub branches: Vec<String>,
    /// Every feature branch that needs it.
    pub all: bool,
    /// Target and strategy overrides.
    pub request: PlanRequest,
    /// Stash and restore uncommitted changes of the checked-out branch.
    pub autostash: bool,
    /// Fetch from the remote first.
    pub fetch: bool,
}

/// How `run` or `continue` ended.
#[derive(Debug)]
pub enum RunEnd {
    /// Every branch was processed; the session report is saved.
    Finished(Session),
    /// Stopped on conflicts; state is saved for `continue`/`abort`.
    Stopped(Session, Box<StoppedOperation>),
}

impl RunEnd {
    /// The session report.
    pub fn session(&self) -> &Session {
        match self {
            RunEnd::Finished(s) | RunEnd::Stopped(s, _) => s,
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The branches `run` would consider, after preflight; no changes, no fetch.
pub fn plan(git: &Git, config: &Config, opts: &RunOptions) -> Result<Vec<PlanItem>> {
    let branches = checked_branches(git, config, opts)?;
    plan_items(git, config, opts, &branches)
}

/// Selects the branches of `opts` and runs the preflight checks on them.
fn checked_branches(git: &Git, config: &Config, opts: &RunOptions) -> Result<Vec<String>> {
    let checkout = state::current_checkout(git)?;
    let branches = selected_branches(git, config, opts)?;
    let targets: Vec<String> = opts.request.onto.iter().cloned().collect();
    let current = match &checkout {
        // With `--all` a dirty checked-out branch only matters if it needs aligning;
        // `plan_items` skips it then instead of refusing the whole run.
        Checkout::Branch(b) if !opts.all => Some(b.as_str()),
        _ => None,
    };
    preflight::check(git, config, &branches, &targets, current, opts.autostash)?;
    Ok(branches)
}

fn plan_items(
    git: &Git,
    config: &Config,
    opts: &RunOptions,
    branches: &[String],
) -> Result<Vec<PlanItem>> {
    let mut items = plan::plan_branches(git, config, branches, &opts.request)?;
    let elsewhere = state::checked_out_elsewhere(git)?;
    for item in &mut items {
        if let Some((_, path)) = elsewhere.iter().find(|(b, _)| *b == item.branch) {
            item.error = Some(format!(
                "checked out in the worktree {path}; align it from there (git-align -C {path} run {})",
                item.branch
            ));
        }
    }
    if opts.all
        && !opts.autostash
        && let Checkout::Branch(current) = state::current_checkout(git)?
        && let Some(item) = items
            .iter_mut()
            .find(|i| i.branch == current && i.error.is_none() && i.behind > 0 && i.ahead > 0)
        && preflight::is_dirty(git)?
    {
        item.error = Some(
            "checked out with uncommitted changes; commit or stash them, or pass --autostash"
                .into(),
        );
    }
    if opts.all {
        // `--all` leaves alone branches that are up to date or already merged, and
        // reports (never aborts on) branches it cannot align.
        items.retain(|item| item.error.is_some() || (item.behind > 0 && item.ahead > 0));
    } else {
        let errors: Vec<String> = items
            .iter()
            .filter_map(|i| Some(format!("{}: {}", i.branch, i.error.as_ref()?)))
            .collect();
        if !errors.is_empty() {
            return Err(Error::Usage(format!(
                "nothing was changed:\n  - {}",
                errors.join("\n  - ")
            )));
        }
    }
    Ok(items)
}

fn selected_branches(git: &Git, config: &Config, opts: &RunOptions) -> Result<Vec<String>> {
    if opts.all {
        return plan::feature_branches(git, config);
    }
    if opts.branches.is_empty() {
        return Err(Error::Usage(
            "name the branches to align (git-align run BRANCH…) or pass --all".into(),
        ));
    }
    Ok(opts.branches.clone())
}

fn fetch(git: &Git, config: &Config) -> Result<()> {
    let remotes = git.run(["remote"])?;
    if remotes.lines().any(|r| r == config.remote) {
        git.run(["fetch", "--quiet", "--no-tags", &config.remote])
            .map_err(|e| {
                Error::Usage(format!(
                    "fetching from {:?} failed ({e}); fix the remote or pass --no-fetch",
                    config.remote
                ))
            })?;
    }
    Ok(())
}

/// Aligns the branches of `opts`: preflight, fetch, backups (one transaction), then each
/// branch in order. With `--all` a conflicting branch is put back exactly as it was and
/// the run goes on; otherwise the run stops there with state saved.
pub fn run(git: &Git, config: &Config, opts: &RunOptions) -> Result<RunEnd> {
    let _lock = OperationLock::acquire(git)?;
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    let safety = Instant::now();
    // Preflight runs before the fetch so a refused run changes nothing at all.
    let branches = checked_branches(git, config, opts)?;
    if opts.fetch {
        fetch(git, config)?;
    }
    let items = plan_items(git, config, opts, &branches)?;
    let safety_ms = ms(safety);
    let checkout = state::current_checkout(git)?;
    let mut session = Session {
        schema: SCHEMA.into(),
        id: state::operation_id(now),
        started: rfc3339(now),
        ended: String::new(),
        branches: Vec::new(),
        totals: Totals::default(),
    };
    let backup_started = Instant::now();
    let to_backup: Vec<(String, String)> = items
        .iter()
        .filter(|i| i.error.is_none() && !i.up_to_date())
        .map(|i| (i.branch.clone(), i.tip.clone()))
        .collect();
    let refs = backup::create_all(git, &to_backup, now)?;
    let backup_ms = ms(backup_started);
    let backup_of = |branch: &str| {
        to_backup
            .iter()
            .position(|(b, _)| b == branch)
            .map(|i| refs[i].clone())
    };
    let mut changed = Vec::new();
    let mut stopped = None;
    for (n, item) in items.iter().enumerate() {
        let mut report = base_report(item, backup_of(&item.branch));
        report.phases.safety_ms = safety_ms;
        report.phases.backup_ms = if report.backup_ref.is_some() {
            backup_ms
        } else {
            0
        };
        if let Some(error) = &item.error {
            report.error = Some(error.clone());
            session.branches.push(report);
            continue;
        }
        if item.up_to_date() {
            report.result = Outcome::UpToDate;
            session.branches.push(report);
            continue;
        }
        let checked_out = checkout == Checkout::Branch(item.branch.clone());
        let mode = mechanics::Mode {
            checked_out,
            autostash: opts.autostash,
            batch: (item.class == "chunked").then_some(config.complexity.batch_size as usize),
        };
        let step_started = Instant::now();
        let step = mechanics::align(git, item, mode);
        report.phases.rebase_ms = ms(step_started);
        match step {
            Err(e) => {
                report.result = Outcome::Skipped;
                report.error = Some(e.to_string());
            }
            Ok(mechanics::Step::Done { new_tip }) => {
                finish_branch(
                    git,
                    config,
                    item,
                    checked_out,
                    &new_tip,
                    &mut report,
                    &mut changed,
                )?;
            }
            Ok(mechanics::Step::Conflict(stop)) => {
                report.result = Outcome::Conflicts;
                report.conflicts = stop.paths.clone();
                report.conflict_commit = stop.commit.clone();
                if opts.all {
                    mechanics::cancel(git, &stop.dir, stop.worktree.as_deref())?;
                    mechanics::set_branch(git, &item.branch, &item.tip, checked_out)?;
                } else {
                    let rest = &items[n + 1..];
                    session.branches.push(report);
                    for other in rest {
                        let mut r = base_report(other, backup_of(&other.branch));
                        r.result = Outcome::Skipped;
                        r.error = Some(format!(
                            "not attempted: the run stopped on conflicts in {:?}",
                            item.branch
                        ));
                        session.branches.push(r);
                    }
                    stopped = Some(StoppedOperation {
                        id: session.id.clone(),
                        branch: item.branch.clone(),
                        target: item.target_tip.clone(),
                        target_name: item.target.clone(),
                        strategy: item.strategy,
                        class: item.class.clone(),
                        backup_ref: backup_of(&item.branch).unwrap_or_default(),
                        old_tip: item.tip.clone(),
                        original_checkout: checkout.clone(),
                        home: git.work_tree().to_path_buf(),
                        worktree: stop.worktree.clone(),
                        autostash: checked_out && opts.autostash,
                        steps_done: vec!["safety".into(), "backup".into()],
                        changed: changed.clone(),
                        session: Session { ..session.clone() },
                    });
                    break;
                }
            }
        }
        session.branches.push(report);
    }
    session.totals.duration_ms = ms(started);
    session.recount();
    if !changed.is_empty() {
        state::save_last(
            git,
            &LastOperation {
                id: session.id.clone(),
                changed: changed.clone(),
            },
        )?;
    }
    match stopped {
        Some(op) => {
            let op = StoppedOperation {
                session: session.clone(),
                ..op
            };
            state::save_stopped(git, &op)?;
            report::save(git, &session)?;
            Ok(RunEnd::Stopped(session, Box::new(op)))
        }
        None => {
            session.ended = rfc3339(OffsetDateTime::now_utc());
            report::save(git, &session)?;
            Ok(RunEnd::Finished(session))
        }
    }
}

fn base_report(item: &PlanItem, backup_ref: Option<String>) -> BranchReport {
    BranchReport {
        branch: item.branch.clone(),
        target: item.target.clone(),
        target_reason: item.target_reason.clone(),
        strategy: item.strategy.to_string(),
        class: item.class.clone(),
        class_reason: item.class_reason.clone(),
        result: Outcome::Skipped,
        commits_replayed: 0,
        old_tip: item.tip.clone(),
        new_tip: item.tip.clone(),
        new_base: item.target_tip.clone(),
        backup_ref,
        conflicts: Vec::new(),
        conflict_commit: None,
        checks: Vec::new(),
        phases: Phases::default(),
        error: None,
    }
}

/// Validates an aligned branch; restores it from its backup on a critical failure.
fn finish_branch(
    git: &Git,
    config: &Config,
    item: &PlanItem,
    checked_out: bool,
    new_tip: &str,
    report: &mut BranchReport,
    changed: &mut Vec<ChangedBranch>,
) -> Result<()> {
    let started = Instant::now();
    let scratch = state::align_dir(git);
    let checks = validate::run(
        git,
        config,
        item.strategy,
        &item.target_tip,
        new_tip,
        &scratch,
    )?;
    report.phases.validation_ms = ms(started);
    report.commits_replayed = match item.strategy {
        Strategy::Rebase => item.ahead,
        Strategy::Merge => item.behind,
    };
    report.new_tip = new_tip.to_string();
    if validate::critical_failure(&checks) {
        mechanics::set_branch(git, &item.branch, &item.tip, checked_out)?;
        report.result = Outcome::ValidationFailed;
        report.new_tip = item.tip.clone();
        report.commits_replayed = 0;
    } else {
        report.result = Outcome::Aligned;
        changed.push(ChangedBranch {
            branch: item.branch.clone(),
            backup_ref: report.backup_ref.clone().unwrap_or_default(),
            old_tip: item.tip.clone(),
            new_tip: new_tip.to_string(),
        });
    }
    report.checks = checks;
    Ok(())
}

fn no_stopped_operation() -> Error {
    Error::Usage("no git-align operation is stopped; nothing to continue or abort".into())
}

/// Resumes the stopped operation after the user resolved the conflicts and `git add`ed
/// them, then validates and records the result.
pub fn continue_op(git: &Git, config: &Config) -> Result<RunEnd> {
    let _lock = OperationLock::acquire(git)?;
    let mut op = state::load_stopped(git)?.ok_or_else(no_stopped_operation)?;
    let dir = op
        .worktree
        .clone()
        .unwrap_or_else(|| git.work_tree().to_path_buf());
    let started = Instant::now();
    let step = mechanics::resume(git, &op.branch, &dir, op.worktree.as_deref())?;
    let rebase_ms = ms(started);
    let index = op
        .session
        .branches
        .iter()
        .position(|b| b.branch == op.branch);
    match step {
        mechanics::Step::Conflict(stop) => {
            if let Some(i) = index {
                op.session.branches[i].conflicts = stop.paths.clone();
                op.session.branches[i].conflict_commit = stop.commit.clone();
            }
            state::save_stopped(git, &op)?;
            report::save(git, &op.session)?;
            Ok(RunEnd::Stopped(op.session.clone(), Box::new(op)))
        }
        mechanics::Step::Done { new_tip } if new_tip == op.old_tip => Err(Error::Usage(format!(
            "the {} of {} is no longer in progress and the branch did not move; \
             run `git-align abort` to clean up",
            op.strategy, op.branch
        ))),
        mechanics::Step::Done { new_tip } => {
            let item = stopped_item(git, &op)?;
            let checked_out = op.worktree.is_none();
            let mut report = index
                .map(|i| op.session.branches[i].clone())
                .unwrap_or_else(|| base_report(&item, Some(op.backup_ref.clone())));
            report.conflicts.clear();
            report.conflict_commit = None;
            report.phases.rebase_ms += rebase_ms;
            let mut changed = op.changed.clone();
            finish_branch(
                git,
                config,
                &item,
                checked_out,
                &new_tip,
                &mut report,
                &mut changed,
            )?;
            let mut session = op.session.clone();
            match index {
                Some(i) => session.branches[i] = report,
                None => session.branches.push(report),
            }
            session.ended = rfc3339(OffsetDateTime::now_utc());
            session.recount();
            state::save_last(
                git,
                &LastOperation {
                    id: op.id.clone(),
                    changed,
                },
            )?;
            report::save(git, &session)?;
            state::clear_stopped(git)?;
            Ok(RunEnd::Finished(session))
        }
    }
}

fn stopped_item(git: &Git, op: &StoppedOperation) -> Result<PlanItem> {
    let counts = git.run([
        "rev-list",
        "--left-right",
        "--count",
        &format!("{}...{}", op.target, op.old_tip),
    ])?;
    let mut nums = counts
        .split_whitespace()
        .map(|n| n.parse::<u64>().unwrap_or(0));
    Ok(PlanItem {
        branch: op.branch.clone(),
        tip: op.old_tip.clone(),
        target: op.target_name.clone(),
        target_ref: op.target_name.clone(),
        target_tip: op.target.clone(),
        target_reason: String::new(),
        strategy: op.strategy,
        class: op.class.clone(),
        class_reason: String::new(),
        behind: nums.next().unwrap_or(0),
        ahead: nums.next().unwrap_or(0),
        error: None,
    })
}

/// Cancels the stopped operation: the rebase/merge is aborted, the branch is set back to
/// exactly its backup commit, the temporary worktree removed, and the user's checkout and
/// autostash restored (git's own `--abort` reapplies the stash).
pub fn abort(git: &Git) -> Result<StoppedOperation> {
    let _lock = OperationLock::acquire(git)?;
    let op = state::load_stopped(git)?.ok_or_else(no_stopped_operation)?;
    let dir = op
        .worktree
        .clone()
        .unwrap_or_else(|| git.work_tree().to_path_buf());
    if dir.exists() {
        mechanics::cancel(git, &dir, op.worktree.as_deref())?;
    } else if op.worktree.is_some() {
        git.run(["worktree", "prune"])?;
    }
    let backup_commit = git
        .resolve(&op.backup_ref)?
        .unwrap_or_else(|| op.old_tip.clone());
    let current = git.resolve(&format!("refs/heads/{}", op.branch))?;
    if current.as_deref() != Some(backup_commit.as_str()) {
        mechanics::set_branch(git, &op.branch, &backup_commit, op.worktree.is_none())?;
    }
    if let Checkout::Branch(b) = &op.original_checkout
        && state::current_checkout(git)? != op.original_checkout
    {
        git.run(["checkout", "--quiet", b])?;
    }
    let mut session = op.session.clone();
    session.ended = rfc3339(OffsetDateTime::now_utc());
    session.recount();
    report::save(git, &session)?;
    state::clear_stopped(git)?;
    Ok(op)
}

/// Opens the repository at `path` the way `continue` and `abort` need it: when an
/// operation is stopped, from the work tree that operation started in, so that running
/// them inside the temporary conflict worktree (where the user resolved the conflict)
/// neither reads that worktree's configuration nor loses its footing when it is removed.
pub fn open_for_stopped(path: &Path) -> Result<Git> {
    let git = Git::open(path)?;
    match state::load_stopped(&git)? {
        Some(op)
            if !op.home.as_os_str().is_empty()
                && op.home != git.work_tree()
                && op.home.is_dir() =>
        {
            Git::open(&op.home)
        }
        _ => Ok(git),
    }
}

/// The directory in which the user resolves the stopped operation's conflicts.
pub fn conflict_dir<'a>(git: &'a Git, op: &'a StoppedOperation) -> &'a Path {
    op.worktree.as_deref().unwrap_or(git.work_tree())
}
