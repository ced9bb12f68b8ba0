//! `cargo xtask dist`, `verify` and `publish` on real git repositories in sandboxes.
//!
//! A shell script stands in for the git-align binary (`#!/bin/sh` printing a version),
//! so no test runs a cargo build; hostile archives are crafted with the same writers.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::TestRepo;
use xtask::archive::{self, Entry, EntryKind};
use xtask::context::Ctx;
use xtask::dist::{self, Toolchain};
use xtask::manifest::{ArtifactKind, DistManifest, SCHEMA};
use xtask::publish::{self, StoreIndex, StoreOutcome};
use xtask::verify::{self, Status, VerifyReport};

const VERSION: &str = "1.2.3";

/// A workspace at version 1.2.3 in a real git repository, and a script "binary".
struct Fixture {
    repo: TestRepo,
    ctx: Ctx,
    toolchain: Toolchain,
}

fn host() -> String {
    let arch = std::env::consts::ARCH;
    if cfg!(target_os = "macos") {
        format!("{arch}-apple-darwin")
    } else {
        format!("{arch}-unknown-{}-gnu", std::env::consts::OS)
    }
}

impl Fixture {
    fn new() -> Fixture {
        let repo = TestRepo::new();
        repo.write(
            "Cargo.toml",
            &format!("[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{VERSION}\"\n"),
        );
        repo.write("LICENSE", "MIT\n");
        repo.write(".gitignore", "/target\n/out*\n");
        repo.git(["add", "."]);
        repo.commit_file("CHANGELOG.md", "# Changelog\n", "chore: workspace");
        let ctx = Ctx::new(repo.path(), false, false).expect("ctx");
        Fixture {
            repo,
            ctx,
            toolchain: Toolchain {
                rustc: "rustc 1.95.0 (test)".into(),
                host: host(),
            },
        }
    }

    /// A script that prints `git-align <version>` for `--version`.
    fn script(&self, name: &str, version: &str) -> PathBuf {
        let path = self.repo.sandbox.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\necho \"git-align {version}\"\n")).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    fn out(&self, name: &str) -> PathBuf {
        self.repo.sandbox.path().join(name)
    }

    /// Packages `binary` for `targets` into `out`.
    fn package(&self, binary: &Path, targets: &[&str], out: &Path) -> DistManifest {
        let binaries: Vec<(String, PathBuf)> = targets
            .iter()
            .map(|t| (t.to_string(), binary.to_path_buf()))
            .collect();
        dist::package(&self.ctx, &binaries, out, &self.toolchain)
            .expect("package")
            .manifest
    }

    /// A verified host dist directory in `out`.
    fn good_dist(&self, out: &str) -> PathBuf {
        let dir = self.out(out);
        let binary = self.script("git-align", VERSION);
        self.package(&binary, &[&host()], &dir);
        dir
    }

    fn verify(&self, dir: &Path) -> VerifyReport {
        verify::verify_dir(&self.ctx, dir).expect("verify runs")
    }

    fn xtask(&self, args: &[&str]) -> std::process::Output {
        self.repo
            .sandbox
            .command(env!("CARGO_BIN_EXE_xtask"), self.repo.path())
            .arg("--root")
            .arg(self.repo.path())
            .args(args)
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .expect("run xtask")
    }
}

fn zip_name() -> String {
    format!("git-align-{VERSION}-{}.zip", host())
}

fn tgz_name() -> String {
    format!("git-align-{VERSION}-{}.tar.gz", host())
}

fn top() -> String {
    format!("git-align-{VERSION}-{}", host())
}

/// Asserts that `report` failed `check` for `artifact` (or for the directory when `None`).
fn assert_failed(report: &VerifyReport, artifact: Option<&str>, check: &str) {
    assert!(!report.passed, "expected a failure:\n{}", report.render());
    assert!(
        report
            .failures()
            .any(|c| c.check == check && c.artifact.as_deref() == artifact),
        "expected {check} to fail for {artifact:?}:\n{}",
        report.render()
    );
    let message = format!("{:#}", report.ensure_passed().expect_err("fails"));
    assert!(message.contains(check), "{message}");
    if let Some(artifact) = artifact {
        assert!(message.contains(artifact), "{message}");
    }
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).expect("read");
    std::fs::write(path, f(text)).expect("write");
}

#[test]
fn dist_is_reproducible_verified_and_sha256sum_compatible() {
    let fx = Fixture::new();
    let binary = fx.script("git-align", VERSION);
    let first = fx.out("out1");
    let second = fx.out("out2");
    let manifest = fx.package(&binary, &[&host()], &first);
    // A later mtime on the inputs must not change a byte.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&binary, std::fs::read(&binary).expect("read")).expect("touch");
    assert_eq!(fx.package(&binary, &[&host()], &second), manifest);
    for name in [
        zip_name(),
        tgz_name(),
        "SHA256SUMS".into(),
        "dist-manifest.json".into(),
    ] {
        let a = std::fs::read(first.join(&name)).expect("first");
        let b = std::fs::read(second.join(&name)).expect("second");
        assert!(a == b, "{name} differs between two runs");
    }
    assert_eq!(manifest.schema, SCHEMA);
    assert_eq!(manifest.version.to_string(), VERSION);
    assert_eq!(manifest.commit, fx.repo.head());
    assert!(!manifest.dirty);
    assert_eq!(manifest.created, "2026-01-01T00:01:00Z", "the commit time");
    let artifact = manifest.artifact(&tgz_name()).expect("tar.gz listed");
    assert_eq!(artifact.kind, ArtifactKind::TarGz);
    let top = top();
    assert_eq!(
        artifact.files,
        [
            format!("{top}/CHANGELOG.md"),
            format!("{top}/LICENSE"),
            format!("{top}/README.md"),
            format!("{top}/git-align")
        ]
    );
    for kind in [ArtifactKind::Zip, ArtifactKind::TarGz] {
        let name = format!("{top}.{}", kind.extension());
        for entry in archive::read_archive(&first.join(name), kind).expect("read") {
            let expected = match entry.kind {
                EntryKind::Dir => 0o755,
                _ if entry.name.ends_with("/git-align") => 0o755,
                _ => 0o644,
            };
            assert_eq!(entry.mode, expected, "{}", entry.name);
        }
    }
    let report = fx.verify(&first);
    assert!(report.passed, "{}", report.render());
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.check == "binary-version" && c.status == Status::Pass),
        "{}",
        report.render()
    );
    let sha256sum = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&first)
        .output();
    if let Ok(output) = sha256sum {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn dist_stamps_source_date_epoch_and_the_tag() {
    let fx = Fixture::new();
    fx.repo.git(["tag", "-a", "v1.2.3", "-m", "v1.2.3"]);
    let out = fx.out("out");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["--root"])
        .arg(fx.repo.path())
        .args(["--json", "dist", "--binary"])
        .arg(fx.script("git-align", VERSION))
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(fx.repo.path())
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: DistManifest =
        serde_json::from_slice(&output.stdout).expect("--json prints the manifest");
    assert_eq!(printed.created, "2023-11-14T22:13:20Z");
    assert_eq!(printed.tag.as_deref(), Some("v1.2.3"));
    assert_eq!(printed, DistManifest::read(&out).expect("written"));
    let report = fx.verify(&out);
    assert!(report.passed, "{}", report.render());
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.check == "tag-version" && c.status == Status::Pass)
    );
}

/// A change made to a copy of a good dist directory.
type Tamper = Box<dyn Fn(&Path)>;

#[test]
fn verify_names_the_artifact_and_check_for_each_tampering() {
    let fx = Fixture::new();
    let good = fx.good_dist("good");
    let cases: Vec<(&str, Tamper, String, &str)> = vec![
        (
            "flipped byte",
            Box::new(|d: &Path| {
                let path = d.join(zip_name());
                let mut bytes = std::fs::read(&path).expect("read");
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x01;
                std::fs::write(&path, bytes).expect("write");
            }),
            zip_name(),
            "sha256-manifest",
        ),
        (
            "truncated",
            Box::new(|d: &Path| {
                let path = d.join(tgz_name());
                let bytes = std::fs::read(&path).expect("read");
                std::fs::write(&path, &bytes[..bytes.len() - 100]).expect("write");
            }),
            tgz_name(),
            "size",
        ),
        (
            "manifest sum edited",
            Box::new(|d: &Path| {
                let mut m = DistManifest::read(d).expect("manifest");
                m.artifacts[0].sha256 = "0".repeat(64);
                std::fs::write(d.join("dist-manifest.json"), m.to_json().expect("json"))
                    .expect("write");
            }),
            tgz_name(),
            "sha256-manifest",
        ),
        (
            "SHA256SUMS edited",
            Box::new(|d: &Path| {
                edit(&d.join("SHA256SUMS"), |t| {
                    let (sha, rest) = t.split_at(1);
                    format!("{}{rest}", if sha == "0" { "1" } else { "0" })
                })
            }),
            tgz_name(),
            "sha256-sums",
        ),
        (
            "missing artifact",
            Box::new(|d: &Path| std::fs::remove_file(d.join(zip_name())).expect("rm")),
            zip_name(),
            "present",
        ),
        (
            "extra file in the manifest's list",
            Box::new(|d: &Path| {
                let mut m = DistManifest::read(d).expect("manifest");
                m.artifacts[1].files.push(format!("{}/extra", top()));
                std::fs::write(d.join("dist-manifest.json"), m.to_json().expect("json"))
                    .expect("write");
            }),
            zip_name(),
            "file-list",
        ),
        (
            "file in the archive missing from the manifest's list",
            Box::new(|d: &Path| {
                let mut m = DistManifest::read(d).expect("manifest");
                m.artifacts[0].files.retain(|f| !f.ends_with("/LICENSE"));
                std::fs::write(d.join("dist-manifest.json"), m.to_json().expect("json"))
                    .expect("write");
            }),
            tgz_name(),
            "file-list",
        ),
        (
            "artifact missing from SHA256SUMS",
            Box::new(|d: &Path| {
                edit(&d.join("SHA256SUMS"), |t| {
                    t.lines()
                        .filter(|l| !l.ends_with(".zip"))
                        .map(|l| format!("{l}\n"))
                        .collect()
                })
            }),
            zip_name(),
            "sha256-sums",
        ),
    ];
    for (what, tamper, artifact, check) in cases {
        let dir = fx.out(&format!("case-{}", what.replace(' ', "-")));
        copy_dir(&good, &dir);
        tamper(&dir);
        let report = fx.verify(&dir);
        eprintln!("case {what}");
        assert_failed(&report, Some(&artifact), check);
    }
    // Through the command line: non-zero exit, artifact and check named.
    let dir = fx.out("case-flipped-byte");
    let output = fx.xtask(&["verify", &dir.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&zip_name()) && stderr.contains("sha256-manifest"),
        "{stderr}"
    );
    let json = fx.xtask(&["--json", "verify", &dir.to_string_lossy()]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    assert_eq!(report["passed"], false);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// A consistent dist directory (manifest and sums right) whose one archive holds the
/// standard files plus `extra`.
fn crafted_dist(
    fx: &Fixture,
    dir: &Path,
    kind: ArtifactKind,
    extra: Vec<Entry>,
    version_printed: &str,
) -> String {
    std::fs::create_dir_all(dir).expect("mkdir");
    let top = top();
    let mut entries = vec![
        Entry::dir(format!("{top}/")),
        Entry::file(format!("{top}/LICENSE"), b"MIT\n".to_vec(), 0o644),
        Entry::file(format!("{top}/README.md"), b"# readme\n".to_vec(), 0o644),
        Entry::file(
            format!("{top}/git-align"),
            format!("#!/bin/sh\necho \"git-align {version_printed}\"\n").into_bytes(),
            0o755,
        ),
    ];
    entries.extend(extra);
    let bytes = match kind {
        ArtifactKind::Zip => archive::write_zip(&entries, 0).expect("zip"),
        ArtifactKind::TarGz => archive::write_tar_gz(&entries, 0).expect("tar"),
    };
    let name = format!("{top}.{}", kind.extension());
    std::fs::write(dir.join(&name), bytes).expect("write");
    let manifest = DistManifest {
        schema: SCHEMA.into(),
        version: VERSION.parse().expect("version"),
        tag: None,
        commit: fx.repo.head(),
        dirty: false,
        created: "1970-01-01T00:00:00Z".into(),
        rustc: "rustc".into(),
        artifacts: vec![dist::describe_artifact(dir, &name, kind, &host()).expect("describe")],
    };
    dist::write_index(dir, &manifest).expect("index");
    name
}

#[test]
fn verify_rejects_hostile_archive_entries() {
    let fx = Fixture::new();
    let cases = [
        (
            "dotdot",
            Entry::file("../evil", b"x".to_vec(), 0o644),
            "`..`",
        ),
        (
            "dotdot-inside",
            Entry::file(format!("{}/../../evil", top()), b"x".to_vec(), 0o644),
            "`..`",
        ),
        (
            "absolute",
            Entry::file("/tmp/evil", b"x".to_vec(), 0o644),
            "absolute",
        ),
        (
            "symlink",
            Entry::symlink(format!("{}/passwd", top()), "/etc/passwd"),
            "absolute path /etc/passwd",
        ),
        (
            "escaping-link",
            Entry::symlink(format!("{}/up", top()), "../../etc"),
            "links outside",
        ),
        (
            "duplicate",
            Entry::file(format!("{}/LICENSE", top()), b"y".to_vec(), 0o644),
            "twice",
        ),
    ];
    for kind in [ArtifactKind::Zip, ArtifactKind::TarGz] {
        for (what, entry, needle) in &cases {
            if *what == "duplicate" && kind == ArtifactKind::Zip {
                continue; // the zip writer refuses duplicate names (and the reader keys by name)
            }
            let dir = fx.out(&format!("hostile-{what}-{}", kind.extension()));
            let name = crafted_dist(&fx, &dir, kind, vec![entry.clone()], VERSION);
            let report = fx.verify(&dir);
            assert_failed(&report, Some(&name), "entry-safety");
            let detail = &report
                .failures()
                .find(|c| c.check == "entry-safety")
                .expect("failure")
                .detail;
            assert!(detail.contains(needle), "{what} {kind:?}: {detail}");
            // The binary of a hostile archive is never run.
            assert!(
                report
                    .checks
                    .iter()
                    .all(|c| !(c.check == "binary-version" && c.status == Status::Pass))
            );
        }
    }
}

#[test]
fn verify_runs_the_binary_and_compares_its_version() {
    let fx = Fixture::new();
    let dir = fx.out("wrong-version");
    let name = crafted_dist(&fx, &dir, ArtifactKind::TarGz, vec![], "9.9.9");
    let report = fx.verify(&dir);
    assert_failed(&report, Some(&name), "binary-version");
    let ok = fx.out("right-version");
    crafted_dist(&fx, &ok, ArtifactKind::Zip, vec![], VERSION);
    assert!(fx.verify(&ok).passed, "{}", fx.verify(&ok).render());
    // And the workspace version must match the manifest's.
    fx.repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"2.0.0\"\n",
    );
    assert_failed(&fx.verify(&ok), None, "workspace-version");
}

#[test]
fn merge_joins_per_target_directories_and_refuses_conflicts() {
    let fx = Fixture::new();
    let binary = fx.script("git-align", VERSION);
    let linux = fx.out("part-linux");
    let windows = fx.out("part-windows");
    fx.package(&binary, &["riscv64gc-unknown-linux-gnu"], &linux);
    fx.package(&binary, &["x86_64-pc-windows-msvc"], &windows);
    let merged = fx.out("merged");
    let output = dist::merge(&[linux.clone(), windows.clone()], &merged).expect("merge");
    let names: Vec<&str> = output
        .manifest
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "git-align-1.2.3-riscv64gc-unknown-linux-gnu.tar.gz",
            "git-align-1.2.3-riscv64gc-unknown-linux-gnu.zip",
            "git-align-1.2.3-x86_64-pc-windows-msvc.zip"
        ]
    );
    let sums = std::fs::read_to_string(merged.join("SHA256SUMS")).expect("sums");
    assert_eq!(sums.lines().count(), 3);
    let report = fx.verify(&merged);
    assert!(report.passed, "{}", report.render());
    // The same directory twice is fine (identical entries).
    dist::merge(&[linux.clone(), linux.clone()], &fx.out("merged-again")).expect("idempotent");
    // The same artifact name with other content conflicts.
    let other = fx.out("part-linux-other");
    fx.package(
        &fx.script("other", "1.2.3 (other build)"),
        &["riscv64gc-unknown-linux-gnu"],
        &other,
    );
    let err = dist::merge(&[linux.clone(), other], &fx.out("m2")).expect_err("conflict");
    assert!(format!("{err:#}").contains("conflicting"), "{err:#}");
    // Different versions conflict.
    let bumped = fx.out("part-bumped");
    copy_dir(&windows, &bumped);
    edit(&bumped.join("dist-manifest.json"), |t| {
        t.replace("\"1.2.3\"", "\"1.2.4\"")
    });
    let err = dist::merge(&[linux, bumped], &fx.out("m3")).expect_err("versions");
    assert!(format!("{err:#}").contains("version 1.2.4"), "{err:#}");
}

#[test]
fn publish_is_atomic_idempotent_and_refuses_conflicts_and_unverified_dirs() {
    let fx = Fixture::new();
    let dir = fx.good_dist("dist");
    let store = fx.out("store");
    let manifest = publish::verified_manifest(&fx.ctx, &dir).expect("verified");
    assert_eq!(manifest.version.to_string(), VERSION);
    assert_eq!(
        publish::publish_to_store(&dir, &store, true).expect("dry run"),
        StoreOutcome::WouldPublish(store.join(VERSION))
    );
    assert!(!store.exists(), "dry run writes nothing");
    assert_eq!(
        publish::publish_to_store(&dir, &store, false).expect("publish"),
        StoreOutcome::Published(store.join(VERSION))
    );
    let index = StoreIndex::read(&store).expect("index");
    assert_eq!(
        index.newest.as_ref().map(ToString::to_string).as_deref(),
        Some(VERSION)
    );
    assert_eq!(index.versions.len(), 1);
    let store_sums = std::fs::read(store.join(VERSION).join("SHA256SUMS")).expect("sums");
    assert_eq!(
        store_sums,
        std::fs::read(dir.join("SHA256SUMS")).expect("sums")
    );
    let mut leftovers: Vec<_> = std::fs::read_dir(&store)
        .expect("store")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [publish::LOCK_FILE, VERSION, publish::INDEX_FILE],
        "only the version, the index and the lock file, no temporary directory"
    );
    // Identical again: a no-op, through the CLI too.
    let index_before = std::fs::read(store.join("index.json")).expect("index");
    let output = fx.xtask(&[
        "publish",
        "--dir",
        &dir.to_string_lossy(),
        "--to",
        &store.to_string_lossy(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("nothing to do"));
    assert_eq!(
        std::fs::read(store.join("index.json")).expect("index"),
        index_before
    );
    // Same version, different content: an error, and the store is unchanged.
    let other = fx.out("other");
    fx.package(
        &fx.script("other-build", &format!("{VERSION} (other)")),
        &[&host()],
        &other,
    );
    let err = publish::publish_to_store(&other, &store, false).expect_err("conflict");
    assert!(format!("{err:#}").contains("different content"), "{err:#}");
    assert_eq!(
        std::fs::read(store.join(VERSION).join("SHA256SUMS")).expect("sums"),
        store_sums
    );
    // A tampered directory is refused before anything is copied.
    let tampered = fx.out("tampered");
    copy_dir(&dir, &tampered);
    std::fs::write(tampered.join(zip_name()), b"not a zip").expect("write");
    let err = publish::verified_manifest(&fx.ctx, &tampered).expect_err("unverified");
    assert!(
        format!("{err:#}").contains("refusing to publish"),
        "{err:#}"
    );
    let fresh = fx.out("fresh-store");
    let output = fx.xtask(&[
        "publish",
        "--dir",
        &tampered.to_string_lossy(),
        "--to",
        &fresh.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!fresh.exists(), "nothing written for a refused publish");
    // A directory that was never made by dist is refused too.
    let empty = fx.out("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    assert!(publish::verified_manifest(&fx.ctx, &empty).is_err());
}

#[test]
fn publish_github_dry_run_prints_the_gh_commands() {
    let fx = Fixture::new();
    let dir = fx.good_dist("dist");
    let store = fx.out("store");
    let output = fx.xtask(&[
        "--dry-run",
        "publish",
        "--github",
        "--dir",
        &dir.to_string_lossy(),
        "--to",
        &store.to_string_lossy(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "gh release create v1.2.3 --draft",
        "gh release upload v1.2.3",
        "gh release view v1.2.3 --json assets",
        "gh release edit v1.2.3 --draft=false",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    assert!(!store.exists());
}

#[test]
fn publish_is_refused_while_another_publish_holds_the_store() {
    let fx = Fixture::new();
    let dir = fx.good_dist("dist");
    let store = fx.out("store");
    let held =
        match alignment_core::fsutil::try_lock(&store.join(publish::LOCK_FILE)).expect("lock") {
            alignment_core::fsutil::TryLock::Acquired(held) => held,
            alignment_core::fsutil::TryLock::HeldBy(pid) => panic!("held by {pid:?}"),
        };
    let err = publish::publish_to_store(&dir, &store, false).expect_err("store is locked");
    let message = format!("{err:#}");
    assert!(
        message.contains("is already in progress")
            && message.contains(&format!("process {}", std::process::id())),
        "{message}"
    );
    assert!(!store.join(VERSION).exists() && !store.join(publish::INDEX_FILE).exists());

    drop(held);
    assert_eq!(
        publish::publish_to_store(&dir, &store, false).expect("publish"),
        StoreOutcome::Published(store.join(VERSION))
    );
}
