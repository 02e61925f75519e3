//! What counts for the verdict besides the checks, in tables above them: error findings of the
//! audit, crashes under `--hostile`, probed binaries with no run that got ready (the files not
//! inspected have their own list). Worded by `render::reasons`, as the terminal words them.

use std::fmt::Write as _;

use super::escape::{cell, code};
use super::{binary_label, escape, icon};
use crate::render::reasons::{Reason, finding_label, hostile_outcome, reasons};
use crate::report::{Artifact, HostileRun, Report};

pub fn render(s: &mut String, report: &Report) {
    let all = reasons(report);
    let mut findings = Vec::new();
    let mut hostile = Vec::new();
    let mut not_ready = Vec::new();
    let mut reproduce = Vec::new();
    for r in &all {
        let verdict = icon(r.verdict());
        match r {
            Reason::Finding { artifact, finding } => findings.push(format!(
                "| {} | {} | {} | {}: {} | {verdict} |",
                binary_label(artifact),
                cell(&finding.rule),
                cell(&finding.krate),
                escape(&finding.title),
                escape(&finding_label(finding)),
            )),
            Reason::Hostile { artifact, run, .. } => {
                hostile.push(format!(
                    "| {} | {}: {} | {} | {verdict} |",
                    binary_label(artifact),
                    cell(&run.condition),
                    escape(&run.description),
                    escape(&hostile_outcome(run)),
                ));
                reproduce.push((*artifact, *run));
            }
            Reason::NotReady { artifact, .. } => not_ready.push(format!(
                "| {} | {} | {verdict} |",
                binary_label(artifact),
                escape(&r.line()),
            )),
            Reason::NotInspected { .. } => {}
        }
    }
    table(
        s,
        "| Binary | Rule | Crate | Finding | Verdict |",
        &findings,
    );
    table(
        s,
        "| Binary | Under `--hostile` | Outcome | Verdict |",
        &hostile,
    );
    reproduce_commands(s, &reproduce);
    table(s, "| Binary | Startup probe | Verdict |", &not_ready);
}

/// Below the table of crashes: for each, the shell command that reproduces it, as the terminal,
/// JSON and HTML give it. In a fenced block, which shows it exactly as written (the commands hold
/// quotes, `$`, `&`, `<`): nothing to escape, only a fence longer than any run of backticks in
/// it. Folded: the commands are long (full paths, `sh -c '...'`).
fn reproduce_commands(s: &mut String, runs: &[(&Artifact, &HostileRun)]) {
    let with: Vec<(&Artifact, &HostileRun, &str)> = runs
        .iter()
        .filter_map(|(a, r)| r.reproduce.as_deref().map(|c| (*a, *r, c)))
        .collect();
    if with.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>Reproduce {} by hand</summary>\n",
        if with.len() == 1 {
            "this failure"
        } else {
            "these failures"
        }
    );
    for (a, r, command) in with {
        let _ = writeln!(
            s,
            "{} under {}:\n",
            super::label(a, code),
            code(&r.condition)
        );
        let longest = command.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let _ = writeln!(s, "{fence}sh\n{command}\n{fence}\n");
    }
    let _ = writeln!(s, "</details>\n");
}

/// `head`, its separator row, the rows; nothing without rows.
fn table(s: &mut String, head: &str, rows: &[String]) {
    if rows.is_empty() {
        return;
    }
    let columns = head.matches('|').count().saturating_sub(1);
    let _ = writeln!(s, "{head}\n|{}", "---|".repeat(columns));
    for r in rows {
        let _ = writeln!(s, "{r}");
    }
    s.push('\n');
}
