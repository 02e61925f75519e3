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
use crate::report::{Check, CheckId, Report, Verdict};

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

/// The annotations of one kind GitHub shows for a step; it drops the rest unsaid.
const SHOWN: usize = 10;

/// The checks of `report` with a verdict other than pass and not inconclusive, as (verdict,
/// title, message): folded as the terminal folds them (QA cd F3: eleven `::warning`s, the
/// eleventh dropped by GitHub), the whole binary's first, then crates, then sections.
fn alerts(report: &Report) -> Vec<(Verdict, String, String)> {
    let mut v = Vec::new();
    for a in &report.artifacts {
        let label = artifact_label(a);
        let own: Vec<&Check> = a
            .checks
            .iter()
            .filter(|c| !matches!(c.verdict, Verdict::Pass | Verdict::Inconclusive))
            .collect();
        let (mut kept, folds) = super::fold::fold(&own);
        let rank = |c: &Check| match c.id {
            CheckId::BaselineCrate(_) => 1,
            CheckId::BaselineSection(_) => 2,
            _ => 0,
        };
        kept.sort_by_key(|c| rank(c));
        v.extend(
            kept.into_iter()
                .map(|c| (c.verdict, format!("{label}: {}", c.id), c.message.clone())),
        );
        v.extend(
            folds
                .iter()
                .map(|f| (f.verdict, format!("{label}: {}", f.label()), f.message())),
        );
    }
    v
}

/// An annotation's title after the subject: what the reason is about, and for a finding the
/// crate it is on (`AOT004 on std`: QA di F6, three findings' annotations read alike).
fn title(r: &super::reasons::Reason) -> String {
    match r {
        super::reasons::Reason::Finding { finding, .. } => {
            format!("{} on {}", finding.rule, finding.krate)
        }
        _ => r.what(),
    }
}

/// One `::error`/`::warning` line per failed or warned check, and per error finding, crash
/// under `--hostile`, probed binary with no run that got ready and file not inspected (the
/// last two stop the run with exit code 2: errors too).
pub fn annotations(report: &Report) -> String {
    // Of each kind, the verdict's reasons (findings, crashes) first, then the checks.
    let mut all: Vec<(Verdict, String, String)> = reasons(report)
        .iter()
        .map(|r| {
            (
                r.verdict(),
                format!("{}: {}", r.subject(), title(r)),
                r.line(),
            )
        })
        .collect();
    all.extend(alerts(report));
    let mut s = String::new();
    for (kind, of) in [
        ("error", &[Verdict::Fail, Verdict::Inconclusive][..]),
        ("warning", &[Verdict::Warn]),
    ] {
        let lines: Vec<&(Verdict, String, String)> =
            all.iter().filter(|(v, _, _)| of.contains(v)).collect();
        let shown = match lines.len() > SHOWN {
            true => SHOWN - 1,
            false => lines.len(),
        };
        for (_, title, message) in &lines[..shown] {
            let title = property(&format!("cargo-aotcheck: {title}"));
            let _ = writeln!(s, "::{kind} title={title}::{}", data(message));
        }
        if lines.len() > shown {
            let title = property(&format!("cargo-aotcheck: {} more", lines.len() - shown));
            let _ = writeln!(
                s,
                "::{kind} title={title}::{}",
                data(&format!(
                    "GitHub shows {SHOWN} annotations of a kind; the job summary and the report \
                     list each of the {} more",
                    lines.len() - shown
                ))
            );
        }
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

    /// QA cd F3: eleven warnings, and GitHub shows ten of a kind per step, dropping the rest
    /// unsaid: the tenth says how many more; the whole binary's checks come before crates and
    /// sections; errors are counted apart.
    #[test]
    fn no_more_annotations_of_a_kind_than_github_shows() {
        let mut a = crate::report::test_artifact(1000);
        for i in 0..11 {
            a.checks.push(Check::worded(
                CheckId::BaselineSection(format!(".s{i:02}")),
                Verdict::Warn,
                format!("section .s{i:02} grew"),
            ));
        }
        a.checks.push(Check::worded(
            CheckId::BaselineFileSize,
            Verdict::Warn,
            "file size grew".into(),
        ));
        a.checks.push(Check::worded(
            CheckId::BaselineStrippedSize,
            Verdict::Fail,
            "stripped size grew".into(),
        ));
        let mut report = Report::new(None);
        report.artifacts = vec![a];
        let out = annotations(&report);
        let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("::warning")).collect();
        assert_eq!(warnings.len(), SHOWN, "{out}");
        assert!(warnings[0].contains("baseline.file_size"), "{out}");
        assert!(
            warnings[SHOWN - 1].contains("title=cargo-aotcheck%3A 3 more::GitHub shows 10"),
            "{out}"
        );
        assert_eq!(out.lines().filter(|l| l.starts_with("::error")).count(), 1);
    }
}
