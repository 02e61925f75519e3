//! Renderers: layout over the report, no computation of their own.

pub mod advice;
pub mod audit;
mod fill;
mod fold;
mod gate;
pub mod github;
mod hostile;
pub mod hostile_words;
pub mod html;
pub mod human;
mod image;
pub mod markdown;
mod overview;
pub mod probe;
pub mod reasons;
mod size;
pub(crate) mod why;
pub mod words;

use std::io::Write;

use crate::report::Report;

/// The report as one JSON document (`schema_version` first), newline-terminated.
pub fn json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // Buffered: stdout is line-buffered, and `--symbols all` can be 100k rows.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)?;
    out.flush()
}

/// How the terminal report is laid out.
pub struct Style {
    pub color: bool,
    /// Show every section, closure entry and check.
    pub verbose: bool,
    /// List every crate (`--crates`).
    pub all_crates: bool,
}

#[cfg(test)]
impl Style {
    /// No colour, not verbose, the usual crates: how the unit tests render.
    pub(crate) fn plain() -> Self {
        Style {
            color: false,
            verbose: false,
            all_crates: false,
        }
    }
}
