//! The cost of `status::analyze` is a constant number of git processes, whatever the
//! number of branches.

use alignment_core::status::{StatusOptions, analyze};
use alignment_core::{Config, Git};
use test_support::TestRepo;

/// Adds branches `feat/<from>..<to>`, each changing `shared.txt` (which main also
/// changes afterwards, so every branch needs a predicted merge) and its own file.
fn add_branches(repo: &TestRepo, from: usize, to: usize) {
    for i in from..to {
        let name = format!("feat/{i:03}");
        repo.git(["checkout", "-q", "-b", &name, "base"]);
        repo.write(&format!("own/{i}.txt"), "own\n");
        repo.git(["add", "--", &format!("own/{i}.txt")]);
        repo.commit_file("shared.txt", &format!("branch {i}\n"), "feat: branch work");
        repo.checkout("main");
    }
}

fn processes_for_analysis(repo: &TestRepo, predict: bool) -> (usize, usize) {
    let git = Git::open(repo.path()).expect("open");
    let options = StatusOptions {
        predict,
        jobs: 1,
        ..StatusOptions::default()
    };
    let report = analyze(&git, &Config::default(), &options).expect("analyze");
    for branch in report.branches.iter().filter(|b| b.name != "base") {
        assert!(branch.error.is_none(), "{branch:?}");
        if predict {
            assert_eq!(
                branch.predicted_conflicts.as_deref(),
                Some(&["shared.txt".to_string()][..])
            );
        }
    }
    (report.branches.len(), git.processes_spawned())
}

#[test]
fn process_count_does_not_grow_with_branches() {
    let repo = TestRepo::new();
    repo.commit_file("shared.txt", "base\n", "feat: shared file");
    repo.branch("base", "main");
    repo.commit_file("shared.txt", "main\n", "feat: main changes shared");
    add_branches(&repo, 0, 5);
    let (five, cost_five) = processes_for_analysis(&repo, true);
    let (_, cost_five_no_predict) = processes_for_analysis(&repo, false);
    add_branches(&repo, 5, 50);
    // `base` is listed too: it is contained in main, so it needs no prediction.
    let (fifty, cost_fifty) = processes_for_analysis(&repo, true);
    let (_, cost_fifty_no_predict) = processes_for_analysis(&repo, false);
    assert_eq!((five, fifty), (6, 51));
    assert_eq!(cost_five, cost_fifty, "prediction on");
    assert_eq!(
        cost_five_no_predict, cost_fifty_no_predict,
        "prediction off"
    );
    assert!(cost_fifty <= 8, "{cost_fifty} processes");
}
