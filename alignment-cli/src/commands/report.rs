//! `git-align report [--format json|markdown|csv|html]`: the last session's report.

use alignment_core::{Git, report};

use crate::cli::Global;
use crate::exit::Outcome;

/// Arguments of `git-align report`.
#[derive(Debug, clap::Args)]
pub struct Report {
    /// Output format (`--json` is the same as `--format json`).
    #[arg(long, value_parser = ["json", "markdown", "csv", "html"], default_value = "markdown")]
    pub format: String,
}

impl Report {
    /// Runs the command.
    pub fn run(self, global: &Global) -> anyhow::Result<Outcome> {
        let git = Git::open(global.repo_path())?;
        let session = report::load_last(&git)?;
        let format = if global.json {
            "json"
        } else {
            self.format.as_str()
        };
        let text = match format {
            "json" => serde_json::to_string_pretty(&session)? + "\n",
            "csv" => report::csv(&session),
            "html" => report::html(&session),
            _ => report::markdown(&session),
        };
        print!("{text}");
        Ok(Outcome::Success)
    }
}
