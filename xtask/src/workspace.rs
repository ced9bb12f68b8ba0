//! The workspace version: read from and written to the root `Cargo.toml` with `toml_edit`,
//! keeping comments and formatting, together with every internal dependency requirement
//! and the workspace members' entries in `Cargo.lock`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use toml_edit::{DocumentMut, Item, Table, Value};

use crate::fsutil::write_atomic;

/// The `[workspace.package] version` of the workspace at `root`.
pub fn workspace_version(root: &Path) -> Result<semver::Version> {
    let manifest = root.join("Cargo.toml");
    let doc = read_doc(&manifest)?;
    version_of(&doc).with_context(|| format!("reading the version from {}", manifest.display()))
}

/// The `[workspace.package] version` of a root manifest's text (e.g. `git show HEAD:Cargo.toml`).
pub fn workspace_version_of_text(text: &str) -> Result<semver::Version> {
    let doc: DocumentMut = text.parse().context("parsing Cargo.toml")?;
    version_of(&doc)
}

fn version_of(doc: &DocumentMut) -> Result<semver::Version> {
    let raw = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .ok_or_else(|| anyhow!("no `[workspace.package] version` string"))?;
    semver::Version::parse(raw)
        .with_context(|| format!("`[workspace.package] version = \"{raw}\"` is not semver"))
}

fn read_doc(path: &Path) -> Result<DocumentMut> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.parse::<DocumentMut>()
        .with_context(|| format!("parsing {}", path.display()))
}

/// A workspace member: its package name and manifest path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The package name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// Whether it takes its version from the workspace (`version.workspace = true`).
    pub inherits_version: bool,
}

/// The members of the workspace at `root` (globs in `members` are expanded one level).
pub fn members(root: &Path) -> Result<Vec<Member>> {
    let doc = read_doc(&root.join("Cargo.toml"))?;
    let patterns: Vec<String> = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut dirs = Vec::new();
    for pattern in patterns {
        if let Some(parent) = pattern.strip_suffix("/*") {
            let base = root.join(parent);
            let mut found: Vec<PathBuf> = std::fs::read_dir(&base)
                .with_context(|| format!("listing workspace members in {}", base.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("Cargo.toml").is_file())
                .collect();
            found.sort();
            dirs.extend(found);
        } else {
            dirs.push(root.join(pattern));
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        let manifest = dir.join("Cargo.toml");
        let doc = read_doc(&manifest)?;
        let package = doc
            .get("package")
            .ok_or_else(|| anyhow!("{} has no [package]", manifest.display()))?;
        let name = package
            .get("name")
            .and_then(Item::as_str)
            .ok_or_else(|| anyhow!("{} has no package name", manifest.display()))?
            .to_string();
        let inherits_version = package
            .get("version")
            .and_then(|v| v.get("workspace"))
            .and_then(Item::as_bool)
            .unwrap_or(false);
        out.push(Member {
            name,
            manifest,
            inherits_version,
        });
    }
    Ok(out)
}

/// One file the version change rewrites: its path and new contents.
#[derive(Debug, Clone)]
pub struct FileEdit {
    /// The file.
    pub path: PathBuf,
    /// Its contents before.
    pub before: String,
    /// Its contents after.
    pub after: String,
}

/// Computes (without writing) the edits that set the workspace version to `new`: the root
/// `[workspace.package] version`, every internal dependency requirement (in
/// `[workspace.dependencies]` and in the members' dependency tables) and the members'
/// entries in `Cargo.lock`. Members with a literal `version` of their own are left alone.
pub fn plan_version_change(root: &Path, new: &semver::Version) -> Result<Vec<FileEdit>> {
    let members = members(root)?;
    // Members with a literal version of their own keep it, and so do requirements on them.
    let names: BTreeSet<String> = members
        .iter()
        .filter(|m| m.inherits_version)
        .map(|m| m.name.clone())
        .collect();
    let new_str = new.to_string();
    let mut edits = Vec::new();

    let root_manifest = root.join("Cargo.toml");
    let before = std::fs::read_to_string(&root_manifest)
        .with_context(|| format!("reading {}", root_manifest.display()))?;
    let mut doc: DocumentMut = before
        .parse()
        .with_context(|| format!("parsing {}", root_manifest.display()))?;
    let version = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("package"))
        .and_then(|p| p.get_mut("version"))
        .ok_or_else(|| {
            anyhow!(
                "{} has no [workspace.package] version",
                root_manifest.display()
            )
        })?;
    set_str(version, &new_str);
    if let Some(deps) = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(Item::as_table_like_mut)
    {
        for (name, item) in deps.iter_mut() {
            if names.contains(name.get()) {
                set_requirement(item, &new_str);
            }
        }
    }
    // A root that is also a package.
    set_member_tables(&mut doc, &names, &new_str);
    push_edit(&mut edits, root_manifest, before, doc.to_string());

    for member in &members {
        if member.manifest == root.join("Cargo.toml") {
            continue;
        }
        let before = std::fs::read_to_string(&member.manifest)
            .with_context(|| format!("reading {}", member.manifest.display()))?;
        let mut doc: DocumentMut = before
            .parse()
            .with_context(|| format!("parsing {}", member.manifest.display()))?;
        set_member_tables(&mut doc, &names, &new_str);
        push_edit(&mut edits, member.manifest.clone(), before, doc.to_string());
    }

    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        let before = std::fs::read_to_string(&lock)
            .with_context(|| format!("reading {}", lock.display()))?;
        let after = lock_with_versions(&before, &members, &new_str)?;
        push_edit(&mut edits, lock, before, after);
    }
    Ok(edits)
}

/// Writes the edits (each atomically).
pub fn apply(edits: &[FileEdit]) -> Result<()> {
    for edit in edits {
        write_atomic(&edit.path, edit.after.as_bytes())
            .with_context(|| format!("writing {}", edit.path.display()))?;
    }
    Ok(())
}

fn push_edit(edits: &mut Vec<FileEdit>, path: PathBuf, before: String, after: String) {
    if before != after {
        edits.push(FileEdit {
            path,
            before,
            after,
        });
    }
}

/// Sets a string item keeping its decoration (comments, spacing).
fn set_str(item: &mut Item, value: &str) {
    if let Some(v) = item.as_value_mut() {
        let decor = v.decor().clone();
        *v = Value::from(value);
        *v.decor_mut() = decor;
    }
}

/// Sets the `version` requirement of a dependency entry when it has one, keeping its
/// operator (`=1.2.3`, `^1.2.3`) and its formatting.
fn set_requirement(item: &mut Item, new: &str) {
    let version = match item {
        Item::Value(Value::InlineTable(t)) => t.get_mut("version"),
        Item::Table(t) => t.get_mut("version").and_then(Item::as_value_mut),
        Item::Value(v @ Value::String(_)) => Some(v),
        _ => None,
    };
    let Some(v) = version else { return };
    let Some(old) = v.as_str() else { return };
    let op: String = old
        .chars()
        .take_while(|c| matches!(c, '=' | '^' | '~' | '>' | '<' | ' '))
        .collect();
    let decor = v.decor().clone();
    *v = Value::from(format!("{op}{new}"));
    *v.decor_mut() = decor;
}

/// In a member manifest: internal path deps in every dependency table (including
/// `[target.*.dependencies]`).
fn set_member_tables(doc: &mut DocumentMut, names: &BTreeSet<String>, new: &str) {
    let table = doc.as_table_mut();
    set_dep_tables(table, names, new);
    if let Some(targets) = table.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, target) in targets.iter_mut() {
            if let Some(t) = target.as_table_mut() {
                set_dep_tables(t, names, new);
            }
        }
    }
}

fn set_dep_tables(table: &mut Table, names: &BTreeSet<String>, new: &str) {
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(deps) = table.get_mut(key).and_then(Item::as_table_like_mut) else {
            continue;
        };
        for (name, item) in deps.iter_mut() {
            let package = item
                .get("package")
                .and_then(Item::as_str)
                .unwrap_or(name.get())
                .to_string();
            let is_path = item.get("path").is_some();
            if names.contains(&package) && is_path {
                set_requirement(item, new);
            }
        }
    }
}

/// `Cargo.lock` with the version of every workspace member (the packages without a
/// `source`) whose version follows the workspace set to `new`; other packages untouched.
fn lock_with_versions(text: &str, members: &[Member], new: &str) -> Result<String> {
    let following: BTreeSet<&str> = members
        .iter()
        .filter(|m| m.inherits_version)
        .map(|m| m.name.as_str())
        .collect();
    let mut doc: DocumentMut = text.parse().context("parsing Cargo.lock")?;
    let Some(packages) = doc
        .get_mut("package")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Ok(text.to_string());
    };
    let mut old_versions = BTreeSet::new();
    for package in packages.iter_mut() {
        let local = package.get("source").is_none();
        let name = package
            .get("name")
            .and_then(Item::as_str)
            .unwrap_or("")
            .to_string();
        if local
            && following.contains(name.as_str())
            && let Some(version) = package.get_mut("version")
        {
            if let Some(old) = version.as_str() {
                old_versions.insert(format!("{name} {old}"));
            }
            set_str(version, new);
        }
    }
    // Dependency entries carry a version only when the name is ambiguous
    // (`"widget-core 0.1.0"`); those naming a member follow it.
    for package in packages.iter_mut() {
        let Some(deps) = package.get_mut("dependencies").and_then(Item::as_array_mut) else {
            continue;
        };
        for dep in deps.iter_mut() {
            let Some(entry) = dep.as_str() else { continue };
            if old_versions.contains(entry) {
                let name = entry.split(' ').next().unwrap_or(entry).to_string();
                let decor = dep.decor().clone();
                *dep = Value::from(format!("{name} {new}"));
                *dep.decor_mut() = decor;
            }
        }
    }
    let out = doc.to_string();
    if out.is_empty() && !text.is_empty() {
        bail!("rewriting Cargo.lock produced an empty file");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_rewrites_members_and_their_versioned_references_only() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n\
                    dependencies = [\n \"b 0.1.0\",\n \"b 2.0.0 (registry+x)\",\n]\n\n\
                    [[package]]\nname = \"b\"\nversion = \"0.1.0\"\n\n\
                    [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+x\"\n";
        let members = ["a", "b"].map(|name| Member {
            name: name.into(),
            manifest: PathBuf::from(format!("{name}/Cargo.toml")),
            inherits_version: true,
        });
        let out = lock_with_versions(lock, &members, "0.2.0").expect("lock");
        assert_eq!(
            out,
            lock.replace("\"0.1.0\"", "\"0.2.0\"")
                .replace("\"b 0.1.0\"", "\"b 0.2.0\"")
        );
    }
}
