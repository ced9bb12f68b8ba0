//! `cargo xtask changelog`: `CHANGELOG.md` from the conventional commits, rendered by
//! git-cliff-core with `cliff.toml` from commits read through the git CLI.

use std::path::Path;

use alignment_core::Git;
use anyhow::{Context, Result, bail};
use git_cliff_core::commit::{Commit, Signature};
use git_cliff_core::config::Config;
use git_cliff_core::release::Release;

use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::fsutil::write_atomic;
use crate::history::{self, RawCommit, ReleaseTag};
use crate::stdout::emit;
use crate::usage::usage_error;

/// The git-cliff configuration file, at the workspace root.
pub const CLIFF_CONFIG_FILE: &str = "cliff.toml";

/// Arguments of `cargo xtask changelog`.
#[derive(Debug, clap::Args)]
pub struct Changelog {
    /// Print only the unreleased section to stdout (writes nothing).
    #[arg(long)]
    pub unreleased: bool,
    /// Write nothing; fail when the changelog file differs from what would be generated.
    #[arg(long, conflicts_with = "unreleased")]
    pub check: bool,
}

impl Changelog {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let cfg = ReleaseConfig::load(&ctx.root)?;
        let git = history::open(&ctx.root)?;
        if self.unreleased {
            let notes = render(&ctx.root, &git, &cfg, &Selection::One(None), None)?;
            return emit(&notes);
        }
        let text = render(&ctx.root, &git, &cfg, &Selection::All, None)?;
        let path = ctx.root.join(&cfg.changelog);
        if self.check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != text {
                bail!(
                    "{} is stale: run `cargo xtask changelog` and commit the result",
                    cfg.changelog.display()
                );
            }
            println!("{} is up to date", cfg.changelog.display());
        } else if ctx.dry_run {
            emit(&text)?;
        } else {
            write_atomic(&path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", cfg.changelog.display());
        }
        Ok(())
    }
}

/// Which part of the history to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The whole changelog: header, every release, footer.
    All,
    /// One release's section only: the named tag (`v1.2.3`) or the unreleased commits.
    One(Option<String>),
}

/// Unreleased commits rendered as an upcoming release: its tag and its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The tag the release will get (`v1.3.0`).
    pub tag: String,
    /// Its timestamp (unix seconds).
    pub timestamp: i64,
}

/// Loads `cliff.toml` from the workspace root (git-cliff defaults when it is absent);
/// remote lookups are always off.
pub fn load_cliff_config(root: &Path) -> Result<Config> {
    let path = root.join(CLIFF_CONFIG_FILE);
    let text = if path.is_file() {
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?
    } else {
        String::new()
    };
    let mut config: Config = text
        .parse()
        .map_err(|e| usage_error(format!("{} is invalid: {e}", path.display())))?;
    config.remote.offline = true;
    Ok(config)
}

/// Renders the changelog (or one section) with git-cliff-core.
///
/// With `pending`, the unreleased commits are rendered as the release `pending.tag`
/// (what the changelog will say once that tag exists).
pub fn render(
    root: &Path,
    git: &Git,
    cfg: &ReleaseConfig,
    selection: &Selection,
    pending: Option<&Pending>,
) -> Result<String> {
    let mut config = load_cliff_config(root)?;
    let tags = history::release_tags(git, &cfg.tag_prefix)?;
    let commits = history::commits(git, None)?;
    let mut releases = split_releases(commits, &tags, pending);
    if let Selection::One(wanted) = selection {
        releases.retain(|r| r.version == *wanted);
        if releases.is_empty()
            && let Some(tag) = wanted
        {
            bail!(usage_error(format!(
                "there is no release {tag}: name a release tag reachable from HEAD"
            )));
        }
        config.changelog.header = None;
        config.changelog.footer = None;
    }
    let url = repository_url(root, git, &cfg.push_remote);
    let mut changelog = git_cliff_core::changelog::Changelog::new(releases, config, None)
        .map_err(|e| usage_error(format!("{CLIFF_CONFIG_FILE} cannot be used: {e}")))?;
    if let Some(url) = url {
        changelog.add_context("repository_url", url)?;
    }
    let mut out = Vec::new();
    changelog
        .generate(&mut out)
        .context("rendering the changelog with cliff.toml")?;
    let text = String::from_utf8(out).context("changelog is not UTF-8")?;
    let trimmed = text.trim();
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    })
}

/// Splits the history (newest first) into releases, oldest first, at the release tags.
fn split_releases(
    mut commits: Vec<RawCommit>,
    tags: &[ReleaseTag],
    pending: Option<&Pending>,
) -> Vec<Release<'static>> {
    commits.reverse();
    let mut by_commit: std::collections::HashMap<&str, &ReleaseTag> = Default::default();
    for tag in tags {
        // Tags are sorted by version: the highest on a commit wins.
        by_commit.insert(tag.commit.as_str(), tag);
    }
    let mut releases = Vec::new();
    let mut current: Vec<Commit<'static>> = Vec::new();
    let mut previous: Option<Release<'static>> = None;
    for raw in commits {
        let tag = by_commit.get(raw.id.as_str()).copied();
        let id = raw.id.clone();
        let time = raw.committer_time;
        current.push(to_commit(raw));
        if let Some(tag) = tag {
            let release = Release {
                version: Some(tag.name.clone()),
                commits: std::mem::take(&mut current),
                commit_id: Some(id),
                timestamp: Some(time),
                previous: previous.take().map(Box::new),
                ..Default::default()
            };
            previous = Some(summary(&release));
            releases.push(release);
        }
    }
    releases.push(Release {
        version: pending.map(|p| p.tag.clone()),
        timestamp: pending.map(|p| p.timestamp),
        commits: current,
        previous: previous.map(Box::new),
        ..Default::default()
    });
    releases
}

/// What a release's successor keeps of it (enough for compare links).
fn summary(release: &Release<'static>) -> Release<'static> {
    Release {
        version: release.version.clone(),
        commit_id: release.commit_id.clone(),
        timestamp: release.timestamp,
        ..Default::default()
    }
}

fn to_commit(raw: RawCommit) -> Commit<'static> {
    let mut commit = Commit::new(raw.id, raw.message);
    commit.merge_commit = raw.parents.len() > 1;
    commit.author = Signature {
        name: Some(raw.author_name),
        email: Some(raw.author_email),
        timestamp: raw.author_time,
    };
    commit.committer = Signature {
        name: Some(raw.committer_name),
        email: Some(raw.committer_email),
        timestamp: raw.committer_time,
    };
    commit
}

/// The web URL of the repository, for compare links: the push remote when it is a web
/// or `git@host:path` URL, else `[workspace.package] repository`.
pub fn repository_url(root: &Path, git: &Git, remote: &str) -> Option<String> {
    let from_remote = git
        .output(["remote", "get-url", remote])
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| web_url(String::from_utf8_lossy(&o.stdout).trim()));
    from_remote.or_else(|| {
        let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
        let doc: toml_edit::DocumentMut = text.parse().ok()?;
        let repo = doc.get("workspace")?.get("package")?.get("repository")?;
        web_url(repo.as_str()?)
    })
}

fn web_url(url: &str) -> Option<String> {
    let url = url.trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    if url.starts_with("https://") || url.starts_with("http://") {
        return Some(url.to_string());
    }
    let rest = url.strip_prefix("git@")?;
    let (host, path) = rest.split_once(':')?;
    Some(format!("https://{host}/{path}"))
}

#[cfg(test)]
mod tests {
    use super::web_url;

    #[test]
    fn web_urls_from_remotes() {
        assert_eq!(
            web_url("git@github.com:o/r.git").as_deref(),
            Some("https://github.com/o/r")
        );
        assert_eq!(
            web_url("https://github.com/o/r.git").as_deref(),
            Some("https://github.com/o/r")
        );
        assert_eq!(web_url("/tmp/origin.git"), None);
    }
}
