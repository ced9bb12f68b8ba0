//! Session reports (`git-align/report/v1`): what one `run` did to every branch, saved to
//! `<common dir>/align/reports/<id>.json` and `reports/last`, rendered as JSON, Markdown,
//! CSV or a self-contained HTML page.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::git::Git;
use crate::state::align_dir;

/// The schema identifier of the JSON report.
pub const SCHEMA: &str = "git-align/report/v1";

/// How one branch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Rebased or merged onto its target and validated.
    Aligned,
    /// Already contained its target; nothing to do.
    UpToDate,
    /// Stopped (or, with `--all`, skipped) on conflicts.
    Conflicts,
    /// A critical validator failed; the branch was restored from its backup.
    ValidationFailed,
    /// Not aligned (for example an error on this branch); see `error`.
    Skipped,
}

impl Outcome {
    /// The kebab-case name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Aligned => "aligned",
            Outcome::UpToDate => "up-to-date",
            Outcome::Conflicts => "conflicts",
            Outcome::ValidationFailed => "validation-failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// Milliseconds spent in each phase of one branch's alignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phases {
    /// Preflight checks and fetch.
    pub safety_ms: u64,
    /// Writing the backup ref.
    pub backup_ms: u64,
    /// Rebase or merge.
    pub rebase_ms: u64,
    /// Validation.
    pub validation_ms: u64,
}

/// One unmerged path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictPath {
    /// The path.
    pub path: String,
    /// Two-letter code from `git status` (`UU`, `AA`, `DU`, `UD`, `AU`, `UA`, `DD`).
    pub code: String,
    /// Human description (`both modified`, `deleted by us`, …).
    pub kind: String,
}

/// The result of one validation check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The check's name (`linear-history`, `conflict-markers`, or a validator name).
    pub name: String,
    /// `critical` or `warning`.
    pub severity: String,
    /// Whether it passed.
    pub passed: bool,
    /// What failed, when it did.
    pub detail: String,
}

/// What happened to one branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchReport {
    /// The branch.
    pub branch: String,
    /// Its target branch.
    pub target: String,
    /// Why this target.
    pub target_reason: String,
    /// `rebase` or `merge`.
    pub strategy: String,
    /// `simple`, `chunked` or `integration`.
    pub class: String,
    /// Why the class (and a forced strategy), when not simple.
    pub class_reason: String,
    /// How it ended.
    pub result: Outcome,
    /// Commits replayed (rebase) or merged in (merge).
    pub commits_replayed: u64,
    /// Tip before.
    pub old_tip: String,
    /// Tip after (equal to `old_tip` when nothing changed).
    pub new_tip: String,
    /// The target commit the branch now sits on.
    pub new_base: String,
    /// The backup ref written for this branch, if any.
    pub backup_ref: Option<String>,
    /// Unmerged paths when the result is `conflicts`.
    pub conflicts: Vec<ConflictPath>,
    /// The commit being applied when a conflict stopped the rebase.
    pub conflict_commit: Option<String>,
    /// Validation checks run.
    pub checks: Vec<Check>,
    /// Time per phase.
    pub phases: Phases,
    /// An error that kept the branch from being aligned.
    pub error: Option<String>,
}

/// Counts over a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Branches considered.
    pub branches: u64,
    /// Aligned.
    pub aligned: u64,
    /// Already up to date.
    pub up_to_date: u64,
    /// Stopped or skipped on conflicts.
    pub conflicts: u64,
    /// Restored after a failed critical validator.
    pub validation_failed: u64,
    /// Skipped for another reason.
    pub skipped: u64,
    /// Commits replayed over all branches.
    pub commits_replayed: u64,
    /// Wall time of the session.
    pub duration_ms: u64,
}

/// One `run` session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The operation id.
    pub id: String,
    /// Start, RFC 3339 UTC.
    pub started: String,
    /// End, RFC 3339 UTC (empty while running).
    pub ended: String,
    /// Per-branch results, in processing order.
    pub branches: Vec<BranchReport>,
    /// Totals.
    pub totals: Totals,
}

impl Session {
    /// Recomputes [`Session::totals`] from the branches (duration kept).
    pub fn recount(&mut self) {
        let duration_ms = self.totals.duration_ms;
        let mut t = Totals {
            duration_ms,
            ..Totals::default()
        };
        for b in &self.branches {
            t.branches += 1;
            t.commits_replayed += b.commits_replayed;
            match b.result {
                Outcome::Aligned => t.aligned += 1,
                Outcome::UpToDate => t.up_to_date += 1,
                Outcome::Conflicts => t.conflicts += 1,
                Outcome::ValidationFailed => t.validation_failed += 1,
                Outcome::Skipped => t.skipped += 1,
            }
        }
        self.totals = t;
    }
}

fn reports_dir(git: &Git) -> std::path::PathBuf {
    align_dir(git).join("reports")
}

/// Saves `session` as `reports/<id>.json` and `reports/last`.
pub fn save(git: &Git, session: &Session) -> Result<()> {
    let text = serde_json::to_vec_pretty(session)
        .map_err(|e| Error::io("encoding the session report", std::io::Error::other(e)))?;
    let dir = reports_dir(git);
    write_atomic(&dir.join(format!("{}.json", session.id)), &text)?;
    write_atomic(&dir.join("last"), &text)
}

/// The last session's report.
pub fn load_last(git: &Git) -> Result<Session> {
    let path = reports_dir(git).join("last");
    let bytes = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Usage("no session report yet; run `git-align run` first".into())
        } else {
            Error::io(format!("reading {}", path.display()), e)
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::io(
            format!("parsing {}", path.display()),
            std::io::Error::other(e),
        )
    })
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Renders the session as Markdown.
pub fn markdown(s: &Session) -> String {
    let mut out = format!(
        "# git-align session {}\n\nStarted {} · ended {} · {} ms\n\n",
        s.id, s.started, s.ended, s.totals.duration_ms
    );
    out.push_str("| Branch | Target | Strategy | Class | Result | Commits | Old tip | New tip | Safety ms | Backup ms | Rebase ms | Validation ms |\n");
    out.push_str("|---|---|---|---|---|---:|---|---|---:|---:|---:|---:|\n");
    let cell = |s: &str| s.replace('|', "\\|");
    for b in &s.branches {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&b.branch),
            cell(&b.target),
            b.strategy,
            b.class,
            b.result.as_str(),
            b.commits_replayed,
            short(&b.old_tip),
            short(&b.new_tip),
            b.phases.safety_ms,
            b.phases.backup_ms,
            b.phases.rebase_ms,
            b.phases.validation_ms
        ));
    }
    let t = &s.totals;
    out.push_str(&format!(
        "\n**Totals:** {} branches · {} aligned · {} up to date · {} conflicts · {} validation failed · {} skipped · {} commits replayed\n",
        t.branches, t.aligned, t.up_to_date, t.conflicts, t.validation_failed, t.skipped, t.commits_replayed
    ));
    for b in s.branches.iter().filter(|b| !b.conflicts.is_empty()) {
        out.push_str(&format!("\n## Conflicts in {}\n\n", b.branch));
        for c in &b.conflicts {
            out.push_str(&format!("- `{}` ({})\n", c.path, c.kind));
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Renders the session as CSV, one row per branch.
pub fn csv(s: &Session) -> String {
    let mut out = String::from(
        "id,branch,target,strategy,class,result,commits_replayed,old_tip,new_tip,new_base,safety_ms,backup_ms,rebase_ms,validation_ms\n",
    );
    for b in &s.branches {
        let row = [
            s.id.clone(),
            b.branch.clone(),
            b.target.clone(),
            b.strategy.clone(),
            b.class.clone(),
            b.result.as_str().to_string(),
            b.commits_replayed.to_string(),
            b.old_tip.clone(),
            b.new_tip.clone(),
            b.new_base.clone(),
            b.phases.safety_ms.to_string(),
            b.phases.backup_ms.to_string(),
            b.phases.rebase_ms.to_string(),
            b.phases.validation_ms.to_string(),
        ];
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Renders the session as a self-contained HTML page (inline CSS, every value escaped).
pub fn html(s: &Session) -> String {
    let mut rows = String::new();
    for b in &s.branches {
        let conflicts: Vec<String> = b
            .conflicts
            .iter()
            .map(|c| format!("{} ({})", escape(&c.path), escape(&c.kind)))
            .collect();
        rows.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}/{}/{}/{}</td><td>{}</td></tr>\n",
            b.result.as_str(),
            escape(&b.branch),
            escape(&b.target),
            escape(&b.strategy),
            escape(&b.class),
            b.result.as_str(),
            b.commits_replayed,
            escape(short(&b.old_tip)),
            escape(short(&b.new_tip)),
            b.phases.safety_ms,
            b.phases.backup_ms,
            b.phases.rebase_ms,
            b.phases.validation_ms,
            conflicts.join("<br>")
        ));
    }
    let t = &s.totals;
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>git-align session {id}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}th{{background:#f3f3f3}}tr.aligned td:nth-child(5){{color:#17702c}}tr.conflicts td:nth-child(5),tr.validation-failed td:nth-child(5){{color:#b00020;font-weight:bold}}</style></head>\n<body><h1>git-align session {id}</h1><p>Started {started} · ended {ended} · {ms} ms</p>\n<table><thead><tr><th>Branch</th><th>Target</th><th>Strategy</th><th>Class</th><th>Result</th><th>Commits</th><th>Old tip</th><th>New tip</th><th>Safety/backup/rebase/validation ms</th><th>Conflicts</th></tr></thead><tbody>\n{rows}</tbody></table>\n<p>{b} branches · {a} aligned · {u} up to date · {c} conflicts · {v} validation failed · {sk} skipped · {r} commits replayed</p></body></html>\n",
        id = escape(&s.id),
        started = escape(&s.started),
        ended = escape(&s.ended),
        ms = t.duration_ms,
        b = t.branches,
        a = t.aligned,
        u = t.up_to_date,
        c = t.conflicts,
        v = t.validation_failed,
        sk = t.skipped,
        r = t.commits_replayed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_branch_names_and_csv_quotes() {
        let mut s = Session {
            schema: SCHEMA.into(),
            id: "align-20261124-101500-001".into(),
            started: String::new(),
            ended: String::new(),
            branches: vec![BranchReport {
                branch: "x<script>,\"".into(),
                target: "main".into(),
                target_reason: String::new(),
                strategy: "rebase".into(),
                class: "simple".into(),
                class_reason: String::new(),
                result: Outcome::Aligned,
                commits_replayed: 2,
                old_tip: "a".into(),
                new_tip: "b".into(),
                new_base: "c".into(),
                backup_ref: None,
                conflicts: Vec::new(),
                conflict_commit: None,
                checks: Vec::new(),
                phases: Phases::default(),
                error: None,
            }],
            totals: Totals::default(),
        };
        s.recount();
        assert_eq!(s.totals.aligned, 1);
        assert!(html(&s).contains("x&lt;script&gt;"));
        assert!(!html(&s).contains("<script>"));
        assert!(csv(&s).contains("\"x<script>,\"\"\""));
    }
}
