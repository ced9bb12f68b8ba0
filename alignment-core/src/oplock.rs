//! One git-align operation at a time per repository: `run`, `continue`, `abort`, `undo`,
//! `restore` and `backups prune` hold an exclusive lock on `<common dir>/align/lock` while
//! they change refs and state, so two terminals (or a script and a person) cannot
//! interleave backups, rewrites and `state.json` writes. The lock is an OS file lock,
//! released when the holder exits however it exits, so a crash never leaves it stale.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use fs4::FileExt;

use crate::error::{Error, Result};
use crate::git::Git;
use crate::state::align_dir;

/// A held operation lock; dropping it releases the lock.
#[derive(Debug)]
pub struct OperationLock {
    _file: File,
}

impl OperationLock {
    /// Takes the lock of `git`'s repository, or fails at once with [`Error::Busy`] when
    /// another process holds it (never waits: a second operation should not silently
    /// run after the first has changed the branches it planned against).
    pub fn acquire(git: &Git) -> Result<OperationLock> {
        OperationLock::acquire_in(&align_dir(git))
    }

    /// Takes the lock file in `dir` (created when missing) and records this process's
    /// id in it, so the error another process gets can name the holder.
    pub fn acquire_in(dir: &Path) -> Result<OperationLock> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join("lock");
        let io = |e| Error::io(format!("locking {}", path.display()), e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(Error::Busy {
                    holder: holder_of(&mut file),
                    path,
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(OperationLock { _file: file })
    }
}

/// The process id the holder wrote, when it can be read.
fn holder_of(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_releases() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = OperationLock::acquire_in(dir.path()).expect("first lock");
        match OperationLock::acquire_in(dir.path()) {
            Err(Error::Busy { holder, path }) => {
                assert_eq!(holder, Some(std::process::id()));
                assert_eq!(path, dir.path().join("lock"));
            }
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(first);
        OperationLock::acquire_in(dir.path()).expect("lock after release");
    }
}
