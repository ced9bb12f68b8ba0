//! `SHA256SUMS`: the checksum file beside release artifacts, in the format `sha256sum -c`
//! reads (`<64 hex digits><two spaces><file name>` per line, sorted by name).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The checksum file's name in a dist directory.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// File name → lowercase hex sha256.
pub type Sums = BTreeMap<String, String>;

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The lowercase hex sha256 and the size of the file at `path`, read in chunks.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Renders sums in `sha256sum` format, one line per file, sorted by name.
pub fn render(sums: &Sums) -> String {
    sums.iter()
        .map(|(name, sha)| format!("{sha}  {name}\n"))
        .collect()
}

/// Parses `sha256sum` output (text mode `  ` or binary mode ` *` separators); a malformed
/// line or a repeated name is an error naming the line.
pub fn parse(text: &str) -> Result<Sums> {
    let mut sums = Sums::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (sha, name) = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .with_context(|| format!("{SUMS_FILE} line {}: expected `<sha256>  <name>`", i + 1))?;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("{SUMS_FILE} line {}: {sha:?} is not a sha256", i + 1);
        }
        if sums
            .insert(name.to_string(), sha.to_ascii_lowercase())
            .is_some()
        {
            bail!("{SUMS_FILE} line {}: {name} is listed twice", i + 1);
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_sha256sum_format() {
        let mut sums = Sums::new();
        sums.insert("b.zip".into(), sha256_hex(b"b"));
        sums.insert("a.tar.gz".into(), sha256_hex(b"a"));
        let text = render(&sums);
        assert!(text.starts_with(&format!("{}  a.tar.gz\n", sha256_hex(b"a"))));
        assert_eq!(parse(&text).expect("parses"), sums);
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(parse("nothex  a.zip\n").is_err());
        assert!(parse("abc\n").is_err());
        let line = format!("{}  a.zip\n", sha256_hex(b"a"));
        assert!(parse(&format!("{line}{line}")).is_err());
    }
}
