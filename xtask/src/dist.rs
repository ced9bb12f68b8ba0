//! `cargo xtask dist`: build git-align and package it into reproducible archives with
//! `SHA256SUMS` and `dist-manifest.json`; `--merge` joins per-target outputs.
//!
//! Packaging is separate from building ([`package`] takes prebuilt binaries), so tests
//! and benchmarks package an existing binary and `release --execute` can call
//! [`build_and_package`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::archive::{self, Entry};
use crate::checksums::{self, SUMS_FILE, Sums};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::fsutil::write_atomic;
use crate::manifest::{Artifact, ArtifactKind, DistManifest, MANIFEST_FILE, SCHEMA};
use crate::usage::usage_error;
use crate::workspace::workspace_version;

/// Arguments of `cargo xtask dist`.
#[derive(Debug, clap::Args)]
pub struct Dist {
    /// Target triple to build and package (repeatable; default: `[dist] targets`, else the host).
    #[arg(long = "target", value_name = "TRIPLE")]
    pub targets: Vec<String>,
    /// Output directory (default: `[dist] out_dir`, `target/dist`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Join the per-target outputs in these directories into `--out` instead of building.
    #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with_all = ["targets", "binary"])]
    pub merge: Vec<PathBuf>,
    /// Package this prebuilt binary instead of running cargo build (one target only).
    #[arg(long, value_name = "PATH", hide = true)]
    pub binary: Option<PathBuf>,
}

/// What to build and where to put it.
#[derive(Debug, Clone, Default)]
pub struct DistOptions {
    /// Target triples; empty means `[dist] targets`, else the host.
    pub targets: Vec<String>,
    /// Output directory; `None` means `[dist] out_dir`.
    pub out_dir: Option<PathBuf>,
    /// A prebuilt binary to package instead of building (only with at most one target).
    pub prebuilt: Option<PathBuf>,
}

/// A finished dist directory.
#[derive(Debug, Clone)]
pub struct DistOutput {
    /// The directory holding the archives, `SHA256SUMS` and the manifest.
    pub dir: PathBuf,
    /// The manifest written there.
    pub manifest: DistManifest,
}

impl Dist {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        if ctx.dry_run {
            let out = resolve_out_dir(ctx, self.out)?;
            if self.merge.is_empty() {
                let targets = if self.targets.is_empty() {
                    "the host".to_string()
                } else {
                    self.targets.join(", ")
                };
                println!(
                    "dry run: would build git-align for {targets} and write archives, {SUMS_FILE} and {MANIFEST_FILE} to {}",
                    out.display()
                );
            } else {
                println!(
                    "dry run: would merge {} directories into {}",
                    self.merge.len(),
                    out.display()
                );
            }
            return Ok(());
        }
        let output = if self.merge.is_empty() {
            build_and_package(
                ctx,
                &DistOptions {
                    targets: self.targets,
                    out_dir: self.out,
                    prebuilt: self.binary,
                },
            )?
        } else {
            let out = resolve_out_dir(ctx, self.out)?;
            let dirs: Vec<PathBuf> = self.merge.iter().map(|d| ctx.root.join(d)).collect();
            merge(&dirs, &out)?
        };
        if ctx.json {
            print!("{}", output.manifest.to_json()?);
        } else {
            print!("{}", summary_table(&output));
        }
        Ok(())
    }
}

fn resolve_out_dir(ctx: &Ctx, out: Option<PathBuf>) -> Result<PathBuf> {
    Ok(match out {
        Some(dir) => ctx.root.join(dir),
        None => ctx.root.join(ReleaseConfig::load(&ctx.root)?.dist.out_dir),
    })
}

/// Builds git-align for each target (`cargo build --release --locked`) and packages it.
pub fn build_and_package(ctx: &Ctx, options: &DistOptions) -> Result<DistOutput> {
    let config = ReleaseConfig::load(&ctx.root)?;
    let out_dir = resolve_out_dir(ctx, options.out_dir.clone())?;
    let toolchain = Toolchain::detect(ctx)?;
    let explicit = !options.targets.is_empty() || !config.dist.targets.is_empty();
    let targets = if !options.targets.is_empty() {
        options.targets.clone()
    } else if !config.dist.targets.is_empty() {
        config.dist.targets.clone()
    } else {
        vec![toolchain.host.clone()]
    };
    let mut binaries = Vec::new();
    if let Some(binary) = &options.prebuilt {
        if targets.len() != 1 {
            return Err(usage_error(
                "--binary packages one prebuilt binary: pass at most one --target",
            ));
        }
        binaries.push((targets[0].clone(), ctx.root.join(binary)));
    } else {
        let sh = &ctx.sh;
        let rustflags = release_rustflags(&ctx.root);
        for target in &targets {
            let target_args: Vec<&str> = if explicit {
                vec!["--target", target]
            } else {
                vec![]
            };
            eprintln!(
                "dist: cargo build --release --locked -p alignment-cli {}",
                target_args.join(" ")
            );
            cmd!(sh, "cargo build --release --locked -p alignment-cli {target_args...}")
                .env("CARGO_ENCODED_RUSTFLAGS", &rustflags)
                .run()
                .with_context(|| format!("building git-align for {target}: fix the build (or add the target with `rustup target add {target}`) and rerun"))?;
            let mut dir = ctx.target_dir();
            if explicit {
                dir.push(target);
            }
            binaries.push((
                target.clone(),
                dir.join("release").join(binary_name(target)),
            ));
        }
    }
    package(ctx, &binaries, &out_dir, &toolchain)
}

/// Where cargo keeps the registry sources the dependencies are compiled from.
fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// The `CARGO_ENCODED_RUSTFLAGS` of every release build xtask makes (dist and the
/// benchmarks): one set of flags, so they share one build cache instead of rebuilding
/// each other's dependencies.
pub fn release_rustflags(root: &Path) -> String {
    reproducible_rustflags(
        std::env::var("CARGO_ENCODED_RUSTFLAGS").ok(),
        std::env::var("RUSTFLAGS").ok(),
        &cargo_home(),
        root,
    )
}

/// The rustflags of a dist build: the user's own (`CARGO_ENCODED_RUSTFLAGS`, else
/// `RUSTFLAGS`) plus `--remap-path-prefix` for the cargo home and the workspace, so the
/// binary carries `/cargo/registry/…` and `/build/…` instead of this machine's paths (in
/// panic locations and debug info) and two machines with different homes build the same
/// bytes. The result is in `CARGO_ENCODED_RUSTFLAGS` form (0x1f-separated).
pub fn reproducible_rustflags(
    encoded: Option<String>,
    plain: Option<String>,
    cargo_home: &Path,
    root: &Path,
) -> String {
    let mut flags: Vec<String> = match (encoded, plain) {
        (Some(encoded), _) if !encoded.is_empty() => {
            encoded.split('\x1f').map(str::to_string).collect()
        }
        (_, Some(plain)) => plain.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    flags.push(format!(
        "--remap-path-prefix={}=/cargo",
        cargo_home.display()
    ));
    flags.push(format!("--remap-path-prefix={}=/build", root.display()));
    flags.join("\x1f")
}

/// The compiler: `rustc --version` and the host triple.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// `rustc --version`.
    pub rustc: String,
    /// The host target triple.
    pub host: String,
}

impl Toolchain {
    /// Asks `rustc -vV`.
    pub fn detect(ctx: &Ctx) -> Result<Toolchain> {
        let sh = &ctx.sh;
        let verbose = cmd!(sh, "rustc -vV")
            .read()
            .context("running `rustc -vV`: is Rust installed?")?;
        let rustc = verbose.lines().next().unwrap_or_default().to_string();
        let host = verbose
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .context("`rustc -vV` printed no host line")?
            .to_string();
        Ok(Toolchain { rustc, host })
    }
}

/// The binary's file name for `target`.
pub fn binary_name(target: &str) -> &'static str {
    if target.contains("windows") {
        "git-align.exe"
    } else {
        "git-align"
    }
}

/// Whether `target` is a unix target (which also gets a `.tar.gz`).
pub fn is_unix(target: &str) -> bool {
    !target.contains("windows")
}

/// The top-level directory inside the archives (and the archive name without extension).
pub fn archive_stem(version: &semver::Version, target: &str) -> String {
    format!("git-align-{version}-{target}")
}

/// Where the source facts of the packaged commit come from.
struct Source {
    version: semver::Version,
    tag: Option<String>,
    commit: String,
    dirty: bool,
    epoch: i64,
}

fn source_facts(ctx: &Ctx, config: &ReleaseConfig) -> Result<Source> {
    let sh = &ctx.sh;
    let version = workspace_version(&ctx.root)?;
    let commit = cmd!(sh, "git rev-parse HEAD")
        .quiet()
        .read()
        .context("reading HEAD: dist packages a commit, so the workspace must be a git repository with at least one commit")?;
    let dirty = !cmd!(sh, "git status --porcelain")
        .quiet()
        .read()?
        .trim()
        .is_empty();
    let wanted = config.tag_for(&version);
    let tag = cmd!(sh, "git tag --points-at HEAD")
        .quiet()
        .read()?
        .lines()
        .any(|t| t == wanted)
        .then_some(wanted);
    let epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value.trim().parse::<i64>().map_err(|_| {
            usage_error(format!(
                "SOURCE_DATE_EPOCH={value:?} is not a number of seconds since 1970"
            ))
        })?,
        Err(_) => cmd!(sh, "git log -1 --format=%ct HEAD")
            .quiet()
            .read()?
            .trim()
            .parse()
            .context("parsing the HEAD commit time")?,
    };
    Ok(Source {
        version,
        tag,
        commit,
        dirty,
        epoch,
    })
}

/// Packages prebuilt `(target, binary)` pairs into `out_dir`: archives, `SHA256SUMS` and
/// the manifest. Stale dist files in `out_dir` are removed first.
pub fn package(
    ctx: &Ctx,
    binaries: &[(String, PathBuf)],
    out_dir: &Path,
    toolchain: &Toolchain,
) -> Result<DistOutput> {
    let config = ReleaseConfig::load(&ctx.root)?;
    let source = source_facts(ctx, &config)?;
    let extras = included_files(ctx, &config)?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    remove_stale(out_dir)?;
    let mut artifacts = Vec::new();
    for (target, binary) in binaries {
        let data = std::fs::read(binary).with_context(|| {
            format!(
                "reading the git-align binary {}: build it first",
                binary.display()
            )
        })?;
        let stem = archive_stem(&source.version, target);
        let mut entries = vec![
            Entry::dir(format!("{stem}/")),
            Entry::file(format!("{stem}/{}", binary_name(target)), data, 0o755),
        ];
        for (name, bytes) in &extras {
            if let Some((dir, _)) = name.rsplit_once('/') {
                let dir = Entry::dir(format!("{stem}/{dir}/"));
                if !entries.contains(&dir) {
                    entries.push(dir);
                }
            }
            entries.push(Entry::file(format!("{stem}/{name}"), bytes.clone(), 0o644));
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut kinds = vec![ArtifactKind::Zip];
        if is_unix(target) {
            kinds.push(ArtifactKind::TarGz);
        }
        // The formats compress independently: one thread each.
        let built: Vec<Result<Vec<u8>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = kinds
                .iter()
                .map(|kind| {
                    let entries = &entries;
                    scope.spawn(move || match kind {
                        ArtifactKind::Zip => archive::write_zip(entries, source.epoch),
                        ArtifactKind::TarGz => archive::write_tar_gz(entries, source.epoch),
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("archive writer panicked")))
                })
                .collect()
        });
        for (kind, bytes) in kinds.into_iter().zip(built) {
            let bytes = bytes?;
            let name = format!("{stem}.{}", kind.extension());
            write_atomic(&out_dir.join(&name), &bytes)?;
            artifacts.push(describe(&name, kind, target, &bytes, &entries));
        }
    }
    artifacts.sort_by(|a, b| a.name.cmp(&b.name));
    let manifest = DistManifest {
        schema: SCHEMA.into(),
        version: source.version,
        tag: source.tag,
        commit: source.commit,
        dirty: source.dirty,
        created: rfc3339(source.epoch)?,
        rustc: toolchain.rustc.clone(),
        artifacts,
    };
    write_index(out_dir, &manifest)?;
    Ok(DistOutput {
        dir: out_dir.to_path_buf(),
        manifest,
    })
}

fn describe(
    name: &str,
    kind: ArtifactKind,
    target: &str,
    bytes: &[u8],
    entries: &[Entry],
) -> Artifact {
    let mut files: Vec<String> = entries
        .iter()
        .filter(|e| matches!(e.kind, archive::EntryKind::File(_)))
        .map(|e| e.name.clone())
        .collect();
    files.sort();
    Artifact {
        name: name.into(),
        kind,
        target: target.into(),
        size: bytes.len() as u64,
        sha256: checksums::sha256_hex(bytes),
        files,
    }
}

/// Describes the archive file `dir/name` for a manifest: size, sha256 and the regular
/// files it holds (for tools and tests that assemble a dist directory by hand).
pub fn describe_artifact(
    dir: &Path,
    name: &str,
    kind: ArtifactKind,
    target: &str,
) -> Result<Artifact> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let entries = archive::read_archive(&path, kind)?;
    Ok(describe(name, kind, target, &bytes, &entries))
}

/// Writes `SHA256SUMS` and `dist-manifest.json` for `manifest` into `dir`.
pub fn write_index(dir: &Path, manifest: &DistManifest) -> Result<()> {
    let sums: Sums = manifest
        .artifacts
        .iter()
        .map(|a| (a.name.clone(), a.sha256.clone()))
        .collect();
    write_atomic(&dir.join(SUMS_FILE), checksums::render(&sums).as_bytes())?;
    write_atomic(&dir.join(MANIFEST_FILE), manifest.to_json()?.as_bytes())
}

/// The `[dist] include` files (name in the archive → content) plus the man page when
/// docs generation has produced one. README.md and LICENSE are required.
fn included_files(ctx: &Ctx, config: &ReleaseConfig) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for include in &config.dist.include {
        let path = ctx.root.join(include);
        let name = include
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| {
                format!(
                    "`dist.include` entry {} has no file name",
                    include.display()
                )
            })?;
        match std::fs::read(&path) {
            Ok(bytes) => files.push((name.to_string(), bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if REQUIRED_DOCS.contains(&name) {
                    bail!("{} is missing: every archive must ship it", path.display());
                }
                eprintln!(
                    "dist: {} is absent; archives are made without it",
                    include.display()
                );
            }
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
    for candidate in MAN_PAGES {
        if let Ok(bytes) = std::fs::read(ctx.root.join(candidate)) {
            files.push(("man/git-align.1".into(), bytes));
            break;
        }
    }
    files.sort();
    Ok(files)
}

/// Files every archive must hold beside the binary.
pub const REQUIRED_DOCS: &[&str] = &["README.md", "LICENSE"];

/// Where the generated man page may be, relative to the workspace root.
const MAN_PAGES: &[&str] = &["docs/man/git-align.1", "man/git-align.1"];

fn remove_stale(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = name == SUMS_FILE
            || name == MANIFEST_FILE
            || (name.starts_with("git-align-")
                && (name.ends_with(".zip") || name.ends_with(".tar.gz")));
        if stale && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("removing stale {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn rfc3339(epoch: i64) -> Result<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch)
        .with_context(|| format!("time {epoch} is out of range"))?;
    Ok(t.format(&time::format_description::well_known::Rfc3339)?)
}

/// Joins the dist directories `dirs` (one per CI machine) into `out`: one manifest, one
/// `SHA256SUMS`. Different versions or commits, and one artifact name with two different
/// contents, are errors.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<DistOutput> {
    let mut merged: Option<DistManifest> = None;
    let mut sources: BTreeMap<String, (PathBuf, Artifact)> = BTreeMap::new();
    for dir in dirs {
        let manifest = DistManifest::read(dir)?;
        let base = match &mut merged {
            None => merged.insert(DistManifest {
                artifacts: Vec::new(),
                ..manifest.clone()
            }),
            Some(base) => base,
        };
        if manifest.version != base.version {
            bail!(
                "cannot merge {}: version {} differs from {} in the other directories",
                dir.display(),
                manifest.version,
                base.version
            );
        }
        if manifest.commit != base.commit {
            bail!(
                "cannot merge {}: built from commit {} but the others from {}",
                dir.display(),
                manifest.commit,
                base.commit
            );
        }
        base.dirty |= manifest.dirty;
        if !base.rustc.split(" | ").any(|r| r == manifest.rustc) {
            base.rustc = format!("{} | {}", base.rustc, manifest.rustc);
        }
        for artifact in manifest.artifacts {
            let path = dir.join(&artifact.name);
            let (sha, size) = checksums::sha256_file(&path)?;
            if sha != artifact.sha256 || size != artifact.size {
                bail!(
                    "cannot merge {}: it does not match its manifest; rerun `cargo xtask verify {}`",
                    path.display(),
                    dir.display()
                );
            }
            if let Some((other_dir, other)) = sources.get(&artifact.name) {
                if other.sha256 != artifact.sha256 {
                    bail!(
                        "conflicting {}: {} and {} hold different contents (sha256 {} vs {})",
                        artifact.name,
                        other_dir.display(),
                        dir.display(),
                        other.sha256,
                        artifact.sha256
                    );
                }
                continue;
            }
            sources.insert(artifact.name.clone(), (path, artifact));
        }
    }
    let Some(mut manifest) = merged else {
        return Err(usage_error("--merge needs at least one directory"));
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut contents = Vec::new();
    for (name, (path, _)) in &sources {
        contents.push((name.clone(), std::fs::read(path)?));
    }
    remove_stale(out)?;
    for (name, bytes) in &contents {
        write_atomic(&out.join(name), bytes)?;
    }
    manifest.artifacts = sources.into_values().map(|(_, a)| a).collect();
    write_index(out, &manifest)?;
    Ok(DistOutput {
        dir: out.to_path_buf(),
        manifest,
    })
}

/// The human summary: one row per artifact.
pub fn summary_table(output: &DistOutput) -> String {
    let m = &output.manifest;
    let mut out = format!(
        "git-align {} ({}{}{}) in {}\n\n",
        m.version,
        &m.commit[..m.commit.len().min(12)],
        m.tag
            .as_deref()
            .map(|t| format!(", tag {t}"))
            .unwrap_or_default(),
        if m.dirty { ", dirty tree" } else { "" },
        output.dir.display()
    );
    let width = m
        .artifacts
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    out.push_str(&format!(
        "{:<width$}  {:<6}  {:>10}  sha256\n",
        "artifact", "kind", "size"
    ));
    for a in &m.artifacts {
        out.push_str(&format!(
            "{:<width$}  {:<6}  {:>10}  {}\n",
            a.name,
            a.kind.extension(),
            a.size,
            &a.sha256[..16]
        ));
    }
    out.push_str(&format!("\nwrote {SUMS_FILE} and {MANIFEST_FILE}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_rustflags_keep_the_users_flags_and_remap_host_paths() {
        let home = Path::new("/home/u/.cargo");
        let root = Path::new("/src/git-align");
        let remaps = "--remap-path-prefix=/home/u/.cargo=/cargo\x1f--remap-path-prefix=/src/git-align=/build";
        assert_eq!(reproducible_rustflags(None, None, home, root), remaps);
        assert_eq!(
            reproducible_rustflags(None, Some("-C  target-cpu=native ".into()), home, root),
            format!("-C\x1ftarget-cpu=native\x1f{remaps}")
        );
        assert_eq!(
            reproducible_rustflags(
                Some("-Cdebuginfo=1\x1f--cfg\x1fx y".into()),
                Some("ignored".into()),
                home,
                root
            ),
            format!("-Cdebuginfo=1\x1f--cfg\x1fx y\x1f{remaps}")
        );
        assert_eq!(
            reproducible_rustflags(Some(String::new()), Some("-Dwarnings".into()), home, root),
            format!("-Dwarnings\x1f{remaps}")
        );
    }
}
