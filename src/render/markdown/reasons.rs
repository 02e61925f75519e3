//! What counts for the verdict besides the checks, in tables above them: error findings of the
//! audit, crashes under `--hostile`, probed binaries with no run that got ready (the files not
//! inspected have their own list). Worded by `render::reasons`, as the terminal words them.

use std::fmt::Write as _;

use super::escape::cell;
use super::{binary_label, escape, icon};
use crate::render::reasons::{Reason, finding_label, hostile_outcome, reasons};
use crate::report::Report;

pub fn render(s: &mut String, report: &Report) {
    let all = reasons(report);
    let mut findings = Vec::new();
    let mut hostile = Vec::new();
    let mut not_ready = Vec::new();
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
            Reason::Hostile { artifact, run, .. } => hostile.push(format!(
                "| {} | {}: {} | {} | {verdict} |",
                binary_label(artifact),
                cell(&run.condition),
                escape(&run.description),
                escape(&hostile_outcome(run)),
            )),
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
    table(s, "| Binary | Startup probe | Verdict |", &not_ready);
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
