//! Complexity classes: how much care aligning a branch needs, from the `[complexity]`
//! thresholds of `.git-align.toml`.
//!
//! The rule, checked in this order:
//! 1. the merge base is older than `age_days` days → [`Complexity::Integration`] (the
//!    branch has missed so much of the target that it needs an integration effort);
//! 2. more than `commits` commits ahead, or more than `files` files changed since the
//!    merge base → [`Complexity::Chunked`] (align in batches of `batch_size` commits);
//! 3. otherwise → [`Complexity::Simple`].
//!
//! Thresholds are exclusive: exactly `commits` commits is still simple.

use serde::{Deserialize, Serialize};

use crate::config::ComplexityConfig;

/// How a branch should be aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Complexity {
    /// Within every threshold: one rebase or merge.
    Simple,
    /// Too many commits or files for one step: align in batches.
    Chunked,
    /// The merge base is older than `age_days`: needs an integration effort.
    Integration,
}

impl std::fmt::Display for Complexity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Complexity::Simple => "simple",
            Complexity::Chunked => "chunked",
            Complexity::Integration => "integration",
        })
    }
}

/// Classifies a branch from its commits ahead of the target, the files it changed since
/// the merge base, and the merge base's age in whole days (see the module docs).
pub fn classify(
    ahead: u64,
    files_changed: u64,
    merge_base_age_days: u64,
    thresholds: &ComplexityConfig,
) -> Complexity {
    if merge_base_age_days > u64::from(thresholds.age_days) {
        Complexity::Integration
    } else if ahead > u64::from(thresholds.commits) || files_changed > u64::from(thresholds.files) {
        Complexity::Chunked
    } else {
        Complexity::Simple
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exclusive_and_age_wins() {
        let t = ComplexityConfig::default(); // 50 commits, 100 files, 90 days
        assert_eq!(classify(50, 100, 90, &t), Complexity::Simple);
        assert_eq!(classify(51, 1, 0, &t), Complexity::Chunked);
        assert_eq!(classify(1, 101, 0, &t), Complexity::Chunked);
        assert_eq!(classify(1, 1, 91, &t), Complexity::Integration);
        assert_eq!(classify(500, 500, 91, &t), Complexity::Integration);
    }
}
