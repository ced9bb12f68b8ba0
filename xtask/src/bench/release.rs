//! Bench suite `release`: version/bump/changelog/tag, and changelog over 10,000 commits vs git-cliff.

use anyhow::Result;

use super::{BenchEnv, Measurement};

/// Runs the suite (placeholder until issue 4 lands).
pub fn run(_env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    anyhow::bail!("bench suite `release` is not implemented yet")
}
