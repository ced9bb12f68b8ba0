//! `release.toml`: the xtask configuration, loaded and validated once for every subcommand.
//!
//! Unknown keys and bad values are errors naming the key, because a typo in a release
//! setting (say `allow_branch`) silently ignored is how releases go wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::usage::usage_error;

/// The configuration file's name, at the workspace root.
pub const RELEASE_CONFIG_FILE: &str = "release.toml";

/// The whole of `release.toml`, with defaults for every absent key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReleaseConfig {
    /// Prefix of release tags (`v` gives `v1.2.3`).
    pub tag_prefix: String,
    /// Branches a release may be made from.
    pub allow_branches: Vec<String>,
    /// The changelog file, relative to the workspace root.
    pub changelog: PathBuf,
    /// The release commit's message; `{{version}}` is replaced by the new version.
    pub commit_message: String,
    /// Sign release tags (`git tag -s`).
    pub sign_tag: bool,
    /// The remote releases are pushed to.
    pub push_remote: String,
    /// A command run before the release commit, with `NEW_VERSION` and `PREV_VERSION` in
    /// its environment (e.g. `["cargo", "xtask", "docs"]`).
    pub pre_release_hook: Option<Vec<String>>,
    /// Packaging settings.
    pub dist: DistConfig,
    /// Release store settings.
    pub publish: PublishConfig,
    /// Deployment environments by name.
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// Notification channels.
    pub notify: Vec<NotifyConfig>,
}

impl Default for ReleaseConfig {
    fn default() -> Self {
        ReleaseConfig {
            tag_prefix: "v".into(),
            allow_branches: vec!["main".into()],
            changelog: PathBuf::from("CHANGELOG.md"),
            commit_message: "chore(release): v{{version}}".into(),
            sign_tag: false,
            push_remote: "origin".into(),
            pre_release_hook: None,
            dist: DistConfig::default(),
            publish: PublishConfig::default(),
            environments: BTreeMap::new(),
            notify: Vec::new(),
        }
    }
}

/// `[dist]`: what `cargo xtask dist` builds and where it puts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DistConfig {
    /// Target triples to package; empty means the host.
    pub targets: Vec<String>,
    /// Output directory, relative to the workspace root.
    pub out_dir: PathBuf,
    /// Files from the workspace root put in every archive beside the binary.
    pub include: Vec<PathBuf>,
}

impl Default for DistConfig {
    fn default() -> Self {
        DistConfig {
            targets: Vec::new(),
            out_dir: PathBuf::from("target/dist"),
            include: ["README.md", "LICENSE", "CHANGELOG.md"]
                .iter()
                .map(PathBuf::from)
                .collect(),
        }
    }
}

/// `[publish]`: the release store and external channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishConfig {
    /// The release store directory, relative to the workspace root.
    pub store: PathBuf,
    /// `owner/name` of the GitHub repository for `publish --github`.
    pub github_repo: Option<String>,
    /// Crates published to crates.io by `publish --crates`, in dependency order.
    pub crates: Vec<String>,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            store: PathBuf::from("target/release-store"),
            github_repo: None,
            crates: vec!["alignment-core".into(), "alignment-cli".into()],
        }
    }
}

/// `[environments.NAME]`: one deployment environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Directory holding `releases/`, `current`, `deployments.jsonl`, `.lock`.
    pub path: PathBuf,
    /// An environment where the same version must have deployed successfully first
    /// (e.g. production requires staging).
    #[serde(default)]
    pub requires: Option<String>,
    /// How many installed releases to keep.
    #[serde(default = "default_keep_releases")]
    pub keep_releases: usize,
}

fn default_keep_releases() -> usize {
    5
}

/// `[[notify]]`: one notification channel (a webhook or a command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// URL receiving an HTTP POST of the JSON record.
    #[serde(default)]
    pub webhook: Option<String>,
    /// Environment variable holding the HMAC-SHA256 signing secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// Command receiving the JSON record on stdin.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Events notified (`deploy`, `rollback`, `release`); empty means all.
    #[serde(default)]
    pub events: Vec<String>,
    /// Seconds before one attempt is abandoned.
    #[serde(default = "default_notify_timeout_s")]
    pub timeout_s: u64,
    /// Attempts after the first.
    #[serde(default = "default_notify_retries")]
    pub retries: u32,
    /// When true, a failed notification fails the command that sent it.
    #[serde(default)]
    pub required: bool,
}

fn default_notify_timeout_s() -> u64 {
    10
}

fn default_notify_retries() -> u32 {
    2
}

impl ReleaseConfig {
    /// Loads `release.toml` from the workspace root (defaults when absent).
    pub fn load(root: &Path) -> Result<ReleaseConfig> {
        let file = root.join(RELEASE_CONFIG_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => ReleaseConfig::parse(&text, &file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ReleaseConfig::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
        }
    }

    /// Parses and validates configuration text; `file` is named in errors.
    pub fn parse(text: &str, file: &Path) -> Result<ReleaseConfig> {
        let config: ReleaseConfig = toml::from_str(text).map_err(|e| {
            usage_error(format!(
                "invalid {}: {}",
                file.display(),
                e.message().trim()
            ))
        })?;
        config
            .validate()
            .map_err(|e| usage_error(format!("invalid {}: {e}", file.display())))?;
        Ok(config)
    }

    /// The release commit message for `version`.
    pub fn commit_message_for(&self, version: &semver::Version) -> String {
        self.commit_message
            .replace("{{version}}", &version.to_string())
    }

    /// The tag name for `version`.
    pub fn tag_for(&self, version: &semver::Version) -> String {
        format!("{}{version}", self.tag_prefix)
    }

    fn validate(&self) -> Result<()> {
        if self.allow_branches.is_empty() {
            bail!("`allow_branches` must list at least one branch");
        }
        if !self.commit_message.contains("{{version}}") {
            bail!("`commit_message` must contain {{{{version}}}}");
        }
        if self
            .tag_prefix
            .chars()
            .any(|c| c.is_whitespace() || "~^:?*[\\".contains(c))
        {
            bail!(
                "`tag_prefix` {:?} cannot be part of a git tag name",
                self.tag_prefix
            );
        }
        if self.push_remote.trim().is_empty() {
            bail!("`push_remote` must not be empty");
        }
        if let Some(hook) = &self.pre_release_hook
            && hook.first().is_none_or(|p| p.trim().is_empty())
        {
            bail!("`pre_release_hook` must name a program, e.g. [\"cargo\", \"xtask\", \"docs\"]");
        }
        if self.dist.include.is_empty() {
            bail!("`dist.include` must list the files shipped beside the binary");
        }
        for (name, env) in &self.environments {
            if env.keep_releases == 0 {
                bail!("`environments.{name}.keep_releases` must be at least 1");
            }
            if let Some(required) = &env.requires
                && !self.environments.contains_key(required)
            {
                bail!("`environments.{name}.requires` names unknown environment {required:?}");
            }
        }
        for (i, notify) in self.notify.iter().enumerate() {
            match (&notify.webhook, &notify.command) {
                (Some(_), Some(_)) | (None, None) => {
                    bail!("`notify[{i}]` needs exactly one of `webhook` or `command`")
                }
                (Some(url), None)
                    if !(url.starts_with("http://") || url.starts_with("https://")) =>
                {
                    bail!("`notify[{i}].webhook` {url:?} must be an http:// or https:// URL")
                }
                (None, Some(command)) if command.is_empty() => {
                    bail!("`notify[{i}].command` must name a program")
                }
                _ => {}
            }
            if notify.timeout_s == 0 {
                bail!("`notify[{i}].timeout_s` must be at least 1");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ReleaseConfig> {
        ReleaseConfig::parse(text, Path::new("/ws/release.toml"))
    }

    #[test]
    fn defaults_when_empty() {
        assert_eq!(parse("").expect("valid"), ReleaseConfig::default());
    }

    #[test]
    fn every_section_parses() {
        let config = parse(
            r#"
tag_prefix = "v"
allow_branches = ["main", "release/*"]
sign_tag = false
pre_release_hook = ["true"]
[dist]
targets = ["x86_64-unknown-linux-gnu"]
[publish]
store = "/srv/store"
[environments.staging]
path = "/srv/staging"
[environments.production]
path = "/srv/production"
requires = "staging"
keep_releases = 3
[[notify]]
webhook = "http://127.0.0.1:9/hook"
secret_env = "HOOK_SECRET"
"#,
        )
        .expect("valid");
        assert_eq!(config.environments["production"].keep_releases, 3);
        assert_eq!(config.environments["staging"].keep_releases, 5);
        assert_eq!(config.notify[0].retries, 2);
        let version = semver::Version::new(1, 2, 3);
        assert_eq!(config.tag_for(&version), "v1.2.3");
        assert_eq!(
            config.commit_message_for(&version),
            "chore(release): v1.2.3"
        );
    }

    #[test]
    fn unknown_and_bad_keys_are_named() {
        let unknown = parse("allow_branch = [\"main\"]").expect_err("unknown");
        assert!(unknown.to_string().contains("allow_branch"), "{unknown}");
        let nested = parse("[dist]\nout = \"x\"").expect_err("unknown");
        assert!(nested.to_string().contains("out"), "{nested}");
        let bad = parse("sign_tag = \"yes\"").expect_err("bad type");
        assert!(bad.to_string().contains("release.toml"), "{bad}");
        let requires =
            parse("[environments.p]\npath = \"p\"\nrequires = \"nope\"").expect_err("unknown env");
        assert!(
            requires.to_string().contains("environments.p.requires"),
            "{requires}"
        );
        let message = parse("commit_message = \"release\"").expect_err("no placeholder");
        assert!(message.to_string().contains("commit_message"), "{message}");
    }
}
