//! Bench suite `release`: `cargo xtask version`, `bump`, `changelog` and `tag` on a clone
//! of this workspace (budget 100 ms each, the release-built xtask binary spawned as a user
//! runs it), and `changelog` over a generated repository of 10,000 conventional commits and
//! 20 release tags next to the `git-cliff` command-line tool doing the same work with the
//! same `cliff.toml` (installed with `pip install git-cliff` when missing).
//!
//! The 10,000-commit repository is one deterministic `git fast-import` stream, cached
//! under `target/bench/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use super::{BenchEnv, Measurement};

const SUITE: &str = "release";
const BUDGET: Duration = Duration::from_millis(100);
const COMMITS: usize = 10_000;
const COMMITS_PER_RELEASE: usize = 500;
/// Bumped whenever the generator changes, so a stale cached repository is rebuilt.
const GENERATOR_VERSION: u32 = 1;
const START_TIME: u64 = 1_735_689_600; // 2025-01-01T00:00:00Z
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
        .status()
        .context("running cargo build --release -p xtask")?;
    ensure!(status.success(), "cargo build --release -p xtask failed");
    Ok(env.ctx.target_dir().join("release").join("xtask"))
}

fn git(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
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
    let repo = cache_dir.join(format!("release-{COMMITS}-v{GENERATOR_VERSION}"));
    let stamp = repo.join(".git").join("bench-complete");
    if stamp.is_file() {
        return Ok(repo);
    }
    if repo.exists() {
        std::fs::remove_dir_all(&repo)?;
    }
    std::fs::create_dir_all(&repo)?;
    ensure!(
        git(&repo, &["init", "--quiet", "-b", "main"])
            .status()?
            .success(),
        "git init failed"
    );
    let mut stream = Vec::new();
    let manifest = "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"1.0.0\"\n";
    let blob = |stream: &mut Vec<u8>, mark: usize, data: &str| {
        let _ = write!(stream, "blob\nmark :{mark}\ndata {}\n{data}\n", data.len());
    };
    blob(&mut stream, 1, manifest);
    blob(&mut stream, 2, &cliff);
    blob(&mut stream, 3, "target/\n");
    let mut mark = 10;
    let mut release = 0;
    for i in 0..COMMITS {
        let time = START_TIME + i as u64 * 60;
        let kind = KINDS[i % KINDS.len()];
        let bang = if i % 13 == 12 { "!" } else { "" };
        let message = format!(
            "{kind}(area{}){bang}: change number {i}\n\nDetails of change {i}.\n",
            i % 7
        );
        blob(&mut stream, mark, &format!("{i}\n"));
        let _ = write!(
            stream,
            "commit refs/heads/main\nmark :{}\nauthor Bench <bench@example.com> {time} +0000\n\
             committer Bench <bench@example.com> {time} +0000\ndata {}\n{message}\n",
            mark + 1,
            message.len()
        );
        if i == 0 {
            stream.extend_from_slice(
                b"M 100644 :1 Cargo.toml\nM 100644 :2 cliff.toml\nM 100644 :3 .gitignore\n",
            );
        }
        let _ = writeln!(stream, "M 100644 :{mark} src/file{}.txt", i % 100);
        stream.push(b'\n');
        if (i + 1) % COMMITS_PER_RELEASE == 0 {
            release += 1;
            let note = format!("Release v0.{release}.0\n");
            let _ = write!(
                stream,
                "tag v0.{release}.0\nfrom :{}\ntagger Bench <bench@example.com> {time} +0000\n\
                 data {}\n{note}\n",
                mark + 1,
                note.len()
            );
        }
        mark += 2;
    }
    let mut child = git(&repo, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .context("starting git fast-import")?;
    child
        .stdin
        .take()
        .context("fast-import stdin")?
        .write_all(&stream)?;
    ensure!(child.wait()?.success(), "git fast-import failed");
    ensure!(
        git(&repo, &["checkout", "--quiet", "-f", "main"])
            .status()?
            .success(),
        "checking out the generated repository failed"
    );
    std::fs::write(&stamp, "ok\n")?;
    Ok(repo)
}
