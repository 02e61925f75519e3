//! The Markdown report's table of the sections, crates and memory that changed most against
//! the baseline.

use std::fmt::Write as _;

use super::escape::cell;
use super::{Row, change, signed, value};
use crate::render::words;
use crate::report::{Artifact, Check, CheckId, Unit};

/// How many changes the "biggest changes" table lists before the rest go to `<details>`.
const BIGGEST: usize = 10;

/// The sections and crates that changed most against the baseline, in bytes.
pub(super) fn biggest_changes(s: &mut String, all: &[Row]) {
    let mut changes: Vec<&Row> = all
        .iter()
        .filter(|(_, _, c)| c.unit == Unit::Bytes && c.delta.is_some_and(|d| d != 0.0))
        // The baseline's own binary's run-time figures moved with the machine (QA di F3).
        .filter(|(_, _, c)| c.id.is_baseline() && !c.id.is_whole_size() && !c.same_binary)
        .collect();
    if changes.is_empty() {
        return;
    }
    // The binary's bytes before the process's memory: an RSS growth mostly follows the file's
    // (its pages are mapped), and led the table above the section that grew (QA bo F5).
    let rss = |c: &Check| c.id == CheckId::BaselineRss;
    changes.sort_by(|x, y| {
        let d = |c: &Check| c.delta.map_or(0.0, f64::abs);
        rss(x.2).cmp(&rss(y.2)).then(d(y.2).total_cmp(&d(x.2)))
    });
    let _ = writeln!(s, "### Biggest changes\n");
    let _ = writeln!(
        s,
        "Sections and crates, largest change first, then memory; the whole binary's sizes are \
         in the table of verdicts above.\n"
    );
    let _ = writeln!(s, "| Binary | Figure | Was | Now | Δ | Change |");
    let _ = writeln!(s, "|---|---|--:|--:|--:|--:|");
    // The largest changes of bytes, and memory whatever their number (QA bs F4: ten rows of
    // bytes left RSS's +260 KiB out of the comment).
    let bytes = changes.iter().filter(|r| !rss(r.2)).take(BIGGEST);
    for (label, a, c) in bytes.chain(changes.iter().filter(|r| rss(r.2))) {
        let (now, was) = words::now_and_was(c)
            .unwrap_or_else(|| (value(c.value, c.unit), value(c.baseline, c.unit)));
        let was = if c.new { "new".into() } else { was };
        let _ = writeln!(
            s,
            "| {label} | {} | {was} | {now} | {} | {} |",
            figure(&c.id, a),
            signed(c.delta, c.unit),
            change(c)
        );
    }
    s.push('\n');
}

/// What a row of the biggest changes is about, in words: `section .text`, `crate regex`,
/// `RSS at ready` (its check id only for a figure without words here).
pub(super) fn figure(id: &CheckId, a: &Artifact) -> String {
    match id {
        CheckId::BaselineSection(n) => format!("section {}", cell(n)),
        CheckId::BaselineCrate(n) => format!("crate {}", cell(n)),
        CheckId::BaselineRss => crate::report::Probe::rss_words(a.probe.as_ref()).into(),
        other => cell(&other.to_string()),
    }
}
