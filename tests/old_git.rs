//! git-align on an older git than the development one: the per-branch `rev-list`
//! fallback for ahead/behind (git < 2.41), per-pair `merge-tree` without `--stdin`
//! (git < 2.40) and the temporary-worktree rebase instead of `git replay` (git < 2.44)
//! must give the same answers as the fast paths. And a git older than 2.38 is refused.
//!
//! The older git is found at `GIT_ALIGN_TEST_OLD_GIT`, else among the system's other
//! gits (`/usr/bin/git`, `/bin/git`; Debian 12 ships 2.39); a machine without one skips
//! the comparison tests with a note on stderr.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use test_support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_git-align");

/// `(major, minor)` printed by `git --version` of `program`.
fn version_of(program: &Path) -> Option<(u32, u32)> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let number = text.trim().strip_prefix("git version ")?;
    let mut parts = number.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// A git in `[2.38, 2.41)`: old enough for every fallback, new enough to be supported.
fn old_git() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("GIT_ALIGN_TEST_OLD_GIT") {
        Some(path) => vec![PathBuf::from(path)],
        None => vec!["/usr/bin/git".into(), "/bin/git".into()],
    };
    let found = candidates
        .into_iter()
        .find(|path| version_of(path).is_some_and(|version| ((2, 38)..(2, 41)).contains(&version)));
    if found.is_none() {
        eprintln!("note: no git 2.38–2.40 found (set GIT_ALIGN_TEST_OLD_GIT); skipped");
    }
    found
}

/// A directory, first on `PATH`, whose `git` is `program`.
fn path_with_git(repo: &TestRepo, program: &Path) -> String {
    let bin = repo.sandbox.path().join("old-git-bin");
    std::fs::create_dir_all(&bin).expect("create bin dir");
    let link = bin.join("git");
    if !link.exists() {
        symlink(program, &link).expect("symlink git");
    }
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

/// Runs git-align in `dir`, with `path` as `PATH` when given: (exit code, stdout, stderr).
fn align(repo: &TestRepo, dir: &Path, path: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut command = repo.sandbox.command(BIN, dir);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.args(args).output().expect("spawn git-align");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `name` forked from `start` with one commit writing `content` to `path`.
fn branch_with_commit(repo: &TestRepo, name: &str, start: &str, path: &str, content: &str) {
    repo.git(["checkout", "-q", "-b", name, start]);
    repo.commit_file(path, content, &format!("feat: {path} on {name}"));
    repo.checkout("main");
}

/// Every kind of branch status answers for: aligned, behind, diverged without and with a
/// conflict, merged, rule-matched to a second primary, and unrelated history.
fn varied_repository() -> TestRepo {
    let repo = TestRepo::with_origin();
    repo.write(
        ".git-align.toml",
        "primary_targets = [\"main\", \"scientific\"]\n\
         [[rule]]\npattern = \"sci/*\"\ntarget = \"scientific\"\n\
         [complexity]\nage_days = 100000\n",
    );
    repo.commit_file("shared.txt", "one\n", "feat: shared");
    repo.branch("scientific", "main");
    branch_with_commit(&repo, "aligned", "main", "aligned.txt", "a\n");
    branch_with_commit(&repo, "feat/diverged", "main", "diverged.txt", "d\n");
    branch_with_commit(&repo, "feat/conflict", "main", "shared.txt", "theirs\n");
    branch_with_commit(&repo, "sci/model", "scientific", "model.txt", "m\n");
    branch_with_commit(&repo, "merged", "main", "merged.txt", "m\n");
    repo.git(["merge", "-q", "--no-ff", "-m", "merge merged", "merged"]);
    repo.branch("behind", "main");
    repo.commit_file("shared.txt", "ours\n", "feat: main changes shared");
    repo.commit_file("more.txt", "more\n", "feat: main moves on");
    repo.git(["checkout", "-q", "--orphan", "unrelated"]);
    repo.commit_file("alone.txt", "alone\n", "feat: unrelated history");
    repo.checkout("main");
    repo.git(["push", "-q", "origin", "main", "scientific"]);
    repo
}

fn status(repo: &TestRepo, path: Option<&str>) -> Value {
    let (code, stdout, stderr) = align(repo, repo.path(), path, &["status", "--json"]);
    assert_eq!(code, 0, "status failed: {stderr}");
    serde_json::from_str(&stdout).expect("status JSON")
}

fn branch<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["branches"]
        .as_array()
        .expect("branches")
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {report:#}"))
}

#[test]
fn status_on_old_git_matches_the_fast_paths() {
    let Some(old) = old_git() else { return };
    let repo = varied_repository();
    let path = path_with_git(&repo, &old);

    let new = status(&repo, None);
    let old = status(&repo, Some(&path));

    assert_eq!(old["branches"], new["branches"], "old git disagrees");
    assert_eq!(old["targets"], new["targets"]);
    let conflict = branch(&new, "feat/conflict");
    assert_eq!(
        conflict["predicted_conflicts"],
        serde_json::json!(["shared.txt"])
    );
    assert_eq!(conflict["behind"], 4);
    let unrelated = branch(&new, "unrelated");
    assert!(unrelated["error"].is_string(), "{unrelated:#}");
    let dates: Vec<&str> = new["branches"]
        .as_array()
        .expect("branches")
        .iter()
        .filter_map(|b| b["last_commit_date"].as_str())
        .collect();
    assert!(dates.iter().all(|d| d.ends_with('Z')), "{dates:?}");
}

#[test]
fn run_conflict_continue_and_abort_on_old_git() {
    let Some(old) = old_git() else { return };
    let repo = varied_repository();
    let path = path_with_git(&repo, &old);
    let path = Some(path.as_str());
    let diverged_before = repo.rev("feat/diverged");
    let conflict_before = repo.rev("feat/conflict");
    let head_before = repo.head();

    // A branch not checked out: rebased in a temporary worktree, no `git replay`.
    let (code, stdout, stderr) = align(&repo, repo.path(), path, &["run", "feat/diverged"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_ne!(repo.rev("feat/diverged"), diverged_before);
    assert_eq!(repo.rev("feat/diverged~1"), repo.rev("main"));
    assert_eq!(repo.head(), head_before, "the user's checkout moved");
    assert_eq!(
        repo.git(["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );

    // A conflict: stop with exit 3, abort puts the branch back exactly.
    let (code, stdout, _) = align(&repo, repo.path(), path, &["run", "feat/conflict"]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("shared.txt"), "{stdout}");
    let (code, _, stderr) = align(&repo, repo.path(), path, &["abort"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(repo.rev("feat/conflict"), conflict_before);

    // Again, resolved by hand in the conflict worktree and continued.
    let (code, stdout, _) = align(&repo, repo.path(), path, &["run", "feat/conflict"]);
    assert_eq!(code, 3);
    let worktree = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("cd "))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no worktree to resolve in: {stdout}"));
    std::fs::write(worktree.join("shared.txt"), "resolved\n").expect("resolve");
    repo.sandbox.git(&worktree, ["add", "shared.txt"]);
    let (code, stdout, stderr) = align(&repo, repo.path(), path, &["continue"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(repo.rev("feat/conflict~1"), repo.rev("main"));
    assert_eq!(repo.git(["show", "feat/conflict:shared.txt"]), "resolved");
    assert_eq!(repo.head(), head_before);
}

#[test]
fn git_older_than_2_38_is_refused_with_a_clear_message() {
    let repo = TestRepo::new();
    let bin = repo.sandbox.path().join("ancient-git-bin");
    std::fs::create_dir_all(&bin).expect("create bin dir");
    let fake = bin.join("git");
    std::fs::write(&fake, "#!/bin/sh\necho 'git version 2.30.9'\n").expect("write fake git");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let before = repo.snapshot();

    let (code, stdout, stderr) = align(&repo, repo.path(), Some(&path), &["status"]);

    assert_ne!(code, 0, "{stdout}");
    assert!(stderr.contains("2.30.9"), "{stderr}");
    assert!(stderr.contains("2.38"), "{stderr}");
    assert_eq!(repo.snapshot(), before);
}
