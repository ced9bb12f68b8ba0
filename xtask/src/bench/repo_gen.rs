//! Generated benchmark repositories: the isolated git environment the suites run git in,
//! and deterministic histories written as one `git fast-import` stream (thousands of
//! commits in about a second, where `git commit` in a loop would take minutes), cached
//! under `target/bench/` so only the first run pays for them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, ensure};

/// The first commit time of generated histories (2025-01-01T00:00:00Z).
pub const START_TIME: u64 = 1_735_689_600;

/// The marker a finished generation leaves, so a half-generated repository is rebuilt.
const DONE_MARKER: &str = "bench-generated";

/// Puts a git (or git-align) command in an isolated environment: no system or user
/// configuration, a fixed identity (alignment writes commits), the C locale.
pub fn git_env(mut command: Command) -> Command {
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    command
}

/// Runs git in `repo` (feeding `input` on stdin when given) and returns its stdout.
pub fn git(repo: &Path, args: &[&str], input: Option<&str>) -> Result<String> {
    let mut child = git_env(Command::new("git"))
        .current_dir(repo)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running git {}", args.join(" ")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.unwrap_or_default().as_bytes())?;
    }
    let output = child.wait_with_output()?;
    ensure!(
        output.status.success(),
        "git {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

/// Returns the work tree of the cached repository `<cache_dir>/<name>`, generating it
/// first (with `write_stream` producing the fast-import stream) when it is missing or
/// unfinished. `main` is checked out; `name` should carry a generator version so a
/// changed generator never reuses an old repository.
pub fn generate(
    cache_dir: &Path,
    name: &str,
    write_stream: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<PathBuf> {
    let repo = cache_dir.join(name);
    let done = repo.join(".git").join(DONE_MARKER);
    if done.is_file() {
        return Ok(repo);
    }
    if repo.exists() {
        std::fs::remove_dir_all(&repo)?;
    }
    std::fs::create_dir_all(&repo)?;
    eprintln!("bench: generating {}", repo.display());
    let started = Instant::now();
    git(&repo, &["init", "-q", "-b", "main"], None)?;
    let mut child = git_env(Command::new("git"))
        .current_dir(&repo)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .context("starting git fast-import")?;
    {
        let mut stdin = std::io::BufWriter::new(child.stdin.take().context("fast-import stdin")?);
        write_stream(&mut stdin)?;
        stdin.flush()?;
    }
    ensure!(child.wait()?.success(), "git fast-import failed");
    git(&repo, &["checkout", "-q", "-f", "main"], None)?;
    std::fs::write(&done, b"")?;
    eprintln!(
        "bench: generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(repo)
}

/// Writes `commits` linear commits on `main`, ten minutes apart: commit `i` has mark
/// `i + 1`, message `chore: main {i}`, and writes `main {i}` to `path_of(i)`. Returns the
/// next free mark.
pub fn write_main_line(
    out: &mut dyn Write,
    commits: usize,
    path_of: impl Fn(usize) -> String,
) -> Result<usize> {
    for i in 0..commits {
        let time = START_TIME + i as u64 * 600;
        commit_header(
            out,
            "refs/heads/main",
            i + 1,
            time,
            &format!("chore: main {i}"),
        )?;
        if i > 0 {
            writeln!(out, "from :{i}")?;
        }
        file_change(out, &path_of(i), &format!("main {i}\n"))?;
    }
    Ok(commits + 1)
}

/// Writes commit `step` of feature branch `feat/bNNNN` number `branch` (mark `mark`),
/// forked from `main` commit `fork` a minute per step after it, adding
/// `features/bNNNN/f{step}.txt`. The caller may add more file changes to the commit.
pub fn write_branch_commit(
    out: &mut dyn Write,
    branch: usize,
    step: usize,
    mark: usize,
    fork: usize,
) -> Result<()> {
    let time = START_TIME + fork as u64 * 600 + 60 * (step as u64 + 1);
    commit_header(
        out,
        &format!("refs/heads/feat/b{branch:04}"),
        mark,
        time,
        &format!("feat: b{branch} step {step}"),
    )?;
    if step == 0 {
        writeln!(out, "from :{}", fork + 1)?;
    }
    file_change(
        out,
        &format!("features/b{branch:04}/f{step}.txt"),
        &format!("branch {branch} step {step}\n"),
    )
}

/// Writes a fast-import `commit` header for `branch` (mark, author, committer, message).
pub fn commit_header(
    out: &mut dyn Write,
    branch: &str,
    mark: usize,
    time: u64,
    message: &str,
) -> Result<()> {
    write!(
        out,
        "commit {branch}\nmark :{mark}\nauthor Bench <bench@example.com> {time} +0000\ncommitter Bench <bench@example.com> {time} +0000\ndata {}\n{message}\n",
        message.len() + 1
    )?;
    Ok(())
}

/// Writes a fast-import file modification: `path` gets `content`.
pub fn file_change(out: &mut dyn Write, path: &str, content: &str) -> Result<()> {
    write!(
        out,
        "M 100644 inline {path}\ndata {}\n{content}\n",
        content.len()
    )?;
    Ok(())
}
