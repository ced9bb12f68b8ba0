//! alignment-core: everything git-align knows about keeping feature branches aligned with
//! the primary branches they integrate into. No printing, no process exit: the
//! `git-align` binary is a thin layer over this crate.
#![warn(missing_docs)]

pub mod complexity;
pub mod config;
pub mod error;
pub mod fsutil;
pub mod git;
pub mod glob;
pub mod predict;
pub mod status;
pub mod target;

pub use config::Config;
pub use error::{Error, Result};
pub use git::Git;
