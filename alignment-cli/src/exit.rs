//! Exit codes (SPEC §3): 0 ok, 1 error, 2 usage or config error, 3 stopped on conflicts,
//! 4 validation failed and the branch was restored.

use std::process::ExitCode;

/// How a command that did not fail outright ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything asked was done.
    Success,
    /// Stopped on conflicts; the user resolves them and runs `git-align continue`.
    Conflicts,
    /// A critical validator failed and the branch was restored from its backup.
    ValidationFailed,
}

impl Outcome {
    /// The process exit code for this outcome.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => 0,
            Outcome::Conflicts => 3,
            Outcome::ValidationFailed => 4,
        })
    }
}

/// The exit code for an error: 2 for usage and configuration errors, 1 otherwise.
pub fn error_exit_code(error: &anyhow::Error) -> ExitCode {
    let usage = error.chain().any(|cause| {
        cause
            .downcast_ref::<alignment_core::Error>()
            .is_some_and(alignment_core::Error::is_usage)
    });
    ExitCode::from(if usage { 2 } else { 1 })
}
