//! The git layer: every git process git-align starts goes through [`Git`].
//!
//! Arguments are always passed as a vector (never through a shell), output is forced into
//! the C locale with no pager, colour or terminal prompts, and failures carry the
//! arguments, the exit code and stderr so the user sees exactly what git refused.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// The oldest git git-align supports (`merge-tree --write-tree --name-only`,
/// `update-ref --stdin` transactions).
pub const MIN_GIT_VERSION: GitVersion = GitVersion {
    major: 2,
    minor: 38,
    patch: 0,
};

/// First git with `for-each-ref --format=%(ahead-behind:REF)`.
pub const AHEAD_BEHIND_GIT_VERSION: GitVersion = GitVersion {
    major: 2,
    minor: 41,
    patch: 0,
};

/// Environment variables a caller (a git hook, another tool) may have set that would
/// redirect our git processes to a different repository or index.
const INHERITED_GIT_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

/// A git version number as printed by `git --version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GitVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch version.
    pub patch: u32,
}

impl GitVersion {
    /// Parses the output of `git --version` (`git version 2.47.3`, also vendor suffixes
    /// such as `2.39.5 (Apple Git-154)` or `2.45.1.windows.1`).
    pub fn parse(text: &str) -> Option<GitVersion> {
        let number = text.trim().strip_prefix("git version ")?;
        let number = number.split_whitespace().next()?;
        let mut parts = number.split('.').map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u32>()
        });
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(GitVersion {
            major,
            minor,
            patch,
        })
    }
}

impl std::fmt::Display for GitVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Detects the installed git's version once per process and refuses versions older than
/// [`MIN_GIT_VERSION`].
pub fn git_version() -> Result<GitVersion> {
    static DETECTED: OnceLock<std::result::Result<GitVersion, String>> = OnceLock::new();
    let detected = DETECTED.get_or_init(|| {
        let output = base_command()
            .arg("--version")
            .output()
            .map_err(|e| format!("spawn: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        GitVersion::parse(&text).ok_or(text)
    });
    match detected {
        Ok(version) if *version >= MIN_GIT_VERSION => Ok(*version),
        Ok(version) => Err(Error::GitTooOld {
            found: version.to_string(),
            required: MIN_GIT_VERSION.to_string(),
        }),
        Err(text) if text.starts_with("spawn: ") => Err(Error::GitNotFound {
            source: std::io::Error::other(text.trim_start_matches("spawn: ").to_string()),
        }),
        Err(text) => Err(Error::GitOutput {
            args: vec!["--version".into()],
            detail: format!("cannot parse version from {text:?}"),
        }),
    }
}

/// A `git` command with the process hygiene every invocation needs.
fn base_command() -> Command {
    let mut command = Command::new("git");
    command
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .env("GIT_EDITOR", "true")
        .env("GIT_SEQUENCE_EDITOR", "true")
        .env("GIT_MERGE_AUTOEDIT", "no")
        .stdin(Stdio::null());
    for name in INHERITED_GIT_ENV {
        command.env_remove(name);
    }
    command.args([
        "--no-pager",
        "-c",
        "core.quotepath=off",
        "-c",
        "color.ui=never",
    ]);
    command
}

/// A handle on one repository's work tree, through which all git processes are run.
#[derive(Debug)]
pub struct Git {
    work_tree: PathBuf,
    git_dir: PathBuf,
    common_dir: PathBuf,
    version: GitVersion,
    spawned: AtomicUsize,
}

impl Git {
    /// Opens the repository containing `path`, checking the git version first.
    ///
    /// Fails with [`Error::NotARepository`] when `path` does not exist or is not inside a
    /// non-bare repository.
    pub fn open(path: impl AsRef<Path>) -> Result<Git> {
        let path = path.as_ref();
        let version = git_version()?;
        if !path.is_dir() {
            return Err(Error::NotARepository {
                path: path.to_path_buf(),
            });
        }
        let output = base_command()
            .current_dir(path)
            .args([
                "rev-parse",
                "--path-format=absolute",
                "--show-toplevel",
                "--git-dir",
                "--git-common-dir",
            ])
            .output()
            .map_err(|source| Error::GitNotFound { source })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        if !output.status.success() || lines.len() != 3 {
            return Err(Error::NotARepository {
                path: path.to_path_buf(),
            });
        }
        Ok(Git {
            work_tree: PathBuf::from(lines[0]),
            git_dir: PathBuf::from(lines[1]),
            common_dir: PathBuf::from(lines[2]),
            version,
            spawned: AtomicUsize::new(0),
        })
    }

    /// The top of the work tree.
    pub fn work_tree(&self) -> &Path {
        &self.work_tree
    }

    /// The git directory of this work tree (`.git`, or `.git/worktrees/<name>` in a
    /// linked worktree).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The git directory shared by all worktrees (where refs, objects and git-align's own
    /// state live).
    pub fn common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// The installed git's version.
    pub fn version(&self) -> GitVersion {
        self.version
    }

    /// How many git processes this handle has started; lets tests prove that an analysis
    /// costs a constant number of processes whatever the number of branches.
    pub fn processes_spawned(&self) -> usize {
        self.spawned.load(Ordering::Relaxed)
    }

    /// A git command in this work tree with the standard hygiene, for callers that need to
    /// adjust the environment (e.g. a temporary object directory) before running it with
    /// [`Git::run_command`] or [`Git::output_command`].
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = base_command();
        command.current_dir(&self.work_tree).args(args);
        command
    }

    /// Runs git with `args` and returns its stdout; a non-zero exit is an error.
    pub fn run<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = collect_args(args);
        let output = self.output_command(self.command(&args), &args, None)?;
        checked_stdout(&args, output)
    }

    /// Runs git with `args`, feeding `input` on stdin, and returns its stdout.
    pub fn run_with_input<I, S>(&self, args: I, input: &[u8]) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = collect_args(args);
        let output = self.output_command(self.command(&args), &args, Some(input))?;
        checked_stdout(&args, output)
    }

    /// Runs git with `args` and returns the raw output whatever the exit code, for
    /// commands whose exit code carries an answer (`merge-base --is-ancestor`,
    /// `merge-tree`).
    pub fn output<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args = collect_args(args);
        self.output_command(self.command(&args), &args, None)
    }

    /// Runs a command built with [`Git::command`] and returns its stdout; a non-zero exit
    /// is an error naming `args`.
    pub fn run_command(&self, command: Command, args: &[String]) -> Result<String> {
        let output = self.output_command(command, args, None)?;
        checked_stdout(args, output)
    }

    /// Runs a command built with [`Git::command`], optionally feeding stdin, and returns
    /// the raw output whatever the exit code.
    pub fn output_command(
        &self,
        mut command: Command,
        args: &[String],
        input: Option<&[u8]>,
    ) -> Result<Output> {
        self.spawned.fetch_add(1, Ordering::Relaxed);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let Some(input) = input else {
            return command
                .output()
                .map_err(|source| Error::GitNotFound { source });
        };
        command.stdin(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|source| Error::GitNotFound { source })?;
        let mut stdin = child.stdin.take().ok_or_else(|| Error::GitOutput {
            args: args.to_vec(),
            detail: "stdin was not captured".into(),
        })?;
        let input = input.to_vec();
        // Feed stdin from a thread so a large input cannot deadlock against a full
        // stdout pipe.
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child
            .wait_with_output()
            .map_err(|e| Error::io(format!("waiting for git {}", args.join(" ")), e))?;
        match writer.join() {
            Ok(Ok(())) => {}
            // Git may exit before reading everything (e.g. on a fatal error); its exit
            // status and stderr then say why, so a broken pipe is not the story.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Ok(Err(e)) => {
                return Err(Error::io(format!("writing to git {}", args.join(" ")), e));
            }
            Err(_) => {
                return Err(Error::GitOutput {
                    args: args.to_vec(),
                    detail: "stdin writer panicked".into(),
                });
            }
        }
        Ok(output)
    }

    /// Resolves `rev` to a full object id, or `None` when it does not exist.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>> {
        let spec = format!("{rev}^{{commit}}");
        let output = self.output([
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        if output.status.success() {
            Ok(Some(
                String::from_utf8_lossy(&output.stdout).trim().to_string(),
            ))
        } else {
            Ok(None)
        }
    }

    /// True when `ancestor` is an ancestor of (or equal to) `descendant`.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let args = ["merge-base", "--is-ancestor", ancestor, descendant];
        let output = self.output(args)?;
        match output.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(failure(&collect_args(args), &output)),
        }
    }
}

fn collect_args<I, S>(args: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    args.into_iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect()
}

/// The error for a git process that exited unsuccessfully.
pub fn failure(args: &[String], output: &Output) -> Error {
    Error::GitFailed {
        args: args.to_vec(),
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn checked_stdout(args: &[String], output: Output) -> Result<String> {
    if !output.status.success() {
        return Err(failure(args, &output));
    }
    String::from_utf8(output.stdout).map_err(|_| Error::GitOutput {
        args: args.to_vec(),
        detail: "output is not valid UTF-8".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_vendor_versions() {
        assert_eq!(
            GitVersion::parse("git version 2.47.3\n"),
            Some(GitVersion {
                major: 2,
                minor: 47,
                patch: 3
            })
        );
        assert_eq!(
            GitVersion::parse("git version 2.39.5 (Apple Git-154)")
                .map(|v| (v.major, v.minor, v.patch)),
            Some((2, 39, 5))
        );
        assert_eq!(
            GitVersion::parse("git version 2.45.1.windows.1").map(|v| v.minor),
            Some(45)
        );
        assert_eq!(GitVersion::parse("hg 6.0"), None);
    }

    #[test]
    fn orders_versions_against_the_minimum() {
        let old = GitVersion::parse("git version 2.37.9").expect("parses");
        let new = GitVersion::parse("git version 2.38.0").expect("parses");
        assert!(old < MIN_GIT_VERSION);
        assert!(new >= MIN_GIT_VERSION);
    }
}
