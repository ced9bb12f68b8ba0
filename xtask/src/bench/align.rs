//! Bench suite `align`: git-align run --all on 100 branches and a single align on a 10,000-commit repo.

use anyhow::Result;

use super::{BenchEnv, Measurement};

/// Runs the suite (placeholder until issue 3 lands).
pub fn run(_env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    anyhow::bail!("bench suite `align` is not implemented yet")
}
