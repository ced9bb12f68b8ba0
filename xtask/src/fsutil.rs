//! Durable file writes for xtask, shared with alignment-core so there is one
//! implementation of temp file + fsync + rename.

use std::path::Path;

use anyhow::Result;

/// Atomically replaces `path` with `contents` (temp file + fsync + rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    Ok(alignment_core::fsutil::write_atomic(path, contents)?)
}
