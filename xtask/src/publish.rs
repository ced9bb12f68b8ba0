//! `cargo xtask publish`: copies a verified dist directory into the release store
//! (`<store>/<version>/…` plus `<store>/index.json`), and optionally creates the GitHub
//! release and publishes the crates.
//!
//! Every store write is atomic: files are written into a temporary directory inside the
//! store which is renamed into place, and the index is replaced with `write_atomic`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::checksums::{self, SUMS_FILE};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::fsutil::{lock_exclusive, write_atomic};
use crate::manifest::{DistManifest, MANIFEST_FILE};
use crate::verify::verify_dir;

/// Arguments of `cargo xtask publish`.
#[derive(Debug, clap::Args)]
pub struct Publish {
    /// The verified dist directory to publish (default: `[dist] out_dir`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The release store (default: `[publish] store`, `target/release-store`).
    #[arg(long, value_name = "STORE")]
    pub to: Option<PathBuf>,
    /// Also create the GitHub release with `gh` (draft → upload → check → publish).
    #[arg(long)]
    pub github: bool,
    /// Also publish `[publish] crates` to crates.io, in order, skipping published versions.
    #[arg(long)]
    pub crates: bool,
}

/// The store's `index.json`: every published version and the newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreIndex {
    /// Always [`STORE_SCHEMA`].
    pub schema: String,
    /// The highest published version.
    pub newest: Option<semver::Version>,
    /// Published versions, ascending.
    pub versions: Vec<StoreEntry>,
}

/// One published version in the store index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreEntry {
    /// The version (its files are in `<store>/<version>/`).
    pub version: semver::Version,
    /// sha256 of that version's `dist-manifest.json`.
    pub manifest_sha256: String,
    /// The commit it was built from.
    pub commit: String,
    /// The release tag, when there was one.
    pub tag: Option<String>,
}

/// The store index's schema identifier.
pub const STORE_SCHEMA: &str = "git-align/release-store/v1";

/// The store index's file name.
pub const INDEX_FILE: &str = "index.json";

/// The store's lock file, held while a version is copied in and the index rewritten.
pub const LOCK_FILE: &str = ".lock";

impl StoreIndex {
    /// Reads `<store>/index.json` (an empty index when the store is new).
    pub fn read(store: &Path) -> Result<StoreIndex> {
        let path = store.join(INDEX_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("parsing {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreIndex {
                schema: STORE_SCHEMA.into(),
                newest: None,
                versions: Vec::new(),
            }),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Adds or replaces `entry`, keeping versions ascending and `newest` current.
    pub fn upsert(&mut self, entry: StoreEntry) {
        self.versions.retain(|e| e.version != entry.version);
        self.versions.push(entry);
        self.versions.sort_by(|a, b| a.version.cmp(&b.version));
        self.newest = self.versions.last().map(|e| e.version.clone());
    }
}

/// What publishing to the store did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The version was copied to this directory.
    Published(PathBuf),
    /// The store already held identical files: nothing changed.
    AlreadyPublished(PathBuf),
    /// `--dry-run`: the version would be copied to this directory.
    WouldPublish(PathBuf),
}

impl Publish {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let config = ReleaseConfig::load(&ctx.root)?;
        let dir = ctx
            .root
            .join(self.dir.unwrap_or_else(|| config.dist.out_dir.clone()));
        let store = ctx
            .root
            .join(self.to.unwrap_or_else(|| config.publish.store.clone()));
        let manifest = verified_manifest(ctx, &dir)?;
        match publish_to_store(&dir, &store, ctx.dry_run)? {
            StoreOutcome::Published(path) => {
                println!(
                    "published git-align {} to {}",
                    manifest.version,
                    path.display()
                )
            }
            StoreOutcome::AlreadyPublished(path) => println!(
                "git-align {} is already in {} with identical content: nothing to do",
                manifest.version,
                path.display()
            ),
            StoreOutcome::WouldPublish(path) => println!(
                "dry run: would publish git-align {} to {}",
                manifest.version,
                path.display()
            ),
        }
        if self.github {
            github(ctx, &config, &dir, &manifest)?;
        }
        if self.crates {
            crates(ctx, &config, &manifest)?;
        }
        Ok(())
    }
}

/// Verifies `dir` and returns its manifest; refuses (naming every failed check) when
/// verification fails.
pub fn verified_manifest(ctx: &Ctx, dir: &Path) -> Result<DistManifest> {
    let report = verify_dir(ctx, dir)?;
    report.ensure_passed().with_context(|| {
        format!(
            "refusing to publish {}: only verified artifacts are published; rebuild with `cargo xtask dist`",
            dir.display()
        )
    })?;
    DistManifest::read(dir)
}

/// Copies the (already verified) dist directory `dir` into `store` atomically and
/// records it in the index. Identical content already there is a no-op; different
/// content for the same version is an error.
pub fn publish_to_store(dir: &Path, store: &Path, dry_run: bool) -> Result<StoreOutcome> {
    let manifest = DistManifest::read(dir)?;
    let mut names: Vec<String> = manifest.artifacts.iter().map(|a| a.name.clone()).collect();
    names.push(SUMS_FILE.into());
    names.push(MANIFEST_FILE.into());
    let mut wanted = BTreeMap::new();
    for name in &names {
        wanted.insert(name.clone(), checksums::sha256_file(&dir.join(name))?.0);
    }
    let target = store.join(manifest.version.to_string());
    if dry_run {
        return Ok(if same_content(&target, &wanted)? == Some(true) {
            StoreOutcome::AlreadyPublished(target)
        } else {
            StoreOutcome::WouldPublish(target)
        });
    }
    std::fs::create_dir_all(store)
        .with_context(|| format!("creating the store {}", store.display()))?;
    // One publisher at a time: two publishes of different versions would otherwise
    // each write an index missing the other's entry.
    let _lock = lock_exclusive(
        &store.join(LOCK_FILE),
        &format!("a publish to {}", store.display()),
    )?;
    let outcome = match same_content(&target, &wanted)? {
        Some(true) => StoreOutcome::AlreadyPublished(target.clone()),
        Some(false) => bail!(
            "the store already holds git-align {} at {} with different content; \
             a published version is immutable: bump the version and release again",
            manifest.version,
            target.display()
        ),
        None => {
            let temp = store.join(format!(".{}.tmp-{}", manifest.version, std::process::id()));
            if temp.exists() {
                std::fs::remove_dir_all(&temp)?;
            }
            std::fs::create_dir(&temp)?;
            for name in &names {
                copy_synced(&dir.join(name), &temp.join(name))?;
            }
            // rename(2) refuses to replace a non-empty directory, so a concurrent
            // publisher of the same version cannot be overwritten.
            std::fs::rename(&temp, &target)
                .with_context(|| format!("moving {} into place", target.display()))?;
            std::fs::File::open(store)?.sync_all()?;
            StoreOutcome::Published(target.clone())
        }
    };
    // Also repairs an index that missed an earlier publish (crash between the renames).
    let mut index = StoreIndex::read(store)?;
    let entry = StoreEntry {
        version: manifest.version.clone(),
        manifest_sha256: wanted[MANIFEST_FILE].clone(),
        commit: manifest.commit.clone(),
        tag: manifest.tag.clone(),
    };
    if !index.versions.contains(&entry) {
        index.upsert(entry);
        write_atomic(
            &store.join(INDEX_FILE),
            (serde_json::to_string_pretty(&index)? + "\n").as_bytes(),
        )?;
    }
    Ok(outcome)
}

/// `None` when `dir` does not exist, else whether it holds exactly the `wanted` files.
fn same_content(dir: &Path, wanted: &BTreeMap<String, String>) -> Result<Option<bool>> {
    if !dir.exists() {
        return Ok(None);
    }
    let mut present = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        present.insert(name, checksums::sha256_file(&entry.path())?.0);
    }
    Ok(Some(present == *wanted))
}

fn copy_synced(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    let mut file =
        std::fs::File::create(to).with_context(|| format!("creating {}", to.display()))?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    Ok(())
}

/// The `gh` commands that create, fill, check and publish the GitHub release.
pub fn github_commands(
    config: &ReleaseConfig,
    dir: &Path,
    manifest: &DistManifest,
) -> Vec<Vec<String>> {
    let tag = manifest
        .tag
        .clone()
        .unwrap_or_else(|| config.tag_for(&manifest.version));
    let repo: Vec<String> = config
        .publish
        .github_repo
        .iter()
        .flat_map(|r| ["--repo".to_string(), r.clone()])
        .collect();
    let with_repo = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend(repo.iter().cloned());
        v
    };
    let title = format!("git-align {}", manifest.version);
    let mut upload = with_repo(&["gh", "release", "upload", &tag]);
    for name in manifest
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .chain([SUMS_FILE, MANIFEST_FILE])
    {
        upload.push(dir.join(name).to_string_lossy().into_owned());
    }
    vec![
        with_repo(&[
            "gh",
            "release",
            "create",
            &tag,
            "--draft",
            "--verify-tag",
            "--title",
            &title,
            "--notes",
            &title,
        ]),
        upload,
        with_repo(&["gh", "release", "view", &tag, "--json", "assets"]),
        with_repo(&["gh", "release", "edit", &tag, "--draft=false"]),
    ]
}

fn shell_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn github(ctx: &Ctx, config: &ReleaseConfig, dir: &Path, manifest: &DistManifest) -> Result<()> {
    let commands = github_commands(config, dir, manifest);
    let gh_present = Command::new("gh")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ctx.dry_run || !gh_present {
        println!(
            "{}: the GitHub release would be made with:",
            if ctx.dry_run {
                "dry run"
            } else {
                "`gh` is not installed"
            }
        );
        for command in &commands {
            println!("  {}", shell_line(command));
        }
        if !ctx.dry_run {
            bail!(
                "install the GitHub CLI (https://cli.github.com) and run `gh auth login`, then rerun `cargo xtask publish --github`"
            );
        }
        return Ok(());
    }
    for (i, command) in commands.iter().enumerate() {
        println!("$ {}", shell_line(command));
        let output = Command::new(&command[0])
            .args(&command[1..])
            .current_dir(&ctx.root)
            .output()
            .with_context(|| format!("running {}", shell_line(command)))?;
        if !output.status.success() {
            bail!(
                "`{}` failed: {}; the release is left as a draft — fix and rerun",
                shell_line(command),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        if i == 2 {
            check_assets(&output.stdout, dir, manifest)?;
        }
    }
    Ok(())
}

/// Compares `gh release view --json assets` output with the files uploaded.
fn check_assets(json: &[u8], dir: &Path, manifest: &DistManifest) -> Result<()> {
    #[derive(Deserialize)]
    struct View {
        assets: Vec<Asset>,
    }
    #[derive(Deserialize)]
    struct Asset {
        name: String,
        size: u64,
    }
    let view: View =
        serde_json::from_slice(json).context("parsing `gh release view --json assets`")?;
    let uploaded: BTreeMap<String, u64> =
        view.assets.into_iter().map(|a| (a.name, a.size)).collect();
    let mut expected: BTreeMap<String, u64> = manifest
        .artifacts
        .iter()
        .map(|a| (a.name.clone(), a.size))
        .collect();
    for name in [SUMS_FILE, MANIFEST_FILE] {
        expected.insert(name.into(), std::fs::metadata(dir.join(name))?.len());
    }
    if uploaded != expected {
        bail!(
            "the draft release's assets {uploaded:?} differ from the manifest's {expected:?}; \
             the release is left as a draft — delete the wrong assets and rerun"
        );
    }
    Ok(())
}

fn crates(ctx: &Ctx, config: &ReleaseConfig, manifest: &DistManifest) -> Result<()> {
    let version = manifest.version.to_string();
    let mut unpublished_before: Vec<&str> = Vec::new();
    for krate in &config.publish.crates {
        let probe = Command::new("cargo")
            .args([
                "info",
                "--registry",
                "crates-io",
                &format!("{krate}@{version}"),
            ])
            .current_dir(std::env::temp_dir())
            .output()
            .context("running `cargo info`")?;
        let stderr = String::from_utf8_lossy(&probe.stderr);
        if probe.status.success() {
            println!("{krate} {version} is already on crates.io: skipped");
            continue;
        }
        if !stderr.contains("could not find") {
            let why = stderr
                .lines()
                .last()
                .unwrap_or("no output")
                .trim()
                .to_string();
            if !ctx.dry_run {
                bail!("cannot tell whether {krate} {version} is on crates.io (offline?): {why}");
            }
            println!(
                "cannot check crates.io for {krate} {version} (offline?): {why}; dry-running anyway"
            );
        }
        let mut args = vec!["publish", "-p", krate.as_str(), "--locked"];
        if ctx.dry_run {
            // A rehearsal on a work tree with edits in progress is still useful.
            args.extend(["--dry-run", "--allow-dirty"]);
        }
        println!("$ cargo {}", args.join(" "));
        let status = Command::new("cargo")
            .args(&args)
            .current_dir(&ctx.root)
            .status()?;
        if !status.success() {
            if ctx.dry_run && !unpublished_before.is_empty() {
                println!(
                    "{krate}: dry run failed, expected while {} {version} is not on crates.io yet",
                    unpublished_before.join(", ")
                );
            } else {
                bail!(
                    "`cargo {}` failed (cargo's error is above); fix it and rerun",
                    args.join(" ")
                );
            }
        }
        unpublished_before.push(krate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Artifact, ArtifactKind, SCHEMA};

    fn manifest() -> DistManifest {
        DistManifest {
            schema: SCHEMA.into(),
            version: semver::Version::new(1, 2, 3),
            tag: None,
            commit: "c0ffee".into(),
            dirty: false,
            created: "2026-01-01T00:00:00Z".into(),
            rustc: "rustc".into(),
            artifacts: vec![Artifact {
                name: "a.zip".into(),
                kind: ArtifactKind::Zip,
                target: "t".into(),
                size: 3,
                sha256: "0".repeat(64),
                files: vec![],
            }],
        }
    }

    #[test]
    fn uploaded_assets_must_match_the_manifest() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(SUMS_FILE), "12345").expect("write");
        std::fs::write(dir.path().join(MANIFEST_FILE), "1234").expect("write");
        let good = br#"{"assets":[{"name":"a.zip","size":3},{"name":"SHA256SUMS","size":5},{"name":"dist-manifest.json","size":4}]}"#;
        check_assets(good, dir.path(), &manifest()).expect("matches");
        let short = br#"{"assets":[{"name":"a.zip","size":2},{"name":"SHA256SUMS","size":5},{"name":"dist-manifest.json","size":4}]}"#;
        assert!(check_assets(short, dir.path(), &manifest()).is_err());
        let missing = br#"{"assets":[{"name":"a.zip","size":3}]}"#;
        assert!(check_assets(missing, dir.path(), &manifest()).is_err());
    }

    #[test]
    fn gh_commands_use_the_tag_and_repository() {
        let mut config = ReleaseConfig::default();
        config.publish.github_repo = Some("o/r".into());
        let commands = github_commands(&config, Path::new("/d"), &manifest());
        let lines: Vec<String> = commands.iter().map(|c| shell_line(c)).collect();
        assert_eq!(
            lines[0],
            "gh release create v1.2.3 --draft --verify-tag --title 'git-align 1.2.3' --notes 'git-align 1.2.3' --repo o/r"
        );
        assert_eq!(
            lines[1],
            "gh release upload v1.2.3 --repo o/r /d/a.zip /d/SHA256SUMS /d/dist-manifest.json"
        );
        assert_eq!(lines[3], "gh release edit v1.2.3 --draft=false --repo o/r");
    }
}
