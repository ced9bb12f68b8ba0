//! The repository history xtask reads through the git CLI: release tags and commits.

use std::path::Path;

use alignment_core::Git;
use anyhow::{Context, Result};

/// A release tag: `{tag_prefix}X.Y.Z` pointing (through an annotated tag) at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTag {
    /// The tag name (`v1.2.3`).
    pub name: String,
    /// The version it names.
    pub version: semver::Version,
    /// The commit it points at.
    pub commit: String,
}

/// One commit as read by `git log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommit {
    /// Full id.
    pub id: String,
    /// Parent ids.
    pub parents: Vec<String>,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time (unix seconds).
    pub author_time: i64,
    /// Committer name.
    pub committer_name: String,
    /// Committer email.
    pub committer_email: String,
    /// Committer time (unix seconds).
    pub committer_time: i64,
    /// The whole message, trailing whitespace trimmed.
    pub message: String,
}

/// Opens the repository at the workspace root.
pub fn open(root: &Path) -> Result<Git> {
    Git::open(root).with_context(|| format!("{} is not a git repository", root.display()))
}

/// Release tags (`{prefix}` + semver) reachable from HEAD, highest version last.
pub fn release_tags(git: &Git, prefix: &str) -> Result<Vec<ReleaseTag>> {
    let out = git.output([
        "for-each-ref",
        "--merged",
        "HEAD",
        "--format=%(refname:strip=2)%1f%(objectname)%1f%(*objectname)",
        "refs/tags/",
    ])?;
    if !out.status.success() {
        // No HEAD yet (an empty repository): no tags.
        return Ok(Vec::new());
    }
    let mut tags: Vec<ReleaseTag> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\x1f');
            let name = fields.next()?.to_string();
            let object = fields.next()?;
            let peeled = fields.next().filter(|p| !p.is_empty()).unwrap_or(object);
            let version = semver::Version::parse(name.strip_prefix(prefix)?).ok()?;
            Some(ReleaseTag {
                commit: peeled.to_string(),
                name,
                version,
            })
        })
        .collect();
    tags.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(tags)
}

/// The highest release tag reachable from HEAD.
pub fn last_release_tag(git: &Git, prefix: &str) -> Result<Option<ReleaseTag>> {
    Ok(release_tags(git, prefix)?.pop())
}

/// Commits reachable from HEAD and not from `since` (all when `None`), newest first.
pub fn commits(git: &Git, since: Option<&str>) -> Result<Vec<RawCommit>> {
    let range = match since {
        Some(since) => format!("{since}..HEAD"),
        None => "HEAD".to_string(),
    };
    let out = git.output([
        "log",
        "-z",
        "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%B",
        &range,
        "--",
    ])?;
    if !out.status.success() {
        if git.resolve("HEAD")?.is_none() {
            return Ok(Vec::new());
        }
        anyhow::bail!(
            "git log {range} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.split('\0')
        .filter(|record| !record.trim().is_empty())
        .map(parse_record)
        .collect()
}

fn parse_record(record: &str) -> Result<RawCommit> {
    let fields: Vec<&str> = record.splitn(9, '\x1f').collect();
    let [id, parents, an, ae, at, cn, ce, ct, message] = fields[..] else {
        anyhow::bail!("unexpected git log record: {record:?}");
    };
    Ok(RawCommit {
        id: id.trim().to_string(),
        parents: parents.split_whitespace().map(String::from).collect(),
        author_name: an.to_string(),
        author_email: ae.to_string(),
        author_time: at.parse().context("author time")?,
        committer_name: cn.to_string(),
        committer_email: ce.to_string(),
        committer_time: ct.parse().context("committer time")?,
        message: message.trim_end().to_string(),
    })
}

/// The time git would give a commit made now (honours `GIT_COMMITTER_DATE`).
pub fn committer_now(git: &Git) -> Result<i64> {
    let ident = git.run(["var", "GIT_COMMITTER_IDENT"])?;
    let mut parts = ident.trim().rsplit(' ');
    let _zone = parts.next();
    parts
        .next()
        .and_then(|t| t.parse().ok())
        .with_context(|| format!("unexpected GIT_COMMITTER_IDENT {ident:?}"))
}
