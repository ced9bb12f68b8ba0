//! Conventional Commits: the header (`type(scope)!: description`), breaking-change footers,
//! and the version bump a set of commits implies.

use serde::Serialize;

/// The parts of a conventional commit message that decide the bump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conventional {
    /// The type (`feat`, `fix`, …), lower-cased.
    pub kind: String,
    /// The scope, when given.
    pub scope: Option<String>,
    /// The description after `: `.
    pub description: String,
    /// `!` after the type/scope, or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer.
    pub breaking: bool,
}

/// Parses a commit message; `None` when its first line is not a conventional header.
pub fn parse(message: &str) -> Option<Conventional> {
    let header = message.lines().next()?.trim_end();
    let (head, description) = header.split_once(": ")?;
    let (head, bang) = match head.strip_suffix('!') {
        Some(head) => (head, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((kind, rest)) => (kind, Some(rest.strip_suffix(')')?.to_string())),
        None => (head, None),
    };
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    if scope
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.contains(['(', ')']))
    {
        return None;
    }
    let footer_breaking = message
        .lines()
        .skip(1)
        .any(|line| line.starts_with("BREAKING CHANGE:") || line.starts_with("BREAKING-CHANGE:"));
    Some(Conventional {
        kind: kind.to_ascii_lowercase(),
        scope,
        description: description.trim().to_string(),
        breaking: bang || footer_breaking,
    })
}

/// The semver level a change needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Bug fixes and everything else.
    Patch,
    /// New features (and breaking changes below 1.0.0).
    Minor,
    /// Breaking changes from 1.0.0 on.
    Major,
}

impl Level {
    /// `major`, `minor` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// The bump the commit messages imply for `current`: breaking → major (minor below
/// 1.0.0, as cargo-release and git-cliff do), `feat` → minor, anything else → patch.
/// `None` when there are no commits.
pub fn implied_level<'a>(
    current: &semver::Version,
    messages: impl IntoIterator<Item = &'a str>,
) -> Option<Level> {
    let mut level = None;
    for message in messages {
        let this = match parse(message) {
            Some(c) if c.breaking => {
                if current.major == 0 {
                    Level::Minor
                } else {
                    Level::Major
                }
            }
            Some(c) if c.kind == "feat" => Level::Minor,
            _ => Level::Patch,
        };
        level = Some(level.map_or(this, |l: Level| l.max(this)));
    }
    level
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_scopes_and_breaking_markers() {
        let c = parse("feat(cli)!: drop --old\n\nbody").expect("conventional");
        assert_eq!(c.kind, "feat");
        assert_eq!(c.scope.as_deref(), Some("cli"));
        assert_eq!(c.description, "drop --old");
        assert!(c.breaking);
        let c = parse("fix: x\n\nBREAKING CHANGE: y").expect("conventional");
        assert!(c.breaking && c.scope.is_none());
        assert!(parse("Merge branch 'x'").is_none());
        assert!(parse("feat(: x").is_none());
        assert!(parse("feat (x): y").is_none());
    }

    #[test]
    fn implied_level_follows_cargo_release_below_one() {
        let v0 = semver::Version::new(0, 4, 1);
        let v1 = semver::Version::new(1, 4, 1);
        assert_eq!(
            implied_level(&v1, ["fix: a", "docs: b"]),
            Some(Level::Patch)
        );
        assert_eq!(
            implied_level(&v1, ["fix: a", "feat: b"]),
            Some(Level::Minor)
        );
        assert_eq!(
            implied_level(&v1, ["feat!: a", "fix: b"]),
            Some(Level::Major)
        );
        assert_eq!(implied_level(&v0, ["feat!: a"]), Some(Level::Minor));
        assert_eq!(implied_level(&v1, ["oops"]), Some(Level::Patch));
        assert_eq!(implied_level(&v1, Vec::<&str>::new()), None);
    }
}
