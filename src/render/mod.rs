//! Renderers: layout over the report, no computation of their own.

pub mod advice;
pub mod audit;
pub mod cells;
mod closure;
mod crate_words;
pub mod facts;
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

/// A reason the verdict is what it is besides the checks (see [`json`]).
#[derive(serde::Serialize)]
struct Reason {
    binary: String,
    what: String,
    verdict: crate::report::Verdict,
    reason: String,
}

/// The report with its `verdict_reasons` last: what the JSON output and the page's embedded
/// report serialise (QA di F2: the page's had none, and a script reading it got `fail` with
/// no reason).
#[derive(serde::Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verdict_reasons: Vec<Reason>,
}

fn document(report: &Report) -> Document<'_> {
    let verdict_reasons = reasons::reasons(report)
        .iter()
        .map(|r| Reason {
            binary: r.subject(),
            what: r.what(),
            verdict: r.verdict(),
            reason: r.line(),
        })
        .collect();
    Document {
        report,
        verdict_reasons,
    }
}

/// The report as one JSON document (`schema_version` first), newline-terminated, with what
/// counts for its verdict besides the checks last (QA co F2: a crash in probe runs failed the
/// run, and no field said why).
pub fn json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // Buffered: stdout is line-buffered, and `--symbols all` can be 100k rows.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, &document(report))?;
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
