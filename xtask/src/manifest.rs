//! `dist-manifest.json`: the typed record of one dist directory (schema
//! `git-align/dist-manifest/v1`), written by `dist`, checked by `verify`, copied by
//! `publish` and read by `deploy`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The manifest's file name in a dist directory.
pub const MANIFEST_FILE: &str = "dist-manifest.json";

/// The schema identifier written into every manifest.
pub const SCHEMA: &str = "git-align/dist-manifest/v1";

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistManifest {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The workspace version packaged.
    pub version: semver::Version,
    /// The release tag when HEAD carried one.
    pub tag: Option<String>,
    /// The full commit id packaged.
    pub commit: String,
    /// Whether the working tree had uncommitted changes.
    pub dirty: bool,
    /// RFC 3339 time the archives are stamped with (`SOURCE_DATE_EPOCH` or the commit
    /// time), so the manifest is as reproducible as the archives.
    pub created: String,
    /// `rustc --version` of the compiler used.
    pub rustc: String,
    /// The artifacts, sorted by name.
    pub artifacts: Vec<Artifact>,
}

/// One archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// File name in the dist directory.
    pub name: String,
    /// Archive format.
    pub kind: ArtifactKind,
    /// Target triple of the binary inside.
    pub target: String,
    /// Size in bytes.
    pub size: u64,
    /// Lowercase hex sha256.
    pub sha256: String,
    /// Regular files in the archive (paths including the top-level directory), sorted.
    pub files: Vec<String>,
}

/// Archive formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArtifactKind {
    /// A zip archive (every target).
    #[serde(rename = "zip")]
    Zip,
    /// A gzip-compressed tar archive (unix targets).
    #[serde(rename = "tar.gz")]
    TarGz,
}

impl ArtifactKind {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ArtifactKind::Zip => "zip",
            ArtifactKind::TarGz => "tar.gz",
        }
    }
}

impl DistManifest {
    /// Reads and parses `<dir>/dist-manifest.json`, checking the schema.
    pub fn read(dir: &Path) -> Result<DistManifest> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).with_context(|| {
            format!(
                "reading {}: is {} a `cargo xtask dist` output directory?",
                path.display(),
                dir.display()
            )
        })?;
        let manifest: DistManifest = serde_json::from_slice(&bytes)
            .with_context(|| format!("parsing {}", path.display()))?;
        if manifest.schema != SCHEMA {
            bail!(
                "{}: unsupported schema {:?} (expected {SCHEMA})",
                path.display(),
                manifest.schema
            );
        }
        Ok(manifest)
    }

    /// The manifest as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }

    /// The artifact called `name`.
    pub fn artifact(&self, name: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.name == name)
    }
}
