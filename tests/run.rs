//! End-to-end tests of `git-align run`, `continue`, `abort`, `undo`, `restore`,
//! `backups` and `report` on real repositories with a bare origin.

use std::path::{Path, PathBuf};

use test_support::TestRepo;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn align_in(repo: &TestRepo, dir: &Path, args: &[&str]) -> Out {
    let output = repo
        .sandbox
        .command(env!("CARGO_BIN_EXE_git-align"), dir)
        .args(args)
        .output()
        .expect("spawn git-align");
    Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn align(repo: &TestRepo, args: &[&str]) -> Out {
    align_in(repo, repo.path(), args)
}

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr))
}

/// `main` with a feature branch `name` forked at the initial commit holding `commits`
/// commits touching `<name>-<i>.txt`.
fn feature(repo: &TestRepo, name: &str, commits: usize) -> String {
    let back = repo.git(["symbolic-ref", "--short", "HEAD"]);
    repo.git(["checkout", "-q", "-b", name, "main~0"]);
    for i in 0..commits {
        repo.commit_file(
            &format!("{}-{i}.txt", name.replace('/', "-")),
            &format!("{name} {i}\n"),
            &format!("feat: {name} {i}"),
        );
    }
    let tip = repo.head();
    repo.checkout(&back);
    tip
}

/// A repository with origin, where `main` moved on by one commit after the features
/// forked.
fn setup(features: &[(&str, usize)]) -> (TestRepo, Vec<String>) {
    let repo = TestRepo::with_origin();
    let tips = features
        .iter()
        .map(|(name, n)| feature(&repo, name, *n))
        .collect();
    repo.commit_file("main.txt", "main moved\n", "feat: main moves on");
    repo.git(["push", "-q", "origin", "main"]);
    young(&repo);
    (repo, tips)
}

/// Sandbox commits are dated from 2026-01-01, so with the default `age_days` every merge
/// base would count as old (`integration`); tests that are not about the class raise it.
const YOUNG: &str = "[complexity]\nage_days = 100000\n";

fn young(repo: &TestRepo) {
    repo.write(".git-align.toml", YOUNG);
}

fn is_ancestor(repo: &TestRepo, a: &str, b: &str) -> bool {
    repo.try_git(["merge-base", "--is-ancestor", a, b]).0 == 0
}

fn count(repo: &TestRepo, range: &str) -> usize {
    repo.git(["rev-list", "--count", range])
        .parse()
        .expect("count")
}

fn backup_of(repo: &TestRepo, branch: &str) -> String {
    let refs = repo.git([
        "for-each-ref",
        "--format=%(objectname)",
        &format!("refs/align/backups/{branch}/"),
    ]);
    refs.lines().last().expect("a backup exists").to_string()
}

fn state_file(repo: &TestRepo) -> PathBuf {
    repo.path().join(".git/align/state.json")
}

#[test]
fn rebase_of_a_branch_not_checked_out_leaves_the_users_work_untouched() {
    let (repo, tips) = setup(&[("feat/a", 2), ("other", 1)]);
    repo.checkout("other");
    repo.write("other-0.txt", "uncommitted change\n");
    repo.write("untracked.txt", "untracked\n");
    repo.write("staged.txt", "staged\n");
    repo.git(["add", "staged.txt"]);
    let before = repo.snapshot();
    let files_before: Vec<Vec<u8>> = ["other-0.txt", "untracked.txt", "staged.txt"]
        .iter()
        .map(|f| std::fs::read(repo.path().join(f)).expect("read"))
        .collect();

    let out = align(&repo, &["run", "feat/a"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let after = repo.snapshot();
    assert_eq!(before.head, after.head);
    assert_eq!(before.index, after.index);
    assert_eq!(before.status, after.status);
    let files_after: Vec<Vec<u8>> = ["other-0.txt", "untracked.txt", "staged.txt"]
        .iter()
        .map(|f| std::fs::read(repo.path().join(f)).expect("read"))
        .collect();
    assert_eq!(
        files_before, files_after,
        "uncommitted work is byte-identical"
    );
    assert!(is_ancestor(&repo, "main", "feat/a"));
    assert_eq!(count(&repo, "main..feat/a"), 2);
    assert_eq!(repo.git(["rev-list", "--merges", "main..feat/a"]), "");
    assert_eq!(backup_of(&repo, "feat/a"), tips[0]);
    assert_eq!(
        repo.git(["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );
}

#[test]
fn merge_strategy_creates_a_merge_commit() {
    let (repo, tips) = setup(&[("feat", 1)]);
    let out = align(&repo, &["--json", "run", "feat", "--strategy", "merge"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let parents = repo.git(["rev-list", "--parents", "-n1", "feat"]);
    let parents: Vec<&str> = parents.split_whitespace().collect();
    assert_eq!(parents.len(), 3, "a merge commit");
    assert_eq!(parents[1], tips[0]);
    assert_eq!(parents[2], repo.rev("main"));
    let doc = json(&out);
    assert_eq!(doc["schema"], "git-align/report/v1");
    assert_eq!(doc["branches"][0]["result"], "aligned");
    assert_eq!(doc["branches"][0]["strategy"], "merge");
}

#[test]
fn checked_out_branch_is_rebased_in_place() {
    let (repo, _) = setup(&[("feat", 2)]);
    repo.checkout("feat");
    let out = align(&repo, &["run", "feat", "--no-fetch"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.git(["symbolic-ref", "--short", "HEAD"]), "feat");
    assert!(is_ancestor(&repo, "main", "HEAD"));
    assert_eq!(
        repo.git(["status", "--porcelain", "--untracked-files=no"]),
        ""
    );
}

/// `feat` and `main` both change `shared.txt`.
fn conflicting(repo: &TestRepo, name: &str) -> String {
    let back = repo.git(["symbolic-ref", "--short", "HEAD"]);
    repo.git(["checkout", "-q", "-b", name, "main~0"]);
    repo.commit_file(
        "shared.txt",
        &format!("{name} version\n"),
        "feat: branch side",
    );
    let tip = repo.head();
    repo.checkout(&back);
    tip
}

fn conflict_setup() -> (TestRepo, String) {
    let repo = TestRepo::with_origin();
    repo.commit_file("shared.txt", "base version\n", "feat: shared file");
    let tip = conflicting(&repo, "feat");
    repo.commit_file("shared.txt", "main version\n", "feat: main side");
    repo.git(["push", "-q", "origin", "main"]);
    young(&repo);
    (repo, tip)
}

#[test]
fn conflict_stops_with_exit_3_and_continue_completes() {
    let (repo, _) = conflict_setup();
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(state_file(&repo).exists(), "state saved");
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["result"], "conflicts");
    assert_eq!(doc["branches"][0]["conflicts"][0]["path"], "shared.txt");
    assert_eq!(doc["branches"][0]["conflicts"][0]["code"], "UU");
    assert_eq!(doc["branches"][0]["conflicts"][0]["kind"], "both modified");
    let dir = PathBuf::from(doc["stopped"]["directory"].as_str().expect("dir"));
    assert_ne!(dir, repo.path(), "resolved in a temporary worktree");

    // Continuing without resolving is refused.
    let early = align(&repo, &["continue"]);
    assert_ne!(early.code, 0);
    assert!(early.stderr.contains("shared.txt"), "{}", early.stderr);

    std::fs::write(dir.join("shared.txt"), "resolved\n").expect("resolve");
    repo.sandbox.git(&dir, ["add", "shared.txt"]);
    let out = align(&repo, &["continue"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!state_file(&repo).exists());
    assert!(!dir.exists(), "temporary worktree removed");
    assert!(is_ancestor(&repo, "main", "feat"));
    assert_eq!(repo.git(["show", "feat:shared.txt"]), "resolved");
}

#[test]
fn continue_and_abort_work_from_inside_the_conflict_worktree() {
    // The stop message sends the user into the temporary worktree; continuing (or
    // aborting) from there must finish the operation even though it removes that
    // directory.
    let (repo, tip) = conflict_setup();
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let dir = PathBuf::from(json(&out)["stopped"]["directory"].as_str().expect("dir"));
    std::fs::write(dir.join("shared.txt"), "resolved\n").expect("resolve");
    repo.sandbox.git(&dir, ["add", "shared.txt"]);
    let out = align_in(&repo, &dir, &["continue"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!state_file(&repo).exists(), "operation finished");
    assert!(!dir.exists(), "temporary worktree removed");
    assert_eq!(repo.git(["show", "feat:shared.txt"]), "resolved");

    repo.git(["branch", "-f", "feat", &tip]);
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let dir = PathBuf::from(json(&out)["stopped"]["directory"].as_str().expect("dir"));
    let out = align_in(&repo, &dir, &["abort"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tip);
    assert!(!state_file(&repo).exists());
    assert!(!dir.exists());
}

#[test]
fn abort_returns_the_branch_to_its_backup_exactly() {
    let (repo, tip) = conflict_setup();
    let before = repo.snapshot();
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 3);
    assert!(out.stdout.contains("both modified"), "{}", out.stdout);
    assert!(out.stdout.contains("git-align continue"), "{}", out.stdout);
    let out = align(&repo, &["abort"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tip);
    assert_eq!(backup_of(&repo, "feat"), tip);
    assert!(!state_file(&repo).exists());
    let after = repo.snapshot();
    assert_eq!(before.head, after.head);
    assert_eq!(before.status, after.status);
    assert_eq!(
        repo.git(["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );
}

#[test]
fn conflict_on_the_checked_out_branch_abort_restores_checkout_and_autostash() {
    let (repo, tip) = conflict_setup();
    repo.checkout("feat");
    repo.write("README.md", "local edit\n");
    let out = align(&repo, &["run", "feat", "--autostash"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let out = align(&repo, &["abort"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tip);
    assert_eq!(repo.git(["symbolic-ref", "--short", "HEAD"]), "feat");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("README.md")).expect("read"),
        "local edit\n"
    );
}

#[test]
fn all_continues_past_a_conflicting_branch_and_undo_restores_every_branch() {
    let repo = TestRepo::with_origin();
    let a = feature(&repo, "a", 1);
    let b = conflicting(&repo, "b");
    let c = feature(&repo, "c", 2);
    let merged = feature(&repo, "merged", 0);
    repo.commit_file("shared.txt", "main version\n", "feat: main side");
    repo.git(["push", "-q", "origin", "main"]);
    young(&repo);

    let out = align(&repo, &["--json", "run", "--all"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    let results: Vec<(String, String)> = doc["branches"]
        .as_array()
        .expect("branches")
        .iter()
        .map(|b| {
            (
                b["branch"].as_str().unwrap_or_default().to_string(),
                b["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        results,
        vec![
            ("a".into(), "aligned".into()),
            ("b".into(), "conflicts".into()),
            ("c".into(), "aligned".into()),
        ]
    );
    assert!(
        !state_file(&repo).exists(),
        "--all leaves no stopped operation"
    );
    assert_eq!(repo.rev("b"), b, "conflicting branch untouched");
    assert_eq!(repo.rev("merged"), merged);
    assert!(is_ancestor(&repo, "main", "a") && is_ancestor(&repo, "main", "c"));

    let report = align(&repo, &["report", "--format", "markdown"]);
    assert_eq!(report.code, 0);
    assert!(
        report
            .stdout
            .contains("| b | main | rebase | simple | conflicts |"),
        "{}",
        report.stdout
    );

    let out = align(&repo, &["undo"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("a"), a);
    assert_eq!(repo.rev("b"), b);
    assert_eq!(repo.rev("c"), c);
}

#[test]
fn undo_refuses_when_a_branch_moved_since() {
    let (repo, _) = setup(&[("feat", 1)]);
    assert_eq!(align(&repo, &["run", "feat"]).code, 0);
    repo.checkout("feat");
    repo.commit_file("later.txt", "later\n", "feat: later work");
    let moved = repo.rev("feat");
    let out = align(&repo, &["undo"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("moved since"), "{}", out.stderr);
    assert_eq!(repo.rev("feat"), moved);
}

#[test]
fn failing_critical_validator_restores_the_branch_and_exits_4() {
    let (repo, tips) = setup(&[("feat", 1)]);
    repo.write(
        ".git-align.toml",
        "[complexity]\nage_days = 100000\n[[validate]]\nname = \"always-fails\"\n\
         run = [\"sh\", \"-c\", \"echo building; echo 'test parser ... FAILED' >&2; exit 1\"]\n\
         severity = \"critical\"\ntimeout_s = 30\n",
    );
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 4, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tips[0]);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["result"], "validation-failed");
    let checks = doc["branches"][0]["checks"].as_array().expect("checks");
    let failed = checks
        .iter()
        .find(|c| c["name"] == "always-fails")
        .expect("validator reported");
    assert_eq!(failed["passed"], false);
    let detail = failed["detail"].as_str().expect("detail");
    assert!(
        detail.contains("test parser ... FAILED") && detail.contains("building"),
        "the report quotes the validator's output: {detail}"
    );
}

#[test]
fn warning_validator_is_reported_and_alignment_stands() {
    let (repo, tips) = setup(&[("feat", 1)]);
    repo.write(
        ".git-align.toml",
        "[complexity]\nage_days = 100000\n[[validate]]\nname = \"lint\"\nrun = [\"false\"]\nseverity = \"warning\"\n",
    );
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("warning: lint"), "{}", out.stdout);
    assert_ne!(repo.rev("feat"), tips[0]);
}

#[test]
fn chunked_class_aligns_in_batches() {
    let (repo, _) = setup(&[("feat", 5)]);
    repo.write(
        ".git-align.toml",
        "[complexity]\ncommits = 2\nbatch_size = 2\nage_days = 100000\n",
    );
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["class"], "chunked");
    assert_eq!(doc["branches"][0]["commits_replayed"], 5);
    assert!(is_ancestor(&repo, "main", "feat"));
    assert_eq!(count(&repo, "main..feat"), 5);
    assert_eq!(repo.git(["for-each-ref", "refs/align/tmp/"]), "");
}

#[test]
fn chunked_conflict_stops_in_a_later_batch_and_abort_restores() {
    let repo = TestRepo::with_origin();
    repo.git(["checkout", "-q", "-b", "feat"]);
    for i in 0..3 {
        repo.commit_file(&format!("f{i}.txt"), "x\n", "feat: clean");
    }
    repo.commit_file("shared.txt", "branch\n", "feat: conflicting");
    repo.commit_file("f9.txt", "x\n", "feat: after");
    let tip = repo.head();
    repo.checkout("main");
    repo.commit_file("shared.txt", "main\n", "feat: main side");
    repo.write(
        ".git-align.toml",
        "[complexity]\ncommits = 2\nbatch_size = 2\nage_days = 100000\n",
    );
    let out = align(&repo, &["--json", "run", "feat", "--no-fetch"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["class"], "chunked");
    assert_eq!(doc["branches"][0]["conflicts"][0]["path"], "shared.txt");
    assert_eq!(align(&repo, &["abort"]).code, 0);
    assert_eq!(repo.rev("feat"), tip);
}

#[test]
fn dirty_checked_out_branch_is_refused_with_nothing_changed() {
    let (repo, _) = setup(&[("feat", 1)]);
    repo.checkout("feat");
    repo.write("feat-0.txt", "dirty\n");
    let before = repo.snapshot();
    let out = align(&repo, &["run", "feat", "nope", "main"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    // Every problem is reported together.
    assert!(out.stderr.contains("uncommitted changes"), "{}", out.stderr);
    assert!(
        out.stderr.contains("\"nope\" does not exist"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("primary target"), "{}", out.stderr);
    assert_eq!(before, repo.snapshot());
}

#[test]
fn autostash_restores_uncommitted_changes() {
    let (repo, _) = setup(&[("feat", 1)]);
    repo.checkout("feat");
    repo.write("feat-0.txt", "dirty\n");
    let out = align(&repo, &["run", "feat", "--autostash"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(is_ancestor(&repo, "main", "feat"));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("feat-0.txt")).expect("read"),
        "dirty\n"
    );
    assert_eq!(repo.git(["stash", "list"]), "");
}

#[test]
fn dry_run_changes_nothing_and_prints_the_plan() {
    let (repo, _) = setup(&[("feat", 1), ("other", 2)]);
    let before = repo.snapshot();
    let out = align(&repo, &["--dry-run", "--json", "run", "--all"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"].as_array().map(Vec::len), Some(2));
    assert_eq!(doc["branches"][0]["class"], "simple");
    assert_eq!(before, repo.snapshot());
    assert!(!repo.path().join(".git/align/reports").exists());
    assert!(!state_file(&repo).exists());
}

#[test]
fn run_fetches_the_target_from_origin() {
    let (repo, _) = setup(&[("feat", 1)]);
    let other = repo.sandbox.path().join("other");
    let origin = repo
        .origin()
        .expect("origin")
        .to_string_lossy()
        .into_owned();
    repo.sandbox.git(
        repo.sandbox.path(),
        ["clone", "-q", &origin, &other.to_string_lossy()],
    );
    std::fs::write(other.join("remote.txt"), "remote\n").expect("write");
    repo.sandbox.git(&other, ["add", "remote.txt"]);
    repo.sandbox
        .git(&other, ["commit", "-q", "-m", "feat: remote work"]);
    repo.sandbox.git(&other, ["push", "-q", "origin", "main"]);
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(is_ancestor(&repo, "origin/main", "feat"));
}

#[test]
fn restore_backups_and_report_formats() {
    let (repo, tips) = setup(&[("feat", 1)]);
    assert_eq!(align(&repo, &["run", "feat"]).code, 0);
    let list = align(&repo, &["--json", "backups", "list"]);
    let doc = json(&list);
    assert_eq!(doc[0]["branch"], "feat");
    assert_eq!(doc[0]["commit"], tips[0].as_str());

    let out = align(&repo, &["restore", "feat"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tips[0]);

    let prune = align(&repo, &["--dry-run", "backups", "prune"]);
    assert_eq!(prune.code, 0);
    assert!(
        prune.stdout.contains("would delete 0 of 1"),
        "{}",
        prune.stdout
    );

    let html = align(&repo, &["report", "--format", "html"]);
    assert!(html.stdout.starts_with("<!DOCTYPE html>"));
    let csv = align(&repo, &["report", "--format", "csv"]);
    assert!(
        csv.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains(",feat,main,rebase,simple,aligned,1,"))
    );
    let json_report = json(&align(&repo, &["report", "--format", "json"]));
    assert_eq!(json_report["schema"], "git-align/report/v1");
    assert!(
        json_report["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("align-"))
    );
}

#[test]
fn restore_refuses_to_discard_uncommitted_changes() {
    let (repo, _) = setup(&[("feat", 1)]);
    assert_eq!(align(&repo, &["run", "feat"]).code, 0);
    repo.checkout("feat");
    repo.write("feat-0.txt", "dirty\n");
    let before = repo.snapshot();
    let out = align(&repo, &["restore", "feat"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(before, repo.snapshot());
}

#[test]
fn integration_class_forces_the_merge_strategy() {
    let (repo, tips) = setup(&[("feat", 1)]);
    // Default thresholds: the merge base (2026-01-01) is older than 90 days.
    std::fs::remove_file(repo.path().join(".git-align.toml")).expect("remove config");
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["class"], "integration");
    assert_eq!(doc["branches"][0]["strategy"], "merge");
    assert!(
        doc["branches"][0]["class_reason"]
            .as_str()
            .is_some_and(|r| r.contains("merge strategy forced"))
    );
    let parents = repo.git(["rev-list", "--parents", "-n1", "feat"]);
    assert_eq!(parents.split_whitespace().nth(1), Some(tips[0].as_str()));
    assert_eq!(parents.split_whitespace().count(), 3);
}

#[test]
fn all_reports_a_branch_without_shared_history_and_aligns_the_rest() {
    let (repo, _) = setup(&[("feat", 1)]);
    repo.git(["checkout", "-q", "--orphan", "orphan"]);
    repo.git(["rm", "-q", "-r", "--cached", "."]);
    repo.commit_file("orphan.txt", "orphan\n", "feat: unrelated history");
    repo.git(["checkout", "-q", "-f", "main"]);
    young(&repo);
    let out = align(&repo, &["--json", "run", "--all"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    let rows = doc["branches"].as_array().expect("branches");
    assert!(
        rows.iter()
            .any(|b| b["branch"] == "feat" && b["result"] == "aligned")
    );
    assert!(
        rows.iter()
            .any(|b| b["branch"] == "orphan" && b["result"] == "skipped")
    );
}

#[test]
fn a_branch_checked_out_in_another_worktree_is_left_alone() {
    let (repo, tips) = setup(&[("feat", 1), ("other", 1)]);
    let wt = repo.sandbox.path().join("wt");
    repo.git(["worktree", "add", "-q", &wt.to_string_lossy(), "feat"]);
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("checked out in the worktree"),
        "{}",
        out.stderr
    );
    let out = align(&repo, &["--json", "run", "--all"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["branch"], "feat");
    assert_eq!(doc["branches"][0]["result"], "skipped");
    assert_eq!(doc["branches"][1]["result"], "aligned");
    assert_eq!(repo.rev("feat"), tips[0]);
}

#[test]
fn deleted_by_us_is_reported_with_its_kind() {
    let repo = TestRepo::with_origin();
    repo.commit_file("shared.txt", "base\n", "feat: shared file");
    let tip = conflicting(&repo, "feat");
    repo.git(["rm", "-q", "shared.txt"]);
    repo.git(["commit", "-q", "-m", "feat: main deletes"]);
    young(&repo);
    let out = align(&repo, &["--json", "run", "feat", "--no-fetch"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["conflicts"][0]["code"], "DU");
    assert_eq!(doc["branches"][0]["conflicts"][0]["kind"], "deleted by us");
    assert_eq!(doc["branches"][0]["conflict_commit"], tip.as_str());
    assert_eq!(align(&repo, &["abort"]).code, 0);
    assert_eq!(repo.rev("feat"), tip);
}

#[test]
fn merge_conflict_continue_commits_the_merge() {
    let (repo, tip) = conflict_setup();
    let out = align(&repo, &["--json", "run", "feat", "--strategy", "merge"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    let dir = PathBuf::from(json(&out)["stopped"]["directory"].as_str().expect("dir"));
    std::fs::write(dir.join("shared.txt"), "merged\n").expect("resolve");
    repo.sandbox.git(&dir, ["add", "shared.txt"]);
    let out = align(&repo, &["--json", "continue"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(json(&out)["branches"][0]["result"], "aligned");
    let parents = repo.git(["rev-list", "--parents", "-n1", "feat"]);
    let parents: Vec<&str> = parents.split_whitespace().collect();
    assert_eq!(parents.len(), 3);
    assert_eq!(parents[1], tip);
    assert_eq!(repo.git(["show", "feat:shared.txt"]), "merged");
}

#[test]
fn conflict_on_the_checked_out_branch_is_resolved_in_place() {
    let (repo, _) = conflict_setup();
    repo.checkout("feat");
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("temporary worktree"), "{}", out.stdout);
    repo.write("shared.txt", "resolved\n");
    repo.git(["add", "shared.txt"]);
    let out = align(&repo, &["continue"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.git(["symbolic-ref", "--short", "HEAD"]), "feat");
    assert!(is_ancestor(&repo, "main", "feat"));
    let undo = align(&repo, &["undo"]);
    assert_eq!(undo.code, 0, "{}{}", undo.stdout, undo.stderr);
    assert_eq!(repo.rev("feat"), backup_of(&repo, "feat"));
}

#[test]
fn all_skips_a_dirty_checked_out_branch_and_aligns_the_others() {
    let (repo, tips) = setup(&[("feat", 1), ("other", 1)]);
    repo.checkout("feat");
    repo.write("feat-0.txt", "dirty\n");
    let out = align(&repo, &["--json", "run", "--all"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let doc = json(&out);
    assert_eq!(doc["branches"][0]["result"], "skipped");
    assert_eq!(doc["branches"][1]["result"], "aligned");
    assert_eq!(repo.rev("feat"), tips[0]);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("feat-0.txt")).expect("read"),
        "dirty\n"
    );
}

#[test]
fn a_validator_that_hangs_is_killed_at_its_timeout() {
    let (repo, tips) = setup(&[("feat", 1)]);
    repo.write(
        ".git-align.toml",
        "[complexity]\nage_days = 100000\n[[validate]]\nname = \"hangs\"\nrun = [\"sh\", \"-c\", \"sleep 30; true\"]\ntimeout_s = 1\n",
    );
    let started = std::time::Instant::now();
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 4, "{}{}", out.stdout, out.stderr);
    assert!(started.elapsed().as_secs() < 15);
    let doc = json(&out);
    let checks = doc["branches"][0]["checks"].as_array().expect("checks");
    assert!(checks.iter().any(|c| {
        c["name"] == "hangs"
            && c["detail"]
                .as_str()
                .is_some_and(|d| d.contains("timed out"))
    }));
    assert_eq!(repo.rev("feat"), tips[0]);
}

#[test]
fn continue_after_the_user_aborted_git_itself_points_to_abort() {
    let (repo, tip) = conflict_setup();
    let out = align(&repo, &["--json", "run", "feat"]);
    assert_eq!(out.code, 3);
    let dir = PathBuf::from(json(&out)["stopped"]["directory"].as_str().expect("dir"));
    repo.sandbox.git(&dir, ["rebase", "--abort"]);
    let out = align(&repo, &["continue"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("git-align abort"), "{}", out.stderr);
    assert_eq!(align(&repo, &["abort"]).code, 0);
    assert_eq!(repo.rev("feat"), tip);
    assert!(!state_file(&repo).exists());
}

#[test]
fn history_replay_cannot_handle_falls_back_to_a_temporary_worktree_rebase() {
    let repo = TestRepo::with_origin();
    repo.git(["checkout", "-q", "-b", "feat"]);
    repo.commit_file("a.txt", "a\n", "feat: a");
    repo.git(["checkout", "-q", "-b", "side", "main"]);
    repo.commit_file("b.txt", "b\n", "feat: b");
    repo.checkout("feat");
    repo.git(["merge", "-q", "--no-ff", "--no-edit", "side"]);
    repo.sandbox.tick(60);
    repo.checkout("main");
    repo.commit_file("main.txt", "main\n", "feat: main moves on");
    young(&repo);
    let before = repo.snapshot();
    let out = align(&repo, &["run", "feat", "--no-fetch"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(is_ancestor(&repo, "main", "feat"));
    assert_eq!(repo.git(["rev-list", "--merges", "main..feat"]), "");
    assert_eq!(repo.git(["show", "feat:b.txt"]), "b");
    let after = repo.snapshot();
    assert_eq!(
        (before.head, before.index, before.status),
        (after.head, after.index, after.status)
    );
    assert_eq!(
        repo.git(["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );
}

#[test]
fn prune_deletes_old_backups_but_keeps_the_newest() {
    let (repo, tips) = setup(&[("feat", 1)]);
    for stamp in ["20200101T000000Z", "20200102T000000Z", "20200103T000000Z"] {
        repo.git([
            "update-ref",
            &format!("refs/align/backups/feat/{stamp}"),
            &tips[0],
        ]);
    }
    repo.write(
        ".git-align.toml",
        "[complexity]\nage_days = 100000\n[backup]\nretention_days = 30\nkeep = 1\n",
    );
    let before = repo.snapshot();
    let dry = align(&repo, &["--dry-run", "backups", "prune"]);
    assert_eq!(dry.code, 0, "{}{}", dry.stdout, dry.stderr);
    assert!(dry.stdout.contains("would delete 2 of 3"), "{}", dry.stdout);
    assert_eq!(before, repo.snapshot());
    let out = align(&repo, &["backups", "prune"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        repo.git(["for-each-ref", "--format=%(refname)", "refs/align/backups/"]),
        "refs/align/backups/feat/20200103T000000Z"
    );
}

#[test]
fn a_second_operation_is_refused_while_another_holds_the_lock() {
    let (repo, tips) = setup(&[("feat/a", 1)]);
    let held = alignment_core::oplock::OperationLock::acquire_in(&repo.path().join(".git/align"))
        .expect("hold the lock");
    let before = repo.snapshot();
    let commands: [&[&str]; 5] = [
        &["run", "feat/a"],
        &["run", "--all"],
        &["undo"],
        &["restore", "feat/a"],
        &["backups", "prune"],
    ];
    for args in commands {
        let out = align(&repo, args);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr
                .contains("another git-align operation is running")
                && out
                    .stderr
                    .contains(&format!("process {}", std::process::id())),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert_eq!(repo.snapshot(), before);
    assert_eq!(repo.rev("feat/a"), tips[0]);
    let dry = align(&repo, &["run", "--dry-run", "feat/a"]);
    assert_eq!(dry.code, 0, "a dry run needs no lock: {}", dry.stderr);

    drop(held);
    let out = align(&repo, &["run", "feat/a"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(is_ancestor(&repo, "main", "feat/a"));
}

#[test]
fn restore_and_undo_of_a_branch_checked_out_in_another_worktree_are_done_from_there() {
    let (repo, tips) = setup(&[("feat", 1), ("other", 1)]);
    let out = align(&repo, &["run", "feat", "other"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let aligned = repo.rev("feat");
    let wt = repo.sandbox.path().join("wt");
    repo.git(["worktree", "add", "-q", &wt.to_string_lossy(), "feat"]);

    for args in [&["restore", "feat"][..], &["undo"]] {
        let out = align(&repo, args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr
                .contains(&format!("checked out in the worktree {}", wt.display())),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(repo.rev("feat"), aligned, "{args:?} moved the branch");
        assert_ne!(
            repo.rev("other"),
            tips[1],
            "{args:?} undid part of the operation"
        );
    }

    let out = align_in(&repo, &wt, &["undo"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tips[0]);
    assert_eq!(repo.rev("other"), tips[1]);
    let files = repo.sandbox.git(&wt, ["status", "--porcelain"]);
    assert_eq!(files, "", "the worktree's files did not follow its branch");
}

#[test]
fn restore_refuses_a_branch_whose_alignment_is_stopped_on_conflicts() {
    let (repo, tip) = conflict_setup();
    let out = align(&repo, &["run", "feat"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);

    let out = align(&repo, &["restore", "feat"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("stopped on conflicts"),
        "{}",
        out.stderr
    );
    assert!(state_file(&repo).exists());

    let out = align(&repo, &["abort"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev("feat"), tip);
}

#[test]
fn branches_named_with_shell_and_html_metacharacters_align_undo_and_report_safely() {
    let names = [
        "feat/$(touch${IFS}pwned)",
        "feat/ünï<b>&\"q\"`touch${IFS}pwned`",
    ];
    let (repo, tips) = setup(&[(names[0], 1), (names[1], 1)]);

    let out = align(&repo, &["run", "--all"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for name in names {
        assert!(is_ancestor(&repo, "main", name), "{name} not aligned");
        assert!(out.stdout.contains(name), "{}", out.stdout);
    }
    let html = align(&repo, &["report", "--format", "html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    assert!(
        html.stdout.contains("feat/ünï&lt;b&gt;&amp;&quot;q&quot;")
            && !html.stdout.contains("<b>&"),
        "branch name not escaped in HTML"
    );
    let csv = align(&repo, &["report", "--format", "csv"]);
    assert!(
        csv.stdout
            .contains("\"feat/ünï<b>&\"\"q\"\"`touch${IFS}pwned`\""),
        "{}",
        csv.stdout
    );

    let out = align(&repo, &["undo"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(repo.rev(names[0]), tips[0]);
    assert_eq!(repo.rev(names[1]), tips[1]);
    let out = align(&repo, &["run", "feat/a b"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not a valid branch name"),
        "{}",
        out.stderr
    );
    assert!(
        !repo.path().join("pwned").exists() && !repo.sandbox.path().join("pwned").exists(),
        "a branch name was run by a shell"
    );
}
