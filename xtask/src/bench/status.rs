//! Bench suite `status`: git-align status on 1,000 branches / 10,000 commits vs a per-branch loop.

use anyhow::Result;

use super::{BenchEnv, Measurement};

/// Runs the suite (placeholder until issue 2 lands).
pub fn run(_env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    anyhow::bail!("bench suite `status` is not implemented yet")
}
