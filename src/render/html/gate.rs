//! The run as a whole on the page: what it was compared with, every check (failed first), the
//! static-vs-regular table, the files not inspected, the warnings, and how it was made.

use std::fmt::Write as _;

use super::escape::text;
use super::{Cell, Table, verdict_cell};
use crate::format::{artifact_label, ms, size, size_change};
use crate::render::words;
use crate::report::{Artifact, Check, Comparison, Provenance, Report, Unit, Verdict};

/// The change against the baseline, written as every report writes it; `None` where there is
/// no figure to write (the cell shows `–`).
fn change(c: &Check) -> Option<String> {
    if let Some(none) = words::no_ratio(c) {
        return Some(none);
    }
    match (c.unit, c.baseline, c.value, c.change) {
        (Unit::Bytes, Some(b), Some(v), _) if b >= 0.0 && v >= 0.0 => Some(size_change(
            b as u64,
            v as u64,
            c.fail_min.map_or(0, |m| m as u64),
        )),
        (_, _, _, Some(x)) => Some(crate::format::percent(x)),
        _ => None,
    }
}

/// The "change" cell: sorted by the ratio, or the difference where there is none; a change
/// with no figure (`–`) goes with the other empty cells (QA di F6: the libraries' `–`, keyed
/// by its difference of 0, sorted between `+0.5%` and `+0.0%`).
fn change_cell(c: &Check) -> Cell {
    match change(c) {
        Some(written) => Cell::Num(c.change.or(c.delta).unwrap_or(f64::NAN), text(&written)),
        None => Cell::Num(f64::NAN, "–".into()),
    }
}

/// The comparison with the baseline, then every check of every binary, failed first.
pub fn summary(s: &mut String, report: &Report) {
    s.push_str("<section id=\"gate\"><h2>Checks</h2>\n");
    baseline(s, report);
    // The caveat of the startup figures, by the checks (the warnings at the end say it too).
    let busy = words::busy(report);
    if !busy.is_empty() {
        s.push_str("<div class=\"callout warn\"><b>The startup figures may not hold</b>:<ul>");
        for w in busy {
            let _ = write!(s, "<li>{}</li>", text(w));
        }
        s.push_str("</ul></div>\n");
    }
    let mut all: Vec<Row> = report
        .artifacts
        .iter()
        .flat_map(|a| {
            let label = artifact_label(a);
            a.checks.iter().map(move |c| (label.clone(), a, c))
        })
        .collect();
    if all.is_empty() {
        s.push_str(
            "<p class=\"note\">No budget is set and no baseline was given: no checks. Budgets \
             go in <code>[package.metadata.aotcheck]</code>; <code>--baseline</code> or \
             <code>--baseline-ref</code> compare.</p>\n</section>\n",
        );
        return;
    }
    all.sort_by_key(|(_, _, c)| std::cmp::Reverse(c.verdict));
    checks(s, &all);
    s.push_str("</section>\n");
}

/// A check, with its binary's label and the binary.
type Row<'a> = (String, &'a Artifact, &'a Check);

/// Every check, worst first: the figure, the limit or the baseline, the change, why.
fn checks(s: &mut String, all: &[Row]) {
    let count = |v: Verdict| all.iter().filter(|(_, _, c)| c.verdict == v).count();
    let _ = writeln!(
        s,
        "<p class=\"counts\">{} fail · {} warn · {} inconclusive · {} pass</p>",
        count(Verdict::Fail),
        count(Verdict::Warn),
        count(Verdict::Inconclusive),
        count(Verdict::Pass)
    );
    // Those that passed unchanged from the baseline folded under their count (QA dq F9: 60 of
    // 87 rows, the charts 8,000 px down), as Markdown counts them.
    let (same, changed): (Vec<&Row>, Vec<&Row>) =
        all.iter().partition(|(_, _, c)| c.passed_unchanged());
    if !changed.is_empty() {
        checks_table(s, &changed);
    }
    if !same.is_empty() {
        let n = crate::format::count(same.len(), "check", "checks");
        let _ = writeln!(
            s,
            "<details class=\"unchanged\"><summary>{n} passed unchanged from the \
             baseline</summary>"
        );
        checks_table(s, &same);
        s.push_str("</details>\n");
    }
}

fn checks_table(s: &mut String, rows: &[&Row]) {
    let mut t = Table::new(
        "checks",
        &[
            ("Binary", false),
            ("Check", false),
            ("Verdict", false),
            ("Now", true),
            ("Limit / baseline", true),
            ("Change", true),
            ("Why", false),
        ],
    );
    for (label, a, c) in rows {
        let (now, reference) = crate::render::cells::now_and_reference(c, a);
        t.row(vec![
            Cell::Text(text(label)),
            Cell::Text(super::escape::check_id(&c.id.to_string())),
            verdict_cell(c.verdict),
            Cell::Num(c.value.unwrap_or(f64::NAN), text(&now)),
            Cell::Num(c.limit.or(c.baseline).unwrap_or(f64::NAN), text(&reference)),
            change_cell(c),
            // For a crate that grew, the message names its new entry points.
            Cell::Text(super::verdict::check_message(c)),
        ]);
    }
    t.finish(s, None);
}

/// What the run was compared with, and how the baseline was made differently.
fn baseline(s: &mut String, report: &Report) {
    let Some(c) = &report.baseline else {
        return;
    };
    let _ = write!(s, "<p>Compared with <code>{}</code>", text(&c.source));
    // Once: `--baseline-ref`'s source names its commit already; the full one is under "how
    // this report was made". One parenthesis (QA al F6).
    let mut notes = Vec::new();
    if let Some(commit) = words::baseline_commit(c) {
        let dirty = words::baseline_dirty(c);
        notes.push(format!("commit <code>{}</code>{dirty}", text(commit)));
    }
    if c.reprobed {
        notes.push(text(crate::report::BaselineSummary::REPROBED));
    }
    if !notes.is_empty() {
        let _ = write!(s, " ({})", notes.join("; "));
    }
    s.push_str(".</p>\n");
    if !c.mismatches.is_empty() {
        s.push_str(
            "<div class=\"callout warn\"><b>The baseline was built or probed differently</b>, so part of \
             the difference is not the code's:<ul>",
        );
        for m in &c.mismatches {
            let _ = write!(s, "<li>{}</li>", text(m));
        }
        s.push_str("</ul></div>\n");
    }
    if c.dependencies_changed {
        let _ = writeln!(
            s,
            "<div class=\"callout\">{}.</div>",
            text(crate::report::BaselineSummary::DEPENDENCIES_CHANGED)
        );
    }
    if let Some(line) = words::dependency_line(c) {
        let _ = writeln!(
            s,
            "<div class=\"callout\">{}.</div>",
            super::verdict::spans(&line)
        );
    }
    if !c.unmatched.is_empty() {
        s.push_str("<ul class=\"unmatched\">");
        for u in &c.unmatched {
            let _ = write!(s, "<li>{}</li>", text(u));
        }
        s.push_str("</ul>\n");
    }
    if !c.gone_findings.is_empty() {
        s.push_str("<p>Findings gone since the baseline:</p><ul class=\"gone\">");
        for g in &c.gone_findings {
            let _ = write!(s, "<li>{}</li>", text(&g.to_string()));
        }
        s.push_str("</ul>\n");
    }
    if c.improved {
        let _ = writeln!(
            s,
            "<p class=\"callout good\">{}.</p>",
            super::verdict::spans(&words::shrank_hint(c))
        );
    }
}

/// `--compare`: the static build beside the regular one, figure by figure; the probe's
/// figures (in `ms` and `KiB`) only when a build was `probed`, and under the table the `note`
/// that says over how many runs, with the startup ratio's interval, or that they were not
/// measured (as the terminal's table: a column of "unknown" read as a failure to measure).
pub fn comparison(
    s: &mut String,
    (report, c): (&Report, &Comparison),
    (probed, note): (bool, String),
) {
    s.push_str("<h3>Static against regular</h3>\n");
    let mut t = Table::new(
        "comparison",
        &[
            ("Figure", false),
            ("Static", true),
            ("Regular", true),
            ("Static / regular", true),
        ],
    );
    let fig = |v: Option<f64>, unit: &str| match (v, unit) {
        (None, _) => "unknown".to_string(),
        (Some(x), "B") => size(x.max(0.0) as u64),
        (Some(x), "KiB") => size((x.max(0.0) * 1024.0) as u64),
        (Some(x), "ms") => ms(x),
        (Some(x), u) => format!("{x} {u}"),
    };
    for m in words::compared_rows(c, probed) {
        t.row(vec![
            Cell::Text(text(&words::metric_label(report, c, &m.metric))),
            Cell::Num(
                m.static_value.unwrap_or(f64::NAN),
                text(&fig(m.static_value, &m.unit)),
            ),
            Cell::Num(
                m.regular.unwrap_or(f64::NAN),
                text(&fig(m.regular, &m.unit)),
            ),
            Cell::Num(m.ratio.unwrap_or(f64::NAN), m.ratio_text("–")),
        ]);
    }
    let floor = |f: &Option<String>| {
        f.as_deref()
            .map_or("none: no run-time version check".into(), |v| {
                text(&crate::format::glibc(v))
            })
    };
    t.row(vec![
        Cell::Text("glibc floor".into()),
        Cell::Text(floor(&c.static_glibc_floor)),
        Cell::Text(floor(&c.regular_glibc_floor)),
        Cell::Text("–".into()),
    ]);
    t.finish(s, None);
    // A sentence of its own here: capitalised.
    let mut note = note;
    note[..1].make_ascii_uppercase();
    let _ = writeln!(s, "<p class=\"note\">{}.</p>", text(&note));
}

/// After the binaries: the files `inspect` could not read, the run's warnings, provenance.
pub fn closing(s: &mut String, report: &Report) {
    if !report.failed.is_empty() {
        let _ = writeln!(
            s,
            "<section id=\"failed\"><h2>{} file{} not inspected</h2><ul>",
            report.failed.len(),
            if report.failed.len() == 1 { "" } else { "s" }
        );
        for f in &report.failed {
            let _ = writeln!(
                s,
                "<li><code>{}</code>: {}</li>",
                text(&f.path),
                text(&f.error)
            );
        }
        s.push_str("</ul></section>\n");
    }
    if !report.warnings.is_empty() {
        s.push_str("<section id=\"warnings\"><h2>Warnings</h2><ul>");
        for w in &report.warnings {
            let _ = writeln!(s, "<li>{}</li>", super::verdict::spans(w));
        }
        s.push_str("</ul></section>\n");
    }
    s.push_str("<section id=\"provenance\"><h2>How this report was made</h2>\n");
    let _ = writeln!(
        s,
        "<p>{} {}, report schema_version {}. The JSON report is embedded at the end of this \
         page (<code>script#aotcheck-report</code>), its symbol rows cut to the first {} and each list of entry points \
         to the first {}.</p>",
        text(&report.tool.name),
        text(&report.tool.version),
        report.schema_version,
        super::ROWS,
        super::ENTRY_POINTS
    );
    match &report.provenance {
        Some(p) => provenance(s, p),
        None => s.push_str("<p>Binaries given to <code>inspect</code>: no build provenance.</p>\n"),
    }
    if let Some(b) = &report.build {
        let _ = writeln!(
            s,
            "<p>Workspace <code>{}</code>; features {}{}{}.</p>",
            text(&b.workspace_root),
            if b.features.is_empty() {
                "(default)".to_string()
            } else {
                text(&b.features.join(", "))
            },
            if b.all_features {
                ", --all-features"
            } else {
                ""
            },
            if b.no_default_features {
                ", --no-default-features"
            } else {
                ""
            }
        );
    }
    if let Some(bp) = report.baseline.as_ref().and_then(|c| c.provenance.as_ref()) {
        s.push_str("<h3>The baseline's</h3>\n");
        provenance(s, bp);
    }
    s.push_str("</section>\n");
}

fn provenance(s: &mut String, p: &Provenance) {
    let opt = |v: &Option<String>| v.as_deref().map_or_else(|| "–".into(), text);
    let rows = [
        ("tool", text(&p.tool_version)),
        ("rustc", text(&p.rustc)),
        ("target", text(&p.target)),
        ("profile", text(&p.profile)),
        // None asked for: the package's defaults, not a blank (QA cb F8).
        (
            "features",
            match p.features.is_empty() {
                true => "none asked for: the package's defaults".into(),
                false => text(&p.features.join(", ")),
            },
        ),
        ("link modes", text(&p.link_modes.join(", "))),
        ("Cargo.lock SHA-256", opt(&p.cargo_lock_sha256)),
        ("git commit", opt(&p.git_commit)),
        (
            "uncommitted changes",
            p.git_dirty
                .map_or("–".into(), |d| if d { "yes".into() } else { "no".into() }),
        ),
    ];
    s.push_str("<dl class=\"facts\">");
    for (k, v) in rows {
        let _ = write!(s, "<dt>{k}</dt><dd>{v}</dd>");
    }
    s.push_str("</dl>\n");
}

/// The baseline's loaded bytes of a crate (`new` where it had none: QA cu F2, as Markdown
/// says) and the change, coloured by its verdict.
pub(super) fn baseline_cells(check: Option<&Check>) -> [Cell; 2] {
    let Some(ch) = check else {
        return [Cell::Text("–".into()), Cell::Text("–".into())];
    };
    let (was, now) = (ch.baseline.unwrap_or(0.0), ch.value.unwrap_or(0.0));
    let small = ch.fail_min.map_or(0, |m| m as u64);
    let was_text = match ch.new {
        true => "new".into(),
        false => size(was as u64),
    };
    [
        Cell::Num(was, was_text),
        Cell::Num(
            ch.delta.unwrap_or(0.0),
            format!(
                "<span class=\"verdict {}\">{}</span>",
                ch.verdict.as_str(),
                text(&size_change(was as u64, now as u64, small))
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::CheckId;

    /// QA di F6: a change written `–` (the libraries', which have no ratio) sorts with the
    /// empty cells, not by its difference of 0 among the percentages.
    #[test]
    fn a_change_without_a_figure_sorts_with_the_empty_cells() {
        let mut c = Check::new(
            CheckId::BaselineNeeded,
            Unit::Libraries,
            Verdict::Pass,
            "".into(),
        );
        (c.baseline, c.value, c.delta) = (Some(1.0), Some(1.0), Some(0.0));
        let mut t = Table::new("checks", &[("Change", true)]);
        t.row(vec![change_cell(&c)]);
        let mut s = String::new();
        t.finish(&mut s, None);
        assert!(s.contains("data-v=\"NaN\">–</td>"), "{s}");
        c.unit = Unit::Bytes;
        let mut t = Table::new("checks", &[("Change", true)]);
        t.row(vec![change_cell(&c)]);
        let mut s = String::new();
        t.finish(&mut s, None);
        assert!(s.contains("data-v=\"0\""), "{s}");
    }

    /// QA dq F9: the checks that passed unchanged from the baseline are folded under their
    /// count, after those that changed; none of them is left out.
    #[test]
    fn unchanged_passes_are_folded_after_the_rest() {
        let check = |id: CheckId, verdict: Verdict, delta: f64| {
            let mut c = Check::new(id, Unit::Bytes, verdict, "".into());
            (c.baseline, c.value, c.delta) = (Some(10.0), Some(10.0 + delta), Some(delta));
            c
        };
        let mut a = crate::report::test_artifact(1000);
        a.checks = vec![
            check(
                CheckId::BaselineCrate("anstream".into()),
                Verdict::Pass,
                0.0,
            ),
            check(CheckId::BaselineFileSize, Verdict::Fail, 4096.0),
            check(CheckId::BaselineCrate("serde".into()), Verdict::Pass, 0.0),
            check(CheckId::BaselineCrate("toml".into()), Verdict::Pass, -8.0),
        ];
        let mut report = Report::new(None);
        report.artifacts.push(a);
        let page = crate::render::html::render(&report);
        let fold = page
            .find(
                "<details class=\"unchanged\"><summary>2 checks passed unchanged from the baseline",
            )
            .unwrap_or_else(|| panic!("no fold"));
        // Each check's row in the table of every check, after the verdict's reasons above it.
        let table = page.find("<p class=\"counts\">").expect("the checks");
        let at = |id: &str| {
            let cell = crate::render::html::escape::check_id(id);
            table
                + page[table..]
                    .find(&cell)
                    .unwrap_or_else(|| panic!("no {id}"))
        };
        assert!(at("baseline.file_size") < fold && at("baseline.crate:toml") < fold);
        assert!(at("baseline.crate:anstream") > fold && at("baseline.crate:serde") > fold);
    }
}
