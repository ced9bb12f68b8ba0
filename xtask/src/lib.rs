//! Release engineering for git-align, as a cargo-xtask: `cargo xtask <command>`.
//!
//! One module per subcommand, each an argument struct with a `run(self, ctx)`; shared
//! pieces (`context`, `config`, `fsutil`) hold what several subcommands need.
#![warn(missing_docs)]

pub mod archive;
pub mod bench;
pub mod bump;
pub mod changelog;
pub mod checksums;
pub mod config;
pub mod config_check;
pub mod context;
pub mod conventional;
pub mod dist;
pub mod fsutil;
pub mod history;
pub mod journal;
pub mod manifest;
pub mod publish;
pub mod release;
pub mod release_notes;
pub mod stdout;
pub mod tag;
pub mod usage;
pub mod verify;
pub mod version;
pub mod workspace;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::context::Ctx;
pub use crate::usage::{UsageError, exit_code, usage_error};

/// `cargo xtask`: release engineering for git-align.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", version, about, long_about = None)]
pub struct Cli {
    /// The workspace to act on (default: this one).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print records as JSON where the command outputs a record.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show what would change and change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The xtask subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Time git-align and the release tooling on generated repositories; update BENCHMARKS.md.
    Bench(bench::Bench),
    /// Inspect release.toml.
    Config(config_check::ConfigCmd),
    /// Show the current version, the last release tag, unreleased commits and the bump they imply.
    Version(version::Version),
    /// Bump the workspace version (and internal dependency requirements, and Cargo.lock).
    Bump(bump::Bump),
    /// Write CHANGELOG.md from the conventional commits (or check that it is current).
    Changelog(changelog::Changelog),
    /// Print one version's changelog section.
    ReleaseNotes(release_notes::ReleaseNotes),
    /// Create the annotated release tag on HEAD.
    Tag(tag::Tag),
    /// Plan or execute a whole release; undone step by step if any step fails.
    Release(release::Release),
    /// Build and package reproducible release archives with checksums and a manifest.
    Dist(dist::Dist),
    /// Verify release artifacts against the manifest and SHA256SUMS.
    Verify(verify::Verify),
    /// Publish verified artifacts to the release store (and GitHub, crates.io).
    Publish(publish::Publish),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> Result<()> {
        let root = self.root.unwrap_or_else(Ctx::default_root);
        let ctx = Ctx::new(&root, self.json, self.dry_run)?;
        match self.cmd {
            Cmd::Bench(cmd) => cmd.run(&ctx),
            Cmd::Config(cmd) => cmd.run(&ctx),
            Cmd::Version(cmd) => cmd.run(&ctx),
            Cmd::Bump(cmd) => cmd.run(&ctx),
            Cmd::Changelog(cmd) => cmd.run(&ctx),
            Cmd::ReleaseNotes(cmd) => cmd.run(&ctx),
            Cmd::Tag(cmd) => cmd.run(&ctx),
            Cmd::Release(cmd) => cmd.run(&ctx),
            Cmd::Dist(cmd) => cmd.run(&ctx),
            Cmd::Verify(cmd) => cmd.run(&ctx),
            Cmd::Publish(cmd) => cmd.run(&ctx),
        }
    }
}
