//! Bench suite `dist`: dist packaging (excluding cargo build), verify and publish.

use anyhow::Result;

use super::{BenchEnv, Measurement};

/// Runs the suite (placeholder until issue 5 lands).
pub fn run(_env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    anyhow::bail!("bench suite `dist` is not implemented yet")
}
