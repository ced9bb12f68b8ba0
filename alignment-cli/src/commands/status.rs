//! `git-align status`: where every feature branch stands against its target, as a table
//! or as the `git-align/status/v1` JSON document.

use std::sync::Arc;

use alignment_core::status::{BranchStatus, StatusOptions, StatusReport, analyze};
use alignment_core::target::short_ref;
use alignment_core::{Config, Git};

use crate::cli::Global;
use crate::exit::Outcome;

/// Merges below this count finish in well under a second: no progress line.
const PROGRESS_THRESHOLD: usize = 50;

/// Arguments of `git-align status`.
#[derive(Debug, clap::Args)]
pub struct Status {
    /// Only these branches (default: every local branch that is not a target).
    #[arg(value_name = "BRANCH")]
    pub branches: Vec<String>,
    /// Skip conflict prediction (the expensive part).
    #[arg(long)]
    pub no_predict: bool,
    /// Parallel merge processes for conflict prediction (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

impl Status {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        let config = Config::load(git.work_tree())?;
        let quiet = global.quiet;
        let options = StatusOptions {
            branches: self.branches,
            predict: !self.no_predict,
            jobs: self.jobs.unwrap_or(0),
            on_predict: Some(Arc::new(move |merges: usize| {
                if !quiet && merges >= PROGRESS_THRESHOLD {
                    eprintln!("git-align: predicting conflicts ({merges} merges)…");
                }
            })),
        };
        let report = analyze(&git, &config, &options)?;
        if global.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else if !quiet {
            print!("{}", render_table(&report));
        }
        Ok(Outcome::Success)
    }
}

/// The human table: one row per branch, errors listed below it.
fn render_table(report: &StatusReport) -> String {
    if report.branches.is_empty() {
        return "no feature branches to analyse\n".into();
    }
    let header = [
        "BRANCH",
        "TARGET",
        "AHEAD",
        "BEHIND",
        "STATE",
        "CONFLICTS",
        "CLASS",
        "LAST COMMIT",
    ];
    let mut rows: Vec<[String; 8]> = vec![header.map(String::from)];
    rows.extend(report.branches.iter().map(row));
    let mut widths = [0usize; 8];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for b in &report.branches {
        if let Some(error) = &b.error {
            out.push_str(&format!("{}: error: {error}\n", b.name));
        }
        if let Some(files) = b.predicted_conflicts.as_ref().filter(|f| !f.is_empty()) {
            out.push_str(&format!("{}: conflicts in {}\n", b.name, files.join(", ")));
        }
    }
    out
}

fn row(b: &BranchStatus) -> [String; 8] {
    let target = b
        .target_ref
        .as_deref()
        .map(short_ref)
        .or_else(|| b.target.clone())
        .unwrap_or_else(|| "-".into());
    let state = if b.error.is_some() {
        "error"
    } else if b.merged {
        "merged"
    } else if b.aligned {
        "aligned"
    } else {
        "behind"
    };
    let conflicts = b
        .predicted_conflicts
        .as_ref()
        .map_or_else(|| "-".into(), |f| f.len().to_string());
    let class = b.complexity.map_or_else(|| "-".into(), |c| c.to_string());
    [
        b.name.clone(),
        target,
        b.ahead.to_string(),
        b.behind.to_string(),
        state.into(),
        conflicts,
        class,
        b.last_commit_date.clone(),
    ]
}
