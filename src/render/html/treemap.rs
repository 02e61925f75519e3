//! The treemap of the bytes: one rectangle per crate, its area its loaded bytes, the crate's
//! largest symbols inside (`binary.crate_symbols`), the rest as one "N more" rectangle. A click
//! on a crate zooms into it (a link to its own pre-drawn view, shown by CSS `:target`, so it
//! works without JavaScript). Coloured by crate, or with a baseline by growth and shrinkage.

use crate::format::NAME_MAX;
use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape::{clipped, fitted, text};
use super::svg::{Rect, num, squarify};
use crate::format::{size, size_change, thousands};
use crate::report::{Artifact, Check, CheckId, Confidence, CrateSize, CrateSymbols, Report};

/// The drawing's units; the page scales it to its width.
const W: f64 = 1000.0;
const H: f64 = 560.0;
/// Height of a crate's title strip, where it has room for one.
const STRIP: f64 = 15.0;
/// Width of a character of the labels, in drawing units (12px sans-serif, about).
const CHAR: f64 = 6.6;
/// The same for a crate's label, in bold (QA as F6: `web_atoms · 574 KiB` ran past its box).
const BOLD: f64 = 7.4;

/// What a crate's rectangle is sized by: its own loaded bytes, also when the report carries
/// retained bytes. Retained sizes overlap (a crate's include those of the crates only it
/// reaches), so they cannot share out one picture; nesting by the crates' dominator tree would
/// need that tree, which the report does not carry. Retained bytes are in each crate's hover
/// text and the crate table. The one place to change the choice (the browser test checks the
/// areas against the same field of the JSON report).
pub fn weight(c: &CrateSize) -> u64 {
    c.vm_size
}

/// The fixed colours of the crates that are not crates of the build.
fn special(name: &str) -> Option<&'static str> {
    match name {
        "std" => Some("#4a6fa5"),
        "[libc]" => Some("#a0522d"),
        "[libgcc]" => Some("#c08552"),
        "[unknown]" | "[no symbol]" => Some("#8d99a6"),
        _ => None,
    }
}

const PALETTE: [&str; 9] = [
    "#e15759", "#f28e2b", "#59a14f", "#76b7b2", "#b07aa1", "#edc948", "#9c755f", "#ff9da7",
    "#4e9fd1",
];

/// Each crate's colour, the same in every treemap of the page (QA z, Z5: regex_syntax was
/// green in the static map and orange in the regular one beneath it): the crates of all
/// binaries, by their largest loaded bytes, take the palette's colours in turn.
pub fn colours(report: &Report) -> HashMap<&str, usize> {
    let mut largest: HashMap<&str, u64> = HashMap::new();
    for c in report.artifacts.iter().flat_map(|a| &a.binary.crates) {
        let w = largest.entry(c.name.as_str()).or_default();
        *w = (*w).max(weight(c));
    }
    let mut order: Vec<(&str, u64)> = largest.into_iter().collect();
    order.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    order
        .into_iter()
        .filter(|(n, _)| special(n).is_none())
        .enumerate()
        .map(|(i, (n, _))| (n, i))
        .collect()
}

/// A crate's fill: by the change against the baseline when there is one (red grows, green
/// shrinks, purple is new), else by crate (`index`, its place in [`colours`]).
fn fill(index: usize, c: &CrateSize, base: Option<&Check>) -> String {
    if let Some(ch) = base {
        let (was, now) = (ch.baseline.unwrap_or(0.0), ch.value.unwrap_or(0.0));
        if was == 0.0 && now > 0.0 {
            return "#7b3fa0".into();
        }
        let change = ch.change.unwrap_or(0.0);
        // Full colour from a quarter up or down.
        let t = (change.abs() / 0.25).min(1.0);
        let to = if change > 0.0 {
            (215, 48, 39)
        } else {
            (26, 152, 80)
        };
        let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round();
        return format!(
            "rgb({},{},{})",
            mix(140, to.0),
            mix(155, to.1),
            mix(171, to.2)
        );
    }
    special(&c.name)
        .unwrap_or(PALETTE[index % PALETTE.len()])
        .to_string()
}

fn confidence_class(c: Confidence) -> &'static str {
    c.as_str()
}

/// The crate's hover text: sizes, confidence, and the baseline's figures.
fn crate_title(c: &CrateSize, whole: u64, base: Option<&Check>) -> String {
    let share = if whole == 0 {
        0.0
    } else {
        c.vm_size as f64 * 100.0 / whole as f64
    };
    let mut t = format!(
        "{}\n{} loaded ({share:.1}%), {} in the file",
        c.name,
        size(c.vm_size),
        size(c.file_size)
    );
    let parts: Vec<String> = Confidence::ALL
        .iter()
        .filter(|k| c.confidence.get(**k) > 0)
        .map(|k| format!("{} {}", k.as_str(), size(c.confidence.get(*k))))
        .collect();
    if !parts.is_empty() {
        let _ = write!(t, "\nconfidence: {}", parts.join(", "));
    }
    if let Some(r) = c.retained {
        let _ = write!(
            t,
            "\nretained {}: what would become unreachable without it (its own reachable bytes \
             and all that only it keeps alive; a lower bound of what a build without it saves)",
            size(r)
        );
    }
    if !c.entry_points.is_empty() {
        let n = c.entry_points.len();
        let points = crate::format::count(n, "entry point", "entry points");
        let _ = write!(t, "\n{points} from other crates");
    }
    if c.instantiated_elsewhere > 0 {
        let _ = write!(
            t,
            "\n{} of its generic code instantiated in other crates",
            size(c.instantiated_elsewhere)
        );
    }
    if let Some(ch) = base {
        let (was, now) = (ch.baseline.unwrap_or(0.0), ch.value.unwrap_or(0.0));
        let small = ch.fail_min.map_or(0, |m| m as u64);
        let _ = write!(
            t,
            // The check compares the bytes in memory, as the box's size (QA w, F8).
            "\nbaseline: {} loaded, now {} ({}): {}",
            size(was as u64),
            size(now as u64),
            size_change(was as u64, now as u64, small),
            ch.verdict.as_str()
        );
        let shown = crate::gate::entry_points::shown(ch);
        if !shown.is_empty() {
            let mut names: Vec<&str> = shown.iter().take(3).map(String::as_str).collect();
            if shown.len() > 3 {
                names.push("…");
            }
            let _ = write!(
                t,
                "\nnew entry points ({}): {}",
                shown.len(),
                names.join(", ")
            );
        }
    }
    t
}

/// The baseline's check of each crate of `a`, by crate name.
fn baseline_checks(a: &Artifact) -> HashMap<&str, &Check> {
    a.checks
        .iter()
        .filter_map(|c| match &c.id {
            CheckId::BaselineCrate(name) => Some((name.as_str(), c)),
            _ => None,
        })
        .collect()
}

/// The treemap of artifact number `ai`, with its legend, in the page's `colours`; nothing
/// without attribution.
pub fn treemap(s: &mut String, a: &Artifact, ai: usize, colours: &HashMap<&str, usize>) {
    let b = &a.binary;
    let Some(cov) = &b.coverage else {
        return;
    };
    if b.crates.is_empty() {
        return;
    }
    let base = baseline_checks(a);
    // By crate: its place in `crate_symbols` (the script finds a symbol's name there) and rows.
    let symbols: HashMap<&str, (usize, &CrateSymbols)> = b
        .crate_symbols
        .iter()
        .enumerate()
        .map(|(i, m)| (m.krate.as_str(), (i, m)))
        .collect();
    let weights: Vec<f64> = b.crates.iter().map(|c| weight(c) as f64).collect();
    let rects = squarify(&weights, Rect::new(0.0, 0.0, W, H));
    let _ = writeln!(
        s,
        "<figure class=\"treemap\" id=\"tm-{ai}\"><svg class=\"tm\" viewBox=\"0 0 {W} {H}\" \
         role=\"img\" aria-label=\"treemap of the loaded bytes by crate\"><g class=\"overview\">"
    );
    let mut zooms = String::new();
    for (ci, (c, r)) in b.crates.iter().zip(&rects).enumerate() {
        let index = colours.get(c.name.as_str()).copied().unwrap_or(ci);
        let color = fill(index, c, base.get(c.name.as_str()).copied());
        let failed = base
            .get(c.name.as_str())
            .is_some_and(|ch| ch.verdict == crate::report::Verdict::Fail);
        let kind = if c.name.starts_with('[') || c.name == "std" {
            " pseudo"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<a href=\"#z-{ai}-{ci}\" class=\"crate{kind}{}\" data-crate=\"{}\" data-bytes=\"{}\">\
             <rect class=\"c\" {} fill=\"{color}\"><title>{}</title></rect>",
            if failed { " failed" } else { "" },
            text(&c.name),
            weight(c),
            r.attrs(),
            text(&crate_title(
                c,
                cov.allocated_bytes,
                base.get(c.name.as_str()).copied()
            ))
        );
        let strip = r.w > 40.0 && r.h > 2.5 * STRIP;
        let inner = r.inset(1.0, if strip { STRIP } else { 1.0 }, 1.0, 1.0);
        if let Some(&(mi, m)) = symbols.get(c.name.as_str()) {
            overview_symbols(s, m, inner, &color, mi);
            zoom(&mut zooms, ai, ci, c, m, &color, cov.allocated_bytes);
        }
        crate_label(s, c, *r, strip);
        s.push_str("</a>\n");
    }
    let _ = writeln!(s, "</g>{zooms}</svg>");
    legend(s, a, &base);
    s.push_str("</figure>\n");
}

/// The crate's name (and size, where it fits) in its title strip.
fn crate_label(s: &mut String, c: &CrateSize, r: Rect, strip: bool) {
    if !strip && r.h < 14.0 {
        return;
    }
    let full = format!("{} · {}", c.name, size(c.vm_size));
    let room = ((r.w - 6.0) / BOLD).floor().max(0.0) as usize;
    let label = if full.chars().count() <= room {
        text(&full)
    } else if c.name.chars().count() <= room {
        text(&c.name)
    } else if room >= 4 {
        fitted(&c.name, room)
    } else {
        return;
    };
    let _ = write!(
        s,
        "<text class=\"cl\" x=\"{}\" y=\"{}\">{label}</text>",
        num(r.x + 3.0),
        num(r.y + 11.5)
    );
}

/// The crate's symbols inside its rectangle: no names here (the page would carry each twice);
/// the zoomed view has them, and the script shows them on hover from the report.
fn overview_symbols(s: &mut String, m: &CrateSymbols, inner: Rect, color: &str, mi: usize) {
    let mut weights: Vec<f64> = m.symbols.iter().map(|r| r.vm_size as f64).collect();
    weights.push(m.more_vm_size as f64);
    let rects = squarify(&weights, inner);
    for (k, r) in rects.iter().enumerate() {
        // Too small to see: the crate's own colour shows there.
        if r.w < 1.5 || r.h < 1.5 {
            continue;
        }
        let class = m
            .symbols
            .get(k)
            .map_or("more", |row| confidence_class(row.confidence));
        let _ = writeln!(
            s,
            "<rect class=\"s {class}\" {} fill=\"{color}\" data-r=\"{mi}.{k}\"/>",
            r.attrs()
        );
        // The smaller symbols' box says what it is, where there is room: it is often the
        // largest shape of a crate (QA br F6: half of `[libc]`, blank in the overview).
        if class == "more" {
            let t = format!("{} more", thousands(m.more));
            symbol_label(s, &t, Some(m.more_vm_size), *r);
        }
    }
}

/// One crate drawn over the whole canvas, every listed symbol named: the target of the link.
fn zoom(
    s: &mut String,
    ai: usize,
    ci: usize,
    c: &CrateSize,
    m: &CrateSymbols,
    color: &str,
    whole: u64,
) {
    let share = if whole == 0 {
        0.0
    } else {
        c.vm_size as f64 * 100.0 / whole as f64
    };
    let _ = writeln!(
        s,
        "<g class=\"zoom\" id=\"z-{ai}-{ci}\"><rect class=\"zbg\" x=\"0\" y=\"0\" width=\"{W}\" \
         height=\"{H}\"/><a href=\"#tm-{ai}\" class=\"back\"><rect class=\"zhead\" x=\"0\" \
         y=\"0\" width=\"{W}\" height=\"20\"/><text class=\"cl\" x=\"6\" y=\"14\">← all crates \
         · {} · {} loaded ({share:.1}%) · mostly {}</text></a>",
        clipped(&c.name, 60),
        size(c.vm_size),
        c.confidence.main().as_str()
    );
    let mut weights: Vec<f64> = m.symbols.iter().map(|r| r.vm_size as f64).collect();
    weights.push(m.more_vm_size as f64);
    let rects = squarify(&weights, Rect::new(0.0, 22.0, W, H - 22.0));
    for (k, r) in rects.iter().enumerate() {
        let (class, name, title) = match m.symbols.get(k) {
            Some(row) => {
                let mut t = format!(
                    "{}\n{} loaded, {} in the file · {} · {}",
                    row.name,
                    size(row.vm_size),
                    size(row.file_size),
                    if row.section.is_empty() {
                        "no section"
                    } else {
                        &row.section
                    },
                    row.confidence.as_str()
                );
                if let Some(i) = &row.instantiated_in {
                    let _ = write!(t, " · instantiated in {i}");
                }
                if let Some(r) = row.retained_size {
                    let _ = write!(t, " · retained {}", size(r));
                }
                (confidence_class(row.confidence), row.name.clone(), t)
            }
            None if m.more == 0 => continue,
            None => {
                let t = format!("{} more, {}", thousands(m.more), size(m.more_vm_size));
                (
                    "more",
                    t.clone(),
                    format!("{t}: the smaller symbols of {}", c.name),
                )
            }
        };
        let _ = write!(
            s,
            "<rect class=\"s {class}\" {} fill=\"{color}\"><title>{}</title></rect>",
            r.attrs(),
            clipped(&title, NAME_MAX + 80)
        );
        let bytes = m.symbols.get(k).map(|row| row.vm_size);
        symbol_label(s, &name, bytes, *r);
        s.push('\n');
    }
    s.push_str("</g>\n");
}

/// A symbol's name, cut to its rectangle, and its size on a second line where it fits: left
/// out rather than cut (QA br F6: names of two letters and `3.64 K` overflowing its cell).
fn symbol_label(s: &mut String, name: &str, bytes: Option<u64>, r: Rect) {
    let room = ((r.w - 6.0) / CHAR).floor();
    if room < NAME_MIN.min(name.chars().count()) as f64 || r.h < 14.0 {
        return;
    }
    let _ = write!(
        s,
        "<text class=\"sl\" x=\"{}\" y=\"{}\">{}</text>",
        num(r.x + 3.0),
        num(r.y + 12.0),
        fitted(name, room as usize)
    );
    let bytes = bytes
        .map(size)
        .filter(|b| r.h >= 28.0 && b.chars().count() as f64 <= room);
    if let Some(bytes) = bytes {
        let _ = write!(
            s,
            "<text class=\"sl dim\" x=\"{}\" y=\"{}\">{bytes}</text>",
            num(r.x + 3.0),
            num(r.y + 25.0),
        );
    }
}

/// The fewest characters of a name worth writing (`st…` says nothing).
const NAME_MIN: usize = 6;

/// What the colours and shades mean, what the special crates are, and what was left out.
fn legend(s: &mut String, a: &Artifact, base: &HashMap<&str, &Check>) {
    let b = &a.binary;
    let total: u64 = b.crates.iter().map(weight).sum();
    let _ = write!(
        s,
        "<figcaption><b>Where the loaded bytes go</b>: {}, {} in all. Each rectangle is \
         a crate, its area its own loaded bytes; inside, its largest symbols. Click a crate to \
         zoom in; its title bar leads back. Each crate has its own colour; the shade of a \
         symbol in it says how sure its crate is (shown here in grey): <span class=\"key \
         exact\"></span>exact <span class=\"key mangled\"></span>mangled <span class=\"key \
         heuristic\"></span>heuristic <span class=\"key referenced\"></span>referenced \
         <span class=\"key dominated\"></span>dominated <span class=\"key \
         unattributed\"></span>unattributed.",
        crate::format::count(b.crates.len(), "crate", "crates"),
        size(total)
    );
    if b.crates.iter().any(|c| c.retained.is_some()) {
        s.push_str(
            " Areas are own bytes, not retained bytes: a crate's retained bytes (what would go \
             with it) include the crates only it keeps alive, so they overlap and cannot share \
             out one picture. Each crate's retained bytes are in its hover text and the crate \
             table.",
        );
    }
    if !base.is_empty() {
        s.push_str(
            " Colours against the baseline (loaded bytes): <span class=\"key grew\"></span>grew \
             <span class=\"key shrank\"></span>shrank <span class=\"key new\"></span>new; the \
             deeper the colour, the larger the change (full from 25%); a red outline failed \
             the gate. The baseline's size is in each crate's hover text.",
        );
    }
    let present = |n: &str| b.crates.iter().any(|c| c.name == n);
    for (name, what) in [
        (
            "std",
            "Rust's standard library (core, alloc and std's own dependencies folded in)",
        ),
        ("[libc]", "the C library, linked into the static binary"),
        (
            "[libgcc]",
            "the C compiler's runtime: the unwinder std's panics use, gcc's start files",
        ),
        ("[unknown]", "symbols no crate could be named for"),
        (
            "[no symbol]",
            "loaded bytes no symbol covers (constants, unwind tables, relocations)",
        ),
    ] {
        if present(name) {
            let _ = write!(s, " <b>{}</b>: {what}.", text(name));
        }
    }
    let (more, more_bytes) = b
        .crate_symbols
        .iter()
        .fold((0, 0), |(n, v), m| (n + m.more, v + m.more_vm_size));
    let listed: usize = b.crate_symbols.iter().map(|m| m.symbols.len()).sum();
    if b.crate_symbols.is_empty() {
        s.push_str(" The report lists no symbols per crate, so the crates are drawn alone.");
    } else {
        let _ = write!(
            s,
            " <span class=\"left-out\">Drawn: {} symbols, the largest of each crate; left \
             out: {} smaller ones ({}), each crate's drawn as one \"N more\" rectangle. \
             Names longer than {NAME_MAX} characters are cut.</span>",
            crate::format::thousands(listed as u64),
            crate::format::thousands(more),
            size(more_bytes)
        );
    }
    s.push_str("</figcaption>\n");
}

#[cfg(test)]
#[path = "treemap_tests.rs"]
mod tests;
