//! Conflict prediction with `git merge-tree --write-tree`, which merges two commits
//! in memory without touching the working tree or the index.
//!
//! Pairs are batched through `merge-tree --stdin` (git ≥ 2.40; one process per pair below
//! that), split across `jobs` parallel processes. The merge trees git writes go to a
//! temporary object directory (the repository's objects are reachable as an alternate),
//! so prediction leaves no objects behind. Results are cached in
//! `<common dir>/align/cache/` keyed by (branch tip, target tip), so an unchanged pair is
//! never merged twice. A pair git refuses is reported as an error for that pair only.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use crate::git::{Git, GitVersion};

/// First git with `merge-tree --stdin`.
pub const MERGE_TREE_STDIN_GIT_VERSION: GitVersion = GitVersion {
    major: 2,
    minor: 40,
    patch: 0,
};

/// Two commits to merge: a branch tip and its target's tip (full object ids).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MergePair {
    /// The branch tip.
    pub branch_tip: String,
    /// The target tip.
    pub target_tip: String,
}

/// The predicted outcome of one merge: the conflicted paths (empty when clean), or the
/// reason git refused the merge.
pub type PairPrediction = std::result::Result<Vec<String>, String>;

/// The cache of one target tip: branch tip → conflicted paths.
type TipCache = BTreeMap<String, Vec<String>>;

/// Predicts the conflicts of every pair, in order. Cached pairs cost nothing; the rest
/// are merged with at most `jobs` git processes at a time. `on_start(n)` is called
/// with the number of merges that will actually run, before they start.
pub fn predict(
    git: &Git,
    pairs: &[MergePair],
    jobs: usize,
    on_start: &dyn Fn(usize),
) -> Result<Vec<PairPrediction>> {
    let cache_dir = cache_dir(git);
    let mut caches: HashMap<&str, TipCache> = HashMap::new();
    for pair in pairs {
        caches
            .entry(pair.target_tip.as_str())
            .or_insert_with(|| read_cache(&cache_dir, &pair.target_tip));
    }
    let mut results: Vec<Option<PairPrediction>> = pairs
        .iter()
        .map(|p| {
            caches[p.target_tip.as_str()]
                .get(&p.branch_tip)
                .cloned()
                .map(Ok)
        })
        .collect();
    let misses: Vec<usize> = (0..pairs.len()).filter(|&i| results[i].is_none()).collect();
    if misses.is_empty() {
        return Ok(finish(results));
    }
    on_start(misses.len());
    let scratch = tempfile::Builder::new()
        .prefix("git-align-merge-")
        .tempdir()
        .map_err(|e| Error::io("creating a temporary object directory", e))?;
    let objects = git.common_dir().join("objects");
    let jobs = jobs.max(1).min(misses.len());
    let chunk = misses.len().div_ceil(jobs);
    let chunks: Vec<&[usize]> = misses.chunks(chunk).collect();
    let computed: Vec<Result<Vec<PairPrediction>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|indexes| {
                let batch: Vec<&MergePair> = indexes.iter().map(|&i| &pairs[i]).collect();
                let env = MergeEnv {
                    git,
                    scratch: scratch.path(),
                    objects: &objects,
                };
                scope.spawn(move || env.merge_all(&batch))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::GitOutput {
                        args: vec!["merge-tree".into()],
                        detail: "prediction thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut dirty: Vec<&str> = Vec::new();
    for (indexes, outcome) in chunks.iter().zip(computed) {
        for (&i, prediction) in indexes.iter().zip(outcome?) {
            if let Ok(files) = &prediction {
                let target = pairs[i].target_tip.as_str();
                if let Some(cache) = caches.get_mut(target) {
                    cache.insert(pairs[i].branch_tip.clone(), files.clone());
                }
                if !dirty.contains(&target) {
                    dirty.push(target);
                }
            }
            results[i] = Some(prediction);
        }
    }
    for target in dirty {
        // The cache only saves time: failing to write it (read-only repository, full
        // disk) must not fail the analysis.
        let _ = write_cache(&cache_dir, target, &caches[target]);
    }
    prune_cache(&cache_dir);
    Ok(finish(results))
}

/// Every slot is filled by then; an empty one would be a bug, reported as a refusal.
fn finish(results: Vec<Option<PairPrediction>>) -> Vec<PairPrediction> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not predicted".into())))
        .collect()
}

/// Where prediction results are cached.
pub fn cache_dir(git: &Git) -> PathBuf {
    git.common_dir().join("align").join("cache")
}

fn cache_file(dir: &Path, target_tip: &str) -> PathBuf {
    dir.join(format!("conflicts-{target_tip}.json"))
}

/// Cache files untouched for this long belong to target tips that moved on.
const CACHE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// Removes cache files not written for [`CACHE_MAX_AGE`]; best effort.
fn prune_cache(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > CACHE_MAX_AGE);
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with("conflicts-");
        if stale && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn read_cache(dir: &Path, target_tip: &str) -> TipCache {
    std::fs::read(cache_file(dir, target_tip))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write_cache(dir: &Path, target_tip: &str, cache: &TipCache) -> Result<()> {
    let bytes = serde_json::to_vec(cache)
        .map_err(|e| Error::io("serialising the prediction cache", std::io::Error::other(e)))?;
    write_atomic(&cache_file(dir, target_tip), &bytes)
}

/// What one prediction thread needs to run git.
#[derive(Clone, Copy)]
struct MergeEnv<'a> {
    git: &'a Git,
    scratch: &'a Path,
    objects: &'a Path,
}

impl MergeEnv<'_> {
    fn merge_all(&self, batch: &[&MergePair]) -> Result<Vec<PairPrediction>> {
        if self.git.version() < MERGE_TREE_STDIN_GIT_VERSION {
            return batch.iter().map(|pair| self.merge_one(pair)).collect();
        }
        let mut results = Vec::with_capacity(batch.len());
        while results.len() < batch.len() {
            let rest = &batch[results.len()..];
            let (done, failure) = self.merge_stdin(rest)?;
            results.extend(done);
            if results.len() < batch.len() {
                // git stopped at the next pair (e.g. unrelated histories): report it on
                // that pair and continue with a new process after it.
                results.push(Err(failure));
            }
        }
        Ok(results)
    }

    fn command(&self, args: &[String]) -> std::process::Command {
        let mut command = self.git.command(args);
        command
            .env("GIT_OBJECT_DIRECTORY", self.scratch)
            .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", self.objects);
        command
    }

    /// Merges `batch` through one `merge-tree --stdin`; returns the results of the pairs
    /// git completed and, when it stopped early, why.
    fn merge_stdin(&self, batch: &[&MergePair]) -> Result<(Vec<PairPrediction>, String)> {
        let args: Vec<String> = [
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            "-z",
            "--stdin",
        ]
        .map(String::from)
        .to_vec();
        let input: String = batch
            .iter()
            .map(|p| format!("{} {}\n", p.branch_tip, p.target_tip))
            .collect();
        let output = self
            .git
            .output_command(self.command(&args), &args, Some(input.as_bytes()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let done = parse_stdin_output(&stdout, batch.len());
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let failure = if stderr.is_empty() {
            format!(
                "git merge-tree stopped (exit code {:?})",
                output.status.code()
            )
        } else {
            stderr
        };
        Ok((done, failure))
    }

    fn merge_one(&self, pair: &MergePair) -> Result<PairPrediction> {
        let args: Vec<String> = [
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            "-z",
            &pair.branch_tip,
            &pair.target_tip,
        ]
        .map(String::from)
        .to_vec();
        let output = self.git.output_command(self.command(&args), &args, None)?;
        match output.status.code() {
            Some(0 | 1) => {
                let stdout = String::from_utf8_lossy(&output.stdout);
                let mut fields = stdout.split('\0');
                fields.next(); // the merged tree
                Ok(Ok(fields
                    .take_while(|f| !f.is_empty())
                    .map(String::from)
                    .collect()))
            }
            _ => Ok(Err(String::from_utf8_lossy(&output.stderr)
                .trim()
                .to_string())),
        }
    }
}

/// Parses `merge-tree --stdin -z --name-only` output: per merge, `<status>\0<tree>\0`,
/// the conflicted paths each followed by `\0`, then an empty field. Incomplete trailing
/// records (git died mid-way) are dropped.
fn parse_stdin_output(stdout: &str, expected: usize) -> Vec<PairPrediction> {
    // Every field ends with a NUL; drop the last one so `split` yields no phantom field.
    let mut fields = stdout.strip_suffix('\0').unwrap_or(stdout).split('\0');
    let mut results = Vec::new();
    while results.len() < expected {
        let (Some(status), Some(_tree)) = (fields.next(), fields.next()) else {
            break;
        };
        if status != "0" && status != "1" {
            break;
        }
        let mut files = Vec::new();
        let mut complete = false;
        for field in fields.by_ref() {
            if field.is_empty() {
                complete = true;
                break;
            }
            files.push(field.to_string());
        }
        if !complete {
            break;
        }
        results.push(Ok(files));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clean_conflicted_and_truncated_records() {
        let out = [
            "0", "tree1", "a", "dir/b c", "", "1", "tree2", "", "0", "tree3", "x", "",
        ]
        .join("\0");
        let parsed = parse_stdin_output(&out, 3);
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0], Ok(vec!["a".to_string(), "dir/b c".to_string()]));
        assert_eq!(parsed[1], Ok(vec![]));
    }
}
