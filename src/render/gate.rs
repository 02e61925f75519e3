//! The gate's part of the terminal report: the comparison's header above the binaries, each
//! binary's checks, and the run's verdict at the end.

use std::fmt::Write as _;

use super::Style;
use super::fill::{fill, fill_painted};
use super::reasons::{Reason, reasons};
use crate::output::{BAD, DIM, GOOD, HEADER, WARN, paint};
use crate::report::{Artifact, Check, Report, Verdict};

fn verdict_style(v: Verdict) -> anstyle::Style {
    match v {
        Verdict::Pass => GOOD,
        Verdict::Inconclusive => DIM,
        Verdict::Warn => WARN,
        Verdict::Fail => BAD,
    }
}

/// What the run was compared with, and how the baseline was made differently: above the deltas.
pub fn header(s: &mut String, report: &Report, st: &Style) {
    let Some(c) = &report.baseline else {
        return;
    };
    let mut line = format!("compared with {}", c.source);
    // One parenthesis (QA al F6: two in a row).
    let mut notes = Vec::new();
    if let Some(commit) = super::words::baseline_commit(c) {
        let dirty = super::words::baseline_dirty(c);
        let short = commit.get(..12).unwrap_or(commit);
        notes.push(format!("commit {short}{dirty}"));
    }
    if c.reprobed {
        notes.push(crate::report::BaselineSummary::REPROBED.to_string());
    }
    if !notes.is_empty() {
        let _ = write!(line, " ({})", notes.join("; "));
    }
    // Filled to 100 columns (QA ak, F2: 113 and 166).
    fill_painted(s, "", &line, st.color, HEADER);
    let note = format!("{}: ", paint(st.color, WARN, "note"));
    if !c.mismatches.is_empty() {
        let why = "the baseline was built or probed differently, so part of the difference is not the \
             code's:";
        fill(s, &note, why);
        for m in &c.mismatches {
            fill(s, "  - ", m);
        }
    }
    if c.dependencies_changed {
        fill(
            s,
            &note,
            crate::report::BaselineSummary::DEPENDENCIES_CHANGED,
        );
    }
    if let Some(line) = super::words::dependency_line(c) {
        fill(s, &note, &line);
    }
    for u in &c.unmatched {
        fill_painted(s, "  ", u, st.color, DIM);
    }
    s.push('\n');
}

/// One binary's checks: every budget and every alert; passing baseline figures are counted
/// (listed with `-v`).
pub fn checks(s: &mut String, a: &Artifact, st: &Style) {
    if a.checks.is_empty() {
        return;
    }
    super::fill::labelled(s, st.color, "checks", &counts(a));
    let pulled = pulled_in(a);
    let all_gone = all_gone(a);
    let gone = &all_gone[..all_gone.len().min(PULLED_SHOWN)];
    let shown: Vec<&Check> = a
        .checks
        .iter()
        // The file's own size against the baseline always, as context for a crate's alert
        // (QA an F6: "actix_server grew +23.9 KiB" failed a change that took 1.23 MiB off).
        .filter(|c| {
            st.verbose
                || c.verdict != Verdict::Pass
                || c.id.is_budget()
                || c.id == crate::report::CheckId::BaselineFileSize
                || pulled.iter().any(|p| std::ptr::eq(*p, *c))
                || gone.iter().any(|p| std::ptr::eq(*p, *c))
        })
        .collect();
    // `-v` lists every check; otherwise a dozen new crates are one line.
    let (kept, folded) = if st.verbose {
        (shown.clone(), Vec::new())
    } else {
        super::fold::fold(&shown)
    };
    let mut lines: Vec<Line> = kept.iter().map(|c| Line::Check(c)).collect();
    lines.extend(folded.iter().map(Line::Folded));
    // Stable: the folded line after the listed checks of its verdict.
    lines.sort_by_key(|l| std::cmp::Reverse(l.verdict()));
    let width = lines
        .iter()
        .map(|l| l.id().chars().count())
        .max()
        .unwrap_or(0)
        .min(36);
    // Two entry points a check without `-v` (QA bo F3: one feature's change ran to 220 lines).
    let most = if st.verbose {
        usize::MAX
    } else {
        ENTRY_POINTS_BRIEF
    };
    for l in &lines {
        let label = paint(
            st.color,
            verdict_style(l.verdict()),
            &format!("{:<4}", short(l.verdict())),
        );
        let id: String = l.id().chars().take(36).collect();
        // The message filled under itself (QA ak, F2: 101 to 175 columns), each entry point's
        // name cut in the middle to the room under it (QA ao, F2: one name ran to 145).
        let lead = format!("    {label}  {id:<width$}  ");
        let room = super::fill::WIDTH.saturating_sub(super::fill::columns(&lead) + 1);
        match l {
            Line::Check(c) => fill(s, &lead, &entry_points_cut(c, room.max(40), most)),
            Line::Folded(f) => fill(s, &lead, &format!("{} (-v lists each)", f.message())),
        }
    }
    let hidden = a.checks.len() - shown.len();
    if hidden > 0 {
        let among = among_hidden(a, &shown, &all_gone);
        // Filled (QA dr F4: 38 crates gone made one line of 978 columns).
        super::fill::fill_painted(
            s,
            "    ",
            &format!("{hidden} more within thresholds (-v lists all){among}"),
            st.color,
            DIM,
        );
    }
}

/// What the checks not shown hold of a crate's news: the crates gone beyond the ones listed,
/// and those that shrank, the most first (QA dg F4: broot without `clipboard` listed 3 of its
/// 4 crates gone, and none of std's 62 KiB or libc's 34 KiB that went with them).
fn among_hidden(a: &Artifact, shown: &[&Check], all_gone: &[&Check]) -> String {
    let hidden = |c: &Check| !shown.iter().any(|s| std::ptr::eq(*s, c));
    let crate_of = |c: &Check| match &c.id {
        crate::report::CheckId::BaselineCrate(name) => Some(name.clone()),
        _ => None,
    };
    let size = |b: Option<f64>| crate::format::size(b.unwrap_or(0.0).abs() as u64);
    let gone: Vec<String> = all_gone
        .iter()
        .filter(|c| hidden(c))
        .filter_map(|c| Some(format!("{} ({})", crate_of(c)?, size(c.baseline))))
        .collect();
    let mut shrank: Vec<&Check> = a
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass && crate_of(c).is_some())
        .filter(|c| c.value.is_some_and(|v| v > 0.0) && c.delta.is_some_and(|d| d < 0.0))
        .filter(|c| hidden(c))
        .collect();
    shrank.sort_by(|x, y| x.delta.unwrap_or(0.0).total_cmp(&y.delta.unwrap_or(0.0)));
    let mut parts = Vec::new();
    if !gone.is_empty() {
        let more = crate::format::count(gone.len(), "more crate", "more crates");
        // The largest (as `all_gone` orders them), not every one (QA dr F4: 38).
        let rest = match gone.len().saturating_sub(GONE_NAMED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let named = gone[..gone.len().min(GONE_NAMED)].join(", ");
        parts.push(format!("{more} gone, {named}{rest}"));
    }
    if !shrank.is_empty() {
        let most: Vec<String> = shrank
            .iter()
            .take(PULLED_SHOWN)
            .filter_map(|c| Some(format!("{} (-{})", crate_of(c)?, size(c.delta))))
            .collect();
        let n = crate::format::count(shrank.len(), "crate", "crates");
        parts.push(format!("{n} shrank, the most {}", most.join(", ")));
    }
    match parts.is_empty() {
        true => String::new(),
        false => format!(": {}", parts.join("; ")),
    }
}

/// The crates gone that the counted line names (the largest first).
const GONE_NAMED: usize = 8;

/// How many checks have each verdict, the worst first (`1 fail, 3 pass`).
fn counts(a: &Artifact) -> String {
    let count = |v: Verdict| a.checks.iter().filter(|c| c.verdict == v).count();
    let mut counts = Vec::new();
    for v in [
        Verdict::Fail,
        Verdict::Warn,
        Verdict::Inconclusive,
        Verdict::Pass,
    ] {
        let n = count(v);
        if n > 0 {
            counts.push(format!("{n} {}", v.as_str()));
        }
    }
    counts.join(", ")
}

/// A line of a binary's checks: one check, or the new crates folded into one.
enum Line<'a> {
    Check(&'a Check),
    Folded(&'a super::fold::Folded<'a>),
}

impl Line<'_> {
    fn verdict(&self) -> Verdict {
        match self {
            Line::Check(c) => c.verdict,
            Line::Folded(f) => f.verdict,
        }
    }

    fn id(&self) -> String {
        match self {
            Line::Check(c) => c.id.to_string(),
            Line::Folded(f) => f.label(),
        }
    }
}

/// How many passing crates of each kind below the terminal lists without `-v`.
const PULLED_SHOWN: usize = 3;

/// The passing checks of crates that grew or appeared with new references into them, the
/// most grown first, at most [`PULLED_SHOWN`]: what the change pulled in is the point of a
/// comparison even when it passes (QA bb F1: watchexec's new `to_socket_addrs()` call in
/// `main` was shown with `-v` alone).
fn pulled_in(a: &Artifact) -> Vec<&Check> {
    let mut all = largest_passing(
        a,
        |c| !c.entry_points.is_empty() && (c.delta.is_some_and(|d| d > 0.0) || c.new),
        |c| c.delta,
    );
    all.truncate(PULLED_SHOWN);
    all
}

/// The crates that left the binary, the largest first (the terminal lists the first
/// [`PULLED_SHOWN`] and names the others in its counted line): a change that dropped a
/// dependency passes, and is the news of the comparison (QA bl F2: image_webp,
/// 186 KiB gone, was said with `-v` alone, below two crates grown by 400 and 17 bytes).
fn all_gone(a: &Artifact) -> Vec<&Check> {
    largest_passing(
        a,
        |c| {
            matches!(c.id, crate::report::CheckId::BaselineCrate(_))
                && c.value == Some(0.0)
                && c.baseline.is_some_and(|b| b > 0.0)
        },
        |c| c.baseline,
    )
}

/// The passing checks of `a` that `keep`, largest `by` first.
fn largest_passing(
    a: &Artifact,
    keep: impl Fn(&Check) -> bool,
    by: impl Fn(&Check) -> Option<f64>,
) -> Vec<&Check> {
    let mut out: Vec<&Check> = a
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass && keep(c))
        .collect();
    out.sort_by(|x, y| by(y).unwrap_or(0.0).total_cmp(&by(x).unwrap_or(0.0)));
    out
}

fn short(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Inconclusive => "?",
        Verdict::Warn => "warn",
        Verdict::Fail => "FAIL",
    }
}

/// The run's verdict, once, at the end, with what made it (failed checks, error findings,
/// crashes, binaries that never got ready, files not inspected: `super::reasons`); and the hint
/// to save a new baseline after shrinkage.
pub fn footer(s: &mut String, report: &Report, st: &Style) {
    let reasons = reasons(report);
    let any_checks = report.artifacts.iter().any(|a| !a.checks.is_empty());
    // A build the tool made was audited and judged: its pass is said (QA ad: a passing run
    // ended with no verdict). `inspect` judges nothing unless asked, and says nothing.
    let built = report.artifacts.iter().any(|a| a.package.is_some());
    if !any_checks && !built && reasons.is_empty() && report.verdict == Verdict::Pass {
        return;
    }
    let why = super::reasons::counts(report, &reasons);
    let mut text = if why.is_empty() || report.verdict == Verdict::Pass {
        report.verdict.as_str().to_string()
    } else {
        format!("{}: {}", report.verdict.as_str(), why.join(", "))
    };
    text.push_str(super::reasons::waived(report));
    s.push('\n');
    super::fill::fill_painted(
        s,
        &format!("{} ", paint(st.color, HEADER, "verdict")),
        &text,
        st.color,
        verdict_style(report.verdict),
    );
    // The files not inspected are listed just above.
    for r in reasons
        .iter()
        // Under a failing verdict, a hostile run that does not count (allowed, or failing as
        // the dynamic build does) is in the hostile section, not among what made the verdict
        // (QA af, F6); under a passing one it says why the crash did not fail it.
        .filter(|r| !matches!(r, Reason::NotInspected { .. }))
        .filter(|r| match r {
            Reason::Hostile { run, .. } if report.verdict == Verdict::Fail => {
                super::hostile_words::not_counted(run).is_none()
            }
            _ => true,
        })
    {
        // Filled (QA am F1: bullets of 238 columns).
        super::fill::fill(s, "  - ", &format!("{}: {}", r.subject(), r.short()));
    }
    if let Some(c) = report
        .baseline
        .as_ref()
        .filter(|c| !c.gone_findings.is_empty())
    {
        let _ = writeln!(s, "{}:", paint(st.color, GOOD, "gone since the baseline"));
        for what in &c.gone_findings {
            super::fill::fill(s, "  - ", &what.to_string());
        }
    }
    if let Some(c) = report.baseline.as_ref().filter(|c| c.improved) {
        let _ = writeln!(
            s,
            "{}: {}:",
            paint(st.color, GOOD, "hint"),
            super::words::shrank_hint(c).replacen("Something", "something", 1)
        );
        for what in &c.shrank {
            super::fill::fill(s, "  - ", &what.to_string());
        }
    }
}

/// Entry points a check's line names without `-v`.
const ENTRY_POINTS_BRIEF: usize = 2;

/// A check's message with the names of its new entry points cut to `room` columns each (the
/// comma after one stays on its line), at most `most` of them, the others counted.
fn entry_points_cut(c: &Check, room: usize, most: usize) -> String {
    let names = crate::gate::entry_points::shown(c);
    match crate::gate::entry_points::split(&c.message, &names) {
        Some((body, lead, shown, more)) => {
            let (shown, more) =
                crate::gate::entry_points::at_most(&names, (shown, more), most, "-v lists them");
            let cut: Vec<String> = crate::gate::entry_points::cut(c, shown, room)
                .iter()
                .map(|x| x.written(str::to_string))
                .collect();
            format!("{body}{lead}{}{more}", cut.join(", "))
        }
        None => c.message.clone(),
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
