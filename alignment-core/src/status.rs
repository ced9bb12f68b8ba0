//! The analysis behind `git-align status`: where every feature branch stands against its
//! target, computed with a constant number of git processes whatever the number of
//! branches.
//!
//! The processes, for N branches and T targets (T is small and fixed by the config):
//! 1. `for-each-ref` of the target refs, plus one `merge-base --is-ancestor` per target
//!    that exists both locally and on the remote ([`resolve_targets`]);
//! 2. one `for-each-ref` over `refs/heads` with `%(ahead-behind:TIP)` for every target
//!    (git ≥ 2.41; below that, one `rev-list --left-right --count` per branch);
//! 3. one `rev-list --boundary --parents --timestamp --stdin` per target: the commits of
//!    all branches that the target lacks; walking it per branch finds the merge bases and
//!    their dates without a process per branch;
//! 4. one `diff-tree --stdin` for the files changed on each side since the merge base;
//! 5. conflict prediction ([`crate::predict`]): at most `jobs` `merge-tree --stdin`
//!    processes for the pairs not in the cache and not skipped.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::complexity::{Complexity, classify};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::git::{AHEAD_BEHIND_GIT_VERSION, Git};
use crate::predict::{MergePair, predict};
use crate::target::{ResolvedTarget, TargetChoice, determine_target, resolve_targets};

/// The schema identifier of [`StatusReport`]; bumped on any incompatible change.
pub const SCHEMA: &str = "git-align/status/v1";

/// Called with the number of merges conflict prediction is about to run (cache misses),
/// so a front end can show progress when that will take a while.
pub type PredictProgress = Arc<dyn Fn(usize) + Send + Sync>;

/// What to analyse and how.
#[derive(Clone)]
pub struct StatusOptions {
    /// Only these branches (short names); empty means every local branch that is not a
    /// target. An unknown name is a usage error.
    pub branches: Vec<String>,
    /// Predict conflicts with `git merge-tree` (the expensive part).
    pub predict: bool,
    /// Parallel merge processes; 0 means the number of cores.
    pub jobs: usize,
    /// Progress callback for conflict prediction.
    pub on_predict: Option<PredictProgress>,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            branches: Vec::new(),
            predict: true,
            jobs: 0,
            on_predict: None,
        }
    }
}

/// The result of [`analyze`], serialised as the `git-align/status/v1` JSON document
/// (see `docs/status-json.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The work tree analysed.
    pub repository: String,
    /// When the analysis ran (RFC 3339, UTC).
    pub generated_at: String,
    /// The targets found in the repository and the ref used for each.
    pub targets: Vec<ResolvedTarget>,
    /// One entry per analysed branch, sorted by name.
    pub branches: Vec<BranchStatus>,
}

/// Where one branch stands against its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchStatus {
    /// The branch's short name (`feat/x`).
    pub name: String,
    /// The commit the branch points at.
    pub tip: String,
    /// The target branch's name (`main`), or `null` when none could be determined.
    pub target: Option<String>,
    /// The ref compared against (`refs/heads/main` or `refs/remotes/origin/main`).
    pub target_ref: Option<String>,
    /// Why this target was chosen.
    pub target_reason: Option<String>,
    /// Commits on the branch that the target lacks.
    pub ahead: u64,
    /// Commits on the target that the branch lacks.
    pub behind: u64,
    /// The target tip is an ancestor of the branch (`behind == 0`).
    pub aligned: bool,
    /// The branch tip is contained in the target (`ahead == 0`).
    pub merged: bool,
    /// The most recent merge base with the target.
    pub merge_base: Option<String>,
    /// Files that would conflict when aligning (empty: none), or `null` when not
    /// predicted (`--no-predict`, or an error).
    pub predicted_conflicts: Option<Vec<String>>,
    /// The complexity class, or `null` without a merge base.
    pub complexity: Option<Complexity>,
    /// Files the branch changed since the merge base.
    pub files_changed: u64,
    /// The branch tip's committer date (RFC 3339).
    pub last_commit_date: String,
    /// What went wrong for this branch (no shared history, missing target, a merge git
    /// refused); the other fields are then best-effort.
    pub error: Option<String>,
}

/// Formats unix seconds as RFC 3339 UTC (`2026-01-01T00:00:00Z`).
pub fn rfc3339(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix_seconds.to_string())
}

/// A local branch as listed by `for-each-ref`.
struct Listed {
    name: String,
    tip: String,
    time: i64,
    date: String,
    /// (ahead, behind) against each distinct target tip, by tip.
    ahead_behind: HashMap<String, (u64, u64)>,
}

/// The most recent merge base of a branch with one target.
#[derive(Debug, Clone)]
struct MergeBase {
    commit: String,
    time: i64,
}

/// Analyses the local branches of the repository (see the module docs for the cost).
///
/// Fails when no primary target exists locally or on the remote (a usage error: the
/// configuration does not fit the repository) or when `options.branches` names a branch
/// that does not exist or is a target. Problems with one branch are reported in its
/// [`BranchStatus::error`] and never abort the analysis.
pub fn analyze(git: &Git, config: &Config, options: &StatusOptions) -> Result<StatusReport> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let targets = resolve_targets(git, config)?;
    if !targets
        .iter()
        .any(|t| config.primary_targets.contains(&t.name))
    {
        return Err(Error::Usage(format!(
            "none of the primary targets ({}) exists as a local branch or on remote `{}`; \
             create it or set `primary_targets` in .git-align.toml",
            config.primary_targets.join(", "),
            config.remote
        )));
    }
    let listed = list_branches(git, &targets)?;
    let target_names = config.all_targets();
    let selected = select(&listed, &target_names, &options.branches)?;

    // Merge bases with every target a branch may be compared against.
    let mut merge_bases: HashMap<&str, HashMap<String, Walk>> = HashMap::new();
    for target in &targets {
        let relevant: Vec<&Listed> = selected
            .iter()
            .copied()
            .filter(|b| candidate_targets(config, &b.name).contains(&target.name.as_str()))
            .collect();
        if !relevant.is_empty() {
            merge_bases.insert(
                target.name.as_str(),
                find_merge_bases(git, target, &relevant)?,
            );
        }
    }
    let merge_base = |target: &str, tip: &str| -> Option<MergeBase> {
        merge_bases.get(target)?.get(tip)?.clone().ok().flatten()
    };
    let history_error = |tip: &str| -> Option<String> {
        merge_bases
            .values()
            .find_map(|walks| walks.get(tip)?.as_ref().err().cloned())
    };

    let mut rows: Vec<Row> = Vec::with_capacity(selected.len());
    for branch in &selected {
        let choice = determine_target(&branch.name, config, |primary| {
            merge_base(primary, &branch.tip).map(|mb| mb.time)
        });
        let mut row = Row::new(branch, choice, &targets, config, &merge_base);
        if let Some(error) = history_error(&branch.tip) {
            row.merge_base = None;
            row.error = Some(format!("cannot read the branch's history: {error}"));
        }
        rows.push(row);
    }
    if git.version() < AHEAD_BEHIND_GIT_VERSION {
        for row in rows.iter_mut().filter(|r| r.target.is_some()) {
            row.fill_ahead_behind_slowly(git)?;
        }
    }

    // Files each branch changed since its merge base, in one process.
    let diffs: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| Some((r.tip.clone(), r.merge_base.as_ref()?.commit.clone())))
        .collect();
    let changed = changed_files(git, &diffs)?;
    let no_files = HashSet::new();
    let files_of = |row: &Row| {
        row.merge_base
            .as_ref()
            .and_then(|mb| changed.get(&(row.tip.clone(), mb.commit.clone())))
            .unwrap_or(&no_files)
    };
    // Only pairs with commits on both sides can conflict, and only when the target also
    // changed one of the branch's files since the merge base.
    let can_conflict =
        |row: &Row| options.predict && row.error.is_none() && row.ahead > 0 && row.behind > 0;
    let queries: Vec<OverlapQuery<'_>> = rows
        .iter()
        .filter(|row| can_conflict(row))
        .filter_map(|row| {
            Some(OverlapQuery {
                target_tip: &row.target.as_ref()?.tip,
                merge_base: &row.merge_base.as_ref()?.commit,
                paths: files_of(row).iter().map(String::as_str).collect(),
            })
        })
        .collect();
    let mut overlaps = target_touches(git, &queries)?.into_iter();
    let needs_merge: Vec<bool> = rows
        .iter()
        .map(|row| can_conflict(row) && overlaps.next().unwrap_or(true))
        .collect();
    let file_counts: Vec<u64> = rows.iter().map(|r| files_of(r).len() as u64).collect();
    let mut pairs: Vec<MergePair> = Vec::new();
    let mut pair_of_row: Vec<Option<usize>> = Vec::with_capacity(rows.len());
    for ((row, needs_merge), files_changed) in rows.iter_mut().zip(needs_merge).zip(file_counts) {
        let mut pair = None;
        if let (Some(mb), Some(t)) = (&row.merge_base, &row.target) {
            row.files_changed = files_changed;
            let age_days = u64::try_from((now - mb.time).max(0) / 86_400).unwrap_or(0);
            row.complexity = Some(classify(
                row.ahead,
                row.files_changed,
                age_days,
                &config.complexity,
            ));
            if needs_merge {
                pair = Some(pairs.len());
                pairs.push(MergePair {
                    branch_tip: row.tip.clone(),
                    target_tip: t.tip.clone(),
                });
            } else if options.predict && row.error.is_none() {
                row.predicted = Some(Vec::new());
            }
        }
        pair_of_row.push(pair);
    }
    if !pairs.is_empty() {
        let jobs = match options.jobs {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let notify = |n: usize| {
            if let Some(callback) = &options.on_predict {
                callback(n);
            }
        };
        let predictions = predict(git, &pairs, jobs, &notify)?;
        for (row, pair) in rows.iter_mut().zip(pair_of_row) {
            match pair.map(|i| &predictions[i]) {
                Some(Ok(files)) => row.predicted = Some(files.clone()),
                Some(Err(reason)) => row.error = Some(format!("merge-tree refused: {reason}")),
                None => {}
            }
        }
    }

    Ok(StatusReport {
        schema: SCHEMA.into(),
        repository: git.work_tree().display().to_string(),
        generated_at: rfc3339(now),
        targets,
        branches: rows.into_iter().map(Row::finish).collect(),
    })
}

/// The targets whose merge base matters for `branch`: its rule's target, or every
/// primary.
fn candidate_targets<'c>(config: &'c Config, branch: &str) -> Vec<&'c str> {
    match config
        .rules
        .iter()
        .find(|r| crate::glob::matches(&r.pattern, branch))
    {
        Some(rule) => vec![rule.target.as_str()],
        None => config.primary_targets.iter().map(String::as_str).collect(),
    }
}

/// One `for-each-ref` over `refs/heads` with ahead/behind against every target tip.
fn list_branches(git: &Git, targets: &[ResolvedTarget]) -> Result<Vec<Listed>> {
    let mut tips: Vec<&str> = targets.iter().map(|t| t.tip.as_str()).collect();
    tips.sort_unstable();
    tips.dedup();
    let with_ahead_behind = git.version() >= AHEAD_BEHIND_GIT_VERSION;
    let mut format = String::from(
        "--format=%(refname)%00%(objectname)%00%(committerdate:unix)%00%(committerdate:iso-strict)",
    );
    if with_ahead_behind {
        for tip in &tips {
            format.push_str(&format!("%00%(ahead-behind:{tip})"));
        }
    }
    let args = vec![
        "for-each-ref".to_string(),
        format,
        "refs/heads/".to_string(),
    ];
    let out = git.run(&args)?;
    let bad = |line: &str| Error::GitOutput {
        args: args.clone(),
        detail: format!("cannot parse {line:?}"),
    };
    let mut listed = Vec::new();
    for line in out.lines().filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split('\0').collect();
        let expected = 4 + if with_ahead_behind { tips.len() } else { 0 };
        if fields.len() != expected {
            return Err(bad(line));
        }
        let name = fields[0]
            .strip_prefix("refs/heads/")
            .ok_or_else(|| bad(line))?;
        let mut ahead_behind = HashMap::new();
        if with_ahead_behind {
            for (tip, field) in tips.iter().zip(&fields[4..]) {
                let (a, b) = field.split_once(' ').ok_or_else(|| bad(line))?;
                let parse = |s: &str| s.parse::<u64>().map_err(|_| bad(line));
                ahead_behind.insert(tip.to_string(), (parse(a)?, parse(b)?));
            }
        }
        listed.push(Listed {
            name: name.to_string(),
            tip: fields[1].to_string(),
            time: fields[2].parse().unwrap_or(0),
            date: rfc3339_utc_as_z(fields[3]),
            ahead_behind,
        });
    }
    Ok(listed)
}

/// Spells a UTC offset as `Z`: git 2.45+ prints `iso-strict` UTC dates that way, older
/// git as `+00:00`, and the JSON schema promises one spelling whatever git is installed.
fn rfc3339_utc_as_z(date: &str) -> String {
    match date.strip_suffix("+00:00") {
        Some(local) => format!("{local}Z"),
        None => date.to_string(),
    }
}

/// The branches to analyse: all non-targets, or the requested ones (validated).
fn select<'l>(
    listed: &'l [Listed],
    target_names: &[&str],
    requested: &[String],
) -> Result<Vec<&'l Listed>> {
    if requested.is_empty() {
        return Ok(listed
            .iter()
            .filter(|b| !target_names.contains(&b.name.as_str()))
            .collect());
    }
    let mut selected = Vec::new();
    for name in requested {
        if target_names.contains(&name.as_str()) {
            return Err(Error::Usage(format!(
                "`{name}` is a target branch (a primary or a rule target), not a feature branch"
            )));
        }
        let branch = listed.iter().find(|b| &b.name == name).ok_or_else(|| {
            Error::Usage(format!(
                "no local branch named `{name}`; `git branch --list` shows the branches"
            ))
        })?;
        if !selected.iter().any(|b: &&Listed| b.name == branch.name) {
            selected.push(branch);
        }
    }
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(selected)
}

/// A commit of `rev-list --boundary --parents --timestamp` output.
struct Node {
    time: i64,
    boundary: bool,
    parents: Vec<String>,
}

/// The most recent merge base of every branch with `target`, from one `rev-list` of the
/// commits the branches have and the target lacks: walking a branch's part of that set,
/// the boundary commits it reaches are its merge bases.
///
/// When git cannot walk the batch (a missing object in some branch's history), each
/// branch is walked on its own so only the broken ones report the error; that costs a
/// process per branch, on this error path only.
fn find_merge_bases(
    git: &Git,
    target: &ResolvedTarget,
    branches: &[&Listed],
) -> Result<HashMap<String, Walk>> {
    match walk_batch(git, target, branches) {
        Ok(found) => Ok(found.into_iter().map(|(tip, mb)| (tip, Ok(mb))).collect()),
        Err(Error::GitFailed { .. }) => Ok(branches
            .iter()
            .map(|branch| {
                let walk = walk_batch(git, target, &[branch])
                    .map(|mut found| found.remove(&branch.tip).flatten())
                    .map_err(|e| e.to_string());
                (branch.tip.clone(), walk)
            })
            .collect()),
        Err(other) => Err(other),
    }
}

/// The merge base of a branch with one target, or why its history could not be read.
type Walk = std::result::Result<Option<MergeBase>, String>;

/// [`find_merge_bases`] for a batch that git can walk in one process.
fn walk_batch(
    git: &Git,
    target: &ResolvedTarget,
    branches: &[&Listed],
) -> Result<HashMap<String, Option<MergeBase>>> {
    let mut input = String::new();
    for branch in branches {
        input.push_str(&branch.tip);
        input.push('\n');
    }
    input.push_str(&format!("^{}\n", target.tip));
    let out = git.run_with_input(
        [
            "rev-list",
            "--boundary",
            "--parents",
            "--timestamp",
            "--stdin",
        ],
        input.as_bytes(),
    )?;
    let mut nodes: HashMap<&str, Node> = HashMap::new();
    for line in out.lines() {
        let mut words = line.split(' ');
        let (Some(time), Some(commit)) = (words.next(), words.next()) else {
            continue;
        };
        let (commit, boundary) = match commit.strip_prefix('-') {
            Some(c) => (c, true),
            None => (commit, false),
        };
        nodes.insert(
            commit,
            Node {
                time: time.parse().unwrap_or(0),
                boundary,
                parents: words.map(String::from).collect(),
            },
        );
    }
    let mut result = HashMap::new();
    for branch in branches {
        if result.contains_key(&branch.tip) {
            continue;
        }
        let found = match nodes.get(branch.tip.as_str()) {
            // Not in the set, or on its boundary: the tip is in the target's history.
            None => Some(MergeBase {
                commit: branch.tip.clone(),
                time: branch.time,
            }),
            Some(node) if node.boundary => Some(MergeBase {
                commit: branch.tip.clone(),
                time: node.time,
            }),
            Some(_) => walk_to_boundary(&nodes, &branch.tip),
        };
        result.insert(branch.tip.clone(), found);
    }
    Ok(result)
}

/// Walks from `tip` through the non-boundary commits and returns the most recent
/// boundary commit reached (ties: the smallest id, for determinism).
fn walk_to_boundary(nodes: &HashMap<&str, Node>, tip: &str) -> Option<MergeBase> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = vec![tip];
    let mut best: Option<(i64, &str)> = None;
    while let Some(commit) = stack.pop() {
        if !seen.insert(commit) {
            continue;
        }
        let Some(node) = nodes.get(commit) else {
            continue;
        };
        if node.boundary {
            let candidate = (node.time, commit);
            if best.is_none_or(|(t, c)| candidate.0 > t || (candidate.0 == t && commit < c)) {
                best = Some(candidate);
            }
            continue;
        }
        stack.extend(node.parents.iter().map(String::as_str));
    }
    best.map(|(time, commit)| MergeBase {
        commit: commit.to_string(),
        time,
    })
}

/// The files changed between each (commit, base) pair, from one `diff-tree --stdin`.
fn changed_files(
    git: &Git,
    pairs: &[(String, String)],
) -> Result<HashMap<(String, String), HashSet<String>>> {
    let mut unique: Vec<&(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    for pair in pairs {
        if pair.0 != pair.1 && seen.insert(pair) {
            unique.push(pair);
        }
    }
    let mut result: HashMap<(String, String), HashSet<String>> = HashMap::new();
    if unique.is_empty() {
        return Ok(result);
    }
    let input: String = unique.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    let out = git.run_with_input(
        [
            "diff-tree",
            "--stdin",
            "--always",
            "-r",
            "--name-only",
            "--no-renames",
            "-z",
        ],
        input.as_bytes(),
    )?;
    // Output: for each input line, its first id, then the changed paths, NUL-separated.
    let mut fields = out.split('\0').filter(|f| !f.is_empty()).peekable();
    for (i, pair) in unique.iter().enumerate() {
        let header = fields.next();
        if header != Some(pair.0.as_str()) {
            return Err(Error::GitOutput {
                args: vec!["diff-tree".into(), "--stdin".into()],
                detail: format!("expected {} but got {header:?}", pair.0),
            });
        }
        let next_header = unique.get(i + 1).map(|p| p.0.as_str());
        let mut files = HashSet::new();
        while let Some(field) = fields.peek() {
            if Some(*field) == next_header {
                break;
            }
            files.insert((*field).to_string());
            fields.next();
        }
        result.insert((*pair).clone(), files);
    }
    Ok(result)
}

/// "Did the target change any of these paths between the merge base and its tip?"
struct OverlapQuery<'a> {
    target_tip: &'a str,
    merge_base: &'a str,
    paths: Vec<&'a str>,
}

/// Answers every [`OverlapQuery`] with one `cat-file --batch-check`: a path changed on
/// the target side when its object id at the target tip differs from the one at the
/// merge base (a missing path prints `<name> missing`, so additions and deletions
/// differ too). A path that cannot be asked on one line counts as changed.
fn target_touches(git: &Git, queries: &[OverlapQuery<'_>]) -> Result<Vec<bool>> {
    let mut input = String::new();
    let mut answers = vec![false; queries.len()];
    let mut asked: Vec<usize> = Vec::with_capacity(queries.len());
    for (query, answer) in queries.iter().zip(answers.iter_mut()) {
        let mut count = 0;
        for path in &query.paths {
            if path.contains('\n') {
                *answer = true;
                continue;
            }
            let (t, b) = (query.target_tip, query.merge_base);
            input.push_str(&format!("{t}:{path}\n{b}:{path}\n"));
            count += 1;
        }
        asked.push(count);
    }
    if input.is_empty() {
        return Ok(answers);
    }
    let out = git.run_with_input(
        ["cat-file", "--batch-check=%(objectname)"],
        input.as_bytes(),
    )?;
    // For a missing path the line is `<commit>:<path> missing`: compare without the
    // commit so both sides missing count as unchanged.
    let key = |line: &str| match line.strip_suffix(" missing") {
        Some(name) => {
            name.split_once(':')
                .map_or(name, |(_, path)| path)
                .to_string()
                + " missing"
        }
        None => line.to_string(),
    };
    let mut lines = out.lines();
    for (answer, count) in answers.iter_mut().zip(asked) {
        for _ in 0..count {
            match (lines.next(), lines.next()) {
                (Some(theirs), Some(base)) if key(theirs) == key(base) => {}
                _ => *answer = true,
            }
        }
    }
    Ok(answers)
}

/// A branch's status while it is being assembled.
struct Row {
    name: String,
    tip: String,
    date: String,
    target: Option<ResolvedTarget>,
    choice: Option<TargetChoice>,
    merge_base: Option<MergeBase>,
    ahead: u64,
    behind: u64,
    files_changed: u64,
    complexity: Option<Complexity>,
    predicted: Option<Vec<String>>,
    error: Option<String>,
}

impl Row {
    fn new(
        branch: &Listed,
        choice: Option<TargetChoice>,
        targets: &[ResolvedTarget],
        config: &Config,
        merge_base: &dyn Fn(&str, &str) -> Option<MergeBase>,
    ) -> Row {
        let mut row = Row {
            name: branch.name.clone(),
            tip: branch.tip.clone(),
            date: branch.date.clone(),
            target: None,
            choice: None,
            merge_base: None,
            ahead: 0,
            behind: 0,
            files_changed: 0,
            complexity: None,
            predicted: None,
            error: None,
        };
        let Some(choice) = choice else {
            row.error = Some(format!(
                "no common history with any primary target ({}): an orphan or unrelated branch",
                config.primary_targets.join(", ")
            ));
            return row;
        };
        let target = targets.iter().find(|t| t.name == choice.target).cloned();
        match &target {
            None => {
                row.error = Some(format!(
                    "target `{}` exists neither as a local branch nor on remote `{}`",
                    choice.target, config.remote
                ));
            }
            Some(t) => {
                if let Some(&(ahead, behind)) = branch.ahead_behind.get(&t.tip) {
                    row.ahead = ahead;
                    row.behind = behind;
                }
                row.merge_base = merge_base(&t.name, &branch.tip);
                if row.merge_base.is_none() {
                    row.error = Some(format!(
                        "no common history with target `{}`: an orphan or unrelated branch",
                        t.name
                    ));
                }
            }
        }
        row.target = target;
        row.choice = Some(choice);
        row
    }

    /// git < 2.41: ahead/behind with one `rev-list` for this branch.
    fn fill_ahead_behind_slowly(&mut self, git: &Git) -> Result<()> {
        let Some(target) = &self.target else {
            return Ok(());
        };
        let range = format!("{}...{}", self.tip, target.tip);
        let out = git.run(["rev-list", "--left-right", "--count", &range])?;
        let mut counts = out.split_whitespace().map(str::parse::<u64>);
        if let (Some(Ok(ahead)), Some(Ok(behind))) = (counts.next(), counts.next()) {
            self.ahead = ahead;
            self.behind = behind;
        }
        Ok(())
    }

    fn finish(self) -> BranchStatus {
        let known = self.target.is_some();
        BranchStatus {
            aligned: known && self.behind == 0,
            merged: known && self.ahead == 0 && self.merge_base.is_some(),
            name: self.name,
            tip: self.tip,
            target: self.choice.as_ref().map(|c| c.target.clone()),
            target_ref: self.target.as_ref().map(|t| t.reference.clone()),
            target_reason: self.choice.as_ref().map(|c| c.reason.to_string()),
            ahead: self.ahead,
            behind: self.behind,
            merge_base: self.merge_base.map(|mb| mb.commit),
            predicted_conflicts: self.predicted,
            complexity: self.complexity,
            files_changed: self.files_changed,
            last_commit_date: self.date,
            error: self.error,
        }
    }
}
