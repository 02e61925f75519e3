//! What counts for the verdict besides the checks, in tables above them: error findings of the
//! audit, crashes under `--hostile`, probed binaries with no run that got ready (the files not
//! inspected have their own list). Worded by `render::reasons`, as the terminal words them.

use std::fmt::Write as _;

use super::escape::{cell, code};
use super::{binary_label, escape, icon};
use crate::render::hostile_words::hostile_outcome;
use crate::render::reasons::{Reason, reasons};
use crate::render::words::stderr_head;
use crate::report::{Artifact, Finding, HostileRun, NOTHING_ON_STDERR, Report};

pub fn render(s: &mut String, report: &Report) {
    let all = reasons(report);
    let mut findings = Vec::new();
    let mut details: Vec<(&Artifact, &Finding)> = Vec::new();
    let mut hostile = Vec::new();
    let mut not_ready = Vec::new();
    let mut reproduce = Vec::new();
    for r in &all {
        let verdict = if r.not_counted() {
            "➖ not counted"
        } else {
            icon(r.verdict())
        };
        match r {
            Reason::Finding { artifact, finding } => {
                findings.push(format!(
                    "| {} | {} | {} | {} | {verdict} |",
                    binary_label(artifact),
                    cell(&finding.rule),
                    cell(&finding.krate),
                    finding_cell(finding),
                ));
                details.push((*artifact, *finding));
            }
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
            Reason::NotJudged { artifact, why } => hostile.push(format!(
                "| {} | {} | {} | {verdict} |",
                binary_label(artifact),
                escape(&crate::format::count(
                    artifact.hostile.len(),
                    "condition",
                    "conditions"
                )),
                escape(&format!("none judged: {why}")),
            )),
            Reason::NotReady { artifact, .. } | Reason::Crashed { artifact, .. } => {
                not_ready.push(format!(
                    "| {} | {} | {verdict} |",
                    binary_label(artifact),
                    escape(&r.line()),
                ))
            }
            Reason::NotInspected { .. } => {}
        }
    }
    table(
        s,
        "| Binary | Rule | Crate | Finding | Verdict |",
        &findings,
    );
    finding_details(s, &details);
    new_findings(s, report, &details);
    allowed_findings(s, report);
    table(
        s,
        "| Binary | Under `--hostile` | Outcome | Verdict |",
        &hostile,
    );
    reproduce_commands(s, &reproduce);
    table(s, "| Binary | Startup probe | Verdict |", &not_ready);
}

/// A finding's cell: the rule's title and what else counts (its feature, a crash that
/// `--hostile` reproduced). The crate and the verdict have columns of their own, and AOT011's
/// title says already that the start inside its image reproduced it (QA g: "does not start in
/// its image: error: app v0.1.0, reproduced by its start inside its own image").
/// Written as Markdown: the title escaped, the feature a code span (QA p: escaped, its
/// backquotes showed).
fn finding_cell(f: &Finding) -> String {
    let mut s = escape(&f.title);
    if let Some(feat) = &f.feature {
        s.push_str(&format!(" (feature {})", cell(feat)));
    }
    if f.reproduced_by() == Some("--hostile") {
        s.push_str(f.reproduced_words());
    }
    if f.new_since_baseline {
        s.push_str(", new since the baseline");
    }
    s
}

/// The findings new since the baseline that do not fail the run (warnings, allowed errors),
/// one line each: they count for no verdict, but a reviewer must see what the change brought
/// (QA bq F4: moving from rustls to the system's OpenSSL, AOT005, was in the JSON alone).
/// Without a baseline, every such finding not allowed (QA cm F6: bat's AOT006 warning, the
/// system's zlib linked statically, was not in the comment).
fn new_findings(s: &mut String, report: &Report, counted: &[(&Artifact, &Finding)]) {
    let first = report.baseline.is_none();
    let lines: Vec<String> = report
        .artifacts
        .iter()
        .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
        .filter(|(_, f)| f.new_since_baseline || first && !f.allowed)
        .filter(|(a, f)| {
            !counted
                .iter()
                .any(|(x, g)| std::ptr::eq(*x, *a) && std::ptr::eq(*g, *f))
        })
        .map(|(a, f)| {
            format!(
                "- {}: {} {} {} ({}{})",
                binary_label(a),
                cell(&f.rule),
                cell(&f.krate),
                escape(&f.title),
                f.severity.as_str(),
                if f.allowed { ", allowed" } else { "" }
            )
        })
        .collect();
    let heading = match first {
        true => "Findings that do not fail the run:",
        false => "New since the baseline, not failing the run:",
    };
    listed(s, heading, lines);
}

/// `lines` under `heading`, a blank line after; nothing for none.
fn listed(s: &mut String, heading: &str, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(s, "{heading}\n");
    for l in lines {
        let _ = writeln!(s, "{l}");
    }
    s.push('\n');
}

/// The findings an `allow` waives (those new since the baseline are listed above), one line
/// each with its reason: they count for no verdict, and a pull-request comment that left them
/// out hid a waived crash hazard (QA ci F7: tealdeer's two AOT004 errors, "findings 2
/// allowed" in the terminal, were nowhere in the Markdown).
fn allowed_findings(s: &mut String, report: &Report) {
    let lines: Vec<String> = report
        .artifacts
        .iter()
        .flat_map(|a| a.findings.iter().map(move |f| (a, f)))
        .filter(|(_, f)| f.allowed && !f.new_since_baseline)
        .map(|(a, f)| {
            format!(
                "- {}: {} {} {} ({}{}): {}",
                binary_label(a),
                cell(&f.rule),
                cell(&f.krate),
                escape(&f.title),
                f.severity.as_str(),
                if f.reproduced {
                    ", a crash reproduced"
                } else {
                    ""
                },
                f.reason
                    .as_deref()
                    .map_or_else(|| "no reason given".to_string(), escape)
            )
        })
        .collect();
    listed(
        s,
        "Allowed by the configuration, not failing the run:",
        lines,
    );
}

/// Below the table of crashes: for each, the shell command that reproduces it, as the terminal,
/// JSON and HTML give it, and the first lines of its stderr (the terminal and the page show
/// them too). In fenced blocks, which show text exactly as written (the commands hold quotes,
/// `$`, `&`, `<`; stderr may hold backticks, `<`, `|`): nothing to escape, only a fence longer
/// than any run of backticks in it. Folded: the commands are long (full paths, `sh -c '...'`).
fn reproduce_commands(s: &mut String, runs: &[(&Artifact, &HostileRun)]) {
    let with: Vec<(&Artifact, &HostileRun)> = runs
        .iter()
        .filter(|(_, r)| r.reproduce.is_some() || r.detail.is_some())
        .copied()
        .collect();
    if with.is_empty() {
        return;
    }
    let (what, it) = if with.len() == 1 {
        ("this failure", "it")
    } else {
        ("these failures", "they")
    };
    let printed = if with.iter().any(|(_, r)| r.detail.is_some()) {
        format!(", and what {it} printed")
    } else {
        String::new()
    };
    let _ = writeln!(
        s,
        "<details><summary>Reproduce {what} by hand{printed}</summary>\n"
    );
    for (a, r) in with {
        let _ = writeln!(
            s,
            "{} under {}:\n",
            super::label(a, code),
            code(&r.condition)
        );
        if let Some(command) = &r.reproduce {
            fenced(s, "sh", command);
        }
        if let Some(site) = crate::render::hostile_words::crash_site(r) {
            let _ = writeln!(s, "Crashed in (innermost first): {}\n", code(&site));
        }
        if let Some(ended) = r
            .detail
            .as_deref()
            .and_then(|d| d.strip_prefix(NOTHING_ON_STDERR))
        {
            // The tool's words, not the program's (QA u, F2).
            let _ = writeln!(s, "It wrote nothing to stderr. How the run ended:\n");
            fenced(s, "text", ended);
        } else if let Some(detail) = &r.detail {
            let (lines, more) = stderr_head(detail);
            let _ = writeln!(
                s,
                "Its stderr{}:\n",
                if more > 0 {
                    format!(
                        ", the first {} lines ({more} more in the JSON report)",
                        lines.len()
                    )
                } else {
                    String::new()
                }
            );
            fenced(s, "text", &lines.join("\n"));
        }
    }
    let _ = writeln!(s, "</details>\n");
}

/// `text` in a fenced block of `info`, the fence longer than any run of backticks in it.
fn fenced(s: &mut String, info: &str, text: &str) {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(s, "{fence}{info}\n{text}\n{fence}\n");
}

/// Findings whose evidence, chain and advice are given below the table, at most.
const DETAILED: usize = 10;
/// Evidence lines given per finding, at most.
const EVIDENCE_LINES: usize = 8;

/// Below the findings' table, folded: what each finding rests on, as the terminal gives it
/// (its evidence, with the chain from a root, and its advice), for a reviewer to see which change
/// pulled the lookup in (QA ax F6: the comment named std's new AOT004 finding with no
/// `lsd::main → lookup_host → getaddrinfo`). Bounded: a comment has a size limit.
fn finding_details(s: &mut String, findings: &[(&Artifact, &Finding)]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>What the findings rest on: evidence, chain and advice</summary>\n"
    );
    for (a, f) in findings.iter().take(DETAILED) {
        let _ = writeln!(
            s,
            "{} on {} ({}):\n",
            code(&f.rule),
            code(&f.krate),
            super::label(a, code)
        );
        for e in f.evidence.iter().take(EVIDENCE_LINES) {
            let line = chain_line(e).unwrap_or_else(|| super::escape::spans(e, false));
            let _ = writeln!(s, "- {line}");
        }
        if f.evidence.len() > EVIDENCE_LINES {
            let _ = writeln!(
                s,
                "- … and {} more (the terminal and JSON give them all)",
                f.evidence.len() - EVIDENCE_LINES
            );
        }
        // The chain is among the evidence ("`getaddrinfo` is reachable: _start → ...").
        let _ = writeln!(s, "\n{}\n", super::escape::spans(&f.advice, false));
    }
    if findings.len() > DETAILED {
        let _ = writeln!(
            s,
            "… and {} more findings (the terminal and JSON give them).\n",
            findings.len() - DETAILED
        );
    }
    s.push_str("</details>\n\n");
}

/// An evidence line that ends with a chain (`` `getaddrinfo` is reachable: _start → main →
/// … ``), its steps as code spans: as text, escaping put an invisible word joiner after the
/// `:` of `std::sys::` (GitHub's emoji) and the `#` of `{closure#0}`, so a name copied from
/// the comment matched nothing (QA ba F5). A crash stack (`` the crash stack runs …: a ← b ``)
/// likewise (QA co F3). `None` for a line without a chain.
fn chain_line(e: &str) -> Option<String> {
    let sep = [" → ", " ← "].into_iter().find(|s| e.contains(s))?;
    let arrow = e.find(sep)?;
    // A stack in parentheses after prose, `... may crash there ([libnss_systemd.so.2] x ← ...)`,
    // starts after its parenthesis and ends at its close (QA cs F5: the prose was code).
    let colon = e[..arrow].rfind(": ").map(|i| i + 2);
    let paren = e[..arrow].rfind(" (").map(|i| i + 2);
    let (start, in_paren) = match (colon, paren) {
        (Some(c), Some(p)) if p > c => (p, true),
        (Some(c), _) => (c, false),
        (None, p) => (p?, true),
    };
    // The hint after the chain, `` (`--why '^dlopen$'` shows it whole)``, is no step (QA bg
    // F6: it was inside the last step's code span, its backticks shown), nor a note on a
    // step, `` ; `call_once` is reached through the address ...`` (QA cm F5).
    let rest = &e[start..];
    let end = [" (`--why ", "; `"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    // The parenthesis that closes the one opened before the chain, not the line's last (QA
    // di F1: `` (procs → dockworker → hyper): `call` (... the task may be hyper's)`` ran the
    // last step to the line's end).
    let end = match in_paren {
        true => closing(&rest[..end]).unwrap_or(end),
        false => end,
    };
    let (chain, hint) = rest.split_at(end);
    let steps: Vec<String> = chain.split(sep).map(code).collect();
    Some(format!(
        "{}{}{}",
        super::escape::spans(&e[..start], false),
        steps.join(sep),
        super::escape::spans(hint, false)
    ))
}

/// Where the parenthesis opened just before `text` closes: its byte offset in `text`.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
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

#[cfg(test)]
#[path = "reasons_tests.rs"]
mod tests;
