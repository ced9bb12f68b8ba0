//! `cargo xtask version`: the current version, the last release tag, the commits since it
//! and the bump they imply.

use anyhow::Result;
use serde::Serialize;

use crate::bump::{BumpSpec, apply};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::conventional::{self, Level};
use crate::history;
use crate::stdout::emit;
use crate::workspace::workspace_version;

/// Arguments of `cargo xtask version`.
#[derive(Debug, clap::Args)]
pub struct Version {}

/// What `cargo xtask version` reports.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    /// `[workspace.package] version`.
    pub version: String,
    /// The highest release tag reachable from HEAD.
    pub last_tag: Option<String>,
    /// The commit that tag points at.
    pub last_tag_commit: Option<String>,
    /// Commits since the last tag (all commits when there is none), newest first.
    pub commits: Vec<CommitSummary>,
    /// The bump the commits imply.
    pub implied_bump: Option<Level>,
    /// The version that bump gives.
    pub next_version: Option<String>,
}

/// One unreleased commit.
#[derive(Debug, Clone, Serialize)]
pub struct CommitSummary {
    /// Full id.
    pub id: String,
    /// First line of the message.
    pub summary: String,
    /// Conventional type, when the message is conventional.
    pub kind: Option<String>,
    /// Whether it is a breaking change.
    pub breaking: bool,
}

/// Computes the report for the workspace in `ctx`.
pub fn report(ctx: &Ctx) -> Result<VersionReport> {
    let cfg = ReleaseConfig::load(&ctx.root)?;
    let current = workspace_version(&ctx.root)?;
    let git = history::open(&ctx.root)?;
    let last = history::last_release_tag(&git, &cfg.tag_prefix)?;
    let commits = history::commits(&git, last.as_ref().map(|t| t.name.as_str()))?;
    let implied = conventional::implied_level(&current, commits.iter().map(|c| c.message.as_str()));
    let next_version = implied
        .map(|level| apply(&current, &BumpSpec::Level(level), None))
        .transpose()?
        .map(|v| v.to_string());
    Ok(VersionReport {
        version: current.to_string(),
        last_tag: last.as_ref().map(|t| t.name.clone()),
        last_tag_commit: last.map(|t| t.commit),
        commits: commits
            .iter()
            .map(|c| {
                let conv = conventional::parse(&c.message);
                CommitSummary {
                    id: c.id.clone(),
                    summary: c.message.lines().next().unwrap_or("").to_string(),
                    breaking: conv.as_ref().is_some_and(|c| c.breaking),
                    kind: conv.map(|c| c.kind),
                }
            })
            .collect(),
        implied_bump: implied,
        next_version,
    })
}

impl Version {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let report = report(ctx)?;
        if ctx.json {
            return emit(&format!("{}\n", serde_json::to_string_pretty(&report)?));
        }
        emit(&render(&report))
    }
}

/// The report as text.
pub fn render(report: &VersionReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "version:       {}", report.version);
    let last = report.last_tag.as_deref().unwrap_or("(none)");
    let _ = writeln!(out, "last tag:      {last}");
    let _ = writeln!(out, "commits since: {}", report.commits.len());
    for c in &report.commits {
        let short = c.id.get(..8).unwrap_or(&c.id);
        let flag = if c.breaking { " [breaking]" } else { "" };
        let _ = writeln!(out, "  {short} {}{flag}", c.summary);
    }
    match (report.implied_bump, &report.next_version) {
        (Some(level), Some(next)) => {
            let _ = writeln!(out, "implied bump:  {} -> {next}", level.as_str());
        }
        _ => {
            let _ = writeln!(out, "implied bump:  none (no commits since the last tag)");
        }
    }
    out
}
