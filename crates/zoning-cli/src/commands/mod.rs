//! One module per command.

pub mod area;
pub mod check;
pub mod input;
pub mod markers;
pub mod registry;
pub mod report;
pub mod user;

use anyhow::Context;

/// Reads a whole text file, naming it in the error.
pub fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (byte {}); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}
