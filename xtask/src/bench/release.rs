//! Bench suite `release`: `cargo xtask version`, `bump`, `changelog` and `tag` on a clone
//! of this workspace (budget 100 ms each, the release-built xtask binary spawned as a user
//! runs it), and `changelog` over a generated repository of 10,000 conventional commits and
//! 20 release tags next to the `git-cliff` command-line tool doing the same work with the
//! same `cliff.toml` (installed with `pip install git-cliff` when missing).
//!
//! The 10,000-commit repository is one deterministic `git fast-import` stream
//! ([`repo_gen`]), cached under `target/bench/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use super::repo_gen::{self, START_TIME, git_env};
use super::{BenchEnv, Measurement};

const SUITE: &str = "release";
const BUDGET: Duration = Duration::from_millis(100);
const COMMITS: usize = 10_000;
const COMMITS_PER_RELEASE: usize = 500;
/// Bumped whenever the generator changes, so a stale cached repository is rebuilt.
const GENERATOR_VERSION: u32 = 2;
const KINDS: [&str; 8] = [
    "feat", "fix", "perf", "docs", "refactor", "test", "chore", "fix",
];

/// Runs the suite.
pub fn run(env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    let xtask = release_xtask(env)?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let mut results = Vec::new();

    // A clone of this workspace: `version`, `bump` and `changelog` on one, `tag` on a
    // clean second one.
    let work = scratch.path().join("work");
    let clean = scratch.path().join("clean");
    for dir in [&work, &clean] {
        git(&env.ctx.root, &["clone", "--quiet", "--no-local"])
            .arg(&env.ctx.root)
            .arg(dir)
            .status()
            .context("cloning the workspace")?
            .success()
            .then_some(())
            .context("git clone of the workspace failed")?;
    }
    let run_xtask = |root: &Path, args: &[&str]| -> Result<()> {
        let out = Command::new(&xtask)
            .arg("--root")
            .arg(root)
            .args(args)
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .context("running xtask")?;
        ensure!(
            out.status.success(),
            "xtask {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    let label = "this workspace";
    results.push(env.measure(
        SUITE,
        &format!("cargo xtask version ({label})"),
        Some(BUDGET),
        || run_xtask(&work, &["version"]),
    )?);
    results.push(env.measure(
        SUITE,
        &format!("cargo xtask bump patch ({label}, Cargo.toml + Cargo.lock written)"),
        Some(BUDGET),
        || run_xtask(&work, &["bump", "patch"]),
    )?);
    results.push(env.measure(
        SUITE,
        &format!("cargo xtask changelog ({label}, CHANGELOG.md written)"),
        Some(BUDGET),
        || run_xtask(&work, &["changelog"]),
    )?);
    let tag = format!(
        "v{}",
        crate::workspace::workspace_version(&clean).context("reading the clone's version")?
    );
    let mut tag_run = env.measure(
        SUITE,
        &format!("cargo xtask tag ({label}, annotated tag with release notes)"),
        Some(BUDGET),
        || {
            run_xtask(&clean, &["tag"])?;
            ensure!(
                git(&clean, &["tag", "-d", &tag]).output()?.status.success(),
                "deleting {tag}"
            );
            Ok(())
        },
    )?;
    tag_run.note = "includes `git tag -d` between runs".into();
    results.push(tag_run);

    // 10,000 commits: xtask (git-cliff-core) next to the git-cliff CLI.
    let repo = generate(&env.cache_dir, &env.ctx.root)?;
    let big = format!(
        "{COMMITS} commits, {} releases",
        COMMITS / COMMITS_PER_RELEASE
    );
    let mut ours = env.measure(
        SUITE,
        &format!("cargo xtask --dry-run changelog ({big})"),
        None,
        || run_xtask(&repo, &["--dry-run", "changelog"]),
    )?;
    match git_cliff() {
        Some(cli) => {
            let theirs = env.measure(
                SUITE,
                &format!("git-cliff --config cliff.toml ({big})"),
                None,
                || {
                    let out = Command::new(&cli)
                        .current_dir(&repo)
                        .args(["--config", "cliff.toml", "--output", "-"])
                        .stdout(Stdio::null())
                        .output()
                        .context("running git-cliff")?;
                    ensure!(
                        out.status.success(),
                        "git-cliff failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    Ok(())
                },
            )?;
            let ratio = theirs.median_s / ours.median_s;
            let cli_version = version_of(&cli);
            let output = if same_output(&xtask, &cli, &repo)? {
                "same output"
            } else {
                "OUTPUTS DIFFER"
            };
            ours.note = if ratio >= 1.0 {
                format!("{ratio:.1}x faster than git-cliff {cli_version}; {output}")
            } else {
                format!(
                    "{:.1}x slower than git-cliff {cli_version}; {output}",
                    1.0 / ratio
                )
            };
            results.push(ours);
            results.push(theirs);
        }
        None => {
            ours.note =
                "git-cliff not available (`pip install git-cliff` failed): no comparison".into();
            results.push(ours);
        }
    }
    Ok(results)
}

/// Builds xtask in release mode (as git-cliff is timed in its release build) and returns it.
fn release_xtask(env: &BenchEnv<'_>) -> Result<PathBuf> {
    let status = Command::new("cargo")
        .current_dir(&env.ctx.root)
        .args(["build", "--release", "--quiet", "-p", "xtask"])
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            crate::dist::release_rustflags(&env.ctx.root),
        )
        .status()
        .context("running cargo build --release -p xtask")?;
    ensure!(status.success(), "cargo build --release -p xtask failed");
    Ok(env.ctx.target_dir().join("release").join("xtask"))
}

fn git(dir: &Path, args: &[&str]) -> Command {
    let mut command = git_env(Command::new("git"));
    command.current_dir(dir).args(args);
    command
}

/// The `git-cliff` CLI, installed from PyPI when it is not on the PATH.
fn git_cliff() -> Option<PathBuf> {
    let found = |name: &str| {
        Command::new(name)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from(name))
    };
    if let Some(cli) = found("git-cliff") {
        return Some(cli);
    }
    eprintln!("bench: git-cliff not found, running `pip install git-cliff`");
    let installed = Command::new("pip")
        .args(["install", "--quiet", "git-cliff"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        eprintln!("bench: `pip install git-cliff` failed: the comparison is skipped");
        return None;
    }
    found("git-cliff")
}

/// Whether xtask and git-cliff render the same changelog (up to trailing blank lines).
fn same_output(xtask: &Path, cli: &Path, repo: &Path) -> Result<bool> {
    let ours = Command::new(xtask)
        .arg("--root")
        .arg(repo)
        .args(["--dry-run", "changelog"])
        .output()
        .context("running xtask")?;
    let theirs = Command::new(cli)
        .current_dir(repo)
        .args(["--config", "cliff.toml", "--output", "-"])
        .output()
        .context("running git-cliff")?;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim_end().to_string();
    Ok(text(&ours.stdout) == text(&theirs.stdout))
}

fn version_of(cli: &Path) -> String {
    Command::new(cli)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .trim_start_matches("git-cliff ")
                .to_string()
        })
        .unwrap_or_default()
}

/// Generates (once) the repository: a minimal workspace with this workspace's
/// `cliff.toml`, then 10,000 conventional commits (every 13th breaking) and an annotated
/// tag every 500 commits.
fn generate(cache_dir: &Path, root: &Path) -> Result<PathBuf> {
    let cliff = std::fs::read_to_string(root.join("cliff.toml")).context("reading cliff.toml")?;
    let name = format!("release-{COMMITS}-v{GENERATOR_VERSION}");
    repo_gen::generate(cache_dir, &name, |out| {
        let manifest = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"1.0.0\"\n";
        let mut release = 0;
        for i in 0..COMMITS {
            let time = START_TIME + i as u64 * 60;
            let kind = KINDS[i % KINDS.len()];
            let bang = if i % 13 == 12 { "!" } else { "" };
            let message = format!(
                "{kind}(area{}){bang}: change number {i}\n\nDetails of change {i}.",
                i % 7
            );
            let mark = i + 1;
            repo_gen::commit_header(out, "refs/heads/main", mark, time, &message)?;
            if i == 0 {
                repo_gen::file_change(out, "Cargo.toml", manifest)?;
                repo_gen::file_change(out, "cliff.toml", &cliff)?;
                repo_gen::file_change(out, ".gitignore", "target/\n")?;
            }
            repo_gen::file_change(out, &format!("src/file{}.txt", i % 100), &format!("{i}\n"))?;
            writeln!(out)?;
            if (i + 1) % COMMITS_PER_RELEASE == 0 {
                release += 1;
                let note = format!("Release v0.{release}.0\n");
                write!(
                    out,
                    "tag v0.{release}.0\nfrom :{mark}\ntagger Bench <bench@example.com> {time} +0000\n\
                     data {}\n{note}\n",
                    note.len()
                )?;
            }
        }
        Ok(())
    })
}
