//! The typed errors of alignment-core. Each variant says what went wrong and, where there
//! is one, what the user can do about it; the CLI maps them to exit codes.

use std::path::PathBuf;

/// Everything that can go wrong inside alignment-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path given is not inside a git repository.
    #[error(
        "{path} is not a git repository (or any parent up to the filesystem root); pass -C <path> pointing into a repository"
    )]
    NotARepository {
        /// The path that was checked.
        path: PathBuf,
    },
    /// The installed git is older than the minimum git-align needs.
    #[error("git {found} is too old: git-align needs git {required} or newer; upgrade git")]
    GitTooOld {
        /// The version reported by `git --version`.
        found: String,
        /// The minimum supported version.
        required: String,
    },
    /// The git executable could not be started at all.
    #[error("could not run git ({source}); is git installed and on PATH?")]
    GitNotFound {
        /// The underlying spawn error.
        #[source]
        source: std::io::Error,
    },
    /// A git command exited unsuccessfully.
    #[error("`git {}` failed with exit code {code}: {}", args.join(" "), stderr.trim())]
    GitFailed {
        /// The arguments git was run with (without the leading `git`).
        args: Vec<String>,
        /// The exit code, or -1 when git was killed by a signal.
        code: i32,
        /// Everything git wrote on stderr.
        stderr: String,
    },
    /// Git printed something this crate could not parse.
    #[error("unexpected output from `git {}`: {detail}", args.join(" "))]
    GitOutput {
        /// The arguments git was run with.
        args: Vec<String>,
        /// What was wrong with the output.
        detail: String,
    },
    /// The configuration file is invalid; the message names the key.
    #[error("invalid configuration in {}: {message}", file.display())]
    Config {
        /// The configuration file.
        file: PathBuf,
        /// What is wrong, naming the offending key or value.
        message: String,
    },
    /// The user asked for something that does not make sense (unknown branch, a primary
    /// given as a feature branch, …). Reported as a usage error.
    #[error("{0}")]
    Usage(String),
    /// Another git-align operation holds the repository's operation lock.
    #[error(
        "another git-align operation is running in this repository{} (lock {}); wait for it to finish, then run the command again",
        holder.map(|pid| format!(" (process {pid})")).unwrap_or_default(),
        path.display()
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// The process id recorded by the holder, when readable.
        holder: Option<u32>,
    },
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Builds an [`Error::Io`] with a description of what was being attempted.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True for errors caused by what the user asked or configured (exit code 2), as
    /// opposed to failures while doing it (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::NotARepository { .. } | Error::Config { .. } | Error::Usage(_)
        )
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
