//! Bench suite `status`: `git-align status` on 1,000 branches over a 10,000-commit
//! history, against a per-branch loop of plain git commands computing the same facts
//! (`rev-list --left-right --count` and `merge-tree --write-tree` per branch).
//!
//! The repository is generated deterministically with one `git fast-import` stream and
//! cached under `target/bench/`: `main` has 10,000 commits, each changing one of 2,000
//! files; branch `k` forks at a varied point of `main` and adds 3 commits to its own files,
//! and every 10th branch also changes a file `main` changed after the fork, so some
//! conflicts are predicted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use super::repo_gen::{
    file_change, generate as generate_repo, git, git_env, write_branch_commit, write_main_line,
};
use super::{BenchEnv, Measurement};

const SUITE: &str = "status";
const MAIN_COMMITS: usize = 10_000;
const BRANCHES: usize = 1_000;
const BRANCH_COMMITS: usize = 3;
const FILES: usize = 2_000;
/// Bumped whenever the generator changes, so a stale cached repository is rebuilt.
const GENERATOR_VERSION: u32 = 2;
/// Branches timed in the per-branch loop; the total is extrapolated to all branches.
const LOOP_SAMPLE: usize = 100;
const BUDGET: Duration = Duration::from_millis(1_500);

/// Runs the suite.
pub fn run(env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    let repo = generate(&env.cache_dir)?;
    let cache = repo.join(".git").join("align").join("cache");
    let status = |clear_cache: bool| -> Result<()> {
        if clear_cache && cache.exists() {
            std::fs::remove_dir_all(&cache)?;
        }
        let output = git_env(Command::new(&env.git_align))
            .arg("-C")
            .arg(&repo)
            .args(["status", "--json"])
            .output()
            .context("running git-align status")?;
        ensure!(
            output.status.success(),
            "git-align status failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    };
    let label = "1,000 branches, 10,000 commits";
    let mut cold = env.measure(
        SUITE,
        &format!("git-align status --json ({label}, cold cache)"),
        Some(BUDGET),
        || status(true),
    )?;
    let mut warm = env.measure(
        SUITE,
        &format!("git-align status --json ({label}, warm cache)"),
        Some(BUDGET),
        || status(false),
    )?;
    let no_predict = env.measure(
        SUITE,
        &format!("git-align status --json --no-predict ({label})"),
        None,
        || {
            let output = git_env(Command::new(&env.git_align))
                .arg("-C")
                .arg(&repo)
                .args(["status", "--json", "--no-predict"])
                .output()?;
            ensure!(
                output.status.success(),
                "git-align status --no-predict failed"
            );
            Ok(())
        },
    )?;

    let branches = sample_branches(&repo)?;
    let scratch = tempfile::tempdir()?;
    let objects = repo.join(".git").join("objects");
    let mut per_branch = env.measure(
        SUITE,
        &format!("per-branch loop of git commands ({label}, extrapolated)"),
        None,
        || per_branch_loop(&repo, &branches, scratch.path(), &objects),
    )?;
    let scale = BRANCHES as f64 / branches.len() as f64;
    per_branch.median_s *= scale;
    per_branch.min_s *= scale;
    per_branch.max_s *= scale;
    per_branch.note = format!(
        "`rev-list --left-right --count` + `merge-tree --write-tree` per branch, timed on {} \
         branches and scaled ×{scale:.0}",
        branches.len()
    );
    cold.note = format!(
        "{:.1}× faster than the per-branch loop (target ≥ 20×); merge cache cleared before each run",
        per_branch.median_s / cold.median_s
    );
    warm.note = format!(
        "{:.1}× faster than the per-branch loop; every prediction served from `.git/align/cache`",
        per_branch.median_s / warm.median_s
    );
    Ok(vec![cold, warm, no_predict, per_branch])
}

/// Builds (or reuses) the benchmark repository and returns its work tree.
fn generate(cache_dir: &Path) -> Result<PathBuf> {
    generate_repo(
        cache_dir,
        &format!("status-repo-v{GENERATOR_VERSION}"),
        write_stream,
    )
}

/// The file `main` commit `i` changes.
fn main_file(i: usize) -> usize {
    (i * 7_919) % FILES
}

fn file_path(f: usize) -> String {
    format!("src/m{:02}/f{f:04}.txt", f % 50)
}

/// Writes the whole history as a fast-import stream. Mark `i + 1` is `main` commit `i`.
fn write_stream(out: &mut dyn Write) -> Result<()> {
    let mut mark = write_main_line(out, MAIN_COMMITS, |i| file_path(main_file(i)))?;
    for k in 0..BRANCHES {
        // Varied fork points across the whole history, a few at the very tip.
        let fork = if k % 50 == 1 {
            MAIN_COMMITS - 1
        } else {
            (k * 9_973 + 17) % MAIN_COMMITS
        };
        for j in 0..BRANCH_COMMITS {
            mark += 1;
            write_branch_commit(out, k, j, mark, fork)?;
            // Every 10th branch edits the file main changes right after the fork.
            if k % 10 == 0 && j == 0 && fork + 1 < MAIN_COMMITS {
                let shared = file_path(main_file(fork + 1));
                file_change(out, &shared, &format!("branch {k} edit\n"))?;
            }
        }
    }
    Ok(())
}

/// Every `BRANCHES / LOOP_SAMPLE`-th branch.
fn sample_branches(repo: &Path) -> Result<Vec<String>> {
    let all = git(
        repo,
        &[
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads/feat/",
        ],
        None,
    )?;
    let all: Vec<String> = all.lines().map(String::from).collect();
    ensure!(
        all.len() == BRANCHES,
        "expected {BRANCHES} branches, found {}",
        all.len()
    );
    Ok(all.into_iter().step_by(BRANCHES / LOOP_SAMPLE).collect())
}

/// The naive approach: two git processes per branch (merges written to a scratch
/// object directory so the cached repository stays unchanged).
fn per_branch_loop(repo: &Path, branches: &[String], scratch: &Path, objects: &Path) -> Result<()> {
    for branch in branches {
        git(
            repo,
            &[
                "rev-list",
                "--left-right",
                "--count",
                &format!("{branch}...main"),
            ],
            None,
        )?;
        let output = git_env(Command::new("git"))
            .current_dir(repo)
            .env("GIT_OBJECT_DIRECTORY", scratch)
            .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", objects)
            .args(["merge-tree", "--write-tree", "--name-only", branch, "main"])
            .output()?;
        ensure!(
            matches!(output.status.code(), Some(0 | 1)),
            "merge-tree {branch} main failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
