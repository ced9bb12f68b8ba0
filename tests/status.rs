//! End-to-end tests of `git-align status` on real temporary repositories.

use serde_json::Value;
use test_support::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_git-align");

/// Runs git-align in `dir` with the sandbox environment: (exit code, stdout, stderr).
fn align(repo: &TestRepo, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = repo
        .sandbox
        .command(BIN, dir)
        .args(args)
        .output()
        .expect("spawn git-align");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `git-align status --json` in the repository; panics unless it exits 0.
fn status_json(repo: &TestRepo, extra: &[&str]) -> Value {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = align(repo, repo.path(), &args);
    assert_eq!(code, 0, "status failed: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("valid JSON on stdout");
    assert_eq!(report["schema"], "git-align/status/v1");
    report
}

fn branch<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["branches"]
        .as_array()
        .expect("branches array")
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("branch {name} missing from {report:#}"))
}

fn names(report: &Value) -> Vec<String> {
    report["branches"]
        .as_array()
        .expect("branches array")
        .iter()
        .map(|b| b["name"].as_str().expect("name").to_string())
        .collect()
}

/// main: README, then a.txt, b.txt commits.
fn repo_with_history() -> TestRepo {
    let repo = TestRepo::with_origin();
    repo.commit_file("a.txt", "a\n", "feat: a");
    repo.commit_file("b.txt", "b\n", "feat: b");
    repo.git(["push", "-q", "origin", "main"]);
    repo
}

/// Creates `name` at `start` with one commit changing `path`, then returns to main.
fn branch_with_commit(repo: &TestRepo, name: &str, start: &str, path: &str, content: &str) {
    repo.git(["checkout", "-q", "-b", name, start]);
    repo.commit_file(path, content, &format!("feat: {path} on {name}"));
    repo.checkout("main");
}

#[test]
fn reports_aligned_behind_diverged_and_merged_branches() {
    let repo = repo_with_history();
    branch_with_commit(&repo, "aligned", "main", "aligned.txt", "x\n");
    repo.branch("behind", "main~2");
    branch_with_commit(&repo, "diverged", "main~1", "diverged.txt", "d\n");
    branch_with_commit(&repo, "merged", "main", "merged.txt", "m\n");
    repo.git(["merge", "-q", "--no-ff", "-m", "merge merged", "merged"]);
    repo.git(["push", "-q", "origin", "main"]);

    let report = status_json(&repo, &[]);
    assert_eq!(names(&report), ["aligned", "behind", "diverged", "merged"]);
    let aligned = branch(&report, "aligned");
    assert_eq!(aligned["ahead"], 1);
    assert_eq!(
        aligned["behind"], 2,
        "main gained `merged` and the merge commit"
    );
    let behind = branch(&report, "behind");
    assert_eq!(
        (behind["ahead"].as_u64(), behind["behind"].as_u64()),
        (Some(0), Some(4))
    );
    assert_eq!(behind["aligned"], false);
    assert_eq!(behind["merged"], true);
    let diverged = branch(&report, "diverged");
    assert_eq!(diverged["ahead"], 1);
    assert_eq!(diverged["behind"], 3);
    assert_eq!(diverged["aligned"], false);
    assert_eq!(diverged["merged"], false);
    assert_eq!(diverged["predicted_conflicts"], serde_json::json!([]));
    assert_eq!(diverged["files_changed"], 1);
    assert!(diverged["complexity"].is_string());
    assert_eq!(diverged["target"], "main");
    assert_eq!(diverged["target_ref"], "refs/heads/main");
    assert!(diverged["error"].is_null());
    let merged = branch(&report, "merged");
    assert_eq!(merged["ahead"], 0);
    assert_eq!(merged["merged"], true);

    // A branch that is aligned in the strict sense: target tip is its ancestor.
    branch_with_commit(&repo, "fresh", "main", "fresh.txt", "f\n");
    let fresh = status_json(&repo, &["fresh"]);
    assert_eq!(names(&fresh), ["fresh"]);
    let fresh = branch(&fresh, "fresh");
    assert_eq!(fresh["aligned"], true);
    assert_eq!(fresh["behind"], 0);
    assert_eq!(fresh["ahead"], 1);
}

#[test]
fn predicts_conflicting_files_and_changes_nothing() {
    let repo = repo_with_history();
    branch_with_commit(&repo, "clash", "main", "a.txt", "branch version\n");
    repo.commit_file("a.txt", "main version\n", "feat: main changes a");
    let before = repo.snapshot();
    let objects_before = repo.git(["count-objects", "-v"]);

    let report = status_json(&repo, &[]);
    let clash = branch(&report, "clash");
    assert_eq!(clash["predicted_conflicts"], serde_json::json!(["a.txt"]));

    // Served from the cache the second time, same answer; human table names the file.
    let (code, table, _) = align(&repo, repo.path(), &["status"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("clash") && table.contains("a.txt"),
        "{table}"
    );
    let (code, _, _) = align(
        &repo,
        repo.path(),
        &["status", "--no-predict", "--jobs", "1"],
    );
    assert_eq!(code, 0);
    let unpredicted = status_json(&repo, &["--no-predict"]);
    assert!(branch(&unpredicted, "clash")["predicted_conflicts"].is_null());

    assert_eq!(
        repo.snapshot(),
        before,
        "status must not change the repository"
    );
    assert_eq!(
        repo.git(["count-objects", "-v"]),
        objects_before,
        "prediction must leave no objects behind"
    );
}

#[test]
fn rule_matched_and_merge_base_chosen_targets() {
    let repo = repo_with_history();
    repo.write(
        ".git-align.toml",
        "primary_targets = [\"main\", \"develop\"]\n\
         [[rule]]\npattern = \"sci/*\"\ntarget = \"scientific\"\n",
    );
    repo.git(["add", ".git-align.toml"]);
    repo.git(["commit", "-q", "-m", "chore: config"]);
    repo.sandbox.tick(60);
    repo.branch("scientific", "main");
    repo.git(["checkout", "-q", "-b", "develop", "main"]);
    repo.commit_file("dev.txt", "d\n", "feat: develop work");
    repo.checkout("main");
    branch_with_commit(&repo, "sci/model", "main", "model.txt", "m\n");
    branch_with_commit(&repo, "on-develop", "develop", "x.txt", "x\n");
    repo.commit_file("later.txt", "l\n", "feat: main moves on");
    branch_with_commit(&repo, "on-main", "main", "y.txt", "y\n");

    let report = status_json(&repo, &[]);
    assert_eq!(names(&report), ["on-develop", "on-main", "sci/model"]);
    let sci = branch(&report, "sci/model");
    assert_eq!(sci["target"], "scientific");
    assert!(
        sci["target_reason"]
            .as_str()
            .expect("reason")
            .contains("sci/*")
    );
    let dev = branch(&report, "on-develop");
    assert_eq!(dev["target"], "develop");
    assert!(
        dev["target_reason"]
            .as_str()
            .expect("reason")
            .contains("merge base"),
        "{dev}"
    );
    assert_eq!(branch(&report, "on-main")["target"], "main");
}

#[test]
fn no_primary_present_is_a_usage_error() {
    let repo = repo_with_history();
    repo.write(".git-align.toml", "primary_targets = [\"trunk\"]\n");
    branch_with_commit(&repo, "feat", "main", "f.txt", "f\n");
    let (code, stdout, stderr) = align(&repo, repo.path(), &["status", "--json"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("trunk") && stderr.contains("primary_targets"),
        "{stderr}"
    );
}

#[test]
fn odd_branch_names_are_data_not_code() {
    let repo = repo_with_history();
    let names_in = [
        "feat/deep/slash",
        "feat/ünïcødé",
        "feat/$(touch${IFS}x)",
        "feat/`touch${IFS}x`;touch${IFS}x|&",
    ];
    for name in names_in {
        branch_with_commit(&repo, name, "main", "odd.txt", "odd\n");
    }
    let report = status_json(&repo, &[]);
    let mut expected: Vec<String> = names_in.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(names(&report), expected);
    for name in names_in {
        assert_eq!(branch(&report, name)["ahead"], 1, "{name}");
    }
    let only = status_json(&repo, &["feat/$(touch${IFS}x)"]);
    assert_eq!(names(&only), ["feat/$(touch${IFS}x)"]);
    let (code, table, _) = align(&repo, repo.path(), &["status"]);
    assert_eq!(code, 0);
    assert!(table.contains("feat/ünïcødé"), "{table}");
    for dir in [
        repo.path(),
        repo.sandbox.path(),
        repo.sandbox.home().as_path(),
    ] {
        assert!(
            !dir.join("x").exists(),
            "a branch name was executed in {}",
            dir.display()
        );
    }
    assert!(!std::path::Path::new("x").exists());
}

#[test]
fn unknown_branch_not_a_repository_and_bad_config_exit_2() {
    let repo = repo_with_history();
    let (code, _, stderr) = align(&repo, repo.path(), &["status", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope"), "{stderr}");

    let elsewhere = repo.sandbox.path().join("plain");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    let (code, _, stderr) = align(
        &repo,
        repo.path(),
        &["-C", &elsewhere.to_string_lossy(), "status"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a git repository"), "{stderr}");

    repo.write(".git-align.toml", "primry_targets = [\"main\"]\n");
    let (code, _, stderr) = align(&repo, repo.path(), &["status"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("primry_targets"), "{stderr}");
}

#[test]
fn newer_remote_tracking_target_is_used_and_named() {
    let repo = repo_with_history();
    branch_with_commit(&repo, "feat", "main", "f.txt", "f\n");
    repo.commit_file("remote.txt", "r\n", "feat: only on origin");
    repo.git(["push", "-q", "origin", "main"]);
    repo.git(["reset", "-q", "--hard", "HEAD~1"]);

    let report = status_json(&repo, &[]);
    let feat = branch(&report, "feat");
    assert_eq!(feat["target"], "main");
    assert_eq!(feat["target_ref"], "refs/remotes/origin/main");
    assert_eq!(feat["behind"], 1);
    assert_eq!(report["targets"][0]["remote_tracking"], true);
    let (_, table, _) = align(&repo, repo.path(), &["status"]);
    assert!(table.contains("origin/main"), "{table}");
}

#[test]
fn orphan_branch_reports_an_error_and_others_still_listed() {
    let repo = repo_with_history();
    branch_with_commit(&repo, "feat", "main", "f.txt", "f\n");
    repo.git(["checkout", "-q", "--orphan", "lonely"]);
    repo.git(["rm", "-rfq", "."]);
    repo.commit_file("other.txt", "o\n", "chore: unrelated");
    repo.checkout("main");

    let report = status_json(&repo, &[]);
    assert_eq!(names(&report), ["feat", "lonely"]);
    let lonely = branch(&report, "lonely");
    assert!(
        lonely["error"]
            .as_str()
            .expect("error")
            .contains("no common history")
    );
    assert!(branch(&report, "feat")["error"].is_null());
    let (code, table, _) = align(&repo, repo.path(), &["status"]);
    assert_eq!(code, 0);
    assert!(table.contains("lonely: error"), "{table}");
}

#[test]
fn missing_rule_target_is_a_branch_error_and_remote_only_primary_is_used() {
    let repo = repo_with_history();
    repo.write(
        ".git-align.toml",
        "[[rule]]\npattern = \"exp/*\"\ntarget = \"experimental\"\n",
    );
    branch_with_commit(&repo, "exp/idea", "main", "idea.txt", "i\n");
    branch_with_commit(&repo, "feat", "main", "f.txt", "f\n");
    repo.git(["checkout", "-q", "--detach", "main"]);
    repo.git(["branch", "-q", "-D", "main"]);

    let report = status_json(&repo, &[]);
    let idea = branch(&report, "exp/idea");
    assert_eq!(idea["target"], "experimental");
    assert!(idea["target_ref"].is_null());
    assert!(
        idea["error"]
            .as_str()
            .expect("error")
            .contains("experimental"),
        "{idea}"
    );
    let feat = branch(&report, "feat");
    assert_eq!(feat["target_ref"], "refs/remotes/origin/main");
    assert!(feat["error"].is_null());
}

#[test]
fn missing_object_in_one_branch_is_reported_on_that_branch_only() {
    use std::io::Write;
    let repo = repo_with_history();
    branch_with_commit(&repo, "feat", "main", "f.txt", "f\n");
    let tree = repo.git(["rev-parse", "main^{tree}"]);
    let commit = format!(
        "tree {tree}\nparent {}\nauthor A <a@b> 1767225600 +0000\n\
         committer A <a@b> 1767225600 +0000\n\nbroken\n",
        "1".repeat(40)
    );
    let mut child = repo
        .sandbox
        .command("git", repo.path())
        .args([
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--stdin",
            "--literally",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(commit.as_bytes())
        .expect("write commit");
    let output = child.wait_with_output().expect("hash-object");
    assert!(output.status.success());
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    repo.git(["update-ref", "refs/heads/broken", &id]);

    let report = status_json(&repo, &[]);
    assert_eq!(names(&report), ["broken", "feat"]);
    assert!(branch(&report, "broken")["error"].is_string());
    let feat = branch(&report, "feat");
    assert!(feat["error"].is_null(), "{feat}");
    assert_eq!(feat["ahead"], 1);
}
