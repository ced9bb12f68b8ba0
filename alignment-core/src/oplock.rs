//! One git-align operation at a time per repository: `run`, `continue`, `abort`, `undo`,
//! `restore` and `backups prune` hold an exclusive lock on `<common dir>/align/lock` while
//! they change refs and state, so two terminals (or a script and a person) cannot
//! interleave backups, rewrites and `state.json` writes. The lock is an OS file lock,
//! released when the holder exits however it exits, so a crash never leaves it stale.

use std::path::Path;

use crate::error::{Error, Result};
use crate::fsutil::{FileLock, TryLock, try_lock};
use crate::git::Git;
use crate::state::align_dir;

/// A held operation lock; dropping it releases the lock.
#[derive(Debug)]
pub struct OperationLock {
    _lock: FileLock,
}

impl OperationLock {
    /// Takes the lock of `git`'s repository, or fails at once with [`Error::Busy`] when
    /// another process holds it (never waits: a second operation should not silently
    /// run after the first has changed the branches it planned against).
    pub fn acquire(git: &Git) -> Result<OperationLock> {
        OperationLock::acquire_in(&align_dir(git))
    }

    /// Takes the lock file `lock` in the state directory `dir`.
    pub fn acquire_in(dir: &Path) -> Result<OperationLock> {
        let path = dir.join("lock");
        match try_lock(&path)? {
            TryLock::Acquired(lock) => Ok(OperationLock { _lock: lock }),
            TryLock::HeldBy(holder) => Err(Error::Busy { path, holder }),
        }
    }
}
