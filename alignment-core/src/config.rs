//! `.git-align.toml`: the optional per-repository configuration.
//!
//! Every key has a default, so a repository without the file works. Unknown keys and bad
//! values are errors that name the key and the file, because a silently ignored typo in a
//! safety setting (say `[backup] keep`) is worse than no setting at all.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The configuration file's name, at the root of the work tree.
pub const CONFIG_FILE: &str = ".git-align.toml";

/// How a branch is brought up to date with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Replay the branch's commits on top of the target (linear history).
    #[default]
    Rebase,
    /// Merge the target into the branch (a merge commit, no rewrite).
    Merge,
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Strategy::Rebase => "rebase",
            Strategy::Merge => "merge",
        })
    }
}

/// A rule sending branches whose name matches `pattern` to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A glob over branch names: `*` matches any run of characters (including `/`), `?`
    /// one character.
    pub pattern: String,
    /// The primary branch matching branches integrate into.
    pub target: String,
}

/// How long backups are kept by `git-align backups prune`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Backups older than this many days may be pruned.
    pub retention_days: u32,
    /// The newest `keep` backups of each branch are never pruned, whatever their age.
    pub keep: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            retention_days: 30,
            keep: 5,
        }
    }
}

/// Thresholds that classify a branch as `simple`, `chunked` or `integration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplexityConfig {
    /// More commits ahead than this makes a branch at least `chunked`.
    pub commits: u32,
    /// More changed files than this makes a branch at least `chunked`.
    pub files: u32,
    /// A merge base older than this many days makes a branch `integration`.
    pub age_days: u32,
    /// Commits replayed per step when a branch is aligned in chunks.
    pub batch_size: u32,
}

impl Default for ComplexityConfig {
    fn default() -> Self {
        ComplexityConfig {
            commits: 50,
            files: 100,
            age_days: 90,
            batch_size: 10,
        }
    }
}

/// What a failed validator does to the alignment it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Failure restores the branch from its backup (exit code 4).
    #[default]
    Critical,
    /// Failure is reported; the alignment stands.
    Warning,
}

/// A command run in a worktree of the aligned branch to check the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// A short name for reports.
    pub name: String,
    /// The program and its arguments (no shell).
    pub run: Vec<String>,
    /// What a failure means.
    #[serde(default)]
    pub severity: Severity,
    /// Seconds before the command is killed and counted as failed.
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
}

fn default_timeout_s() -> u64 {
    600
}

/// The resolved configuration of one repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The remote whose branches are fetched and compared (`origin`).
    pub remote: String,
    /// The primary branches feature branches integrate into, in order of preference.
    pub primary_targets: Vec<String>,
    /// Name-based target rules; the first match wins.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// The default alignment strategy.
    pub strategy: Strategy,
    /// Backup retention.
    pub backup: BackupConfig,
    /// Complexity thresholds.
    pub complexity: ComplexityConfig,
    /// Validators run after every alignment.
    #[serde(rename = "validate")]
    pub validators: Vec<Validator>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            remote: "origin".into(),
            primary_targets: vec!["main".into()],
            rules: Vec::new(),
            strategy: Strategy::Rebase,
            backup: BackupConfig::default(),
            complexity: ComplexityConfig::default(),
            validators: Vec::new(),
        }
    }
}

impl Config {
    /// Loads `.git-align.toml` from `work_tree`, or the defaults when the file is absent.
    pub fn load(work_tree: &Path) -> Result<Config> {
        let file = work_tree.join(CONFIG_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => Config::parse(&text, &file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::io(format!("reading {}", file.display()), e)),
        }
    }

    /// Parses and validates configuration text; `file` is named in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| config_error(file, e.message()))?;
        config.validate(file)?;
        Ok(config)
    }

    /// The primary branch names and every rule target, without duplicates, in order.
    pub fn all_targets(&self) -> Vec<&str> {
        let mut targets: Vec<&str> = Vec::new();
        let names = self.primary_targets.iter().map(String::as_str);
        for name in names.chain(self.rules.iter().map(|r| r.target.as_str())) {
            if !targets.contains(&name) {
                targets.push(name);
            }
        }
        targets
    }

    /// Renders the resolved configuration as TOML (for `git-align config check`).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| Error::Usage(format!("rendering config: {e}")))
    }

    fn validate(&self, file: &Path) -> Result<()> {
        let err = |message: String| Err(config_error(file, &message));
        if self.remote.trim().is_empty() {
            return err("`remote` must not be empty".into());
        }
        if self.primary_targets.is_empty() {
            return err("`primary_targets` must list at least one branch".into());
        }
        for name in self.all_targets() {
            if !is_valid_branch_name(name) {
                return err(format!(
                    "`primary_targets`/`rule.target`: {name:?} is not a valid branch name"
                ));
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.pattern.trim().is_empty() {
                return err(format!("`rule[{i}].pattern` must not be empty"));
            }
        }
        if self.complexity.batch_size == 0 {
            return err("`complexity.batch_size` must be at least 1".into());
        }
        for (i, validator) in self.validators.iter().enumerate() {
            if validator.name.trim().is_empty() {
                return err(format!("`validate[{i}].name` must not be empty"));
            }
            if validator.run.is_empty() || validator.run[0].trim().is_empty() {
                return err(format!(
                    "`validate[{i}].run` ({}) must name a program, e.g. [\"cargo\", \"test\"]",
                    validator.name
                ));
            }
            if validator.timeout_s == 0 {
                return err(format!(
                    "`validate[{i}].timeout_s` ({}) must be at least 1",
                    validator.name
                ));
            }
        }
        Ok(())
    }
}

fn config_error(file: &Path, message: &str) -> Error {
    Error::Config {
        file: PathBuf::from(file),
        message: message.trim().to_string(),
    }
}

/// A conservative check of git's branch-name rules (`git check-ref-format --branch`)
/// that needs no process: no spaces, control characters, `..`, `~^:?*[\`, `@{`, leading
/// `-` or `/`, trailing `/`, `.` or `.lock`.
pub fn is_valid_branch_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.starts_with('/')
        && !name.ends_with('/')
        && !name.ends_with('.')
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && name != "@"
        && !name
            .chars()
            .any(|c| c.is_control() || c == ' ' || "~^:?*[\\".contains(c))
        && !name.split('/').any(|part| part.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/repo/.git-align.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(parse("").expect("valid"), Config::default());
    }

    #[test]
    fn full_file_parses() {
        let config = parse(
            r#"
remote = "upstream"
primary_targets = ["main", "scientific"]
strategy = "merge"
[[rule]]
pattern = "sci/*"
target = "scientific"
[backup]
retention_days = 7
keep = 2
[complexity]
commits = 10
batch_size = 3
[[validate]]
name = "tests"
run = ["cargo", "test"]
severity = "warning"
timeout_s = 30
"#,
        )
        .expect("valid");
        assert_eq!(config.remote, "upstream");
        assert_eq!(config.strategy, Strategy::Merge);
        assert_eq!(config.rules[0].target, "scientific");
        assert_eq!(config.backup.keep, 2);
        assert_eq!(config.complexity.commits, 10);
        assert_eq!(config.complexity.files, 100);
        assert_eq!(config.validators[0].severity, Severity::Warning);
        assert_eq!(config.all_targets(), vec!["main", "scientific"]);
    }

    #[test]
    fn unknown_keys_are_named() {
        let message = parse("remote = \"o\"\nprimry_targets = [\"main\"]\n")
            .expect_err("unknown key")
            .to_string();
        assert!(message.contains("primry_targets"), "{message}");
        assert!(message.contains(".git-align.toml"), "{message}");
        let nested = parse("[complexity]\nbatchsize = 3\n")
            .expect_err("unknown nested key")
            .to_string();
        assert!(nested.contains("batchsize"), "{nested}");
    }

    #[test]
    fn bad_values_are_named() {
        let strategy = parse("strategy = \"squash\"").expect_err("bad").to_string();
        assert!(strategy.contains("squash"), "{strategy}");
        let batch = parse("[complexity]\nbatch_size = 0")
            .expect_err("bad")
            .to_string();
        assert!(batch.contains("batch_size"), "{batch}");
        let target = parse("primary_targets = [\"ma in\"]")
            .expect_err("bad")
            .to_string();
        assert!(target.contains("primary_targets"), "{target}");
        let run = parse("[[validate]]\nname = \"t\"\nrun = []")
            .expect_err("bad")
            .to_string();
        assert!(run.contains("validate[0].run"), "{run}");
    }

    #[test]
    fn branch_name_rules() {
        for good in ["main", "feat/x", "feat/ünï", "feat/$(touch-x)", "a.b"] {
            assert!(is_valid_branch_name(good), "{good}");
        }
        for bad in [
            "", "-x", "a b", "a..b", "a/", "a.lock", "a~1", "x@{1}", ".hidden",
        ] {
            assert!(!is_valid_branch_name(bad), "{bad}");
        }
    }
}
