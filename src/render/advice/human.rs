//! The terminal's advice: the tables laid out, the trade-offs, the lines to paste, the notes.

use std::fmt::Write as _;

use super::{FeatureRow, Row, costs, feature_rows, has_figures, no_paste, pct, rows};
use super::{slower_knobs, startup_short};
use crate::format::signed_size;
use crate::output::{BAD, DIM, GOOD, HEADER, WARN, paint};
use crate::render::Style;
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
    wrap(&mut s, "  now: ", &now.join(", "));
    for b in &a.binaries {
        let _ = writeln!(s);
        let mut title = b.name.clone();
        if b.package != b.name {
            let _ = write!(title, " (package {})", b.package);
        }
        let _ = writeln!(s, "{}", paint(c, HEADER, &title));
        table(&mut s, &rows(b), c);
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
        wrap(
            &mut s,
            "note: ",
            "not probed (--no-probe): no start-up or memory figures",
        );
    }
    for n in &a.notes {
        wrap(&mut s, "note: ", n);
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

/// A row's cells after the variant's name, in [`HEAD`]'s order.
fn cells(r: &Row) -> [&str; 9] {
    [
        &r.file_size,
        &r.change,
        &r.percent,
        &r.stripped_size,
        &r.stripped_percent,
        &r.startup,
        &r.startup_change,
        &r.memory,
        &r.build,
    ]
}

/// The start-up's column and its change's, under one heading.
const STARTUP: usize = 6;

/// Each column as wide as its widest cell or heading, so that no figure pushes the ones after
/// it out of line (a start-up of `not ready`, a change of `+0.003%`). The start-up's heading
/// spans its change's column too (0 wide when no variant has one: not written then).
fn widths(rows: &[Row]) -> [usize; 10] {
    let mut w = HEAD.map(|h| h.chars().count());
    w[STARTUP] = 0;
    for r in rows {
        w[0] = w[0].max(r.knob.chars().count());
        if r.note.is_empty() || has_figures(r.status) {
            for (i, c) in cells(r).iter().enumerate() {
                w[i + 1] = w[i + 1].max(c.chars().count());
            }
        }
    }
    let change = w[STARTUP + 1] + usize::from(w[STARTUP + 1] > 0);
    w[STARTUP] = w[STARTUP].max(HEAD[STARTUP].chars().count().saturating_sub(change));
    w
}

fn table(s: &mut String, rows: &[Row], color: bool) {
    let width = widths(rows);
    let spans = |i: usize| i != STARTUP + 1 || width[i] > 0;
    let mut line = String::from(" ");
    for (i, (h, w)) in HEAD.iter().zip(width).enumerate() {
        let _ = match i {
            0 => write!(line, " {h:<w$}"),
            STARTUP => {
                let w = w + width[STARTUP + 1] + usize::from(width[STARTUP + 1] > 0);
                write!(line, " {h:>w$}")
            }
            i if i == STARTUP + 1 => Ok(()),
            _ => write!(line, " {h:>w$}"),
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
            wrap_in(s, &format!("  {knob} "), &r.note, Some((color, style)));
            continue;
        }
        let mut line = format!("  {knob}");
        for (i, (cell, w)) in cells(r).iter().zip(&width[1..]).enumerate() {
            // `{:>w$}` pads by chars: `≈` is one column.
            if spans(i + 1) {
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
            wrap_in(s, "    ", &r.note, Some((color, BAD)));
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
        paint(color, DIM, "without each default feature:")
    );
    for r in rows {
        let mut name = r.feature.clone();
        if !r.enables.is_empty() {
            let _ = write!(name, " (dep: {})", r.enables);
        }
        if !r.note.is_empty() && !has_figures(r.status) {
            let style = if r.status == VariantStatus::Failed {
                BAD
            } else {
                DIM
            };
            wrap_in(
                s,
                &format!("    {name:<24} "),
                &r.note,
                Some((color, style)),
            );
            if !r.also.is_empty() {
                wrap(s, "      ", &r.also);
            }
            continue;
        }
        let saved = format!("saves {} {}", r.saved, r.percent);
        let _ = writeln!(s, "    {name:<24} {saved}");
        if !r.also.is_empty() {
            wrap(s, "      ", &r.also);
        }
        if !r.note.is_empty() {
            wrap_in(s, "      ", &r.note, Some((color, BAD)));
        }
        if !r.crates_leaving.is_empty() {
            wrap(s, "      leaving the binary: ", &r.crates_leaving);
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
        wrap(s, &format!("  {knob}: "), cost);
    }
}

fn paste(s: &mut String, a: &Advice, color: bool) {
    if a.snippet.is_none() && a.rustflags_snippet.is_none() {
        if let Some(why) = no_paste(a) {
            let _ = writeln!(s, "\n{why}");
        }
        return;
    }
    let saved = a
        .binaries
        .iter()
        .filter_map(|b| b.combined.as_ref()?.measured.change.as_ref())
        .next();
    let head = match saved {
        Some(c) => {
            let startup = startup_short(c).map_or_else(String::new, |w| format!(", {w}"));
            format!(
                "To keep the combined variant ({} {}{startup}), paste",
                signed_size(c.file_size.into()),
                pct(c.file_size_percent)
            )
        }
        None => "To keep the knob that saved bytes, paste".into(),
    };
    let toml = a.cargo_toml_paste();
    if let Some((into, sn)) = &toml {
        let _ = writeln!(
            s,
            "\n{}",
            paint(color, HEADER, &format!("{head} into {into}:"))
        );
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
        let _ = writeln!(
            s,
            "\n{}",
            paint(
                color,
                HEADER,
                &format!(
                    "{lead} into .cargo/config.toml (the static build's flags, for builds \
                     with --target):"
                )
            )
        );
        for l in sn.lines() {
            let _ = writeln!(s, "  {l}");
        }
    }
    let slower = slower_knobs(a);
    if !slower.is_empty() {
        let _ = writeln!(s);
    }
    for line in slower {
        wrap_in(s, "note: ", &line, Some((color, WARN)));
    }
}

/// `text` after `lead`, wrapped at 100 columns under the lead.
fn wrap(s: &mut String, lead: &str, text: &str) {
    wrap_in(s, lead, text, None);
}

/// As [`wrap`], each line of `text` painted with `style` when given.
fn wrap_in(s: &mut String, lead: &str, text: &str, style: Option<(bool, anstyle::Style)>) {
    let width = lead.chars().count().min(40);
    let room = 100 - width;
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let lead = if i == 0 {
            lead.to_string()
        } else {
            " ".repeat(width)
        };
        let text = style.map_or_else(|| line.clone(), |(on, st)| paint(on, st, line));
        let _ = writeln!(s, "{lead}{text}");
    }
}
