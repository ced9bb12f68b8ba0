//! `cargo xtask release-notes [VERSION]`: one version's changelog section.

use anyhow::Result;

use crate::changelog::{Pending, Selection, render};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::history;
use crate::stdout::emit;
use crate::usage::usage_error;
use crate::workspace::workspace_version;

/// Arguments of `cargo xtask release-notes`.
#[derive(Debug, clap::Args)]
pub struct ReleaseNotes {
    /// The version (`1.2.3` or `v1.2.3`); default: the unreleased commits. The workspace
    /// version, when not tagged yet, gives the unreleased commits under that version.
    pub version: Option<String>,
}

impl ReleaseNotes {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let cfg = ReleaseConfig::load(&ctx.root)?;
        let notes = match self.version {
            None => notes_for(ctx, &cfg, None)?,
            Some(raw) => {
                let bare = raw.strip_prefix(cfg.tag_prefix.as_str()).unwrap_or(&raw);
                let version = semver::Version::parse(bare).map_err(|e| {
                    usage_error(format!("`{raw}` is not a version (like 1.2.3): {e}"))
                })?;
                notes_for(ctx, &cfg, Some(&version))?
            }
        };
        if notes.is_empty() {
            eprintln!("no changes to report");
        }
        emit(&notes)
    }
}

/// The release notes of `version` (the unreleased section when `None`): its section of
/// the changelog. A version that is not tagged yet but is the workspace version gets the
/// unreleased commits under its name.
pub fn notes_for(
    ctx: &Ctx,
    cfg: &ReleaseConfig,
    version: Option<&semver::Version>,
) -> Result<String> {
    let git = history::open(&ctx.root)?;
    let Some(version) = version else {
        return render(&ctx.root, &git, cfg, &Selection::One(None), None);
    };
    let tag = cfg.tag_for(version);
    let tagged = history::release_tags(&git, &cfg.tag_prefix)?
        .iter()
        .any(|t| t.name == tag);
    if tagged {
        return render(&ctx.root, &git, cfg, &Selection::One(Some(tag)), None);
    }
    if workspace_version(&ctx.root)? != *version {
        return Err(usage_error(format!(
            "there is no release {tag} and the workspace version is not {version}: \
             name a release tag reachable from HEAD"
        )));
    }
    let pending = Pending {
        tag: tag.clone(),
        timestamp: history::committer_now(&git)?,
    };
    render(
        &ctx.root,
        &git,
        cfg,
        &Selection::One(Some(tag)),
        Some(&pending),
    )
}
