//! Reproducible zip and tar.gz writing, and reading archives back for verification
//! without extracting anything.
//!
//! Writers take the entries exactly as given (the caller sorts them) and stamp every
//! entry with the same mtime, fixed modes, uid/gid 0 and empty owner names; the gzip
//! header carries no file name and mtime 0. Readers return every entry with its raw name
//! and its whole content, so the zip CRC, the gzip CRC and the tar header checksums are all
//! checked, and a caller can vet names before writing a single byte to disk.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use flate2::{Compression, GzBuilder, read::GzDecoder};

use crate::manifest::ArtifactKind;

/// Deflate level for both formats: within a few percent of level 6's size at about half
/// its time, which keeps packaging inside the 300 ms budget.
const LEVEL: i64 = 4;

/// What an archive entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file with its content.
    File(Vec<u8>),
    /// A directory.
    Dir,
    /// A symbolic (or, in tar, hard) link with its target.
    Link(String),
    /// Anything else (device, fifo, socket, unknown tar type), described.
    Other(String),
}

/// One archive entry: its raw name (directories end in `/` in zips), kind and mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as stored in the archive.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
    /// Unix permission bits (e.g. `0o755`).
    pub mode: u32,
}

impl Entry {
    /// A regular file.
    pub fn file(name: impl Into<String>, data: Vec<u8>, mode: u32) -> Entry {
        Entry {
            name: name.into(),
            kind: EntryKind::File(data),
            mode,
        }
    }

    /// A directory (mode 0755).
    pub fn dir(name: impl Into<String>) -> Entry {
        Entry {
            name: name.into(),
            kind: EntryKind::Dir,
            mode: 0o755,
        }
    }

    /// A symbolic link to `target`.
    pub fn symlink(name: impl Into<String>, target: impl Into<String>) -> Entry {
        Entry {
            name: name.into(),
            kind: EntryKind::Link(target.into()),
            mode: 0o777,
        }
    }
}

/// The zip archive holding `entries` in the given order, every entry stamped `mtime`
/// (unix seconds, clamped to the DOS range 1980–2107).
pub fn write_zip(entries: &[Entry], mtime: i64) -> Result<Vec<u8>> {
    let stamp = dos_time(mtime)?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for entry in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(LEVEL))
            .last_modified_time(stamp)
            .unix_permissions(entry.mode);
        match &entry.kind {
            EntryKind::File(data) => {
                zip.start_file(entry.name.as_str(), options)
                    .with_context(|| format!("adding {} to zip", entry.name))?;
                zip.write_all(data)?;
            }
            EntryKind::Dir => zip
                .add_directory(entry.name.trim_end_matches('/'), options)
                .with_context(|| format!("adding directory {} to zip", entry.name))?,
            EntryKind::Link(target) => zip
                .add_symlink(entry.name.as_str(), target.as_str(), options)
                .with_context(|| format!("adding link {} to zip", entry.name))?,
            EntryKind::Other(what) => bail!("cannot write {what} entry {} to zip", entry.name),
        }
    }
    Ok(zip.finish().context("finishing zip")?.into_inner())
}

/// The gzip-compressed tar archive holding `entries` in the given order, every entry
/// stamped `mtime`, owned by uid/gid 0 with empty owner names.
pub fn write_tar_gz(entries: &[Entry], mtime: i64) -> Result<Vec<u8>> {
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::new(LEVEL as u32));
    let mut tar = tar::Builder::new(gz);
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(u64::try_from(mtime).unwrap_or(0));
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        header.set_mode(entry.mode);
        let data: &[u8] = match &entry.kind {
            EntryKind::File(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                data
            }
            EntryKind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                &[]
            }
            EntryKind::Link(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                raw_field(&mut header.as_old_mut().linkname, target)?;
                &[]
            }
            EntryKind::Other(what) => bail!("cannot write {what} entry {} to tar", entry.name),
        };
        header.set_size(data.len() as u64);
        // Raw names, so that tests can build hostile archives; ours are all short.
        raw_field(&mut header.as_old_mut().name, &entry.name)?;
        header.set_cksum();
        tar.append(&header, data)
            .with_context(|| format!("adding {} to tar", entry.name))?;
    }
    let gz = tar.into_inner().context("finishing tar")?;
    gz.finish().context("finishing gzip")
}

fn raw_field(field: &mut [u8], value: &str) -> Result<()> {
    let bytes = value.as_bytes();
    if bytes.len() >= field.len() {
        bail!(
            "tar name {value:?} is longer than {} bytes",
            field.len() - 1
        );
    }
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
    Ok(())
}

fn dos_time(mtime: i64) -> Result<zip::DateTime> {
    let t = time::OffsetDateTime::from_unix_timestamp(mtime)
        .with_context(|| format!("mtime {mtime} is out of range"))?;
    let year = t.year().clamp(1980, 2107) as u16;
    let (month, day, hour, minute, second) = if t.year() < 1980 {
        (1, 1, 0, 0, 0)
    } else {
        (
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
        )
    };
    zip::DateTime::from_date_and_time(year, month, day, hour, minute, second)
        .map_err(|_| anyhow::anyhow!("mtime {mtime} cannot be stored in a zip"))
}

/// Every entry of the archive at `path`, read in full (so CRCs and lengths are checked).
pub fn read_archive(path: &Path, kind: ArtifactKind) -> Result<Vec<Entry>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match kind {
        ArtifactKind::Zip => read_zip(&bytes),
        ArtifactKind::TarGz => read_tar_gz(&bytes),
    }
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

fn read_zip(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).context("not a readable zip")?;
    let mut entries = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut file = zip
            .by_index(i)
            .with_context(|| format!("zip entry #{i} is unreadable"))?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let unix = file.unix_mode().unwrap_or(0);
        let mut data = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
        file.read_to_end(&mut data)
            .with_context(|| format!("zip entry {name}: content or CRC check failed"))?;
        let kind = match unix & S_IFMT {
            _ if file.is_symlink() => EntryKind::Link(String::from_utf8_lossy(&data).into()),
            S_IFDIR => EntryKind::Dir,
            0 | S_IFREG if file.is_dir() => EntryKind::Dir,
            0 | S_IFREG => EntryKind::File(data),
            other => EntryKind::Other(format!("file type {other:o}")),
        };
        entries.push(Entry {
            name,
            kind,
            mode: unix & 0o7777,
        });
    }
    Ok(entries)
}

fn read_tar_gz(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut entries = Vec::new();
    for entry in archive.entries().context("not a readable tar.gz")? {
        let mut entry = entry.context("tar entry unreadable (header checksum or gzip data)")?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let header = entry.header();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let entry_type = header.entry_type();
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .with_context(|| format!("tar entry {name}: content unreadable (truncated?)"))?;
        let kind = match entry_type {
            tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File(data),
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink | tar::EntryType::Link => {
                EntryKind::Link(link.unwrap_or_default())
            }
            other => EntryKind::Other(format!("{other:?}")),
        };
        entries.push(Entry { name, kind, mode });
    }
    // Reading to the end checks the gzip trailer (CRC32 and length).
    let mut rest = Vec::new();
    archive
        .into_inner()
        .read_to_end(&mut rest)
        .context("gzip stream is corrupt or truncated")?;
    Ok(entries)
}

/// Whether the mode has any file-type bits that are not a regular file, directory or link.
pub fn is_special_mode(mode: u32) -> bool {
    !matches!(mode & S_IFMT, 0 | S_IFREG | S_IFDIR | S_IFLNK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::dir("top/"),
            Entry::file("top/bin", b"#!/bin/sh\n".to_vec(), 0o755),
            Entry::file("top/README.md", b"hi".to_vec(), 0o644),
        ]
    }

    #[test]
    fn zip_round_trips_and_is_reproducible() {
        let a = write_zip(&sample(), 1_767_225_600).expect("zip");
        let b = write_zip(&sample(), 1_767_225_600).expect("zip");
        assert_eq!(a, b);
        let entries = read_zip(&a).expect("read");
        assert_eq!(entries, sample());
    }

    #[test]
    fn tar_gz_round_trips_and_is_reproducible() {
        let a = write_tar_gz(&sample(), 1_767_225_600).expect("tar");
        let b = write_tar_gz(&sample(), 1_767_225_600).expect("tar");
        assert_eq!(a, b);
        assert_eq!(read_tar_gz(&a).expect("read"), sample());
    }

    #[test]
    fn truncated_archives_fail_to_read() {
        let zip = write_zip(&sample(), 0).expect("zip");
        assert!(read_zip(&zip[..zip.len() / 2]).is_err());
        let tgz = write_tar_gz(&sample(), 0).expect("tar");
        assert!(read_tar_gz(&tgz[..tgz.len() - 6]).is_err());
    }
}
