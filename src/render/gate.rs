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
        let why =
            "the baseline was built differently, so part of the difference is not the code's:";
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
    super::fill::labelled(s, st.color, "checks", &counts.join(", "));
    let pulled = pulled_in(a);
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
        })
        .collect();
    // `-v` lists every check; otherwise a dozen new crates are one line.
    let (kept, folded) = if st.verbose {
        (shown.clone(), None)
    } else {
        super::fold::fold(&shown)
    };
    let mut lines: Vec<Line> = kept.iter().map(|c| Line::Check(c)).collect();
    lines.extend(folded.as_ref().map(Line::Folded));
    // Stable: the folded line after the listed checks of its verdict.
    lines.sort_by_key(|l| std::cmp::Reverse(l.verdict()));
    let width = lines
        .iter()
        .map(|l| l.id().chars().count())
        .max()
        .unwrap_or(0)
        .min(36);
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
            Line::Check(c) => fill(s, &lead, &entry_points_cut(c, room.max(40))),
            Line::Folded(f) => fill(s, &lead, &format!("{} (-v lists each)", f.message())),
        }
    }
    let hidden = a.checks.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(
            s,
            "    {}",
            paint(
                st.color,
                DIM,
                &format!("{hidden} more within thresholds (-v lists all)")
            )
        );
    }
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

/// How many passing crates with new references the terminal lists without `-v`.
const PULLED_SHOWN: usize = 3;

/// The passing checks of crates that grew or appeared with new references into them, the
/// most grown first, at most [`PULLED_SHOWN`]: what the change pulled in is the point of a
/// comparison even when it passes (QA bb F1: watchexec's new `to_socket_addrs()` call in
/// `main` was shown with `-v` alone).
fn pulled_in(a: &Artifact) -> Vec<&Check> {
    let mut out: Vec<&Check> = a
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass && !c.entry_points.is_empty())
        .filter(|c| c.delta.is_some_and(|d| d > 0.0) || c.new)
        .collect();
    out.sort_by(|x, y| {
        let d = |c: &Check| c.delta.unwrap_or(0.0);
        d(y).total_cmp(&d(x))
    });
    out.truncate(PULLED_SHOWN);
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
    let text = if why.is_empty() || report.verdict == Verdict::Pass {
        report.verdict.as_str().to_string()
    } else {
        format!("{}: {}", report.verdict.as_str(), why.join(", "))
    };
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
    if let Some(c) = report.baseline.as_ref().filter(|c| c.improved) {
        let _ = writeln!(
            s,
            "{}: {}:",
            paint(st.color, GOOD, "hint"),
            super::words::shrank_hint(c).replacen("Something", "something", 1)
        );
        for what in &c.shrank {
            super::fill::fill(s, "  - ", what);
        }
    }
}

/// A check's message with the names of its new entry points cut to `room` columns each (the
/// comma after one stays on its line).
fn entry_points_cut(c: &Check, room: usize) -> String {
    let names = crate::gate::entry_points::shown(c);
    match crate::gate::entry_points::split(&c.message, &names) {
        Some((body, lead, shown, more)) => {
            let cut = match c.new_entries.get(..shown.len()) {
                // A reference: its caller and its callee each cut apart, the arrow and what
                // the callee retains kept (QA bb F2: the cut took the arrow, or the callee's
                // `ToSocketAddrs::to_socket_addrs`).
                // Each end fits a line of its own: the filling breaks at the arrow's spaces.
                Some(entries) if !entries.is_empty() => {
                    let from: Vec<&str> = entries.iter().map(|e| e.from.as_str()).collect();
                    let to: Vec<&str> = entries.iter().map(|e| e.to.as_str()).collect();
                    let (from, to) = (
                        crate::format::clip_apart(&from, room.saturating_sub(2)),
                        crate::format::clip_apart(&to, room.saturating_sub(2)),
                    );
                    entries
                        .iter()
                        .zip(from.iter().zip(&to))
                        .map(|(e, (f, t))| {
                            format!("{f} → {t}{}", crate::format::retains(e.retained))
                        })
                        .collect()
                }
                _ => crate::format::clip_apart(shown, room),
            };
            format!("{body}{lead}{}{more}", cut.join(", "))
        }
        None => c.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA am F1, F4: the verdict line and its bullets are filled (bullets of 238 columns), and
    /// a `--hostile` that judged nothing is said in them.
    #[test]
    fn the_verdict_and_its_bullets_are_filled() {
        let run: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "no-home", "description": "", "outcome": "skipped", "signal": null,
            "exit_code": null, "dynamic_outcome": null, "reproduce": null,
            "detail": format!("not judged: {}", "word ".repeat(40))
        }))
        .expect("run");
        let mut report = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.hostile = vec![run];
        report.artifacts.push(a);
        report.verdict = Verdict::Inconclusive;
        let mut s = String::new();
        let st = Style::plain();
        footer(&mut s, &report, &st);
        assert!(
            s.contains("verdict inconclusive: 1 binary with no --hostile condition"),
            "{s}"
        );
        assert!(
            s.contains("  - ") && s.contains("--hostile judged none of its 1 condition"),
            "{s}"
        );
        assert!(s.lines().count() > 3, "{s}");
        assert!(
            s.lines()
                .all(|l| l.chars().count() <= super::super::fill::WIDTH),
            "{s}"
        );
    }

    /// QA bb F2: a reference's cut took its arrow, or the callee it names; each end is cut
    /// apart, the arrow and the callee's retained bytes kept.
    #[test]
    fn a_references_ends_are_cut_apart() {
        use crate::report::{CheckId, NewEntry};
        let mut c = Check::worded(
            CheckId::BaselineCrate("std".into()),
            Verdict::Pass,
            "crate std grew by 505 B (+0.01%) to 4.37 MiB".into(),
        );
        c.delta = Some(505.0);
        c.new_entries = vec![
            NewEntry {
                from: "watchexec::main".into(),
                to: "<str as std::net::socket_addr::ToSocketAddrs>::to_socket_addrs".into(),
                retained: Some(677),
            },
            NewEntry {
                from: "<watchexec::error::critical::CriticalError as core::error::Error>::source"
                    .into(),
                to: "<&T as core::fmt::Debug>::fmt".into(),
                retained: None,
            },
        ];
        c.entry_points = c.new_entries.iter().map(|e| e.from.clone()).collect();
        let names = crate::gate::entry_points::shown(&c);
        let (lead, shown, more) = crate::gate::entry_points::named(&names);
        c.message.push_str(&format!(
            "{lead}{}{}",
            shown.join(", "),
            crate::gate::entry_points::more(more)
        ));
        let cut = entry_points_cut(&c, 60);
        assert!(
            cut.contains("watchexec::main → <str as std::") && cut.contains("to_socket_addrs"),
            "{cut}"
        );
        // Filled under a lead, each line within the width.
        let mut s = String::new();
        fill(&mut s, &" ".repeat(40), &cut);
        assert!(
            s.lines()
                .all(|l| l.chars().count() <= super::super::fill::WIDTH),
            "{s}"
        );
        assert!(cut.contains("(retains 677 B)"), "{cut}");
        assert!(cut.contains(" → <&T as core::fmt::Debug>::fmt"), "{cut}");
        assert_eq!(cut.matches(" → ").count(), 2, "{cut}");
    }

    /// QA ao F2: a grown crate's new entry points were written whole, one of 145 columns;
    /// each is cut in the middle to the room under the message, its ends kept.
    #[test]
    fn a_checks_entry_points_are_cut_to_the_width() {
        use crate::report::CheckId;
        let long = format!(
            "std::sys::helpers::small_c_string::run_with_cstr_allocating::<{}LookupHost>",
            "std::sys::net::connection::socket::".repeat(2)
        );
        let names = vec![long.clone(), "app::main".to_string()];
        let mut c = Check::worded(
            CheckId::BaselineCrate("[libc]".into()),
            Verdict::Warn,
            "crate [libc] grew by 34.3 KiB (+3.6%) to 991 KiB: over 1%".into(),
        );
        c.delta = Some(35_123.0);
        let (lead, shown, more) = crate::gate::entry_points::named(&names);
        c.message.push_str(&format!(
            "{lead}{}{}",
            shown.join(", "),
            crate::gate::entry_points::more(more)
        ));
        c.entry_points = names;
        let mut a = crate::report::test_artifact(1000);
        a.checks.push(c);
        let mut s = String::new();
        checks(&mut s, &a, &Style::plain());
        assert!(
            s.lines()
                .all(|l| l.chars().count() <= super::super::fill::WIDTH),
            "{s}"
        );
        assert!(s.contains("std::sys::helpers::small_c_string::"), "{s}");
        assert!(s.contains("…") && s.contains("LookupHost>,"), "{s}");
        assert!(s.contains("app::main"), "{s}");
        assert!(!s.contains(&long), "{s}");
    }

    /// QA an F6: a crate's alert failed a change that took 1.23 MiB off the file, which the
    /// terminal did not say (a passing check is listed only with `-v`); the file's size
    /// against the baseline is always listed, other passing checks counted.
    #[test]
    fn the_file_size_against_the_baseline_is_always_listed() {
        use crate::report::CheckId;
        let mut a = crate::report::test_artifact(1000);
        a.checks = vec![
            Check::worded(
                CheckId::BaselineCrate("actix_server".into()),
                Verdict::Fail,
                "crate actix_server grew by 23.9 KiB (+36.1%) to 90.0 KiB".into(),
            ),
            Check::worded(
                CheckId::BaselineFileSize,
                Verdict::Pass,
                "file size shrank by 1.23 MiB (-15.0%) to 6.97 MiB".into(),
            ),
            Check::worded(
                CheckId::BaselineCrate("brotli".into()),
                Verdict::Pass,
                "crate brotli unchanged (847 KiB)".into(),
            ),
        ];
        let mut s = String::new();
        checks(&mut s, &a, &Style::plain());
        assert!(s.contains("file size shrank by 1.23 MiB (-15.0%)"), "{s}");
        assert!(!s.contains("brotli"), "{s}");
        assert!(s.contains("1 more within thresholds"), "{s}");
    }

    /// QA bh F9: one feature brought 36 new crates, 36 failing rows; the five largest are
    /// listed and the rest are one line with their bytes and names, after the other failures;
    /// `-v` lists each.
    #[test]
    fn a_dozen_new_crates_are_one_line() {
        let a = super::super::fold::test_new_crates(12);
        let mut s = String::new();
        checks(&mut s, &a, &Style::plain());
        for listed in ["dep12", "dep11", "dep10", "dep09", "dep08"] {
            assert!(s.contains(&format!("crate {listed} is new")), "{s}");
        }
        assert!(!s.contains("crate dep07 is new"), "{s}");
        let line = s
            .lines()
            .find(|l| l.contains("7 more new crates"))
            .expect("folded line");
        assert!(line.starts_with("    FAIL  7 more new crates"), "{s}");
        // 1 + 2 + ... + 7 KiB.
        assert!(s.contains("28.0 KiB in all"), "{s}");
        let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("largest first: dep07, dep06, dep05, dep04, dep03, dep02, dep01 (-v"),
            "{s}"
        );
        assert!(s.contains("each at least size_fail_min"), "{s}");
        assert!(s.contains("(-v lists each)"), "{s}");
        let file = s.find("file size grew").expect("file size");
        assert!(file < s.find("7 more new crates").expect("folded"), "{s}");
        let mut v = String::new();
        checks(
            &mut v,
            &a,
            &Style {
                verbose: true,
                ..Style::plain()
            },
        );
        assert!(
            v.contains("crate dep01 is new") && !v.contains("more new crates"),
            "{v}"
        );
    }

    /// QA bb F1: passing crates that grew with new references into them are listed without
    /// `-v`, the three most grown; one that grew with none, or an unchanged one, is counted.
    #[test]
    fn passing_crates_that_pulled_code_in_are_listed() {
        use crate::report::CheckId;
        let mut a = crate::report::test_artifact(1000);
        for (name, delta, entries) in [
            ("small", 10.0, true),
            ("big", 900.0, true),
            ("quiet", 5000.0, false),
            ("mid", 300.0, true),
            ("tiny", 1.0, true),
        ] {
            let mut c = Check::worded(
                CheckId::BaselineCrate(name.into()),
                Verdict::Pass,
                format!("crate {name} grew by {delta} B"),
            );
            c.delta = Some(delta);
            if entries {
                c.entry_points = vec![format!("app::calls_{name}")];
            }
            a.checks.push(c);
        }
        let mut s = String::new();
        checks(&mut s, &a, &Style::plain());
        let listed: Vec<&str> = ["small", "big", "quiet", "mid", "tiny"]
            .into_iter()
            .filter(|n| s.contains(&format!("crate {n} grew")))
            .collect();
        assert_eq!(listed, ["small", "big", "mid"], "{s}");
        assert!(s.contains("2 more within thresholds"), "{s}");
    }
}
