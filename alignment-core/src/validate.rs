//! Checks after an alignment: linear history (rebase), no conflict markers in the files
//! the branch changed (read from the committed tree), and every `[[validate]]` command,
//! run with its timeout in a temporary worktree of the aligned commit.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::{Config, Severity, Strategy};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::report::Check;

fn check(name: &str, severity: Severity, failure: Option<String>) -> Check {
    Check {
        name: name.into(),
        severity: match severity {
            Severity::Critical => "critical".into(),
            Severity::Warning => "warning".into(),
        },
        passed: failure.is_none(),
        detail: failure.unwrap_or_default(),
    }
}

/// Runs every check on `new_tip` aligned onto `target` and returns the results.
pub fn run(
    git: &Git,
    config: &Config,
    strategy: Strategy,
    target: &str,
    new_tip: &str,
    scratch: &Path,
) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    if strategy == Strategy::Rebase {
        let merges = git.run(["rev-list", "--merges", &format!("{target}..{new_tip}")])?;
        let failure = (!merges.trim().is_empty()).then(|| {
            format!(
                "merge commits in {target}..{new_tip}: {}",
                merges.split_whitespace().collect::<Vec<_>>().join(", ")
            )
        });
        checks.push(check("linear-history", Severity::Critical, failure));
    }
    let files = git.run(["diff", "--name-only", "--no-renames", target, new_tip])?;
    let files: Vec<&str> = files.lines().filter(|l| !l.is_empty()).collect();
    let mut marked = Vec::new();
    if !files.is_empty() {
        let mut args = vec![
            "grep",
            "-l",
            "-I",
            "-E",
            "^(<<<<<<<|>>>>>>>)( |$)",
            new_tip,
            "--",
        ];
        args.extend(files.iter().copied());
        let out = git.output(&args)?;
        if out.status.code() == Some(0) {
            marked = String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|l| l.trim_start_matches(&format!("{new_tip}:")).to_string())
                .collect();
        }
    }
    let failure =
        (!marked.is_empty()).then(|| format!("conflict markers in {}", marked.join(", ")));
    checks.push(check("conflict-markers", Severity::Critical, failure));
    if config.validators.is_empty() {
        return Ok(checks);
    }
    let dir = scratch.join("validate");
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.to_string_lossy().into_owned();
    git.run(["worktree", "add", "--detach", "--quiet", &dir_s, new_tip])?;
    let results: Vec<Check> = config
        .validators
        .iter()
        .map(|v| {
            let failure = run_command(&v.run, &dir, Duration::from_secs(v.timeout_s));
            check(&v.name, v.severity, failure)
        })
        .collect();
    git.run(["worktree", "remove", "--force", &dir_s])?;
    checks.extend(results);
    Ok(checks)
}

/// Runs `argv` in `dir`, killing it after `timeout`; `None` on success, else why it failed.
fn run_command(argv: &[String], dir: &Path, timeout: Duration) -> Option<String> {
    let (program, args) = argv.split_first()?;
    // Output goes to an anonymous file (a pipe could fill up while we poll), and its end
    // is quoted in the failure so the report says why the validator failed.
    let log = match tempfile::tempfile() {
        Ok(log) => log,
        Err(e) => return Some(Error::io("creating a validator log", e).to_string()),
    };
    let (stdout, stderr) = match (log.try_clone(), log.try_clone()) {
        (Ok(out), Ok(err)) => (out, err),
        (Err(e), _) | (_, Err(e)) => {
            return Some(Error::io("creating a validator log", e).to_string());
        }
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    // Own process group, so a timeout kills the validator's children too (`cargo test`
    // spawns the test binaries).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return Some(format!("could not start {program:?}: {e}")),
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return None,
            Ok(Some(status)) => {
                return Some(format!(
                    "`{}` failed ({status}){}",
                    argv.join(" "),
                    output_tail(log)
                ));
            }
            Ok(None) if started.elapsed() >= timeout => {
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                return Some(format!(
                    "`{}` timed out after {} s and was killed",
                    argv.join(" "),
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Some(Error::io("waiting for a validator", e).to_string()),
        }
    }
}

/// How many trailing lines of a failed validator's output the report quotes.
const OUTPUT_TAIL_LINES: usize = 20;

/// The last lines of a validator's output, as a suffix for its failure message.
fn output_tail(mut log: std::fs::File) -> String {
    let mut bytes = Vec::new();
    if log.seek(SeekFrom::Start(0)).is_err() || log.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(OUTPUT_TAIL_LINES)..];
    format!("; output ends:\n{}", tail.join("\n"))
}

/// Kills the whole process group led by `pid` (best effort).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// True when any critical check failed.
pub fn critical_failure(checks: &[Check]) -> bool {
    checks.iter().any(|c| !c.passed && c.severity == "critical")
}
