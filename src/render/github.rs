//! GitHub Actions: annotations for failed and warned checks and for the verdict's other reasons
//! (`super::reasons`), and the Markdown report appended to the job summary. Used only when
//! `GITHUB_ACTIONS=true`.
//!
//! The annotations go to stderr. GitHub documents workflow commands as lines written to stdout,
//! but the runner reads them from both streams of a `run` step, and stdout carries the report
//! (often JSON for another program): a `::error` line there would corrupt it.

use std::fmt::Write as _;
use std::io::Write as _;

use super::reasons::reasons;
use crate::format::artifact_label;
use crate::output::Output;
use crate::report::{Check, Report, Verdict};

/// Escape the message part of a workflow command (as `@actions/core` does).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (`title=...`): also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Checks of `report` with a verdict other than pass, with the artifact they belong to.
fn alerts(report: &Report) -> Vec<(String, &Check)> {
    let mut v = Vec::new();
    for a in &report.artifacts {
        let label = artifact_label(a);
        for c in a.checks.iter().filter(|c| c.verdict != Verdict::Pass) {
            v.push((label.clone(), c));
        }
    }
    v
}

/// One `::error`/`::warning` line per failed or warned check, and per error finding, crash
/// under `--hostile`, probed binary with no run that got ready and file not inspected (the
/// last two stop the run with exit code 2: errors too).
pub fn annotations(report: &Report) -> String {
    let mut s = String::new();
    let mut line = |verdict: Verdict, title: String, message: &str| {
        let kind = match verdict {
            Verdict::Fail | Verdict::Inconclusive => "error",
            Verdict::Warn => "warning",
            Verdict::Pass => return,
        };
        let title = property(&format!("cargo-aotcheck: {title}"));
        let _ = writeln!(s, "::{kind} title={title}::{}", data(message));
    };
    for (label, c) in alerts(report) {
        if c.verdict != Verdict::Inconclusive {
            line(c.verdict, format!("{label}: {}", c.id), &c.message);
        }
    }
    for r in reasons(report) {
        line(
            r.verdict(),
            format!("{}: {}", r.subject(), r.what()),
            &r.line(),
        );
    }
    s
}

/// In GitHub Actions: annotations on stderr, and the Markdown report appended to
/// `$GITHUB_STEP_SUMMARY` when it is set. Failing to write the summary is a warning, not a
/// failure of the run.
pub fn announce(report: &Report, out: &mut Output) {
    announce_with(report, out, &|k| std::env::var(k).ok());
}

pub fn announce_with(report: &Report, out: &mut Output, env: &dyn Fn(&str) -> Option<String>) {
    if env("GITHUB_ACTIONS").as_deref() != Some("true") {
        return;
    }
    let _ = out.err.write_all(annotations(report).as_bytes());
    let Some(path) = env("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(super::markdown::render(report).as_bytes()));
    if let Err(e) = written {
        out.warn(&format!(
            "cannot append to $GITHUB_STEP_SUMMARY `{path}`: {e}"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a: b, c"), "a%3A b%2C c");
    }
}
