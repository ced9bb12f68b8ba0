//! Durable file writes and exclusive locks for xtask, shared with alignment-core so there
//! is one implementation of temp file + fsync + rename and of OS file locking.

use std::path::Path;

use alignment_core::fsutil::{FileLock, TryLock, try_lock};
use anyhow::{Result, bail};

/// Atomically replaces `path` with `contents` (temp file + fsync + rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    Ok(alignment_core::fsutil::write_atomic(path, contents)?)
}

/// Takes the exclusive lock file `path` for `what` (say, "a release of this workspace"),
/// or fails at once naming the process that holds it.
pub fn lock_exclusive(path: &Path, what: &str) -> Result<FileLock> {
    match try_lock(path)? {
        TryLock::Acquired(lock) => Ok(lock),
        TryLock::HeldBy(holder) => bail!(
            "{what} is already in progress{} (lock {}); wait for it to finish, then run the command again",
            holder
                .map(|pid| format!(" in process {pid}"))
                .unwrap_or_default(),
            path.display()
        ),
    }
}
