//! alignment-core: everything git-align knows about keeping feature branches aligned with
//! the primary branches they integrate into. No printing, no process exit: the
//! `git-align` binary is a thin layer over this crate.
#![warn(missing_docs)]

pub mod align;
pub mod backup;
pub mod complexity;
pub mod config;
pub mod error;
pub mod fsutil;
pub mod git;
pub mod glob;
pub mod oplock;
pub mod predict;
pub mod preflight;
pub mod recovery;
pub mod report;
pub mod state;
pub mod status;
pub mod target;
pub mod validate;

pub use config::Config;
pub use error::{Error, Result};
pub use git::Git;
