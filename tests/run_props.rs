//! Property test: whatever the history and whatever interrupts an alignment (a conflict
//! then `abort`, `undo`, a failing or killed validator), every commit reachable from the
//! branch before the operation is still reachable from the branch or its backup after.

use std::collections::BTreeSet;

use proptest::prelude::*;
use test_support::TestRepo;

#[derive(Debug, Clone, Copy)]
enum Interruption {
    None,
    Undo,
    FailingValidator,
    KilledValidator,
}

fn interruption() -> impl Strategy<Value = Interruption> {
    prop_oneof![
        Just(Interruption::None),
        Just(Interruption::Undo),
        Just(Interruption::FailingValidator),
        Just(Interruption::KilledValidator),
    ]
}

/// A commit: which of three files it writes, and a content seed.
fn commits(max: usize) -> impl Strategy<Value = Vec<(usize, u8)>> {
    prop::collection::vec((0usize..3, any::<u8>()), 1..=max)
}

fn align(repo: &TestRepo, args: &[&str]) -> i32 {
    repo.sandbox
        .command(env!("CARGO_BIN_EXE_git-align"), repo.path())
        .args(args)
        .output()
        .expect("spawn git-align")
        .status
        .code()
        .unwrap_or(-1)
}

fn reachable(repo: &TestRepo, revs: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["rev-list"];
    args.extend(revs);
    repo.git(args).lines().map(str::to_string).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_commit_is_ever_lost(
        branch in commits(4),
        main in commits(3),
        merge in any::<bool>(),
        interruption in interruption(),
    ) {
        let repo = TestRepo::new();
        repo.git(["checkout", "-q", "-b", "feat"]);
        for (i, (file, seed)) in branch.iter().enumerate() {
            repo.commit_file(&format!("f{file}.txt"), &format!("branch {i} {seed}\n"), "feat: work");
        }
        repo.checkout("main");
        for (i, (file, seed)) in main.iter().enumerate() {
            repo.commit_file(&format!("f{file}.txt"), &format!("main {i} {seed}\n"), "feat: main");
        }
        match interruption {
            Interruption::FailingValidator => repo.write(
                ".git-align.toml",
                "[complexity]\nage_days = 100000\n[[validate]]\nname = \"fails\"\nrun = [\"false\"]\n",
            ),
            Interruption::KilledValidator => repo.write(
                ".git-align.toml",
                "[complexity]\nage_days = 100000\n[[validate]]\nname = \"hangs\"\nrun = [\"sleep\", \"30\"]\ntimeout_s = 1\n",
            ),
            _ => repo.write(".git-align.toml", "[complexity]\nage_days = 100000\n"),
        }
        let old_tip = repo.rev("feat");
        let before = reachable(&repo, &["feat"]);
        let strategy = if merge { "merge" } else { "rebase" };
        let code = align(&repo, &["run", "feat", "--strategy", strategy]);
        prop_assert!([0, 3, 4].contains(&code), "unexpected exit {code}");
        if code == 3 {
            prop_assert_eq!(align(&repo, &["abort"]), 0);
            prop_assert_eq!(repo.rev("feat"), old_tip.clone());
        }
        if code == 4 {
            prop_assert_eq!(repo.rev("feat"), old_tip.clone());
        }
        if code == 0 && matches!(interruption, Interruption::Undo) {
            prop_assert_eq!(align(&repo, &["undo"]), 0);
            prop_assert_eq!(repo.rev("feat"), old_tip.clone());
        }
        let backups = repo.git(["for-each-ref", "--format=%(refname)", "refs/align/backups/feat/"]);
        let mut revs = vec!["feat"];
        revs.extend(backups.lines());
        let after = reachable(&repo, &revs);
        prop_assert!(before.is_subset(&after), "lost commits: {:?}", before.difference(&after).collect::<Vec<_>>());
        prop_assert!(!repo.path().join(".git/align/state.json").exists());
    }
}
