//! `cargo xtask tag`: the annotated release tag `{tag_prefix}{version}` on HEAD, whose
//! message is the release notes.

use alignment_core::Git;
use anyhow::{Context, Result, bail};

use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::history;
use crate::release_notes::notes_for;
use crate::usage::usage_error;
use crate::workspace::workspace_version_of_text;

/// Arguments of `cargo xtask tag`.
#[derive(Debug, clap::Args)]
pub struct Tag {
    /// The version expected at HEAD (`1.2.3` or `v1.2.3`); refused when HEAD's Cargo.toml
    /// says otherwise. Default: HEAD's version.
    pub version: Option<String>,
}

impl Tag {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let cfg = ReleaseConfig::load(&ctx.root)?;
        let git = history::open(&ctx.root)?;
        let version = head_version(&git)?;
        let tag = cfg.tag_for(&version);
        let mut problems = Vec::new();
        if let Some(raw) = &self.version {
            let bare = raw.strip_prefix(cfg.tag_prefix.as_str()).unwrap_or(raw);
            let wanted = semver::Version::parse(bare)
                .map_err(|e| usage_error(format!("`{raw}` is not a version (like 1.2.3): {e}")))?;
            if wanted != version {
                problems.push(format!(
                    "HEAD's Cargo.toml version is {version}, not {wanted}: bump and commit first"
                ));
            }
        }
        if tag_exists(&git, &tag)? {
            problems.push(format!("tag {tag} already exists"));
        }
        let dirty = dirty_paths(&git)?;
        if !dirty.is_empty() {
            problems.push(format!(
                "the work tree is not clean ({}): commit or stash first",
                dirty.join(", ")
            ));
        }
        let on_disk = crate::workspace::workspace_version(&ctx.root)?;
        if on_disk != version {
            problems.push(format!(
                "HEAD's Cargo.toml says {version} but the work tree says {on_disk}: commit the bump first"
            ));
        }
        if !problems.is_empty() {
            bail!("refusing to tag:\n  - {}", problems.join("\n  - "));
        }
        let notes = notes_for(ctx, &cfg, Some(&version))?;
        if ctx.dry_run {
            println!("would create tag {tag} on HEAD with message:\n{notes}");
            return Ok(());
        }
        create(&git, &tag, &notes, cfg.sign_tag)?;
        println!("created tag {tag}");
        Ok(())
    }
}

/// The workspace version recorded in HEAD's root `Cargo.toml`.
pub fn head_version(git: &Git) -> Result<semver::Version> {
    let text = git
        .run(["show", "HEAD:Cargo.toml"])
        .context("reading Cargo.toml at HEAD")?;
    workspace_version_of_text(&text)
}

/// Whether `refs/tags/{tag}` exists.
pub fn tag_exists(git: &Git, tag: &str) -> Result<bool> {
    let out = git.output([
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("refs/tags/{tag}"),
    ])?;
    Ok(out.status.success())
}

/// Paths with changes or untracked (not ignored) files, read without refreshing the index.
pub fn dirty_paths(git: &Git) -> Result<Vec<String>> {
    let mut command = git.command(["status", "--porcelain", "-z", "--untracked-files=all"]);
    command.env("GIT_OPTIONAL_LOCKS", "0");
    let args = vec!["status".to_string(), "--porcelain".to_string()];
    let out = git.run_command(command, &args)?;
    Ok(out
        .split('\0')
        .filter(|e| e.len() > 3)
        .map(|e| e[3..].to_string())
        .collect())
}

/// Creates the annotated (or signed) tag `tag` on HEAD with `message`.
pub fn create(git: &Git, tag: &str, message: &str, sign: bool) -> Result<()> {
    let kind = if sign { "-s" } else { "-a" };
    let message = if message.trim().is_empty() {
        format!("Release {tag}\n")
    } else {
        message.to_string()
    };
    git.run_with_input(
        ["tag", kind, "--cleanup=verbatim", "-F", "-", tag, "HEAD"],
        message.as_bytes(),
    )
    .with_context(|| format!("creating tag {tag}"))?;
    Ok(())
}
