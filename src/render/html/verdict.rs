//! Why the verdict is what it is, just below it: every check that did not pass, every error
//! finding, crash under `--hostile`, probed binary with no run that got ready and file not
//! inspected, each with its binary (a link to its details further down). Counted and worded by
//! `render::reasons`, as the terminal's footer and the Markdown report word them.

use std::fmt::Write as _;

use super::escape::text;
use super::{Cell, Table, verdict_cell, verdict_word};
use crate::format::artifact_label;
use crate::render::reasons::{Reason, counts, reasons};
use crate::report::{Artifact, Check, Report, Verdict};

/// One row: the binary (linked), what, its verdict, why.
struct Row {
    binary: String,
    what: String,
    verdict: Verdict,
    why: String,
    /// A hostile run that fails as the dynamic build does: its badge says so, in the colour of
    /// no verdict (see `Reason::not_counted`).
    not_counted: bool,
}

/// The binary's name as a link to its article (`#aN`), found by identity in the report.
fn link(report: &Report, a: &Artifact) -> String {
    let name = text(&artifact_label(a));
    match report.artifacts.iter().position(|x| std::ptr::eq(x, a)) {
        Some(i) => format!("<a href=\"#a{i}\">{name}</a>"),
        None => name,
    }
}

/// A line worded for the terminal and Markdown (`` under --hostile `no-home` ``), escaped, its
/// backtick-quoted parts as code; with an odd number of backticks, as written.
pub(super) fn spans(line: &str) -> String {
    crate::render::words::quoted_parts(line)
        .into_iter()
        .map(|(quoted, part)| match quoted {
            true => format!("<code>{}</code>", text(part)),
            false => text(part),
        })
        .collect()
}

/// A check's message as [`spans`] writes it, the names of its new entry points each cut to
/// [`crate::format::NAME_MAX`] characters, at most as many as the message names (QA ca F1: a
/// cell of 19,992 characters, words of 4,706).
pub(super) fn check_message(c: &Check) -> String {
    use crate::gate::entry_points as entries;
    let names = entries::shown(c);
    let Some((body, lead, shown, more)) = entries::split(&c.message, &names) else {
        return spans(&c.message);
    };
    let cut: Vec<String> = entries::cut(c, shown, crate::format::NAME_MAX + 2)
        .iter()
        .map(|x| x.written(|n| format!("<code>{}</code>", text(n))))
        .collect();
    // One a line, as the Markdown lists them (QA cj F5: five references ran on in one cell).
    format!(
        "{}{}<ul class=\"entries\"><li>{}</li></ul>{}",
        spans(body),
        text(lead.trim_end()),
        cut.join("</li><li>"),
        text(more.trim_start())
    )
}

fn rows(report: &Report, all: &[Reason]) -> Vec<Row> {
    let mut rows = Vec::new();
    for a in &report.artifacts {
        for c in a.checks.iter().filter(|c| c.verdict != Verdict::Pass) {
            rows.push(Row {
                binary: link(report, a),
                what: super::escape::check_id(&c.id.to_string()),
                verdict: c.verdict,
                why: check_message(c),
                not_counted: false,
            });
        }
    }
    for r in all {
        let binary = match r {
            Reason::NotInspected { file } => {
                format!("<a href=\"#failed\"><code>{}</code></a>", text(&file.path))
            }
            _ => r
                .artifact()
                .map_or_else(|| text(&r.subject()), |a| link(report, a)),
        };
        // The rule is the "What"; the line does not start with it again (QA ao F10).
        let (what, line) = (r.what(), r.line());
        let why = line.strip_prefix(&format!("{what} ")).unwrap_or(&line);
        rows.push(Row {
            binary,
            what: text(&what),
            verdict: r.verdict(),
            why: spans(why),
            not_counted: r.not_counted(),
        });
    }
    // Worst first; in report order within a verdict.
    rows.sort_by_key(|r| std::cmp::Reverse(r.verdict));
    rows
}

/// The section, when the verdict is not `pass` or something counts against it.
pub fn section(s: &mut String, report: &Report) {
    let all = reasons(report);
    let rows = rows(report, &all);
    if rows.is_empty() && report.verdict == Verdict::Pass {
        return;
    }
    let _ = writeln!(
        s,
        "<section id=\"verdict\"><h2>Why the verdict is <span class=\"verdict {}\">{}</span>{}</h2>",
        report.verdict.as_str(),
        verdict_word(report.verdict),
        text(crate::render::reasons::waived(report))
    );
    let counted = counts(report, &all);
    if !counted.is_empty() {
        let _ = writeln!(
            s,
            "<p class=\"verdict-line {}\">{}.</p>",
            report.verdict.as_str(),
            text(&counted.join(", "))
        );
    }
    let mut t = Table::new(
        "reasons",
        &[
            ("Binary", false),
            ("What", false),
            ("Verdict", false),
            ("Why", false),
        ],
    );
    for r in rows {
        t.row(vec![
            Cell::Text(r.binary),
            Cell::Text(r.what),
            if r.not_counted {
                Cell::Keyed(
                    f64::from(r.verdict as u8),
                    "<span class=\"verdict\">not counted</span>".into(),
                )
            } else {
                verdict_cell(r.verdict)
            },
            Cell::Text(r.why),
        ]);
    }
    if t.is_empty() {
        s.push_str("<p class=\"note\">Nothing in the report says why.</p>\n");
    } else {
        t.finish(s, None);
    }
    s.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::{rows, spans};

    /// QA ao F10: an error finding's row read `AOT004` under "What" and `AOT004 glibc NSS
    /// lookups ...` under "Why".
    #[test]
    fn a_findings_rule_is_said_once_in_its_row() {
        let finding: crate::report::Finding = serde_json::from_value(serde_json::json!({
            "rule": "AOT004", "title": "glibc NSS lookups", "severity": "error",
            "crate": "std", "version": "1.95.0", "path": ["app", "std"], "evidence": [],
            "allowed": false, "reason": null, "advice": "a"
        }))
        .expect("finding");
        let mut report = crate::report::Report::new(None);
        let mut a = crate::report::test_artifact(1);
        a.findings.push(finding);
        report.artifacts.push(a);
        let all = crate::render::reasons::reasons(&report);
        let rows = rows(&report, &all);
        let row = rows
            .iter()
            .find(|r| r.what == "AOT004")
            .expect("the finding's row");
        assert!(!row.why.starts_with("AOT004"), "{}", row.why);
        assert!(row.why.contains("glibc NSS lookups"), "{}", row.why);
    }

    /// QA bk F3: under a `pass`, runs that failed as the dynamic build does had `warn` badges;
    /// they say "not counted", and one the static linkage caused still warns.
    #[test]
    fn a_run_that_fails_as_the_dynamic_build_does_is_not_counted() {
        let run = |condition: &str, dynamic: &str| -> crate::report::HostileRun {
            serde_json::from_value(serde_json::json!({
                "condition": condition, "description": "", "outcome": "crashed",
                "signal": null, "exit_code": 101, "dynamic_outcome": dynamic,
                "reproduce": null, "detail": "Permission denied"
            }))
            .expect("run")
        };
        let mut report = crate::report::Report::new(None);
        let mut a = crate::report::test_artifact(1);
        a.hostile = vec![run("unknown-uid", "crashed"), run("no-home", "ok")];
        report.artifacts.push(a);
        let all = crate::render::reasons::reasons(&report);
        let mut s = String::new();
        super::section(&mut s, &report);
        assert_eq!(
            s.matches("<span class=\"verdict\">not counted</span>")
                .count(),
            1,
            "{s}"
        );
        assert_eq!(s.matches("<span class=\"verdict warn\">").count(), 1, "{s}");
        let counted: Vec<bool> = all.iter().map(|r| r.not_counted()).collect();
        assert_eq!(counted, [true, false]);
        let md = crate::render::markdown::render(&report);
        assert!(
            md.contains("➖ not counted") && md.contains("⚠️ warn"),
            "{md}"
        );
    }

    /// QA cj F5: a crate check's new entry points, one a line.
    #[test]
    fn new_entry_points_are_a_list() {
        use crate::report::{Check, CheckId, NewEntry, Verdict};
        let mut c = Check::worded(
            CheckId::BaselineCrate("crc32fast".into()),
            Verdict::Fail,
            "crate crc32fast is new: 19.8 KiB".into(),
        );
        c.new_entries = ["a", "b"]
            .map(|f| NewEntry {
                from: format!("just::{f}"),
                to: "crc32fast::hash".into(),
                retained: None,
            })
            .to_vec();
        c.entry_points = vec!["just::a".into(), "just::b".into()];
        crate::gate::entry_points::end_message_with_entry_points(&mut c);
        let cell = super::check_message(&c);
        assert!(
            cell.starts_with(
                "crate crc32fast is new: 19.8 KiB; new entry points:<ul \
                 class=\"entries\"><li><code>just::a</code>"
            ),
            "{cell}"
        );
        assert_eq!(cell.matches("<li>").count(), 2, "{cell}");
        assert!(cell.ends_with("</li></ul>"), "{cell}");
    }

    #[test]
    fn quoted_parts_are_code_and_markup_stays_text() {
        assert_eq!(
            spans("under --hostile `no-home` (<x>): crashed"),
            "under --hostile <code>no-home</code> (&lt;x&gt;): crashed"
        );
        assert_eq!(spans("a `b"), "a `b");
        assert_eq!(spans("`<b>`"), "<code>&lt;b&gt;</code>");
    }
}
