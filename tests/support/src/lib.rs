//! Shared helpers for git-align's end-to-end tests.
//!
//! Every test works in a [`Sandbox`]: a temporary directory with its own `HOME`, its own
//! global git config and a fixed git identity, so tests neither read nor change the
//! machine's configuration and pass on a fresh CI machine with no git identity.
//! [`TestRepo`] builds real repositories (with a bare `origin` when asked) inside it.
#![warn(missing_docs)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::TempDir;

/// A temporary directory with an isolated git environment.
pub struct Sandbox {
    dir: TempDir,
    clock: AtomicU64,
}

/// The first commit time used by a sandbox (2026-01-01T00:00:00Z); every commit advances
/// the clock by a minute so histories are deterministic and ordered.
pub const EPOCH_START: u64 = 1_767_225_600;

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// Creates the sandbox: `home/`, and `gitconfig` with identity, `init.defaultBranch =
    /// main`, no signing and no advice noise.
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("git-align-test-")
            .tempdir()
            .expect("create temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("create home");
        std::fs::write(
            dir.path().join("gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n\
             [init]\n\tdefaultBranch = main\n\
             [commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n\
             [advice]\n\tdetachedHead = false\n\
             [protocol \"file\"]\n\tallow = always\n",
        )
        .expect("write gitconfig");
        Sandbox {
            dir,
            clock: AtomicU64::new(EPOCH_START),
        }
    }

    /// The sandbox directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The sandbox's `HOME`.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The environment every process in the sandbox runs with.
    pub fn env(&self) -> Vec<(String, String)> {
        let date = format!("@{} +0000", self.clock.load(Ordering::SeqCst));
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        vec![
            ("HOME".into(), path(self.home())),
            ("XDG_CONFIG_HOME".into(), path(self.home().join(".config"))),
            (
                "GIT_CONFIG_GLOBAL".into(),
                path(self.path().join("gitconfig")),
            ),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("GIT_AUTHOR_NAME".into(), "Test User".into()),
            ("GIT_AUTHOR_EMAIL".into(), "test@example.com".into()),
            ("GIT_COMMITTER_NAME".into(), "Test User".into()),
            ("GIT_COMMITTER_EMAIL".into(), "test@example.com".into()),
            ("GIT_AUTHOR_DATE".into(), date.clone()),
            ("GIT_COMMITTER_DATE".into(), date),
            ("GIT_TERMINAL_PROMPT".into(), "0".into()),
            ("LC_ALL".into(), "C".into()),
        ]
    }

    /// Applies the sandbox environment to a command (and removes variables that would
    /// point git at another repository).
    pub fn isolate<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        for name in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
        ] {
            command.env_remove(name);
        }
        command.envs(self.env())
    }

    /// A command for `program` with the sandbox environment, run in `dir`.
    pub fn command(&self, program: impl AsRef<OsStr>, dir: &Path) -> Command {
        let mut command = Command::new(program);
        self.isolate(&mut command).current_dir(dir);
        command
    }

    /// Advances the sandbox clock by `seconds` (affects the next commits' dates).
    pub fn tick(&self, seconds: u64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Sets the sandbox clock to an absolute unix time.
    pub fn set_clock(&self, unix_seconds: u64) {
        self.clock.store(unix_seconds, Ordering::SeqCst);
    }

    /// Runs git in `dir` and returns its trimmed stdout; panics (with stderr) on failure.
    pub fn git<I, S>(&self, dir: &Path, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        let output = self
            .command("git", dir)
            .args(&args)
            .output()
            .expect("spawn git");
        assert!(
            output.status.success(),
            "git {:?} failed in {}: {}",
            args,
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_string()
    }
}

/// A real git repository in a sandbox, on branch `main` with one initial commit.
pub struct TestRepo {
    /// The sandbox the repository lives in.
    pub sandbox: Sandbox,
    work: PathBuf,
    origin: Option<PathBuf>,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// A repository at `<sandbox>/repo` with `README.md` committed on `main`.
    pub fn new() -> TestRepo {
        let sandbox = Sandbox::new();
        let work = sandbox.path().join("repo");
        std::fs::create_dir_all(&work).expect("create repo dir");
        sandbox.git(&work, ["init", "-q", "-b", "main"]);
        let repo = TestRepo {
            sandbox,
            work,
            origin: None,
        };
        repo.commit_file("README.md", "# test repository\n", "chore: initial commit");
        repo
    }

    /// Like [`TestRepo::new`], plus a bare `origin` at `<sandbox>/origin.git` that `main`
    /// is pushed to (with upstream tracking).
    pub fn with_origin() -> TestRepo {
        let mut repo = TestRepo::new();
        let origin = repo.sandbox.path().join("origin.git");
        repo.sandbox.git(
            repo.sandbox.path(),
            ["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        repo.git(["remote", "add", "origin", &origin.to_string_lossy()]);
        repo.git(["push", "-q", "-u", "origin", "main"]);
        repo.origin = Some(origin);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        &self.work
    }

    /// The bare origin, when there is one.
    pub fn origin(&self) -> Option<&Path> {
        self.origin.as_deref()
    }

    /// Runs git in the work tree; panics on failure.
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.sandbox.git(&self.work, args)
    }

    /// Runs git in the work tree and returns (exit code, stdout, stderr) without
    /// panicking, for commands expected to fail.
    pub fn try_git<I, S>(&self, args: I) -> (i32, String, String)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self
            .sandbox
            .command("git", &self.work)
            .args(args)
            .output()
            .expect("spawn git");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Writes `content` to `path` (creating directories) without committing.
    pub fn write(&self, path: &str, content: &str) {
        let file = self.work.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(file, content).expect("write file");
    }

    /// Writes `path`, commits it with `message` on the current branch, advances the
    /// clock one minute and returns the new commit id.
    pub fn commit_file(&self, path: &str, content: &str, message: &str) -> String {
        self.write(path, content);
        self.git(["add", "--", path]);
        self.git(["commit", "-q", "-m", message]);
        self.sandbox.tick(60);
        self.head()
    }

    /// Creates branch `name` at `start` without checking it out.
    pub fn branch(&self, name: &str, start: &str) {
        self.git(["branch", "--end-of-options", name, start]);
    }

    /// Checks out `name`.
    pub fn checkout(&self, name: &str) {
        self.git(["checkout", "-q", name]);
    }

    /// The full id of `HEAD`.
    pub fn head(&self) -> String {
        self.rev("HEAD")
    }

    /// The full id of `rev`.
    pub fn rev(&self, rev: &str) -> String {
        self.git(["rev-parse", "--verify", &format!("{rev}^{{commit}}")])
    }

    /// Everything a read-only command must leave unchanged: all refs with their targets,
    /// what `HEAD` points at, the index and the work tree status.
    pub fn snapshot(&self) -> RepoSnapshot {
        RepoSnapshot {
            refs: self.git(["for-each-ref", "--format=%(refname) %(objectname)"]),
            head: self.try_git(["symbolic-ref", "-q", "HEAD"]).1 + &self.head(),
            index: self.git(["ls-files", "--stage", "--debug"]),
            status: self.git(["status", "--porcelain=v2", "--untracked-files=all"]),
        }
    }
}

/// The observable state of a repository, compared before and after a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSnapshot {
    /// `git for-each-ref` output.
    pub refs: String,
    /// The symbolic `HEAD` and the commit it resolves to.
    pub head: String,
    /// `git ls-files --stage --debug` (entries with their stat data).
    pub index: String,
    /// `git status --porcelain=v2 --untracked-files=all`.
    pub status: String,
}
