//! `--format markdown`: a compact report for a pull-request comment or a job summary. One table
//! of verdicts, the biggest changes, the rest folded in `<details>`. The hidden marker lets a
//! bot find and update its own comment.
//!
//! It is read raw too (an e-mail notification, a terminal), so it escapes only what Markdown,
//! GitHub or HTML would interpret. Identifiers (check ids, crates, sections, paths) go in code
//! spans through [`code`]; other text from crates, paths, programs or files goes through
//! [`escape()`]. Neither can open a tag, a link, a code span or a table cell, nor break a line.

use std::fmt::Write as _;

mod advice;
mod biggest;
mod binaries;
mod bytes;
mod entries;
mod escape;
mod image_notes;
mod reasons;

use super::fold::{self, Folded};
use escape::{cell, message, message_with, spans};
pub use escape::{code, escape};

use crate::format::{percent, size, size_change};
use crate::render::cells::value;
use crate::render::words;
use crate::report::{Artifact, Check, Report, Unit, Verdict};

/// Lets a bot find the comment it wrote before and update it in place.
pub const MARKER: &str = "<!-- cargo-aotcheck -->";

/// `` `app` (package `x`, static) ``: the binary's name and package as identifiers, in a
/// table cell.
pub(crate) fn binary_label(a: &Artifact) -> String {
    label(a, cell)
}

/// A finding gone since the baseline, `LABEL: RULE on CRATE (SEVERITY)`, its rule and crate
/// as code spans, as elsewhere in the comment (QA di F6); as text if a report read had other
/// words.
fn gone_finding(g: &crate::report::GoneFinding) -> String {
    if g.rule.is_empty() {
        return escape(&g.to_string());
    }
    format!(
        "{}: {} on {} ({})",
        escape(&g.binary),
        code(&g.rule),
        code(&g.krate),
        escape(&g.severity)
    )
}

/// As [`binary_label`], the names quoted by `quote` ([`cell`] in a table, [`code`] outside).
/// A file `inspect` read (no package, no build) is its path as given: two `lsd` in a folder's
/// `a/` and `b/` read alike by name (QA dj F5).
fn label(a: &Artifact, quote: fn(&str) -> String) -> String {
    if a.package.is_none() && a.link_mode.is_none() && !a.path.is_empty() {
        return quote(&a.path);
    }
    let mut parts = Vec::new();
    if let Some(p) = a.package.as_ref().filter(|p| **p != a.name) {
        parts.push(format!("package {}", quote(p)));
    }
    if let Some(m) = a.link_mode {
        parts.push(m.as_str().to_string());
    }
    if parts.is_empty() {
        quote(&a.name)
    } else {
        format!("{} ({})", quote(&a.name), parts.join(", "))
    }
}

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅ pass",
        Verdict::Inconclusive => "❔ inconclusive",
        Verdict::Warn => "⚠️ warn",
        Verdict::Fail => "❌ fail",
    }
}

fn signed(v: Option<f64>, unit: Unit) -> String {
    match v {
        Some(x) if x > 0.0 => format!("+{}", value(Some(x), unit)),
        Some(0.0) => "0".into(),
        other => value(other, unit),
    }
}

fn change(c: &Check) -> String {
    if let Some(none) = words::no_ratio(c) {
        return none;
    }
    if c.gone {
        return "gone".into();
    }
    match (c.unit, c.baseline, c.value, c.change, c.delta) {
        // Sizes are whole bytes; a growth from little reads as the two sizes.
        (Unit::Bytes, Some(b), Some(v), _, _) if b >= 0.0 && v >= 0.0 => {
            size_change(b as u64, v as u64, c.fail_min.map_or(0, |m| m as u64))
        }
        (_, _, _, Some(x), _) => percent(x),
        (_, _, _, None, Some(_)) => signed(c.delta, c.unit),
        _ => "–".into(),
    }
}

/// Checks that belong in the verdict table: every alert, every budget, the whole-binary figures.
fn headline(c: &Check) -> bool {
    c.verdict != Verdict::Pass || c.id.is_budget() || c.id.is_whole_size()
}

/// The report with the terminal's default lists: the 10 largest crates of each binary.
pub fn render(report: &Report) -> String {
    render_with(report, false)
}

/// The report; `all_crates` (`--crates`): every crate of each binary, as the terminal lists
/// them.
pub fn render_with(report: &Report, all_crates: bool) -> String {
    let mut s = String::new();
    if let Some(a) = &report.advice {
        // Its own marker: advice must not replace the check's comment.
        let _ = writeln!(s, "<!-- cargo-aotcheck advise -->");
        s.push_str(&advice::render(a, &report.warnings));
        return s;
    }
    let _ = writeln!(s, "{MARKER}");
    // Not a clean audit: none ran (QA bf F3).
    let unaudited = match super::words::none_audited(report) {
        true => " · not audited",
        false => "",
    };
    let _ = writeln!(
        s,
        "## cargo-aotcheck: {}{}{unaudited}\n",
        icon(report.verdict),
        super::reasons::waived(report)
    );
    not_inspected(&mut s, report);
    if super::words::none_audited(report) {
        let _ = writeln!(
            s,
            "{}\n",
            crate::format::capitalised(super::words::NOT_AUDITED)
        );
    }
    comparison(&mut s, report);
    busy(&mut s, report);
    reasons::render(&mut s, report);
    let all: Vec<Row> = report
        .artifacts
        .iter()
        .flat_map(|a| {
            let label = binary_label(a);
            a.checks.iter().map(move |c| (label.clone(), a, c))
        })
        .collect();
    if all.iter().any(|(_, _, c)| headline(c)) {
        verdicts(&mut s, &all);
        binaries::probed(&mut s, report);
    } else {
        binaries::render(&mut s, report);
    }
    binaries::comparisons(&mut s, report);
    super::image::markdown(&mut s, report, escape, binary_label);
    image_notes::render(&mut s, report);
    biggest::biggest_changes(&mut s, &all);
    bytes::render(&mut s, &report.artifacts, all_crates);
    every_check(&mut s, &all);
    if let Some(c) = report
        .baseline
        .as_ref()
        .filter(|c| !c.gone_findings.is_empty())
    {
        let _ = writeln!(s, "Findings gone since the baseline:\n");
        for what in &c.gone_findings {
            let _ = writeln!(s, "- {}", gone_finding(what));
        }
        s.push('\n');
    }
    if let Some(c) = report.baseline.as_ref().filter(|c| c.improved) {
        let _ = writeln!(s, "{}:\n", super::words::shrank_hint(c));
        for what in &c.shrank {
            let _ = writeln!(s, "- {}", escape(what));
        }
        s.push('\n');
    }
    // A busy machine is said near the top, by the verdict and the startup figures.
    for w in report
        .warnings
        .iter()
        .filter(|w| !crate::probe::busy(w, false))
    {
        let _ = writeln!(s, "- ⚠️ {}", spans(w, false));
    }
    fit(s, COMMENT_MAX)
}

/// Files of `inspect` that could not be inspected, under the verdict that they make
/// inconclusive (QA ah, F6: the reason came last, after every binary's tables, and a cut
/// report lost it); more than [`FAILED_SHOWN`] are folded.
fn not_inspected(s: &mut String, report: &Report) {
    let n = report.failed.len();
    if n == 0 {
        return;
    }
    let so = match report.verdict {
        Verdict::Inconclusive => ", so the report is inconclusive",
        _ => "",
    };
    let head = format!(
        "{} not inspected{so}",
        crate::format::count(n, "file", "files")
    );
    if n > FAILED_SHOWN {
        let _ = writeln!(s, "<details><summary>{head}</summary>\n");
    } else {
        let _ = writeln!(s, "**{head}:**\n");
    }
    for f in &report.failed {
        let _ = writeln!(s, "- ❌ {}: {}", code(&f.path), escape(&f.error));
    }
    if n > FAILED_SHOWN {
        s.push_str("\n</details>\n");
    }
    s.push('\n');
}

/// Files not inspected listed open; more are folded.
const FAILED_SHOWN: usize = 5;

/// GitHub refuses a comment or a job summary over 65,536 characters; this leaves room for a
/// bot's own lines. Counted in bytes, which are never fewer than characters.
const COMMENT_MAX: usize = 60_000;

/// `s` cut at a line boundary to at most `max` bytes, with a last line that says where the
/// rest is; a `<details>` left open by the cut is closed. Unchanged when it fits.
fn fit(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let note = format!(
        "\n**The report is cut here:** it is {} bytes long, over the {} a pull-request comment \
         takes. `--format json` or `--format html` gives all of it.\n",
        crate::format::thousands(s.len() as u64),
        crate::format::thousands(max as u64)
    );
    // Room for the note and a closing tag.
    let room = max.saturating_sub(note.len() + 16);
    let end = s[..s.floor_char_boundary(room)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut out = s[..end].to_string();
    if out.matches("<details>").count() > out.matches("</details>").count() {
        out.push_str("\n</details>\n");
    }
    out.push_str(&note);
    out
}

/// The warning that the machine was busy while the probe ran, above the verdicts: a startup
/// figure or regression in a pull-request comment comes with its caveat (the terminal says it
/// too).
fn busy(s: &mut String, report: &Report) {
    let busy = words::busy(report);
    if busy.is_empty() {
        return;
    }
    let _ = writeln!(s, "> ⚠️ **The startup figures may not hold:**");
    for w in busy {
        let _ = writeln!(s, "> - {}", spans(w, false));
    }
    s.push('\n');
}

/// What the run was compared with, and how the baseline was made differently.
fn comparison(s: &mut String, report: &Report) {
    let Some(c) = &report.baseline else {
        return;
    };
    let mut line = format!("Compared with {}", code(&c.source));
    let mut notes = Vec::new();
    if let Some(commit) = words::baseline_commit(c) {
        let dirty = words::baseline_dirty(c);
        let short = commit.get(..12).unwrap_or(commit);
        notes.push(format!("commit {}{dirty}", escape(short)));
    }
    if c.reprobed {
        notes.push(crate::report::BaselineSummary::REPROBED.to_string());
    }
    if !notes.is_empty() {
        let _ = write!(line, " ({})", notes.join("; "));
    }
    let _ = writeln!(s, "{line}.\n");
    if !c.mismatches.is_empty() {
        let _ = writeln!(
            s,
            "> **Note:** the baseline was built or probed differently, so part of the difference is \
             not the code's:"
        );
        for m in &c.mismatches {
            let _ = writeln!(s, "> - {}", escape(m));
        }
        s.push('\n');
    }
    if c.dependencies_changed {
        let _ = writeln!(
            s,
            "> **Note:** {}.\n",
            escape(crate::report::BaselineSummary::DEPENDENCIES_CHANGED)
        );
    }
    if let Some(line) = words::dependency_line(c) {
        let _ = writeln!(s, "> **Note:** {}.\n", spans(&line, false));
    }
    for u in &c.unmatched {
        let _ = writeln!(s, "- {}", escape(u));
    }
    if !c.unmatched.is_empty() {
        s.push('\n');
    }
}

/// A check, with its binary's label and the binary.
type Row<'a> = (String, &'a Artifact, &'a Check);

/// A row of the table of verdicts: a check, or a binary's new crates folded (its label and them).
type VerdictRow<'a> = Result<&'a Row<'a>, (&'a str, Folded<'a>)>;

/// The table of verdicts: every alert, every budget, the whole-binary figures; worst first.
fn verdicts(s: &mut String, all: &[Row]) {
    let head: Vec<&Row> = all.iter().filter(|(_, _, c)| headline(c)).collect();
    // Per binary, a dozen new crates are one row, as in the terminal (QA bh F9: a comment
    // of 30 failing crate rows).
    // `all` holds each binary's checks together, in report order.
    let mut lines: Vec<(Verdict, VerdictRow)> = Vec::new();
    for own in head.chunk_by(|x, y| std::ptr::eq(x.1, y.1)) {
        let checks: Vec<&Check> = own.iter().map(|r| r.2).collect();
        let (kept, folded) = fold::fold(&checks);
        lines.extend(
            own.iter()
                .filter(|r| kept.iter().any(|k| std::ptr::eq(*k, r.2)))
                .map(|r| (r.2.verdict, Ok(*r))),
        );
        for f in folded {
            lines.push((f.verdict, Err((own[0].0.as_str(), f))));
        }
    }
    // Stable: a folded row after the listed checks of its verdict.
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    let _ = writeln!(
        s,
        "| Binary | Check | Verdict | Now | Limit / baseline | Change | Why |"
    );
    let _ = writeln!(s, "|---|---|---|--:|--:|--:|---|");
    for (_, line) in &lines {
        let (label, a, c) = match line {
            Ok(row) => row,
            Err((label, f)) if f.kind == fold::Kind::BuiltOtherwise => {
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} | – | – | – | {} (the JSON report lists each) |",
                    f.label(),
                    icon(f.verdict),
                    spans(&f.message(), true)
                );
                continue;
            }
            Err((label, f)) => {
                let names: Vec<String> = f.names().iter().map(|n| cell(n)).collect();
                let _ = writeln!(
                    s,
                    "| {label} | {} | {} | {} | new | new | {} in all, {}; largest first: {} \
                     (the JSON report lists each) |",
                    f.label(),
                    icon(f.verdict),
                    size(f.bytes()),
                    size(f.bytes()),
                    f.each(),
                    names.join(", ")
                );
                continue;
            }
        };
        let (now, limit) = crate::render::cells::now_and_reference(c, a);
        let (now, limit) = (escape(&now), escape(&limit));
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} | {} | {} |",
            cell(&c.id.to_string()),
            icon(c.verdict),
            now,
            limit,
            change(c),
            message_with(c, entries::IN_CELL)
        );
    }
    s.push('\n');
    let listed: Vec<(&str, &Check)> = lines
        .iter()
        .filter_map(|(_, l)| l.as_ref().ok())
        .map(|(label, _, c)| (label.as_str(), *c))
        .collect();
    entries::listed(s, &listed);
}

/// Every check, folded away; those that passed unchanged only counted (QA w: 25 KB of a
/// 47 KB comment were such rows, and GitHub refuses a comment over 65,536 characters), and
/// those of the table of verdicts above only counted too (QA bh F9: a comment of 71 KB, cut,
/// repeated its 30 failing crate rows with their entry points here).
fn every_check(s: &mut String, all: &[Row]) {
    if all.is_empty() {
        return;
    }
    let same = all.iter().filter(|(_, _, c)| c.passed_unchanged()).count();
    let above = all
        .iter()
        .filter(|(_, _, c)| !c.passed_unchanged() && headline(c))
        .count();
    let _ = writeln!(s, "<details><summary>All {} checks</summary>\n", all.len());
    let mut told = Vec::new();
    if same > 0 {
        told.push(format!(
            "{} passed unchanged from the baseline",
            crate::format::count(same, "check", "checks")
        ));
    }
    if above > 0 {
        told.push(format!(
            "{} in the table of verdicts above",
            crate::format::count(above, "check is", "checks are")
        ));
    }
    if !told.is_empty() {
        let _ = writeln!(
            s,
            "{}: not listed again here (the JSON report has every check).\n",
            crate::format::capitalised(&told.join("; "))
        );
    }
    let rest: Vec<&Row> = all
        .iter()
        .filter(|(_, _, c)| !c.passed_unchanged() && !headline(c))
        .collect();
    if rest.is_empty() {
        let _ = writeln!(s, "</details>\n");
        return;
    }
    let _ = writeln!(s, "| Binary | Check | Verdict | Message |");
    let _ = writeln!(s, "|---|---|---|---|");
    for (label, _, c) in rest {
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} |",
            cell(&c.id.to_string()),
            icon(c.verdict),
            message(c)
        );
    }
    let _ = writeln!(s, "\n</details>\n");
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod limits_tests;
#[cfg(test)]
mod tests;
