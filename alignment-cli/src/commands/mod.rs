//! One module per git-align command: argument struct plus `run`.

pub mod abort;
pub mod backups;
pub mod config;
pub mod continue_op;
pub mod report;
pub mod restore;
pub mod run;
pub mod status;
pub mod undo;
