//! Durable file writes: every state file, manifest and index is written to a temporary
//! file in the same directory, fsynced, then renamed over the destination, so a crash
//! leaves either the old or the new content, never a torn file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Atomically replaces `path` with `contents`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    if let Ok(dir) = std::fs::File::open(dir) {
        // Persist the rename itself; not every platform can fsync a directory.
        let _ = dir.sync_all();
    }
    Ok(())
}
