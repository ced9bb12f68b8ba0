//! `cargo xtask verify`: checks a dist directory against its manifest and `SHA256SUMS`,
//! opens every archive, vets every entry, and runs the host binary — all without writing
//! anything outside a temporary directory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::archive::{self, Entry, EntryKind};
use crate::checksums::{self, SUMS_FILE};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::dist::{REQUIRED_DOCS, archive_stem, binary_name};
use crate::manifest::{Artifact, DistManifest, MANIFEST_FILE};
use crate::workspace::workspace_version;

/// Arguments of `cargo xtask verify`.
#[derive(Debug, clap::Args)]
pub struct Verify {
    /// The dist directory (default: `[dist] out_dir`, `target/dist`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check passed.
    Pass,
    /// The check failed.
    Fail,
    /// The check could not apply (e.g. a binary for another platform).
    Skip,
}

/// One named check, for one artifact or for the whole directory.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The check's name, e.g. `sha256-manifest`.
    pub check: String,
    /// The artifact checked; `None` for directory-wide checks.
    pub artifact: Option<String>,
    /// Pass, fail or skip.
    pub status: Status,
    /// What was found.
    pub detail: String,
}

/// Every check run on a dist directory.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The directory verified.
    pub dir: PathBuf,
    /// The manifest's version, when the manifest was readable.
    pub version: Option<semver::Version>,
    /// True when no check failed.
    pub passed: bool,
    /// The checks in the order they ran.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }

    /// An error listing every failure (artifact and check), or `Ok` when all passed.
    pub fn ensure_passed(&self) -> Result<()> {
        if self.passed {
            return Ok(());
        }
        let lines: Vec<String> = self.failures().map(describe_failure).collect();
        anyhow::bail!(
            "verification of {} failed:\n  {}",
            self.dir.display(),
            lines.join("\n  ")
        )
    }

    /// The human report: one line per check.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let status = match c.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            out.push_str(&format!(
                "{status}  {:<20} {:<48} {}\n",
                c.check,
                c.artifact.as_deref().unwrap_or("-"),
                c.detail
            ));
        }
        let failed = self.failures().count();
        out.push_str(&if failed == 0 {
            format!(
                "\nverified {}: all {} checks passed\n",
                self.dir.display(),
                self.checks.len()
            )
        } else {
            format!(
                "\n{failed} of {} checks FAILED in {}\n",
                self.checks.len(),
                self.dir.display()
            )
        });
        out
    }
}

fn describe_failure(c: &Check) -> String {
    match &c.artifact {
        Some(a) => format!("{a}: {} failed: {}", c.check, c.detail),
        None => format!("{} failed: {}", c.check, c.detail),
    }
}

impl Verify {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let dir = match self.dir {
            Some(dir) => ctx.root.join(dir),
            None => ctx.root.join(ReleaseConfig::load(&ctx.root)?.dist.out_dir),
        };
        let report = verify_dir(ctx, &dir)?;
        if ctx.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.render());
        }
        report.ensure_passed()
    }
}

struct Checks(Vec<Check>);

impl Checks {
    fn add(
        &mut self,
        check: &str,
        artifact: Option<&str>,
        status: Status,
        detail: impl Into<String>,
    ) {
        self.0.push(Check {
            check: check.into(),
            artifact: artifact.map(str::to_string),
            status,
            detail: detail.into(),
        });
    }

    fn pass_fail(&mut self, check: &str, artifact: Option<&str>, problems: &[String], ok: &str) {
        if problems.is_empty() {
            self.add(check, artifact, Status::Pass, ok);
        } else {
            self.add(check, artifact, Status::Fail, problems.join("; "));
        }
    }
}

/// Verifies the dist directory `dir` against the workspace of `ctx`. Failing checks are
/// in the report (see [`VerifyReport::ensure_passed`]); `Err` means verification itself
/// could not run.
pub fn verify_dir(ctx: &Ctx, dir: &Path) -> Result<VerifyReport> {
    let mut checks = Checks(Vec::new());
    let manifest = match DistManifest::read(dir) {
        Ok(m) => {
            checks.add(
                "manifest",
                None,
                Status::Pass,
                format!("{MANIFEST_FILE} parsed"),
            );
            Some(m)
        }
        Err(e) => {
            checks.add("manifest", None, Status::Fail, format!("{e:#}"));
            None
        }
    };
    let sums = match std::fs::read_to_string(dir.join(SUMS_FILE))
        .with_context(|| format!("reading {SUMS_FILE}"))
        .and_then(|t| checksums::parse(&t))
    {
        Ok(s) => {
            checks.add(
                "sums-file",
                None,
                Status::Pass,
                format!("{SUMS_FILE} parsed"),
            );
            Some(s)
        }
        Err(e) => {
            checks.add("sums-file", None, Status::Fail, format!("{e:#}"));
            None
        }
    };
    if let Some(manifest) = &manifest {
        if let Some(sums) = &sums {
            sums_agree(&mut checks, manifest, sums);
        }
        versions(ctx, &mut checks, manifest)?;
        for artifact in &manifest.artifacts {
            verify_artifact(&mut checks, dir, manifest, artifact, sums.as_ref())?;
        }
    }
    let passed = checks.0.iter().all(|c| c.status != Status::Fail);
    Ok(VerifyReport {
        dir: dir.to_path_buf(),
        version: manifest.map(|m| m.version),
        passed,
        checks: checks.0,
    })
}

fn sums_agree(checks: &mut Checks, manifest: &DistManifest, sums: &BTreeMap<String, String>) {
    let listed: BTreeSet<&str> = manifest.artifacts.iter().map(|a| a.name.as_str()).collect();
    let mut problems = Vec::new();
    for a in &manifest.artifacts {
        match sums.get(&a.name) {
            None => problems.push(format!(
                "{} is in {MANIFEST_FILE} but not in {SUMS_FILE}",
                a.name
            )),
            Some(sha) if *sha != a.sha256 => problems.push(format!(
                "{}: {MANIFEST_FILE} says {} but {SUMS_FILE} says {sha}",
                a.name, a.sha256
            )),
            Some(_) => {}
        }
    }
    for name in sums.keys() {
        if !listed.contains(name.as_str()) {
            problems.push(format!(
                "{name} is in {SUMS_FILE} but not in {MANIFEST_FILE}"
            ));
        }
    }
    checks.pass_fail(
        "manifest-vs-sums",
        None,
        &problems,
        "same artifacts, same sha256",
    );
}

fn versions(ctx: &Ctx, checks: &mut Checks, manifest: &DistManifest) -> Result<()> {
    match workspace_version(&ctx.root) {
        Ok(v) if v == manifest.version => {
            checks.add("workspace-version", None, Status::Pass, format!("{v}"))
        }
        Ok(v) => checks.add(
            "workspace-version",
            None,
            Status::Fail,
            format!(
                "manifest says {} but the workspace is {v}",
                manifest.version
            ),
        ),
        Err(e) => checks.add("workspace-version", None, Status::Fail, format!("{e:#}")),
    }
    let config = ReleaseConfig::load(&ctx.root)?;
    let tags = ctx
        .sh
        .cmd("git")
        .args(["tag", "--points-at", "HEAD"])
        .quiet()
        .ignore_stderr()
        .read();
    let Ok(tags) = tags else {
        checks.add("tag-version", None, Status::Skip, "not a git repository");
        return Ok(());
    };
    let release_tags: Vec<&str> = tags
        .lines()
        .filter(|t| {
            t.strip_prefix(config.tag_prefix.as_str())
                .is_some_and(|v| semver::Version::parse(v).is_ok())
        })
        .collect();
    let wanted = config.tag_for(&manifest.version);
    if release_tags.is_empty() {
        checks.add("tag-version", None, Status::Skip, "HEAD is not tagged");
    } else if release_tags.contains(&wanted.as_str()) {
        checks.add("tag-version", None, Status::Pass, wanted);
    } else {
        checks.add(
            "tag-version",
            None,
            Status::Fail,
            format!(
                "HEAD is tagged {} but the manifest version is {}",
                release_tags.join(", "),
                manifest.version
            ),
        );
    }
    Ok(())
}

fn verify_artifact(
    checks: &mut Checks,
    dir: &Path,
    manifest: &DistManifest,
    artifact: &Artifact,
    sums: Option<&BTreeMap<String, String>>,
) -> Result<()> {
    let name = Some(artifact.name.as_str());
    let path = dir.join(&artifact.name);
    if !path.is_file() {
        checks.add(
            "present",
            name,
            Status::Fail,
            format!("{} does not exist", path.display()),
        );
        return Ok(());
    }
    checks.add("present", name, Status::Pass, "exists");
    let (sha, size) = checksums::sha256_file(&path)?;
    let mut intact = true;
    if size == artifact.size {
        checks.add("size", name, Status::Pass, format!("{size} bytes"));
    } else {
        intact = false;
        checks.add(
            "size",
            name,
            Status::Fail,
            format!("{size} bytes, manifest says {}", artifact.size),
        );
    }
    if sha == artifact.sha256 {
        checks.add("sha256-manifest", name, Status::Pass, sha.clone());
    } else {
        intact = false;
        checks.add(
            "sha256-manifest",
            name,
            Status::Fail,
            format!("sha256 is {sha}, manifest says {}", artifact.sha256),
        );
    }
    match sums.and_then(|s| s.get(&artifact.name)) {
        Some(listed) if *listed == sha => {
            checks.add("sha256-sums", name, Status::Pass, sha.clone())
        }
        Some(listed) => {
            intact = false;
            checks.add(
                "sha256-sums",
                name,
                Status::Fail,
                format!("sha256 is {sha}, {SUMS_FILE} says {listed}"),
            );
        }
        None => {
            intact = false;
            checks.add(
                "sha256-sums",
                name,
                Status::Fail,
                format!("not listed in {SUMS_FILE}"),
            );
        }
    }
    let entries = match archive::read_archive(&path, artifact.kind) {
        Ok(entries) => {
            checks.add(
                "archive-readable",
                name,
                Status::Pass,
                format!("{} entries, all readable", entries.len()),
            );
            entries
        }
        Err(e) => {
            checks.add("archive-readable", name, Status::Fail, format!("{e:#}"));
            return Ok(());
        }
    };
    let top = archive_stem(&manifest.version, &artifact.target);
    let unsafe_entries = entry_problems(&entries, &top);
    checks.pass_fail(
        "entry-safety",
        name,
        &unsafe_entries,
        "no absolute, `..`, escaping link, special or duplicate entries",
    );
    file_list(checks, artifact, &entries);
    let binary = format!("{top}/{}", binary_name(&artifact.target));
    let mut missing = Vec::new();
    for required in
        std::iter::once(binary.clone()).chain(REQUIRED_DOCS.iter().map(|d| format!("{top}/{d}")))
    {
        match entries.iter().find(|e| e.name == required) {
            Some(Entry {
                kind: EntryKind::File(_),
                mode,
                ..
            }) => {
                if required == binary && mode & 0o111 == 0 {
                    missing.push(format!("{required} is not executable (mode {mode:o})"));
                }
            }
            _ => missing.push(format!("{required} is missing")),
        }
    }
    checks.pass_fail(
        "required-files",
        name,
        &missing,
        "binary, README.md and LICENSE present",
    );
    if !runs_here(&artifact.target) {
        checks.add(
            "binary-version",
            name,
            Status::Skip,
            format!("{} does not run on this machine", artifact.target),
        );
    } else if !intact || !unsafe_entries.is_empty() || !missing.is_empty() {
        checks.add(
            "binary-version",
            name,
            Status::Fail,
            "not run: the archive failed integrity checks",
        );
    } else if let Some(Entry {
        kind: EntryKind::File(data),
        ..
    }) = entries.iter().find(|e| e.name == binary)
    {
        match run_version(data, binary_name(&artifact.target)) {
            Ok(out)
                if out
                    .split_whitespace()
                    .any(|w| w == manifest.version.to_string()) =>
            {
                checks.add("binary-version", name, Status::Pass, out.trim().to_string())
            }
            Ok(out) => checks.add(
                "binary-version",
                name,
                Status::Fail,
                format!(
                    "`--version` printed {:?}, expected version {}",
                    out.trim(),
                    manifest.version
                ),
            ),
            Err(e) => checks.add("binary-version", name, Status::Fail, format!("{e:#}")),
        }
    }
    Ok(())
}

fn file_list(checks: &mut Checks, artifact: &Artifact, entries: &[Entry]) {
    let actual: BTreeSet<&str> = entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::File(_)))
        .map(|e| e.name.as_str())
        .collect();
    let listed: BTreeSet<&str> = artifact.files.iter().map(String::as_str).collect();
    let mut problems = Vec::new();
    for extra in actual.difference(&listed) {
        problems.push(format!(
            "{extra} is in the archive but not in the manifest's file list"
        ));
    }
    for absent in listed.difference(&actual) {
        problems.push(format!(
            "{absent} is in the manifest's file list but not in the archive"
        ));
    }
    checks.pass_fail(
        "file-list",
        Some(&artifact.name),
        &problems,
        &format!("{} files as listed", listed.len()),
    );
}

/// Every reason an entry would be unsafe to extract: absolute paths, `..`, names outside
/// the top-level directory `top`, links pointing outside, special files, duplicates.
pub fn entry_problems(entries: &[Entry], top: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in entries {
        let name = entry.name.as_str();
        let normalized = name.trim_end_matches('/');
        if !seen.insert(normalized.to_string()) {
            problems.push(format!("{name} appears twice"));
        }
        if is_absolute(name) {
            problems.push(format!("{name} is an absolute path"));
            continue;
        }
        let parts: Vec<&str> = normalized.split(['/', '\\']).collect();
        if parts.contains(&"..") {
            problems.push(format!("{name} contains `..`"));
            continue;
        }
        if name.contains('\0') || parts.first() != Some(&top) {
            problems.push(format!("{name} is outside the top-level directory {top}/"));
        }
        match &entry.kind {
            EntryKind::Link(target) => {
                if is_absolute(target) {
                    problems.push(format!("{name} links to the absolute path {target}"));
                } else if escapes(&parts[..parts.len().saturating_sub(1)], target) {
                    problems.push(format!("{name} links outside the archive ({target})"));
                }
            }
            EntryKind::Other(what) => problems.push(format!("{name} is a special file ({what})")),
            EntryKind::File(_) | EntryKind::Dir => {
                if archive::is_special_mode(entry.mode) {
                    problems.push(format!("{name} has special mode {:o}", entry.mode));
                }
            }
        }
    }
    problems
}

fn is_absolute(name: &str) -> bool {
    name.starts_with('/')
        || name.starts_with('\\')
        || name.as_bytes().get(1) == Some(&b':')
        || name.is_empty()
}

/// Whether `target`, relative to the directory `parent`, climbs above the archive root.
fn escapes(parent: &[&str], target: &str) -> bool {
    let mut depth = parent.len();
    for part in target.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

/// Whether a binary built for `target` runs on this machine.
pub fn runs_here(target: &str) -> bool {
    let os = match std::env::consts::OS {
        "macos" => "apple-darwin",
        other => other,
    };
    target.starts_with(std::env::consts::ARCH) && target.contains(os)
}

/// Writes the binary into a fresh temporary directory and runs `--version` there.
fn run_version(data: &[u8], file_name: &str) -> Result<String> {
    let temp = tempfile::tempdir().context("creating a temporary directory")?;
    let path = temp.path().join(file_name);
    std::fs::write(&path, data).context("writing the binary to a temporary directory")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    let output = std::process::Command::new(&path)
        .arg("--version")
        .current_dir(temp.path())
        .output()
        .with_context(|| format!("running {file_name} --version"))?;
    if !output.status.success() {
        anyhow::bail!(
            "{file_name} --version exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_problems_catch_hostile_names() {
        let ok = vec![
            Entry::dir("t/"),
            Entry::file("t/a", vec![], 0o644),
            Entry::symlink("t/l", "a"),
        ];
        assert!(entry_problems(&ok, "t").is_empty());
        for (entry, needle) in [
            (Entry::file("t/../evil", vec![], 0o644), "`..`"),
            (Entry::file("/etc/x", vec![], 0o644), "absolute"),
            (Entry::symlink("t/l2", "/etc/passwd"), "absolute"),
            (Entry::symlink("t/l2", "../../x"), "outside"),
            (Entry::file("u/a", vec![], 0o644), "outside"),
            (Entry::file("t/a", vec![], 0o644), "twice"),
            (
                Entry {
                    name: "t/dev".into(),
                    kind: EntryKind::Other("Char".into()),
                    mode: 0o644,
                },
                "special file",
            ),
        ] {
            let mut entries = ok.clone();
            entries.push(entry);
            let problems = entry_problems(&entries, "t");
            assert!(problems.iter().any(|p| p.contains(needle)), "{problems:?}");
        }
    }
}
