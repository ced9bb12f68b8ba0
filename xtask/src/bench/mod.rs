//! `cargo xtask bench`: times git-align and the release tooling on generated repositories
//! and records the results in `BENCHMARKS.md`.
//!
//! Each suite lives in its own module and returns [`Measurement`]s. Results are merged
//! into `target/bench/results.json` by name, so running one suite (`--suite status`)
//! refreshes its rows without dropping the others, and `BENCHMARKS.md` is rendered from
//! the merged set.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use xshell::cmd;

mod align;
mod dist;
mod release;
mod repo_gen;
mod status;

use crate::context::Ctx;
use crate::fsutil::write_atomic;

/// The benchmark suites, in the order they appear in `BENCHMARKS.md`.
pub const SUITES: &[&str] = &["status", "align", "release", "dist"];

/// Arguments of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct Bench {
    /// Run only these suites (default: all).
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,
    /// Timed runs per operation (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Print the table without writing BENCHMARKS.md.
    #[arg(long)]
    pub no_write: bool,
}

/// One timed operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Measurement {
    /// The suite that produced it (a `SUITES` name).
    pub suite: String,
    /// What was timed, e.g. `git-align status (1,000 branches, 10,000 commits)`.
    pub name: String,
    /// Median wall time in seconds.
    pub median_s: f64,
    /// Fastest run in seconds.
    pub min_s: f64,
    /// Slowest run in seconds.
    pub max_s: f64,
    /// Number of timed runs.
    pub runs: usize,
    /// The budget from SPEC §5, when there is one.
    pub budget_s: Option<f64>,
    /// Comparison or context (e.g. `24.1× faster than the per-branch loop`).
    pub note: String,
}

impl Measurement {
    /// `pass`/`FAIL` against the budget, or `-` when there is none.
    pub fn verdict(&self) -> &'static str {
        match self.budget_s {
            Some(budget) if self.median_s < budget => "pass",
            Some(_) => "FAIL",
            None => "-",
        }
    }
}

/// What a suite needs: where to cache generated repositories, how many runs, and the
/// release build of git-align to time.
pub struct BenchEnv<'a> {
    /// The xtask context.
    pub ctx: &'a Ctx,
    /// `target/bench/`: generated repositories are cached here between runs.
    pub cache_dir: PathBuf,
    /// Timed runs per operation.
    pub runs: usize,
    /// The release build of `git-align`.
    pub git_align: PathBuf,
}

impl BenchEnv<'_> {
    /// Times `operation` `runs` times after one warm-up run and summarises the timings.
    pub fn measure(
        &self,
        suite: &str,
        name: &str,
        budget: Option<Duration>,
        mut operation: impl FnMut() -> Result<()>,
    ) -> Result<Measurement> {
        operation().with_context(|| format!("warm-up run of {name}"))?;
        let mut timings = Vec::with_capacity(self.runs);
        for _ in 0..self.runs.max(1) {
            let start = Instant::now();
            operation().with_context(|| format!("timed run of {name}"))?;
            timings.push(start.elapsed().as_secs_f64());
        }
        timings.sort_by(f64::total_cmp);
        Ok(Measurement {
            suite: suite.into(),
            name: name.into(),
            median_s: timings[timings.len() / 2],
            min_s: timings[0],
            max_s: timings[timings.len() - 1],
            runs: timings.len(),
            budget_s: budget.map(|b| b.as_secs_f64()),
            note: String::new(),
        })
    }
}

impl Bench {
    /// Runs the selected suites, prints the table and updates `BENCHMARKS.md`.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        for suite in &self.suites {
            anyhow::ensure!(
                SUITES.contains(&suite.as_str()),
                "unknown suite {suite:?}; known suites: {}",
                SUITES.join(", ")
            );
        }
        let sh = &ctx.sh;
        cmd!(sh, "cargo build --release --quiet -p alignment-cli")
            .env(
                "CARGO_ENCODED_RUSTFLAGS",
                crate::dist::release_rustflags(&ctx.root),
            )
            .run()
            .context("building git-align in release mode")?;
        let cache_dir = ctx.target_dir().join("bench");
        std::fs::create_dir_all(&cache_dir)?;
        let env = BenchEnv {
            ctx,
            cache_dir: cache_dir.clone(),
            runs: self.runs,
            git_align: ctx.target_dir().join("release").join("git-align"),
        };
        let results_file = cache_dir.join("results.json");
        let mut results: Vec<Measurement> = std::fs::read(&results_file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        for suite in SUITES {
            if !self.suites.is_empty() && !self.suites.iter().any(|s| s == suite) {
                continue;
            }
            eprintln!("bench: suite {suite}");
            let fresh = run_suite(suite, &env)?;
            results.retain(|m| m.suite != *suite);
            results.extend(fresh);
        }
        results.sort_by_key(|m| SUITES.iter().position(|s| *s == m.suite));
        write_atomic(&results_file, &serde_json::to_vec_pretty(&results)?)?;
        let report = render(&results, &machine_facts(ctx)?);
        println!("{report}");
        if !self.no_write {
            write_atomic(&ctx.root.join("BENCHMARKS.md"), report.as_bytes())?;
        }
        Ok(())
    }
}

fn run_suite(suite: &str, env: &BenchEnv<'_>) -> Result<Vec<Measurement>> {
    match suite {
        "status" => status::run(env),
        "align" => align::run(env),
        "release" => release::run(env),
        "dist" => dist::run(env),
        other => anyhow::bail!("unknown suite {other:?}"),
    }
}

/// The machine a benchmark ran on, printed above the table.
struct MachineFacts {
    cpu: String,
    cores: usize,
    memory: String,
    git: String,
    rustc: String,
    date: String,
}

fn machine_facts(ctx: &Ctx) -> Result<MachineFacts> {
    let sh = &ctx.sh;
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map(|kb| format!("{} GiB", kb / 1024 / 1024))
        .unwrap_or_else(|| "unknown".into());
    Ok(MachineFacts {
        cpu,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory,
        git: cmd!(sh, "git --version").read()?,
        rustc: cmd!(sh, "rustc --version").read()?,
        date: cmd!(sh, "date -u +%Y-%m-%d").read()?,
    })
}

fn render(results: &[Measurement], machine: &MachineFacts) -> String {
    let mut out = String::from(
        "# Benchmarks\n\n\
         Generated by `cargo xtask bench` (do not edit by hand). Each row is the median of \
         several timed runs after one warm-up run, on repositories generated \
         deterministically and cached under `target/bench/`. Budgets are SPEC §5's.\n\n",
    );
    out.push_str(&format!(
        "- Machine: {}, {} cores, {}\n- {}\n- {}\n- Date: {}\n",
        machine.cpu, machine.cores, machine.memory, machine.git, machine.rustc, machine.date
    ));
    let mut current_suite = "";
    for m in results {
        if m.suite != current_suite {
            current_suite = &m.suite;
            out.push_str(&format!(
                "\n## {current_suite}\n\n| operation | median | min – max | runs | budget | verdict | note |\n\
                 | --- | ---: | ---: | ---: | ---: | --- | --- |\n"
            ));
        }
        out.push_str(&format!(
            "| {} | {} | {} – {} | {} | {} | {} | {} |\n",
            m.name,
            seconds(m.median_s),
            seconds(m.min_s),
            seconds(m.max_s),
            m.runs,
            m.budget_s.map_or("-".into(), seconds),
            m.verdict(),
            m.note
        ));
    }
    out
}

/// Formats seconds with a unit that keeps three significant digits readable.
fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(median_s: f64, budget_s: Option<f64>) -> Measurement {
        Measurement {
            suite: "status".into(),
            name: "op".into(),
            median_s,
            min_s: median_s,
            max_s: median_s,
            runs: 3,
            budget_s,
            note: String::new(),
        }
    }

    #[test]
    fn verdicts_follow_the_budget() {
        assert_eq!(row(0.5, Some(1.5)).verdict(), "pass");
        assert_eq!(row(2.0, Some(1.5)).verdict(), "FAIL");
        assert_eq!(row(2.0, None).verdict(), "-");
    }

    #[test]
    fn renders_units() {
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(1.5), "1.50 s");
    }
}
