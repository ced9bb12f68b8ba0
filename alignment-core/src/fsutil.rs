//! Durable file writes and exclusive locks. State files, caches, reports and manifests
//! are written to a temporary file in the same directory, fsynced, then renamed over the
//! destination, so a crash leaves either the old or the new content, never a torn file.
//! Operations that must not overlap (an alignment, a release, a publish to one store)
//! hold an OS file lock, which the kernel releases however the holder exits.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use fs4::FileExt;

use crate::error::{Error, Result};

/// Atomically replaces `path` with `contents` (temp file + fsync + rename + directory fsync).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io(format!("creating a temporary file in {}", dir.display()), e))?;
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    temp.persist(path)
        .map_err(|e| Error::io(format!("renaming into {}", path.display()), e.error))?;
    if let Ok(dir) = std::fs::File::open(dir) {
        // Persist the rename itself; not every platform can fsync a directory.
        let _ = dir.sync_all();
    }
    Ok(())
}

/// An exclusive lock on a file, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// What [`try_lock`] found.
#[derive(Debug)]
pub enum TryLock {
    /// The lock is ours until the [`FileLock`] is dropped.
    Acquired(FileLock),
    /// Another process holds it; its id when it recorded one.
    HeldBy(Option<u32>),
}

/// Takes an exclusive lock on `path` (created, with its directory, when missing) without
/// waiting, and records this process's id in it so a refused process can name the holder.
pub fn try_lock(path: &Path) -> Result<TryLock> {
    let io = |e| Error::io(format!("locking {}", path.display()), e);
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?;
    match FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let holder = file
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            return Ok(TryLock::HeldBy(holder));
        }
        Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .map_err(io)?;
    Ok(TryLock::Acquired(FileLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_releases() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested").join("lock");
        let first = match try_lock(&path).expect("lock") {
            TryLock::Acquired(lock) => lock,
            TryLock::HeldBy(pid) => panic!("held by {pid:?}"),
        };
        match try_lock(&path).expect("second try") {
            TryLock::HeldBy(holder) => assert_eq!(holder, Some(std::process::id())),
            TryLock::Acquired(_) => panic!("two holders of one lock"),
        }
        drop(first);
        assert!(matches!(try_lock(&path), Ok(TryLock::Acquired(_))));
    }

    #[test]
    fn replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("nested").join("state.json");
        write_atomic(&file, b"one").expect("first write");
        write_atomic(&file, b"two").expect("second write");
        assert_eq!(std::fs::read(&file).expect("read"), b"two");
        let entries = std::fs::read_dir(dir.path().join("nested"))
            .expect("list")
            .count();
        assert_eq!(entries, 1, "only the destination remains");
    }
}
