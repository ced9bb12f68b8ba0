//! What every subcommand gets: the workspace it acts on, the global flags, and a shell.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use xshell::Shell;

/// The workspace an xtask subcommand acts on, with the global flags.
pub struct Ctx {
    /// Root of the workspace (`--root`, default: this workspace).
    pub root: PathBuf,
    /// Print records as JSON (`--json`).
    pub json: bool,
    /// Show what would change without changing anything (`--dry-run`).
    pub dry_run: bool,
    /// A shell whose current directory is `root`.
    pub sh: Shell,
}

impl Ctx {
    /// A context for the workspace at `root`.
    pub fn new(root: &Path, json: bool, dry_run: bool) -> Result<Ctx> {
        let root = root
            .canonicalize()
            .with_context(|| format!("workspace root {} does not exist", root.display()))?;
        if !root.join("Cargo.toml").is_file() {
            anyhow::bail!(
                "{} has no Cargo.toml: pass --root pointing at a cargo workspace",
                root.display()
            );
        }
        let sh = Shell::new().context("creating shell")?;
        sh.change_dir(&root);
        Ok(Ctx {
            root,
            json,
            dry_run,
            sh,
        })
    }

    /// This workspace (the parent of the xtask crate), the default for `--root`.
    pub fn default_root() -> PathBuf {
        let xtask_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        xtask_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(xtask_dir)
    }

    /// The cargo target directory of the workspace (honours `CARGO_TARGET_DIR`).
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => self.root.join(dir),
            None => self.root.join("target"),
        }
    }
}
