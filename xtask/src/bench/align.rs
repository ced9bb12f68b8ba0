//! Bench suite `align`: `git-align run --all --no-fetch` over 100 non-conflicting branches
//! behind `main` (budget 10 s), and a single-branch align on a 10,000-commit repository.
//!
//! Both repositories are generated deterministically with one `git fast-import` stream
//! and cached under `target/bench/`. Before every timed run the branch refs are put back
//! to their generated tips and git-align's backups and state are removed (one
//! `update-ref --stdin` transaction), so each run aligns the same branches.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use super::repo_gen::{
    generate as generate_repo, git, git_env, write_branch_commit, write_main_line,
};
use super::{BenchEnv, Measurement};

const SUITE: &str = "align";
/// Bumped whenever the generator changes, so a stale cached repository is rebuilt.
const GENERATOR_VERSION: u32 = 2;
/// Branches timed in the worktree-per-branch comparison; scaled to all branches.
const WORKTREE_SAMPLE: usize = 10;
const ALL_BUDGET: Duration = Duration::from_secs(10);
const SINGLE_BUDGET: Duration = Duration::from_secs(2);

/// The shape of a generated repository.
struct Shape {
    name: &'static str,
    main_commits: usize,
    branches: usize,
    branch_commits: usize,
    /// Branches fork this many commits before `main`'s tip (plus a per-branch spread).
    fork_back: usize,
}

const MANY: Shape = Shape {
    name: "align-many",
    main_commits: 1_000,
    branches: 100,
    branch_commits: 3,
    fork_back: 50,
};

const DEEP: Shape = Shape {
    name: "align-deep",
    main_commits: 10_000,
    branches: 1,
    branch_commits: 20,
    fork_back: 500,
};

/// Runs the suite.
pub fn run(env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    let many = generate(&env.cache_dir, &MANY)?;
    young_config(&many)?;
    let many_refs = branch_tips(&many)?;
    let mut all = env.measure(
        SUITE,
        "git-align run --all --no-fetch (100 branches behind main, 1,000 commits)",
        Some(ALL_BUDGET),
        || {
            reset(&many, &many_refs)?;
            let aligned = align(env, &many, &["run", "--all", "--no-fetch", "--json"])?;
            ensure!(
                aligned == MANY.branches,
                "expected {} aligned branches, got {aligned}",
                MANY.branches
            );
            Ok(())
        },
    )?;
    all.note = "each run aligns 100 branches × 3 commits (rebase via `git replay`, no \
                worktree); includes resetting the refs (2 git processes);"
        .into();
    let sample: Vec<String> = many_refs
        .iter()
        .filter_map(|(r, _)| r.strip_prefix("refs/heads/feat/"))
        .take(WORKTREE_SAMPLE)
        .map(|b| format!("feat/{b}"))
        .collect();
    let scratch = tempfile::tempdir()?;
    let mut worktrees = env.measure(
        SUITE,
        "temporary worktree + git rebase per branch (100 branches, extrapolated)",
        None,
        || {
            reset(&many, &many_refs)?;
            worktree_loop(&many, &sample, &scratch.path().join("wt"))
        },
    )?;
    let scale = MANY.branches as f64 / sample.len() as f64;
    worktrees.median_s *= scale;
    worktrees.min_s *= scale;
    worktrees.max_s *= scale;
    worktrees.note = format!(
        "the naive approach, timed on {} branches and scaled ×{scale:.0}",
        sample.len()
    );
    all.note = format!(
        "{} {:.1}× faster than a worktree + rebase per branch",
        all.note,
        worktrees.median_s / all.median_s
    );
    let deep = generate(&env.cache_dir, &DEEP)?;
    young_config(&deep)?;
    let deep_refs = branch_tips(&deep)?;
    let mut single = env.measure(
        SUITE,
        "git-align run one branch (20 commits, 500 behind, 10,000-commit repo)",
        Some(SINGLE_BUDGET),
        || {
            reset(&deep, &deep_refs)?;
            let aligned = align(env, &deep, &["run", "feat/b0000", "--no-fetch", "--json"])?;
            ensure!(
                aligned == 1,
                "expected the branch to be aligned, got {aligned}"
            );
            Ok(())
        },
    )?;
    single.note = "preflight, backup, rebase, linear-history and conflict-marker checks".into();
    Ok(vec![all, worktrees, single])
}

/// The generated history is dated 2025; without this every merge base would be older
/// than the default `age_days` and the branches classed `integration` (merge forced).
fn young_config(repo: &Path) -> Result<()> {
    std::fs::write(
        repo.join(".git-align.toml"),
        "[complexity]\nage_days = 100000\n",
    )?;
    Ok(())
}

/// Runs git-align and returns how many branches its JSON report says it aligned.
fn align(env: &BenchEnv<'_>, repo: &Path, args: &[&str]) -> Result<usize> {
    let output = git_env(Command::new(&env.git_align))
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("running git-align")?;
    ensure!(
        output.status.success(),
        "git-align {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok(report["totals"]["aligned"].as_u64().unwrap_or(0) as usize)
}

/// The naive way: check each branch out in a temporary worktree and rebase it there.
fn worktree_loop(repo: &Path, branches: &[String], dir: &Path) -> Result<()> {
    let dir_s = dir.to_string_lossy();
    for branch in branches {
        git(repo, &["worktree", "add", "-q", &dir_s, branch], None)?;
        git(dir, &["rebase", "-q", "main"], None)?;
        git(repo, &["worktree", "remove", "--force", &dir_s], None)?;
    }
    Ok(())
}

/// `refname sha` of every branch as generated (recorded at generation, since the cached
/// repository's refs are left aligned by the last timed run).
fn branch_tips(repo: &Path) -> Result<Vec<(String, String)>> {
    let out = std::fs::read_to_string(repo.join(".git").join("bench-tips"))
        .context("reading the generated branch tips")?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect())
}

/// Puts every branch back at its generated tip and removes backups and git-align state.
fn reset(repo: &Path, tips: &[(String, String)]) -> Result<()> {
    let backups = git(
        repo,
        &["for-each-ref", "--format=%(refname)", "refs/align/"],
        None,
    )?;
    let mut input = String::from("start\n");
    for (refname, sha) in tips {
        input.push_str(&format!("update {refname} {sha}\n"));
    }
    for refname in backups.lines() {
        input.push_str(&format!("delete {refname}\n"));
    }
    input.push_str("commit\n");
    git(repo, &["update-ref", "--stdin"], Some(&input))?;
    let state = repo.join(".git").join("align");
    if state.exists() {
        std::fs::remove_dir_all(&state)?;
    }
    Ok(())
}

/// Builds (or reuses) a benchmark repository and records its branch tips, so timed
/// runs can reset the branches they aligned.
fn generate(cache_dir: &Path, shape: &Shape) -> Result<PathBuf> {
    let repo = generate_repo(
        cache_dir,
        &format!("{}-v{GENERATOR_VERSION}", shape.name),
        |out| write_stream(out, shape),
    )?;
    let tips_file = repo.join(".git").join("bench-tips");
    if !tips_file.is_file() {
        let tips = git(
            &repo,
            &[
                "for-each-ref",
                "--format=%(refname) %(objectname)",
                "refs/heads/",
            ],
            None,
        )?;
        std::fs::write(tips_file, tips)?;
    }
    Ok(repo)
}

/// The history: `main` commits change `src/mNN.txt`; branch `k` forks a little before
/// the tip and adds commits to its own files only, so no alignment conflicts. Mark
/// `i + 1` is `main` commit `i`.
fn write_stream(out: &mut dyn Write, shape: &Shape) -> Result<()> {
    let mut mark = write_main_line(out, shape.main_commits, |i| {
        format!("src/m{:03}.txt", i % 200)
    })?;
    for k in 0..shape.branches {
        let fork = shape.main_commits - shape.fork_back + k % 10 - 10;
        for j in 0..shape.branch_commits {
            mark += 1;
            write_branch_commit(out, k, j, mark, fork)?;
        }
    }
    Ok(())
}
