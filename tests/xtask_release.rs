//! `cargo xtask version`, `bump`, `changelog`, `release-notes`, `tag` and `release` on real
//! temporary cargo workspaces with a git history of conventional commits and a bare origin.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use test_support::{RepoSnapshot, TestRepo};

const ROOT_MANIFEST: &str = r#"# The fixture workspace (this comment must survive a bump).
[workspace]
resolver = "3"
members = ["core", "app"]

[workspace.package]
version = "0.1.0"   # bumped by cargo xtask
edition = "2024"
repository = "https://example.com/acme/widget"

[workspace.dependencies]
# Internal crates, kept in step.
widget-core = { path = "core", version = "0.1.0" } # trailing comment
"#;

const APP_MANIFEST: &str = r#"[package]
name = "widget-app"
version.workspace = true
edition.workspace = true

[dependencies]
widget-core.workspace = true

[dev-dependencies]
# A crate-level internal requirement.
widget-core = { path = "../core", version = "=0.1.0" }
"#;

/// A two-crate workspace in a repository with an origin, history:
/// initial commit, workspace, `feat(core)`, `fix(app)`.
struct Fixture {
    repo: TestRepo,
}

/// The toolchain directories of the real environment (the sandbox replaces `HOME`).
fn toolchain_dir(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(default)
    })
}

impl Fixture {
    fn new() -> Fixture {
        let repo = TestRepo::with_origin();
        repo.write("Cargo.toml", ROOT_MANIFEST);
        repo.write(
            "core/Cargo.toml",
            "[package]\nname = \"widget-core\"\nversion.workspace = true\nedition.workspace = true\n",
        );
        repo.write(
            "core/src/lib.rs",
            "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n",
        );
        repo.write("app/Cargo.toml", APP_MANIFEST);
        repo.write(
            "app/src/main.rs",
            "fn main() {\n    println!(\"{}\", widget_core::answer());\n}\n",
        );
        repo.write(".gitignore", "target/\n");
        repo.write(
            "release.toml",
            "tag_prefix = \"v\"\nallow_branches = [\"main\"]\npush_remote = \"origin\"\n",
        );
        repo.write("cliff.toml", include_str!("../cliff.toml"));
        let fixture = Fixture { repo };
        let out = fixture
            .cargo(&["generate-lockfile", "--offline"])
            .output()
            .expect("cargo");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        fixture.repo.git(["add", "-A"]);
        fixture.repo.git(["commit", "-q", "-m", "chore: workspace"]);
        fixture.repo.sandbox.tick(60);
        fixture
            .repo
            .commit_file("core/NOTES.md", "notes\n", "feat(core): the answer");
        fixture
            .repo
            .commit_file("app/NOTES.md", "notes\n", "fix(app): print it");
        fixture
    }

    fn path(&self) -> &Path {
        self.repo.path()
    }

    /// cargo with the real toolchain but the sandbox's git environment.
    fn cargo(&self, args: &[&str]) -> Command {
        let mut command = self.repo.sandbox.command("cargo", self.path());
        command
            .args(args)
            .env("CARGO_HOME", toolchain_dir("CARGO_HOME", ".cargo"))
            .env("RUSTUP_HOME", toolchain_dir("RUSTUP_HOME", ".rustup"))
            .env_remove("CARGO_TARGET_DIR");
        command
    }

    fn xtask_command(&self, args: &[&str]) -> Command {
        let mut full = vec!["--root".to_string(), self.path().display().to_string()];
        full.extend(args.iter().map(|a| a.to_string()));
        let mut xtask = self
            .repo
            .sandbox
            .command(env!("CARGO_BIN_EXE_xtask"), self.path());
        xtask
            .args(full)
            .env("CARGO_HOME", toolchain_dir("CARGO_HOME", ".cargo"))
            .env("RUSTUP_HOME", toolchain_dir("RUSTUP_HOME", ".rustup"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("XTASK_FAIL_AT");
        xtask
    }

    fn xtask(&self, args: &[&str]) -> Output {
        self.xtask_command(args).output().expect("run xtask")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.xtask(args);
        assert!(
            out.status.success(),
            "xtask {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).expect("read")
    }

    /// Everything observable: refs, HEAD, index (with stat data), status, and every work
    /// tree file's bytes (outside `.git` and `target`).
    fn state(&self) -> (RepoSnapshot, BTreeMap<PathBuf, Vec<u8>>) {
        let _ = self.repo.snapshot();
        (self.repo.snapshot(), files(self.path()))
    }
}

fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != ".git" && name != "target" {
                    stack.push(path);
                }
            } else {
                let rel = path.strip_prefix(root).expect("rel").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

/// Compares two states field by field, naming what differs.
fn assert_same(
    before: &(RepoSnapshot, BTreeMap<PathBuf, Vec<u8>>),
    after: &(RepoSnapshot, BTreeMap<PathBuf, Vec<u8>>),
    what: &str,
) {
    assert_eq!(before.0.refs, after.0.refs, "{what}: refs");
    assert_eq!(before.0.head, after.0.head, "{what}: HEAD");
    assert_eq!(before.0.status, after.0.status, "{what}: status");
    // The entries (mode, object, stage, path); the stat cache of a file rewritten with the
    // same bytes necessarily differs (new inode and times) and git refreshes it.
    let entries = |index: &str| -> String {
        index
            .lines()
            .filter(|l| !l.starts_with(' '))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        entries(&before.0.index),
        entries(&after.0.index),
        "{what}: index"
    );
    let changed: Vec<&PathBuf> = before
        .1
        .keys()
        .chain(after.1.keys())
        .filter(|p| before.1.get(*p) != after.1.get(*p))
        .collect();
    assert!(changed.is_empty(), "{what}: files changed: {changed:?}");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bump_kinds_prerelease_chains_lockfile_and_formatting() {
    let f = Fixture::new();
    let steps = [
        (vec!["bump", "minor", "--pre", "rc"], "0.2.0-rc.1"),
        (vec!["bump", "prerelease"], "0.2.0-rc.2"),
        (vec!["bump", "release"], "0.2.0"),
        (vec!["bump", "patch"], "0.2.1"),
        (vec!["bump", "minor"], "0.3.0"),
        (vec!["bump", "major"], "1.0.0"),
        (vec!["bump", "1.1.0"], "1.1.0"),
        (vec!["bump", "auto"], "1.2.0"),
    ];
    for (args, expected) in steps {
        f.ok(&args);
        let root = f.read("Cargo.toml");
        assert_eq!(
            root,
            ROOT_MANIFEST
                .replace(
                    "version = \"0.1.0\"   #",
                    &format!("version = \"{expected}\"   #")
                )
                .replace(
                    "version = \"0.1.0\" } # trailing",
                    &format!("version = \"{expected}\" }} # trailing")
                ),
            "comments and layout are kept after {args:?}"
        );
        assert_eq!(
            f.read("app/Cargo.toml"),
            APP_MANIFEST.replace("=0.1.0", &format!("={expected}"))
        );
        let lock = f.read("Cargo.lock");
        assert_eq!(
            lock.matches(&format!("version = \"{expected}\"")).count(),
            2,
            "both members in Cargo.lock after {args:?}:\n{lock}"
        );
    }
    let out = f
        .cargo(&["metadata", "--locked", "--offline", "--format-version", "1"])
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata --locked: {}",
        stderr(&out)
    );
}

#[test]
fn bump_refuses_downgrades_and_invalid_versions_with_exit_2() {
    let f = Fixture::new();
    f.ok(&["bump", "0.5.0"]);
    let before = f.state();
    for args in [
        vec!["bump", "0.4.0"],
        vec!["bump", "0.5.0"],
        vec!["bump", "1.2"],
        vec!["bump", "release"],
        vec!["bump", "minor", "--pre", "r c"],
    ] {
        let out = f.xtask(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
        assert_same(&before, &f.state(), &format!("{args:?}"));
    }
    assert!(stderr(&f.xtask(&["bump", "0.4.0"])).contains("--allow-downgrade"));
    f.ok(&["bump", "0.4.0", "--allow-downgrade"]);
    assert!(f.read("Cargo.toml").contains("version = \"0.4.0\""));
    // --dry-run writes nothing.
    let before = f.state();
    let out = f.ok(&["--dry-run", "bump", "major"]);
    assert!(out.contains("1.0.0"));
    assert_same(&before, &f.state(), "state");
}

#[test]
fn version_reports_last_tag_commits_and_implied_bump() {
    let f = Fixture::new();
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--json", "version"])).expect("json");
    assert_eq!(json["version"], "0.1.0");
    assert!(json["last_tag"].is_null());
    assert_eq!(json["implied_bump"], "minor");
    f.repo.git(["tag", "-a", "-m", "v0.1.0", "v0.1.0"]);
    f.repo.commit_file("x.txt", "x", "fix: small");
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--json", "version"])).expect("json");
    assert_eq!(json["last_tag"], "v0.1.0");
    assert_eq!(json["commits"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["implied_bump"], "patch");
    assert_eq!(json["next_version"], "0.1.1");
    f.repo
        .commit_file("y.txt", "y", "feat(api)!: drop the old call");
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--json", "version"])).expect("json");
    // Below 1.0.0 a breaking change bumps the minor version.
    assert_eq!(json["implied_bump"], "minor");
    assert_eq!(json["commits"][0]["breaking"], true);
    assert!(f.ok(&["version"]).contains("implied bump:  minor -> 0.2.0"));
}

#[test]
fn changelog_sections_breaking_flag_links_and_check() {
    let f = Fixture::new();
    f.repo.git(["tag", "-a", "-m", "v0.1.0", "v0.1.0"]);
    for msg in [
        "feat(cli): a new flag",
        "fix: a crash",
        "perf: faster",
        "docs: explain",
        "refactor: tidy",
        "test: cover",
        "chore: tooling",
        "feat!: remove the old format\n\nBREAKING CHANGE: files must be migrated",
    ] {
        f.repo.commit_file("f.txt", msg, msg);
    }
    f.ok(&["changelog"]);
    let text = f.read("CHANGELOG.md");
    assert!(text.starts_with("# Changelog\n"));
    assert!(text.contains("Keep a Changelog"));
    for heading in [
        "## [Unreleased]",
        "## [0.1.0] - 2026-01-01",
        "### Features",
        "### Bug Fixes",
        "### Performance",
        "### Documentation",
        "### Refactor",
        "### Testing",
        "### Miscellaneous",
    ] {
        assert!(text.contains(heading), "{heading} in\n{text}");
    }
    let order: Vec<usize> = [
        "### Features",
        "### Bug Fixes",
        "### Performance",
        "### Testing",
    ]
    .iter()
    .map(|h| text.find(h).expect("heading"))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sections in order");
    assert!(text.contains("- **BREAKING** Remove the old format"));
    assert!(text.contains("- **cli:** A new flag"));
    assert!(
        text.contains("[Unreleased]: https://example.com/acme/widget/compare/v0.1.0...HEAD"),
        "{text}"
    );
    assert!(text.contains("[0.1.0]: https://example.com/acme/widget/releases/tag/v0.1.0"));
    f.ok(&["changelog", "--check"]);
    f.repo.git(["add", "CHANGELOG.md"]);
    f.repo.git(["commit", "-q", "-m", "docs: changelog"]);
    let out = f.xtask(&["changelog", "--check"]);
    assert_eq!(out.status.code(), Some(1), "stale after a new commit");
    assert!(stderr(&out).contains("stale"));
    // Release notes: one section only.
    let notes = f.ok(&["release-notes", "v0.1.0"]);
    assert!(notes.starts_with("## [0.1.0] - 2026-01-01"), "{notes}");
    assert!(notes.contains("- **core:** The answer"));
    assert!(!notes.contains("Unreleased") && !notes.contains("# Changelog"));
    let unreleased = f.ok(&["release-notes"]);
    assert!(unreleased.starts_with("## [Unreleased]") && unreleased.contains("A crash"));
    assert_eq!(f.ok(&["changelog", "--unreleased"]), unreleased);
    assert_eq!(f.xtask(&["release-notes", "9.9.9"]).status.code(), Some(2));
}

#[test]
fn tag_refuses_existing_dirty_and_mismatched_then_tags_with_notes() {
    let f = Fixture::new();
    let out = f.xtask(&["tag", "0.2.0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not 0.2.0"), "{}", stderr(&out));
    f.repo.write("dirty.txt", "x");
    let out = f.xtask(&["tag"]);
    assert!(stderr(&out).contains("not clean"), "{}", stderr(&out));
    std::fs::remove_file(f.path().join("dirty.txt")).expect("rm");
    let before = f.state();
    f.ok(&["--dry-run", "tag"]);
    assert_same(&before, &f.state(), "state");
    f.ok(&["tag"]);
    let message = f.repo.git(["tag", "-l", "--format=%(contents)", "v0.1.0"]);
    assert!(message.starts_with("## [0.1.0] - "), "{message}");
    assert!(message.contains("### Features") && message.contains("The answer"));
    assert_eq!(f.repo.git(["cat-file", "-t", "v0.1.0"]), "tag");
    let out = f.xtask(&["tag"]);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn release_plan_changes_nothing_and_lists_every_failed_check() {
    let f = Fixture::new();
    let before = f.state();
    let out = f.ok(&["release", "--bump", "minor", "--skip-tests"]);
    assert!(out.contains("release 0.1.0 -> 0.2.0"), "{out}");
    assert!(out.contains("[ok  ] clean tree"));
    assert!(out.contains("[ok  ] tag absent on remote"));
    assert!(out.contains("nothing was changed"));
    f.ok(&[
        "--dry-run",
        "release",
        "--bump",
        "minor",
        "--execute",
        "--skip-tests",
    ]);
    assert_same(&before, &f.state(), "state");

    f.repo.git(["tag", "v0.2.0"]);
    f.repo.git(["checkout", "-q", "-b", "topic"]);
    f.repo.write("dirty.txt", "x");
    let before = f.state();
    let out = f.xtask(&["release", "--bump", "minor", "--execute", "--skip-tests"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for reason in [
        "clean tree",
        "branch allowed",
        "tag absent",
        "already exists",
    ] {
        assert!(err.contains(reason), "{reason} in {err}");
    }
    assert_same(&before, &f.state(), "state");
    let out = f.xtask(&["release", "--bump", "0.0.1", "--skip-tests"]);
    assert!(stderr(&out).contains("version increases"));

    // A tag that exists only on the remote.
    let g = Fixture::new();
    g.repo.git(["tag", "v0.2.0"]);
    g.repo.git(["push", "-q", "origin", "v0.2.0"]);
    g.repo.git(["tag", "-d", "v0.2.0"]);
    let out = g.xtask(&["release", "--bump", "minor", "--skip-tests"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("[FAIL] tag absent on remote: v0.2.0 already exists on origin"));
}

/// Makes the release fail at one step and checks the repository is exactly as before.
fn assert_failure_restores(
    setup: impl Fn(&Fixture),
    args: &[&str],
    fail_at: Option<&str>,
    why: &str,
) {
    let f = Fixture::new();
    setup(&f);
    let before = f.state();
    let mut command = f.xtask_command(args);
    if let Some(step) = fail_at {
        command.env("XTASK_FAIL_AT", step);
    }
    let out = command.output().expect("xtask");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?} {fail_at:?}: {}{err}",
        stdout(&out)
    );
    assert!(err.contains(why), "{why:?} in {err}");
    assert!(err.contains("every step was undone"), "{err}");
    assert_same(&before, &f.state(), &format!("{fail_at:?}/{why}"));
    let journal = f.read("target/xtask/release-journal.json");
    assert!(journal.contains("\"state\": \"undone\""), "{journal}");
    // And the release still works afterwards.
    if fail_at.is_some() {
        f.ok(&[
            "release",
            "--bump",
            "minor",
            "--execute",
            "--skip-tests",
            "--skip-dist",
        ]);
    }
}

const EXECUTE: &[&str] = &[
    "release",
    "--bump",
    "minor",
    "--execute",
    "--skip-tests",
    "--skip-dist",
];

#[test]
fn a_release_failing_at_any_step_is_undone_completely() {
    for step in ["bump", "changelog", "commit", "tag"] {
        assert_failure_restores(|_| {}, EXECUTE, Some(step), "injected");
    }
    let mut with_push = EXECUTE.to_vec();
    with_push.push("--push");
    assert_failure_restores(|_| {}, &with_push, Some("push"), "injected");
}

#[test]
fn real_failures_at_hook_changelog_commit_tag_and_push_are_undone() {
    let release_toml = |f: &Fixture, extra: &str| {
        f.repo.commit_file(
            "release.toml",
            &format!("tag_prefix = \"v\"\nallow_branches = [\"main\"]\n{extra}"),
            "chore: release config",
        );
    };
    // A hook that changes files, then fails.
    assert_failure_restores(
        |f| {
            release_toml(
                f,
                "pre_release_hook = [\"sh\", \"-c\", \"echo $NEW_VERSION > core/NOTES.md; touch new.txt; exit 3\"]\n",
            )
        },
        EXECUTE,
        None,
        "pre_release_hook",
    );
    // A changelog path that is a directory.
    assert_failure_restores(
        |f| release_toml(f, "changelog = \"core/src\"\n"),
        EXECUTE,
        None,
        "is a directory",
    );
    // A commit-msg hook refusing the commit.
    assert_failure_restores(
        |f| {
            let hook = f.path().join(".git/hooks/commit-msg");
            std::fs::write(
                &hook,
                "#!/bin/sh\necho 'commit refused by hook' >&2\nexit 1\n",
            )
            .expect("hook");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        },
        EXECUTE,
        None,
        "commit refused by hook",
    );
    // A signed tag with no signing key.
    assert_failure_restores(
        |f| release_toml(f, "sign_tag = true\n"),
        EXECUTE,
        None,
        "creating tag v0.2.0",
    );
    // dist cannot build: the fixture has no git-align package (after the tag was made).
    assert_failure_restores(
        |_| {},
        &["release", "--bump", "minor", "--execute", "--skip-tests"],
        None,
        "step `dist`",
    );
    // A push to an unreachable remote.
    let mut with_push = EXECUTE.to_vec();
    with_push.push("--push");
    assert_failure_restores(
        |f| {
            release_toml(f, "push_remote = \"nowhere\"\n");
            f.repo
                .git(["remote", "add", "nowhere", "/nonexistent/remote.git"]);
        },
        &with_push,
        None,
        "pushing main and v0.2.0 to nowhere",
    );
}

#[test]
fn release_commits_tags_and_undo_restores_the_previous_state() {
    let f = Fixture::new();
    let before = f.state();
    let out = f.ok(EXECUTE);
    assert!(out.contains("released v0.2.0"), "{out}");
    assert_eq!(
        f.repo.git(["log", "-1", "--format=%s"]),
        "chore(release): v0.2.0"
    );
    assert_eq!(f.repo.rev("v0.2.0"), f.repo.head());
    assert!(f.read("Cargo.toml").contains("version = \"0.2.0\""));
    let changelog = f.read("CHANGELOG.md");
    assert!(changelog.contains("## [0.2.0] - 2026-01-01"), "{changelog}");
    assert!(!changelog.contains("Unreleased"));
    assert!(!changelog.contains("chore(release)") && !changelog.contains("V0.2.0"));
    assert!(f.repo.git(["status", "--porcelain"]).is_empty());
    f.ok(&["changelog", "--check"]);
    f.ok(&["tag", "--help"]);
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--json", "version"])).expect("json");
    assert_eq!(json["last_tag"], "v0.2.0");

    let out = f.ok(&["release", "--undo"]);
    assert!(out.contains("undone"), "{out}");
    assert_same(&before, &f.state(), "state");
    let out = f.xtask(&["release", "--undo"]);
    assert_eq!(out.status.code(), Some(2), "nothing left to undo");
}

#[test]
fn a_prerelease_chain_of_releases() {
    let f = Fixture::new();
    let run = |bump: &[&str]| {
        let mut args = vec!["release", "--execute", "--skip-tests", "--skip-dist"];
        args.extend_from_slice(bump);
        f.ok(&args)
    };
    run(&["--bump", "minor", "--pre", "rc"]);
    assert_eq!(f.repo.rev("v0.2.0-rc.1"), f.repo.head());
    f.repo.commit_file("fix.txt", "x", "fix: found in rc.1");
    run(&["--bump", "prerelease"]);
    assert_eq!(f.repo.rev("v0.2.0-rc.2"), f.repo.head());
    f.repo.commit_file("doc.txt", "x", "docs: final words");
    run(&["--bump", "release"]);
    assert_eq!(f.repo.rev("v0.2.0"), f.repo.head());
    let changelog = f.read("CHANGELOG.md");
    for section in ["## [0.2.0] -", "## [0.2.0-rc.2] -", "## [0.2.0-rc.1] -"] {
        assert!(changelog.contains(section), "{section} in {changelog}");
    }
    assert!(
        changelog.contains("[0.2.0]: https://example.com/acme/widget/compare/v0.2.0-rc.2...v0.2.0")
    );
    f.ok(&["changelog", "--check"]);
    let json: serde_json::Value =
        serde_json::from_str(&f.ok(&["--json", "version"])).expect("json");
    assert_eq!(json["version"], "0.2.0");
    assert_eq!(json["last_tag"], "v0.2.0");
}

#[test]
fn undo_is_refused_once_pushed() {
    let f = Fixture::new();
    let mut with_push = EXECUTE.to_vec();
    with_push.push("--push");
    f.ok(&with_push);
    let origin = f.repo.origin().expect("origin").to_path_buf();
    let tags = f.repo.sandbox.git(&origin, ["tag", "-l"]);
    assert_eq!(tags, "v0.2.0");
    let before = f.state();
    let out = f.xtask(&["release", "--undo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pushed"), "{}", stderr(&out));
    assert_same(&before, &f.state(), "state");
}

#[test]
fn an_interrupted_release_is_undone_by_the_next_run() {
    let f = Fixture::new();
    let before = f.state();
    // The commit-msg hook kills xtask (git's parent) mid-release: bump and changelog are
    // done and nothing is committed.
    let hook = f.path().join(".git/hooks/commit-msg");
    std::fs::write(
        &hook,
        "#!/bin/sh\nkill -9 $(ps -o ppid= -p $PPID)\nexit 1\n",
    )
    .expect("hook");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = f.xtask(EXECUTE);
    assert!(!out.status.success());
    assert!(
        f.read("Cargo.toml").contains("0.2.0"),
        "interrupted mid-way"
    );
    assert!(
        f.read("target/xtask/release-journal.json")
            .contains("in-progress")
    );
    std::fs::remove_file(&hook).expect("rm hook");
    let out = f.ok(&["release", "--undo"]);
    assert!(out.contains("interrupted"), "{out}");
    assert_same(&before, &f.state(), "after undoing the interrupted release");
    // And a fresh run releases.
    f.ok(EXECUTE);
    assert_eq!(f.repo.rev("v0.2.0"), f.repo.head());
}

#[test]
fn rerunning_after_an_interruption_undoes_it_then_releases() {
    let f = Fixture::new();
    // The hook kills xtask the first time only (the marker lives outside the work tree).
    f.repo.commit_file(
        "release.toml",
        "tag_prefix = \"v\"\nallow_branches = [\"main\"]\npre_release_hook = \
         [\"sh\", \"-c\", \"echo x > core/NOTES.md; test -f ../killed || \
         { touch ../killed; kill -9 $PPID; }\"]\n",
        "chore: a hook that dies once",
    );
    let out = f.xtask(EXECUTE);
    assert!(!out.status.success());
    assert!(
        f.read("target/xtask/release-journal.json")
            .contains("in-progress")
    );
    assert_eq!(
        f.read("core/NOTES.md"),
        "x\n",
        "the hook ran before the kill"
    );
    let out = f.ok(EXECUTE);
    assert!(out.contains("interrupted release of v0.2.0"), "{out}");
    assert!(out.contains("released v0.2.0"), "{out}");
    assert_eq!(f.repo.rev("v0.2.0"), f.repo.head());
    assert!(f.repo.git(["status", "--porcelain"]).is_empty());
}

#[test]
fn an_interrupted_release_is_not_undone_over_later_commits() {
    let f = Fixture::new();
    f.repo.commit_file(
        "release.toml",
        "tag_prefix = \"v\"\nallow_branches = [\"main\"]\n\
         pre_release_hook = [\"sh\", \"-c\", \"kill -9 $PPID\"]\n",
        "chore: a hook that dies",
    );
    assert!(!f.xtask(EXECUTE).status.success());
    f.repo
        .commit_file("later.txt", "later\n", "feat: work after the interruption");
    let before = f.state();
    let out = f.xtask(&["release", "--undo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HEAD moved"), "{}", stderr(&out));
    assert_same(&before, &f.state(), "nothing undone over later commits");
}

#[test]
fn the_test_preflight_runs_cargo_test() {
    let f = Fixture::new();
    f.repo.commit_file(
        "core/tests/broken.rs",
        "#[test]\nfn broken() {\n    panic!(\"deliberately broken\");\n}\n",
        "test: a broken test",
    );
    let before = f.state();
    let out = f.xtask(&["release", "--bump", "patch", "--execute", "--skip-dist"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tests pass"), "{}", stderr(&out));
    assert!(stdout(&out).contains("[FAIL] tests pass"));
    assert_same(&before, &f.state(), "state");
}

#[test]
fn bad_configuration_is_a_usage_error() {
    let f = Fixture::new();
    f.repo.write("release.toml", "tag_prefixx = \"v\"\n");
    for args in [
        vec!["version"],
        vec!["release", "--bump", "minor"],
        vec!["changelog"],
    ] {
        let out = f.xtask(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("tag_prefixx"));
    }
    f.repo.write("release.toml", "");
    f.repo
        .write("cliff.toml", "[changelog]\nbody = \"{% if %}\"\n");
    let out = f.xtask(&["changelog"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cliff.toml"));
    let out = f.xtask(&["release", "--bump", "mega"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mega"));
}

#[test]
fn a_second_release_is_refused_while_one_is_in_progress() {
    let f = Fixture::new();
    let before = f.state();
    let lock = f.path().join("target/xtask/release-journal.lock");
    let held = match alignment_core::fsutil::try_lock(&lock).expect("lock") {
        alignment_core::fsutil::TryLock::Acquired(held) => held,
        alignment_core::fsutil::TryLock::HeldBy(pid) => panic!("held by {pid:?}"),
    };
    for args in [EXECUTE, &["release", "--undo"]] {
        let out = f.xtask(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("a release of this workspace is already in progress")
                && err.contains(&format!("process {}", std::process::id())),
            "{args:?}: {err}"
        );
    }
    assert_same(&before, &f.state(), "refused release");
    let plan = f.xtask(&["release", "--bump", "minor", "--skip-tests"]);
    assert!(
        plan.status.success(),
        "the plan needs no lock: {}",
        stderr(&plan)
    );

    drop(held);
    let out = f.ok(EXECUTE);
    assert!(out.contains("released v0.2.0"), "{out}");
}
