//! `cargo xtask release`: plan, preflight and execute a whole release — hook, bump,
//! changelog, commit, tag, dist + verify, push — journaled step by step so that a failure
//! (or an interrupted run, on the next run) undoes every step done, and `--undo` takes
//! back the last release while it is unpushed.
//!
//! Tests can make a step fail after it did its work with `XTASK_FAIL_AT=<step>` (`hook`,
//! `bump`, `changelog`, `commit`, `tag`, `dist`, `push`); nothing else reads it.

use std::path::{Path, PathBuf};
use std::process::Command;

use alignment_core::Git;
use anyhow::{Context, Result, anyhow, bail};

use crate::bump::{BumpSpec, check_increases, next_version};
use crate::changelog::{Pending, Selection, render};
use crate::config::ReleaseConfig;
use crate::context::Ctx;
use crate::fsutil::{lock_exclusive, write_atomic};
use crate::history;
use crate::journal::{
    FileBackup, INDEX_BACKUP_FILE, Journal, State, Step, StepRecord, StepStatus, Undo,
};
use crate::tag::{dirty_paths, tag_exists};
use crate::usage::usage_error;
use crate::workspace::{self, workspace_version};

/// The environment variable naming a step to fail on purpose (tests only).
pub const FAIL_AT_ENV: &str = "XTASK_FAIL_AT";

/// Arguments of `cargo xtask release`.
#[derive(Debug, clap::Args)]
pub struct Release {
    /// The bump: major, minor, patch, prerelease, release, auto or X.Y.Z.
    #[arg(long, value_name = "LEVEL", required_unless_present = "undo")]
    pub bump: Option<String>,
    /// Prerelease identifier (`--pre rc`).
    #[arg(long, value_name = "ID")]
    pub pre: Option<String>,
    /// Make the release (without it: print the plan and the preflight verdicts only).
    #[arg(long)]
    pub execute: bool,
    /// Push the branch and the tag (`git push --atomic`) at the end.
    #[arg(long)]
    pub push: bool,
    /// Do not run `cargo test --workspace` in the preflight.
    #[arg(long)]
    pub skip_tests: bool,
    /// Do not build and verify the release archives (`cargo xtask dist` + `verify`).
    #[arg(long)]
    pub skip_dist: bool,
    /// Take back the last release (refused once it is pushed).
    #[arg(long, conflicts_with_all = ["bump", "execute", "push"])]
    pub undo: bool,
}

/// One preflight check's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What was checked.
    pub check: &'static str,
    /// `Some(true)` passed, `Some(false)` failed, `None` skipped.
    pub ok: Option<bool>,
    /// Why.
    pub detail: String,
}

/// The release being planned.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The version now.
    pub current: semver::Version,
    /// The version released (`None` when the bump itself is invalid).
    pub next: Option<semver::Version>,
    /// The release tag.
    pub tag: Option<String>,
    /// The branch released from (`None` when detached).
    pub branch: Option<String>,
    /// HEAD now.
    pub head: String,
}

impl Release {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let cfg = ReleaseConfig::load(&ctx.root)?;
        let git = history::open(&ctx.root)?;
        let journal_path = Journal::path(&ctx.root);
        let _lock = (!ctx.dry_run && (self.execute || self.undo))
            .then(|| {
                lock_exclusive(
                    &journal_path.with_extension("lock"),
                    "a release of this workspace",
                )
            })
            .transpose()?;
        if self.undo {
            return undo_last(ctx, &git, &journal_path);
        }
        let spec: BumpSpec = self
            .bump
            .as_deref()
            .ok_or_else(|| usage_error("--bump LEVEL is required"))?
            .parse()?;
        if let Some(pre) = &self.pre
            && (pre.is_empty() || !pre.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(usage_error(format!(
                "`--pre {pre}` is not a prerelease identifier"
            )));
        }
        if let Some(journal) = Journal::load(&journal_path)?
            && journal.state == State::InProgress
        {
            if self.execute && !ctx.dry_run {
                println!(
                    "an interrupted release of {} was found: undoing it first",
                    journal.tag
                );
                let mut journal = journal;
                undo_all(&git, ctx, &journal_path, &mut journal)?;
            } else {
                println!(
                    "note: an interrupted release of {} will be undone first by --execute",
                    journal.tag
                );
            }
        }
        let (plan, verdicts) = preflight(ctx, &git, &cfg, &spec, self.pre.as_deref(), &self)?;
        print_plan(&cfg, &plan, &self);
        println!("preflight:");
        for v in &verdicts {
            let mark = match v.ok {
                Some(true) => "ok  ",
                Some(false) => "FAIL",
                None => "skip",
            };
            println!("  [{mark}] {}: {}", v.check, v.detail);
        }
        let failures: Vec<String> = verdicts
            .iter()
            .filter(|v| v.ok == Some(false))
            .map(|v| format!("{}: {}", v.check, v.detail))
            .collect();
        if !failures.is_empty() {
            bail!(
                "preflight failed, nothing was changed:\n  - {}",
                failures.join("\n  - ")
            );
        }
        if !self.execute || ctx.dry_run {
            println!("plan only: nothing was changed (pass --execute to release)");
            return Ok(());
        }
        let (Some(next), Some(tag), Some(branch)) = (plan.next, plan.tag, plan.branch) else {
            bail!("internal error: preflight passed without a version, tag or branch");
        };
        let mut journal = Journal {
            state: State::InProgress,
            version: next.to_string(),
            previous_version: plan.current.to_string(),
            tag,
            branch,
            head: plan.head,
            remote: self.push.then(|| cfg.push_remote.clone()),
            pushed: false,
            steps: Vec::new(),
        };
        execute(ctx, &git, &cfg, &journal_path, &mut journal, &self)
    }
}

fn print_plan(cfg: &ReleaseConfig, plan: &Plan, args: &Release) {
    let next = plan
        .next
        .as_ref()
        .map_or_else(|| "(invalid)".to_string(), ToString::to_string);
    let tag = plan.tag.as_deref().unwrap_or("(invalid)");
    let mut steps = Vec::new();
    if let Some(hook) = &cfg.pre_release_hook {
        steps.push(format!("hook: {}", hook.join(" ")));
    }
    steps.push(format!("bump: Cargo.toml files and Cargo.lock to {next}"));
    steps.push(format!("changelog: {}", cfg.changelog.display()));
    if let Some(v) = &plan.next {
        steps.push(format!("commit: {}", cfg.commit_message_for(v)));
    }
    let kind = if cfg.sign_tag { "signed" } else { "annotated" };
    steps.push(format!("tag: {tag} ({kind})"));
    if !args.skip_dist {
        steps.push(format!("dist + verify: {}", cfg.dist.out_dir.display()));
    }
    if args.push {
        let branch = plan.branch.as_deref().unwrap_or("(detached)");
        steps.push(format!("push --atomic {} {branch} {tag}", cfg.push_remote));
    }
    println!("release {} -> {next}", plan.current);
    println!("plan:");
    for (n, step) in steps.iter().enumerate() {
        println!("  {}. {step}", n + 1);
    }
}

/// Runs every preflight check (none stops the others) and returns the plan with the
/// verdicts.
pub fn preflight(
    ctx: &Ctx,
    git: &Git,
    cfg: &ReleaseConfig,
    spec: &BumpSpec,
    pre: Option<&str>,
    args: &Release,
) -> Result<(Plan, Vec<Verdict>)> {
    let mut verdicts = Vec::new();
    let current = workspace_version(&ctx.root)?;
    let head = git
        .resolve("HEAD")?
        .ok_or_else(|| anyhow!("the repository has no commits"))?;

    let dirty = dirty_paths(git)?;
    verdicts.push(Verdict {
        check: "clean tree",
        ok: Some(dirty.is_empty()),
        detail: if dirty.is_empty() {
            "no changes".into()
        } else {
            format!("uncommitted or untracked: {}", dirty.join(", "))
        },
    });

    let branch = git
        .output(["symbolic-ref", "--short", "-q", "HEAD"])
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    verdicts.push(match &branch {
        Some(b) if cfg.allow_branches.iter().any(|a| a == b) => Verdict {
            check: "branch allowed",
            ok: Some(true),
            detail: format!("{b} is in allow_branches"),
        },
        Some(b) => Verdict {
            check: "branch allowed",
            ok: Some(false),
            detail: format!(
                "{b} is not in allow_branches {:?}: switch branch or edit release.toml",
                cfg.allow_branches
            ),
        },
        None => Verdict {
            check: "branch allowed",
            ok: Some(false),
            detail: "HEAD is detached: check out a release branch".into(),
        },
    });

    let next = next_version(&ctx.root, &current, spec, pre);
    let (next, version_verdict) = match next {
        Ok(v) => match check_increases(&current, &v, false) {
            Ok(()) => (Some(v.clone()), (true, format!("{current} -> {v}"))),
            Err(e) => (None, (false, format!("{e:#}"))),
        },
        Err(e) => (None, (false, format!("{e:#}"))),
    };
    verdicts.push(Verdict {
        check: "version increases",
        ok: Some(version_verdict.0),
        detail: version_verdict.1,
    });

    let tag = next.as_ref().map(|v| cfg.tag_for(v));
    match &tag {
        Some(tag) => {
            let local = tag_exists(git, tag)?;
            verdicts.push(Verdict {
                check: "tag absent",
                ok: Some(!local),
                detail: if local {
                    format!("{tag} already exists locally")
                } else {
                    format!("{tag} does not exist locally")
                },
            });
            verdicts.push(remote_tag_verdict(git, &cfg.push_remote, tag));
        }
        None => verdicts.push(Verdict {
            check: "tag absent",
            ok: None,
            detail: "no version to tag".into(),
        }),
    }

    let last = history::last_release_tag(git, &cfg.tag_prefix)?;
    let since = history::commits(git, last.as_ref().map(|t| t.name.as_str()))?;
    verdicts.push(Verdict {
        check: "commits since last tag",
        ok: Some(!since.is_empty()),
        detail: match (&last, since.len()) {
            (Some(t), 0) => format!("nothing to release since {}", t.name),
            (Some(t), n) => format!("{n} since {}", t.name),
            (None, n) => format!("{n} (no release tag yet)"),
        },
    });

    if let Some(tag) = &tag {
        let pending = Pending {
            tag: tag.clone(),
            timestamp: history::committer_now(git)?,
        };
        let rendered = render(&ctx.root, git, cfg, &Selection::All, Some(&pending));
        verdicts.push(Verdict {
            check: "changelog renders",
            ok: Some(rendered.is_ok()),
            detail: match rendered {
                Ok(_) => format!("{} with cliff.toml", cfg.changelog.display()),
                Err(e) => format!("{e:#}"),
            },
        });
    }

    verdicts.push(if args.skip_tests {
        Verdict {
            check: "tests pass",
            ok: None,
            detail: "--skip-tests".into(),
        }
    } else {
        run_tests(&ctx.root)
    });

    Ok((
        Plan {
            current,
            next,
            tag,
            branch,
            head,
        },
        verdicts,
    ))
}

fn remote_tag_verdict(git: &Git, remote: &str, tag: &str) -> Verdict {
    let out = git.output(["ls-remote", "--tags", remote, &format!("refs/tags/{tag}")]);
    match out {
        Ok(o) if o.status.success() => {
            let present = !o.stdout.is_empty();
            Verdict {
                check: "tag absent on remote",
                ok: Some(!present),
                detail: if present {
                    format!("{tag} already exists on {remote}")
                } else {
                    format!("{tag} is not on {remote}")
                },
            }
        }
        _ => Verdict {
            check: "tag absent on remote",
            ok: None,
            detail: format!("{remote} cannot be read"),
        },
    }
}

fn run_tests(root: &Path) -> Verdict {
    let out = Command::new("cargo")
        .args(["test", "--workspace", "--quiet"])
        .current_dir(root)
        .output();
    match out {
        Ok(o) if o.status.success() => Verdict {
            check: "tests pass",
            ok: Some(true),
            detail: "cargo test --workspace".into(),
        },
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            let tail: Vec<&str> = text.lines().rev().take(8).collect();
            Verdict {
                check: "tests pass",
                ok: Some(false),
                detail: format!(
                    "cargo test --workspace failed:\n      {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n      ")
                ),
            }
        }
        Err(e) => Verdict {
            check: "tests pass",
            ok: Some(false),
            detail: format!("could not run cargo: {e}"),
        },
    }
}

fn execute(
    ctx: &Ctx,
    git: &Git,
    cfg: &ReleaseConfig,
    journal_path: &Path,
    journal: &mut Journal,
    args: &Release,
) -> Result<()> {
    let backup = index_backup_path(ctx);
    let index = git.git_dir().join("index");
    if let Some(dir) = backup.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if index.is_file() {
        std::fs::copy(&index, &backup)
            .with_context(|| format!("backing up the git index to {}", backup.display()))?;
    }
    journal.save(journal_path)?;
    let result = run_steps(ctx, git, cfg, journal_path, journal, args);
    match result {
        Ok(()) => {
            journal.state = State::Completed;
            journal.save(journal_path)?;
            println!(
                "released {}{}",
                journal.tag,
                if journal.pushed {
                    " (pushed)"
                } else {
                    " (not pushed: `git push --atomic` it, or `cargo xtask release --undo`)"
                }
            );
            Ok(())
        }
        Err(error) => {
            let step = journal.steps.last().map_or("start", |s| s.step.name());
            eprintln!("release failed at step `{step}`: {error:#}");
            eprintln!("undoing the steps done:");
            match undo_all(git, ctx, journal_path, journal) {
                Ok(()) => Err(error.context(format!(
                    "release of {} failed at step `{step}`; every step was undone and the \
                     repository is as before",
                    journal.tag
                ))),
                Err(undo_error) => Err(anyhow!(
                    "release of {} failed at step `{step}`: {error:#}\nand undoing it failed: \
                     {undo_error:#}\nthe journal {} lists what remains",
                    journal.tag,
                    journal_path.display()
                )),
            }
        }
    }
}

fn index_backup_path(ctx: &Ctx) -> PathBuf {
    Journal::path(&ctx.root).with_file_name(INDEX_BACKUP_FILE)
}

/// Journals `step` as started with `undo`, runs `action` (which may fill in the undo
/// record), honours `XTASK_FAIL_AT`, then journals it as done.
fn step(
    journal: &mut Journal,
    journal_path: &Path,
    step: Step,
    undo: Undo,
    action: impl FnOnce(&mut Undo) -> Result<()>,
) -> Result<()> {
    println!("  {} …", step.name());
    journal.steps.push(StepRecord {
        step,
        status: StepStatus::Started,
        undo,
    });
    journal.save(journal_path)?;
    let inject = std::env::var(FAIL_AT_ENV).is_ok_and(|s| s == step.name());
    if inject && step == Step::Push {
        // A push cannot be taken back: fail instead of pushing.
        bail!("step `push`: failure injected by {FAIL_AT_ENV}");
    }
    let index = journal.steps.len() - 1;
    let result = action(&mut journal.steps[index].undo);
    journal.save(journal_path)?;
    result.with_context(|| format!("step `{}`", step.name()))?;
    if inject {
        bail!("step `{}`: failure injected by {FAIL_AT_ENV}", step.name());
    }
    journal.steps[index].status = StepStatus::Done;
    journal.save(journal_path)
}

fn run_steps(
    ctx: &Ctx,
    git: &Git,
    cfg: &ReleaseConfig,
    journal_path: &Path,
    journal: &mut Journal,
    args: &Release,
) -> Result<()> {
    let version = semver::Version::parse(&journal.version)?;
    let tag = journal.tag.clone();
    let prev = journal.previous_version.clone();

    if let Some(hook) = &cfg.pre_release_hook {
        step(journal, journal_path, Step::Hook, Undo::RestoreTree, |_| {
            run_hook(&ctx.root, hook, &version, &prev, &tag)
        })?;
    }

    let edits = workspace::plan_version_change(&ctx.root, &version)?;
    let backups = edits
        .iter()
        .map(|e| FileBackup {
            path: e.path.clone(),
            contents: Some(e.before.clone()),
        })
        .collect();
    step(
        journal,
        journal_path,
        Step::Bump,
        Undo::RestoreFiles { files: backups },
        |_| workspace::apply(&edits),
    )?;

    let changelog = ctx.root.join(&cfg.changelog);
    let before = std::fs::read_to_string(&changelog).ok();
    let timestamp = history::committer_now(git)?;
    let pending = Pending {
        tag: tag.clone(),
        timestamp,
    };
    let undo = Undo::RestoreFiles {
        files: vec![FileBackup {
            path: changelog.clone(),
            contents: before,
        }],
    };
    step(journal, journal_path, Step::Changelog, undo, |_| {
        if changelog.is_dir() {
            bail!(
                "{} is a directory: set `changelog` to a file",
                changelog.display()
            );
        }
        let text = render(&ctx.root, git, cfg, &Selection::All, Some(&pending))?;
        write_atomic(&changelog, text.as_bytes())
            .with_context(|| format!("writing {}", changelog.display()))
    })?;

    let message = cfg.commit_message_for(&version);
    step(
        journal,
        journal_path,
        Step::Commit,
        Undo::ResetBranch { commit: None },
        |undo| {
            git.run(["add", "-A"])?;
            git.run(["commit", "-q", "-m", &message])?;
            *undo = Undo::ResetBranch {
                commit: git.resolve("HEAD")?,
            };
            Ok(())
        },
    )?;

    let undo = Undo::DeleteTag {
        name: tag.clone(),
        object: None,
    };
    step(journal, journal_path, Step::Tag, undo, |undo| {
        let notes = render(
            &ctx.root,
            git,
            cfg,
            &Selection::One(Some(tag.clone())),
            Some(&pending),
        )?;
        crate::tag::create(git, &tag, &notes, cfg.sign_tag)?;
        let object = git.run(["rev-parse", &format!("refs/tags/{tag}")])?;
        *undo = Undo::DeleteTag {
            name: tag.clone(),
            object: Some(object.trim().to_string()),
        };
        Ok(())
    })?;

    if !args.skip_dist {
        let out_dir = ctx.root.join(&cfg.dist.out_dir);
        let undo = if out_dir.exists() {
            Undo::Nothing
        } else {
            Undo::RemovePaths {
                paths: vec![out_dir.clone()],
            }
        };
        step(journal, journal_path, Step::Dist, undo, |_| {
            let output = crate::dist::build_and_package(ctx, &crate::dist::DistOptions::default())?;
            crate::verify::verify_dir(ctx, &output.dir)?.ensure_passed()
        })?;
    }

    if args.push {
        let remote = cfg.push_remote.clone();
        let branch = journal.branch.clone();
        let pushed = step(journal, journal_path, Step::Push, Undo::Nothing, |_| {
            git.run([
                "push",
                "--atomic",
                "--quiet",
                &remote,
                &format!("refs/heads/{branch}:refs/heads/{branch}"),
                &format!("refs/tags/{tag}:refs/tags/{tag}"),
            ])
            .with_context(|| format!("pushing {branch} and {tag} to {remote}"))?;
            Ok(())
        });
        if pushed.is_ok()
            || journal
                .steps
                .last()
                .is_some_and(|s| s.status == StepStatus::Done)
        {
            journal.pushed = true;
        }
        pushed?;
    }
    Ok(())
}

fn run_hook(
    root: &Path,
    hook: &[String],
    version: &semver::Version,
    prev: &str,
    tag: &str,
) -> Result<()> {
    let (program, rest) = hook
        .split_first()
        .ok_or_else(|| usage_error("pre_release_hook is empty: give a command"))?;
    let status = Command::new(program)
        .args(rest)
        .current_dir(root)
        .env("NEW_VERSION", version.to_string())
        .env("PREV_VERSION", prev)
        .env("RELEASE_TAG", tag)
        .status()
        .with_context(|| format!("running pre_release_hook `{}`", hook.join(" ")))?;
    if !status.success() {
        bail!("pre_release_hook `{}` failed ({status})", hook.join(" "));
    }
    Ok(())
}

/// Takes back every started or done step of `journal`, newest first, then restores the
/// git index saved before the release, and marks the journal undone.
pub fn undo_all(git: &Git, ctx: &Ctx, journal_path: &Path, journal: &mut Journal) -> Result<()> {
    let release_commit = journal.steps.iter().find_map(|s| match &s.undo {
        Undo::ResetBranch { commit } => commit.clone(),
        _ => None,
    });
    let head = git.resolve("HEAD")?;
    if head.as_deref() != Some(journal.head.as_str()) && head != release_commit {
        bail!(
            "HEAD moved since the release of {} was journaled (HEAD is {}, the release started \
             at {}): nothing was undone; inspect the repository and delete {} to start over",
            journal.tag,
            head.as_deref().unwrap_or("unborn"),
            journal.head,
            journal_path.display()
        );
    }
    for index in (0..journal.steps.len()).rev() {
        let record = journal.steps[index].clone();
        if record.status == StepStatus::Undone {
            continue;
        }
        undo_step(git, journal, &record.undo, release_commit.as_deref())
            .with_context(|| format!("undoing step `{}`", record.step.name()))?;
        journal.steps[index].status = StepStatus::Undone;
        journal.save(journal_path)?;
        println!("  undid {}", record.step.name());
    }
    let backup = index_backup_path(ctx);
    if let Ok(bytes) = std::fs::read(&backup) {
        write_atomic(&git.git_dir().join("index"), &bytes).context("restoring the git index")?;
    }
    journal.state = State::Undone;
    journal.save(journal_path)
}

fn undo_step(
    git: &Git,
    journal: &Journal,
    undo: &Undo,
    release_commit: Option<&str>,
) -> Result<()> {
    match undo {
        Undo::Nothing => {}
        Undo::RestoreFiles { files } => {
            for file in files {
                match &file.contents {
                    Some(contents)
                        if std::fs::read_to_string(&file.path).ok().as_deref()
                            != Some(contents) =>
                    {
                        write_atomic(&file.path, contents.as_bytes())
                            .with_context(|| format!("restoring {}", file.path.display()))?;
                    }
                    Some(_) => {}
                    None if file.path.is_file() => remove_if_exists(&file.path)?,
                    None => {}
                }
            }
        }
        Undo::RemovePaths { paths } => {
            for path in paths {
                remove_if_exists(path)?;
            }
        }
        Undo::RestoreTree => {
            git.run([
                "restore",
                &format!("--source={}", journal.head),
                "--staged",
                "--worktree",
                "--",
                ":/",
            ])?;
            let untracked = git.run([
                "ls-files",
                "-z",
                "--others",
                "--exclude-standard",
                "--full-name",
            ])?;
            for path in untracked.split('\0').filter(|p| !p.is_empty()) {
                remove_if_exists(&git.work_tree().join(path))?;
            }
        }
        Undo::ResetBranch { commit } => {
            let head = git.resolve("HEAD")?.unwrap_or_default();
            if head == journal.head {
                return Ok(());
            }
            match commit {
                Some(commit) if *commit == head => {
                    git.run([
                        "update-ref",
                        "-m",
                        "xtask release: undo",
                        &format!("refs/heads/{}", journal.branch),
                        &journal.head,
                        commit,
                    ])?;
                }
                _ => bail!(
                    "HEAD is at {head}, neither the release commit nor {}: move {} back by hand",
                    journal.head,
                    journal.branch
                ),
            }
        }
        Undo::DeleteTag { name, object } => {
            let reference = format!("refs/tags/{name}");
            let Some(current) = git
                .output(["rev-parse", "--verify", "--quiet", &reference])?
                .status
                .success()
                .then(|| git.run(["rev-parse", &reference]))
                .transpose()?
            else {
                return Ok(());
            };
            let current = current.trim().to_string();
            let ours = match object {
                Some(object) => *object == current,
                None => {
                    let peeled = git.run(["rev-parse", &format!("{reference}^{{commit}}")])?;
                    release_commit == Some(peeled.trim())
                }
            };
            if ours {
                git.run(["update-ref", "-d", &reference, &current])?;
            }
        }
    }
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
    }
}

/// `release --undo`: takes back the last release while it is unpushed.
fn undo_last(ctx: &Ctx, git: &Git, journal_path: &Path) -> Result<()> {
    let Some(mut journal) = Journal::load(journal_path)? else {
        bail!(usage_error(format!(
            "there is no release to undo ({} does not exist)",
            journal_path.display()
        )));
    };
    match journal.state {
        State::Undone => bail!(usage_error(format!(
            "the last release ({}) was already undone",
            journal.tag
        ))),
        State::InProgress => {
            println!("undoing the interrupted release of {}:", journal.tag);
            return undo_all(git, ctx, journal_path, &mut journal);
        }
        State::Completed => {}
    }
    if journal.pushed {
        bail!(
            "refusing to undo {}: it was pushed to {} (undoing would rewrite published history)",
            journal.tag,
            journal.remote.as_deref().unwrap_or("the remote")
        );
    }
    let commit = journal.steps.iter().find_map(|s| match &s.undo {
        Undo::ResetBranch { commit } => commit.clone(),
        _ => None,
    });
    // The remote may have been pushed to by hand.
    for remote in [
        journal.remote.clone(),
        Some(ReleaseConfig::load(&ctx.root)?.push_remote),
    ]
    .into_iter()
    .flatten()
    {
        let out = git.output([
            "ls-remote",
            &remote,
            &format!("refs/tags/{}", journal.tag),
            &format!("refs/heads/{}", journal.branch),
        ]);
        if let Ok(out) = out
            && out.status.success()
        {
            let listing = String::from_utf8_lossy(&out.stdout);
            let tag_pushed = listing.contains(&format!("refs/tags/{}", journal.tag));
            let commit_pushed = commit.as_deref().is_some_and(|c| {
                listing.lines().any(|l| {
                    l.split_whitespace().next().is_some_and(|remote_head| {
                        remote_head == c || git.is_ancestor(c, remote_head).unwrap_or(false)
                    })
                })
            });
            if tag_pushed || commit_pushed {
                bail!(
                    "refusing to undo {}: {remote} already has {} (it was pushed)",
                    journal.tag,
                    if tag_pushed {
                        "the tag"
                    } else {
                        "the release commit"
                    }
                );
            }
        }
    }
    if let Some(commit) = &commit
        && git.resolve("HEAD")?.as_deref() != Some(commit.as_str())
    {
        bail!(
            "refusing to undo {}: HEAD is no longer the release commit {commit} (commits were \
             made after it)",
            journal.tag
        );
    }
    let dirty = dirty_paths(git)?;
    if !dirty.is_empty() {
        bail!(
            "refusing to undo {}: the work tree has changes ({}); commit or stash them first",
            journal.tag,
            dirty.join(", ")
        );
    }
    println!("undoing release {}:", journal.tag);
    undo_all(git, ctx, journal_path, &mut journal)?;
    println!(
        "release {} undone: HEAD, files and tags are as before",
        journal.tag
    );
    Ok(())
}
