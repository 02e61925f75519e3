//! The terminal's advice: the tables laid out, the trade-offs, the lines to paste, the notes.

use std::fmt::Write as _;

use super::{FeatureRow, Row, costs, feature_rows, has_figures, no_paste};
use super::{config_head, paste_head, slower_knobs, stripped_already};
use crate::output::{BAD, DIM, GOOD, HEADER, WARN, paint};
use crate::render::{Style, fill};
use crate::report::{Advice, VariantStatus};

/// The terminal's advice: per binary its table and features, then trade-offs, lines to paste
/// and notes.
pub fn human(a: &Advice, st: &Style) -> String {
    let c = st.color;
    let mut s = String::new();
    let now: Vec<String> = a
        .settings
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    let _ = writeln!(
        s,
        "{}",
        paint(c, HEADER, &format!("Size advice: [profile.{}]", a.profile))
    );
    // A `key = value` is never broken inside (QA ai, F4: `strip =` / `"symbols"`).
    let last = now.len().saturating_sub(1);
    let units: Vec<String> = now
        .iter()
        .enumerate()
        .map(|(i, n)| if i < last { format!("{n},") } else { n.clone() })
        .collect();
    fill::fill_units(&mut s, "  now: ", units.iter().map(String::as_str), None);
    for b in &a.binaries {
        let _ = writeln!(s);
        let mut title = b.name.clone();
        if b.package != b.name {
            let _ = write!(title, " (package {})", b.package);
        }
        let _ = writeln!(s, "{}", paint(c, HEADER, &title));
        let mut rows = super::rows(b);
        if stripped_already(b) {
            for r in &mut rows {
                r.stripped_size.clear();
                r.stripped_percent.clear();
            }
        }
        table(&mut s, &rows, c);
        features(&mut s, &feature_rows(b), c);
    }
    tradeoffs(&mut s, a, c);
    paste(&mut s, a, c);
    let _ = writeln!(s);
    if a.interrupted {
        let _ = writeln!(
            s,
            "{}: the run was interrupted: what was not built or probed is missing",
            paint(c, WARN, "note")
        );
    }
    if a.probe_runs == 0 {
        fill::fill(
            &mut s,
            "note: ",
            "not probed (--no-probe): no start-up or memory figures",
        );
    }
    for n in &a.notes {
        fill::fill(&mut s, "note: ", n);
    }
    s
}

const HEAD: [&str; 10] = [
    "variant",
    "file size",
    "change",
    "",
    "stripped",
    "change",
    "start-up",
    "",
    "memory",
    "build",
];

/// A row's cells after the variant's name, in [`HEAD`]'s order. `narrow`: the stripped
/// size's column is left out, and the base's stripped size takes the place of its change (see
/// [`table`]).
fn cells(r: &Row, narrow: bool) -> [&str; 9] {
    let (stripped, stripped_change) = match narrow {
        false => (r.stripped_size.as_str(), r.stripped_percent.as_str()),
        true if r.stripped_percent.is_empty() => ("", r.stripped_size.as_str()),
        true => ("", r.stripped_percent.as_str()),
    };
    [
        &r.file_size,
        &r.change,
        &r.percent,
        stripped,
        stripped_change,
        &r.startup,
        &r.startup_change,
        &r.memory,
        &r.build,
    ]
}

/// The headings, `narrow` as in [`cells`].
fn head(narrow: bool) -> [&'static str; 10] {
    let mut h = HEAD;
    if narrow {
        (h[4], h[5]) = ("", "stripped");
    }
    h
}

/// The start-up median's column; its change's is the next, under the same heading.
const STARTUP: usize = 6;

/// Each column as wide as its widest cell or heading, so that no figure pushes the ones after
/// it out of line (a start-up of `not ready`, a change of `+0.003%`); 0 for a column no row
/// has a cell in, which is left out. The start-up's heading spans its change's column too.
fn widths(rows: &[Row], narrow: bool) -> [usize; 10] {
    let mut w = head(narrow).map(|h| h.chars().count());
    let mut filled = [false; 10];
    w[STARTUP] = 0;
    for r in rows {
        w[0] = w[0].max(r.knob.chars().count());
        if r.note.is_empty() || has_figures(r.status) {
            for (i, c) in cells(r, narrow).iter().enumerate() {
                w[i + 1] = w[i + 1].max(c.chars().count());
                filled[i + 1] |= !c.is_empty();
            }
        }
    }
    let change = w[STARTUP + 1] + usize::from(w[STARTUP + 1] > 0);
    w[STARTUP] = w[STARTUP].max(HEAD[STARTUP].chars().count().saturating_sub(change));
    // A column no row fills goes, heading and all (QA aj, F10: `--no-probe` kept empty
    // start-up and memory columns).
    for i in 1..w.len() {
        if !filled[i] {
            w[i] = 0;
        }
    }
    w
}

/// The widest start-up median (the figures, not `not ready`): its heading starts over them.
fn median_width(rows: &[Row]) -> usize {
    rows.iter()
        .filter(|r| r.status == VariantStatus::Measured)
        .map(|r| r.startup.chars().count())
        .max()
        .unwrap_or(0)
}

/// The table's columns: the variant's indent and name, then each column shown with a space
/// before it.
fn total(w: &[usize; 10]) -> usize {
    2 + w[0]
        + w[1..]
            .iter()
            .filter(|&&c| c > 0)
            .map(|c| c + 1)
            .sum::<usize>()
}

/// The variants' table. Where it would be wider than the terminal's 100 columns (long figures
/// beside `-C relocation-model=static`; QA ai, F4: 101), the stripped size's own column goes:
/// the base's stripped size stands under `stripped`, each variant's change under it (the JSON
/// report has every stripped size).
fn table(s: &mut String, rows: &[Row], color: bool) {
    let narrow = total(&widths(rows, false)) > fill::WIDTH;
    let width = widths(rows, narrow);
    let mut line = String::from(" ");
    for (i, (h, w)) in head(narrow).iter().zip(width).enumerate() {
        let _ = match (i, w) {
            (_, 0) => Ok(()),
            // Over the median, into its change's column (QA ai, F9: it ended over the change).
            (STARTUP, w) => {
                let w = w + width[STARTUP + 1] + usize::from(width[STARTUP + 1] > 0);
                // Never so far that the heading overruns its columns (no medians: --no-probe).
                let pad = width[STARTUP]
                    .saturating_sub(median_width(rows))
                    .min(w.saturating_sub(h.chars().count()));
                write!(line, " {:pad$}{h:<w$}", "", w = w - pad)
            }
            (i, _) if i == STARTUP + 1 => Ok(()),
            (0, w) => write!(line, " {h:<w$}"),
            (_, w) => write!(line, " {h:>w$}"),
        };
    }
    let _ = writeln!(s, "{}", paint(color, DIM, line.trim_end()));
    for r in rows {
        let knob = format!("{:<w$}", r.knob, w = width[0]);
        if !r.note.is_empty() && !has_figures(r.status) {
            let style = if r.status == VariantStatus::Failed {
                BAD
            } else {
                DIM
            };
            fill::fill_painted(s, &format!("  {knob} "), &r.note, color, style);
            continue;
        }
        let mut line = format!("  {knob}");
        for (cell, w) in cells(r, narrow).iter().zip(&width[1..]) {
            // `{:>w$}` pads by chars: `≈` is one column.
            if *w > 0 {
                let _ = write!(line, " {cell:>w$}");
            }
        }
        let saved = r.change.starts_with('-') && r.status == VariantStatus::Measured;
        let styled = if saved {
            paint(color, GOOD, line.trim_end())
        } else {
            line.trim_end().to_string()
        };
        let _ = writeln!(s, "{styled}");
        if !r.note.is_empty() {
            fill::fill_painted(s, "    ", &r.note, color, BAD);
        }
    }
}

fn features(s: &mut String, rows: &[FeatureRow], color: bool) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "  {}",
        paint(color, DIM, "without each feature the build enables:")
    );
    let name = |r: &FeatureRow| match r.enables.as_str() {
        "" => r.feature.clone(),
        dep => format!("{} (dep: {dep})", r.feature),
    };
    // As wide as the longest name, within reason (QA ai, F10: one overran the column).
    let w = rows
        .iter()
        .map(|r| name(r).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(12, 40);
    for r in rows {
        let name = name(r);
        // A name wider than its column (bat's `application` and its nine dependencies) on
        // lines of its own, what follows under it (QA cm F8: a line of 105 columns).
        let lead = match name.chars().count() > w {
            true => {
                fill::fill(s, "    ", &name);
                format!("    {:w$} ", "")
            }
            false => format!("    {name:<w$} "),
        };
        if !r.note.is_empty() && !has_figures(r.status) {
            let style = if r.status == VariantStatus::Failed {
                BAD
            } else {
                DIM
            };
            fill::fill_painted(s, &lead, &r.note, color, style);
            if !r.also.is_empty() {
                fill::fill(s, "      ", &r.also);
            }
            continue;
        }
        let mut saved = format!("saves {} {}", r.saved, r.percent);
        if !r.startup.is_empty() {
            let _ = write!(saved, ", start-up {}", r.startup);
        }
        fill::fill(s, &lead, &saved);
        if !r.also.is_empty() {
            fill::fill(s, "      ", &r.also);
        }
        if !r.note.is_empty() {
            fill::fill_painted(s, "      ", &r.note, color, BAD);
        }
        // Bytes in the file, as the saving is (QA cx F5: the crate table's `own` is in
        // memory).
        if r.crates_leaving.starts_with(super::NOT_NAMED) {
            fill::fill(s, "      leaving the binary: ", &r.crates_leaving);
        } else if !r.crates_leaving.is_empty() {
            fill::fill(
                s,
                "      leaving the binary (in the file): ",
                &r.crates_leaving,
            );
        }
        if !r.crates_shrinking.is_empty() {
            fill::fill(
                s,
                "      shrinking most (in the file): ",
                &r.crates_shrinking,
            );
        }
    }
}

fn tradeoffs(s: &mut String, a: &Advice, color: bool) {
    let shown = costs(a);
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n{}",
        paint(color, HEADER, "What each knob costs besides bytes")
    );
    for (knob, cost) in shown {
        fill::fill(s, &format!("  {knob}: "), cost);
    }
}

fn paste(s: &mut String, a: &Advice, color: bool) {
    if a.snippet.is_none() && a.rustflags_snippet.is_none() {
        if let Some(why) = no_paste(a) {
            let _ = writeln!(s, "\n{why}");
        }
        return;
    }
    let head = paste_head(a);
    let toml = a.cargo_toml_paste();
    if let Some((into, sn)) = &toml {
        let _ = writeln!(s);
        fill::fill_painted(s, "", &format!("{head} into {into}:"), color, HEADER);
        for l in sn.lines() {
            let _ = writeln!(s, "  {l}");
        }
    }
    if let Some(sn) = &a.rustflags_snippet {
        // The flags alone (one knob, no Cargo.toml lines) take the heading, not an "and".
        let lead = if toml.is_some() {
            "and".to_string()
        } else {
            head
        };
        let _ = writeln!(s);
        fill::fill_painted(s, "", &config_head(a, &lead), color, HEADER);
        for l in sn.lines() {
            let _ = writeln!(s, "  {l}");
        }
    }
    let slower = slower_knobs(a);
    if !slower.is_empty() {
        let _ = writeln!(s);
    }
    for line in slower {
        fill::fill_painted(s, "note: ", &line, color, WARN);
    }
}
