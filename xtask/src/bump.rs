//! `cargo xtask bump`: the next version (semver arithmetic) and writing it to the
//! workspace (`Cargo.toml` files and `Cargo.lock`, format-preserving).

use std::path::Path;
use std::str::FromStr;

use anyhow::Result;
use semver::{BuildMetadata, Prerelease, Version};

use crate::context::Ctx;
use crate::conventional::{self, Level};
use crate::usage::usage_error;
use crate::workspace::{self, FileEdit, workspace_version};

/// Arguments of `cargo xtask bump`.
#[derive(Debug, clap::Args)]
pub struct Bump {
    /// `major`, `minor`, `patch`, `prerelease`, `release`, `auto` (from the commits) or an
    /// explicit version `X.Y.Z[-pre]`.
    pub level: String,
    /// Make it a prerelease with this identifier (`--pre rc` gives `1.3.0-rc.1`).
    #[arg(long, value_name = "ID")]
    pub pre: Option<String>,
    /// Accept a version that does not increase.
    #[arg(long)]
    pub allow_downgrade: bool,
}

impl Bump {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let spec: BumpSpec = self.level.parse()?;
        let current = workspace_version(&ctx.root)?;
        let new = next_version(&ctx.root, &current, &spec, self.pre.as_deref())?;
        check_increases(&current, &new, self.allow_downgrade)?;
        let edits = workspace::plan_version_change(&ctx.root, &new)?;
        for edit in &edits {
            let rel = edit.path.strip_prefix(&ctx.root).unwrap_or(&edit.path);
            println!("{}: {current} -> {new}", rel.display());
        }
        if ctx.dry_run {
            println!("dry run: nothing written");
        } else {
            workspace::apply(&edits)?;
            println!("bumped {current} -> {new}");
        }
        Ok(())
    }
}

/// What to bump to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BumpSpec {
    /// `major`, `minor` or `patch`.
    Level(Level),
    /// The next prerelease (`1.2.3-rc.1` → `1.2.3-rc.2`).
    Prerelease,
    /// The release of a prerelease (`1.2.3-rc.2` → `1.2.3`).
    Release,
    /// The level the commits since the last release tag imply.
    Auto,
    /// An explicit version.
    Exact(Version),
}

impl FromStr for BumpSpec {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<BumpSpec> {
        Ok(match s {
            "major" => BumpSpec::Level(Level::Major),
            "minor" => BumpSpec::Level(Level::Minor),
            "patch" => BumpSpec::Level(Level::Patch),
            "prerelease" => BumpSpec::Prerelease,
            "release" => BumpSpec::Release,
            "auto" => BumpSpec::Auto,
            other => {
                let bare = other.strip_prefix('v').unwrap_or(other);
                BumpSpec::Exact(Version::parse(bare).map_err(|e| {
                    usage_error(format!(
                        "`{other}` is neither a bump level (major, minor, patch, prerelease, \
                         release, auto) nor a version like 1.2.3: {e}"
                    ))
                })?)
            }
        })
    }
}

/// The version after applying `spec` (with the prerelease identifier `pre`) to `current`.
/// `Auto` reads the commits since the last release tag of the repository at `root`.
pub fn next_version(
    root: &Path,
    current: &Version,
    spec: &BumpSpec,
    pre: Option<&str>,
) -> Result<Version> {
    match spec {
        BumpSpec::Auto => {
            let cfg = crate::config::ReleaseConfig::load(root)?;
            let git = crate::history::open(root)?;
            let last = crate::history::last_release_tag(&git, &cfg.tag_prefix)?;
            let commits = crate::history::commits(&git, last.as_ref().map(|t| t.name.as_str()))?;
            let level =
                conventional::implied_level(current, commits.iter().map(|c| c.message.as_str()))
                    .ok_or_else(|| {
                        usage_error("no commits since the last release: nothing to bump")
                    })?;
            apply(current, &BumpSpec::Level(level), pre)
        }
        spec => apply(current, spec, pre),
    }
}

/// Pure semver arithmetic (node-semver rules for prereleases):
/// - `minor` of `1.3.0-rc.1` is `1.3.0` (the prerelease already was that bump);
/// - with `pre`, `minor` of `1.2.3` is `1.3.0-{pre}.1`, of `1.3.0-{pre}.1` is `1.3.0-{pre}.2`;
/// - `prerelease` of `1.2.3-rc.1` is `1.2.3-rc.2`, of `1.2.3` is `1.2.4-{pre or rc}.1`;
/// - `release` of `1.2.3-rc.2` is `1.2.3`.
pub fn apply(current: &Version, spec: &BumpSpec, pre: Option<&str>) -> Result<Version> {
    if let Some(pre) = pre {
        validate_pre_id(pre)?;
    }
    let base = Version::new(current.major, current.minor, current.patch);
    let is_pre = !current.pre.is_empty();
    let target_base = match spec {
        BumpSpec::Level(Level::Major) => {
            if is_pre && current.minor == 0 && current.patch == 0 {
                base.clone()
            } else {
                Version::new(current.major + 1, 0, 0)
            }
        }
        BumpSpec::Level(Level::Minor) => {
            if is_pre && current.patch == 0 {
                base.clone()
            } else {
                Version::new(current.major, current.minor + 1, 0)
            }
        }
        BumpSpec::Level(Level::Patch) => {
            if is_pre {
                base.clone()
            } else {
                Version::new(current.major, current.minor, current.patch + 1)
            }
        }
        BumpSpec::Prerelease => {
            let id = pre
                .map(String::from)
                .or_else(|| pre_id(current))
                .unwrap_or_else(|| "rc".into());
            if is_pre {
                return Ok(with_pre(&base, &id, next_pre_number(current, &id)));
            }
            return Ok(with_pre(
                &Version::new(current.major, current.minor, current.patch + 1),
                &id,
                1,
            ));
        }
        BumpSpec::Release => {
            if !is_pre {
                return Err(usage_error(format!(
                    "{current} is not a prerelease: `release` turns 1.2.3-rc.1 into 1.2.3; \
                     use major, minor or patch"
                )));
            }
            return Ok(base);
        }
        BumpSpec::Exact(v) => return Ok(v.clone()),
        BumpSpec::Auto => {
            return Err(usage_error("`auto` needs the repository history"));
        }
    };
    Ok(match pre {
        None => target_base,
        Some(id) if target_base == base && is_pre => {
            with_pre(&target_base, id, next_pre_number(current, id))
        }
        Some(id) => with_pre(&target_base, id, 1),
    })
}

fn validate_pre_id(pre: &str) -> Result<()> {
    if pre.is_empty() || !pre.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(usage_error(format!(
            "`--pre {pre}` is not a prerelease identifier: use letters, digits and `-` (e.g. rc)"
        )));
    }
    Ok(())
}

/// The identifier of a prerelease (`rc` of `1.2.3-rc.4`).
fn pre_id(v: &Version) -> Option<String> {
    v.pre
        .as_str()
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The next number for identifier `id`: `n + 1` when `current` is `…-{id}.n`, `1` when it is
/// `…-{id}` or another identifier.
fn next_pre_number(current: &Version, id: &str) -> u64 {
    let mut parts = current.pre.as_str().split('.');
    if parts.next() != Some(id) {
        return 1;
    }
    parts
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .map_or(1, |n| n + 1)
}

fn with_pre(base: &Version, id: &str, n: u64) -> Version {
    Version {
        pre: Prerelease::new(&format!("{id}.{n}")).unwrap_or(Prerelease::EMPTY),
        build: BuildMetadata::EMPTY,
        ..base.clone()
    }
}

/// Fails (exit code 2) unless `new` is greater than `current` or `allow_downgrade` is set.
pub fn check_increases(current: &Version, new: &Version, allow_downgrade: bool) -> Result<()> {
    if new <= current && !allow_downgrade {
        return Err(usage_error(format!(
            "{new} does not increase the version {current}: pick a higher version or pass \
             --allow-downgrade"
        )));
    }
    Ok(())
}

/// Computes the edits that set the workspace version to `new` (see
/// [`workspace::plan_version_change`]).
pub fn plan(root: &Path, new: &Version) -> Result<Vec<FileEdit>> {
    workspace::plan_version_change(root, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bump(v: &str, spec: &str, pre: Option<&str>) -> String {
        let spec: BumpSpec = spec.parse().expect("spec");
        apply(&Version::parse(v).expect("version"), &spec, pre)
            .expect("bump")
            .to_string()
    }

    #[test]
    fn levels() {
        assert_eq!(bump("1.2.3", "major", None), "2.0.0");
        assert_eq!(bump("1.2.3", "minor", None), "1.3.0");
        assert_eq!(bump("1.2.3", "patch", None), "1.2.4");
        assert_eq!(bump("1.3.0-rc.1", "minor", None), "1.3.0");
        assert_eq!(bump("1.2.4-rc.1", "minor", None), "1.3.0");
        assert_eq!(bump("2.0.0-rc.1", "major", None), "2.0.0");
        assert_eq!(bump("1.2.4-rc.1", "patch", None), "1.2.4");
    }

    #[test]
    fn prerelease_chains() {
        assert_eq!(bump("1.2.3", "minor", Some("rc")), "1.3.0-rc.1");
        assert_eq!(bump("1.3.0-rc.1", "minor", Some("rc")), "1.3.0-rc.2");
        assert_eq!(bump("1.3.0-beta.2", "minor", Some("rc")), "1.3.0-rc.1");
        assert_eq!(bump("1.2.3-rc.1", "prerelease", None), "1.2.3-rc.2");
        assert_eq!(bump("1.2.3-rc", "prerelease", None), "1.2.3-rc.1");
        assert_eq!(bump("1.2.3", "prerelease", None), "1.2.4-rc.1");
        assert_eq!(
            bump("1.2.3-alpha.3", "prerelease", Some("beta")),
            "1.2.3-beta.1"
        );
        assert_eq!(bump("1.2.3-rc.2", "release", None), "1.2.3");
        assert_eq!(bump("1.2.3", "1.5.0", None), "1.5.0");
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let err = "1.2".parse::<BumpSpec>().expect_err("invalid");
        assert_eq!(crate::exit_code(&err), 2);
        let v = Version::parse("1.2.3").expect("v");
        let err = apply(&v, &BumpSpec::Release, None).expect_err("not pre");
        assert_eq!(crate::exit_code(&err), 2);
        let err = check_increases(&v, &Version::parse("1.2.2").expect("v"), false)
            .expect_err("downgrade");
        assert_eq!(crate::exit_code(&err), 2);
        assert!(check_increases(&v, &Version::parse("1.2.2").expect("v"), true).is_ok());
        assert!(apply(&v, &BumpSpec::Level(Level::Minor), Some("r c")).is_err());
    }
}
