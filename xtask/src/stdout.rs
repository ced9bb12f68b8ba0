//! Printing command output: a closed pipe (`cargo xtask version | head`) ends the output
//! quietly instead of panicking like `println!`.

use std::io::Write;

use anyhow::Result;

/// Writes `text` to stdout in one go; a broken pipe is not an error.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
