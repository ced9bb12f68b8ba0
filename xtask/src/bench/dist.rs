//! Bench suite `dist`: dist packaging (excluding cargo build), verify and publish.

use std::time::Duration;

use anyhow::Result;

use super::{BenchEnv, Measurement};
use crate::dist::{self, Toolchain};
use crate::publish;
use crate::verify;

const SUITE: &str = "dist";

/// Packages the release build of git-align for the host, verifies the result and
/// publishes it to a scratch store.
pub fn run(env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    let toolchain = Toolchain::detect(env.ctx)?;
    let work = env.cache_dir.join("dist");
    let out = work.join("out");
    let store = work.join("store");
    let binaries = [(toolchain.host.clone(), env.git_align.clone())];
    let size = std::fs::metadata(&env.git_align)?.len();
    let mut package = env.measure(
        SUITE,
        "dist packaging (host zip + tar.gz, excluding cargo build)",
        Some(Duration::from_millis(300)),
        || dist::package(env.ctx, &binaries, &out, &toolchain).map(drop),
    )?;
    package.note = format!("{:.1} MB binary", size as f64 / 1e6);
    let mut checks = 0;
    let mut verify = env.measure(
        SUITE,
        "verify (host dist directory, runs the binary)",
        Some(Duration::from_millis(100)),
        || {
            let report = verify::verify_dir(env.ctx, &out)?;
            report.ensure_passed()?;
            checks = report.checks.len();
            Ok(())
        },
    )?;
    verify.note = format!("{checks} checks");
    let mut publish = env.measure(SUITE, "publish to a fresh release store", None, || {
        if store.exists() {
            std::fs::remove_dir_all(&store)?;
        }
        publish::publish_to_store(&out, &store, false).map(drop)
    })?;
    publish.note = "copy + fsync + rename + index".into();
    Ok(vec![package, verify, publish])
}
