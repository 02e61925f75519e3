//! `cargo aotcheck advise` in Markdown: the same tables as the terminal's
//! (`render::advice`'s rows), the lines to paste and what each knob costs.

use std::fmt::Write as _;

use super::escape;
use super::escape::spans;
use crate::report::Advice;

/// A variant's knob in a table cell: as written in a profile or on rustc's command line, a
/// code span (`-C relocation-model=static` read `\-C` raw, QA r); the base's and the combined
/// variant's names as text.
fn knob(k: &str) -> String {
    if k.starts_with('(') || k == "combined" {
        escape(k)
    } else {
        super::escape::cell(k)
    }
}

/// One binary's variants and features, as tables.
fn advice_binary(s: &mut String, b: &crate::report::BinaryAdvice) {
    let _ = writeln!(s, "#### {}\n", escape(&b.name));
    let _ = writeln!(
        s,
        "| variant | file size | change | stripped | change | start-up | memory | build |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in crate::render::advice::rows(b) {
        if crate::render::advice::has_figures(r.status) {
            // A note beside figures says why the binary never got ready.
            let knob = match r.note.as_str() {
                "" => knob(&r.knob),
                note => format!("{}: {}", knob(&r.knob), spans(note, true)),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} {} | {} | {} | {} | {} | {} |",
                knob,
                r.file_size,
                r.change,
                r.percent,
                r.stripped_size,
                r.stripped_percent,
                crate::render::advice::startup_cell(&r),
                r.memory,
                r.build
            );
        } else {
            // The note beside the name, not in the right-aligned figures (QA ai, F9).
            let _ = writeln!(
                s,
                "| {}: {} | | | | | | | |",
                knob(&r.knob),
                spans(&r.note, true)
            );
        }
    }
    let f = crate::render::advice::feature_rows(b);
    if !f.is_empty() {
        let _ = writeln!(
            s,
            "\n| without feature | saves | start-up | crates leaving the binary |"
        );
        let _ = writeln!(s, "|---|---:|---:|---|");
        for r in f {
            let saved = match (
                crate::render::advice::has_figures(r.status),
                r.note.is_empty(),
            ) {
                (true, true) => format!("{} {}", r.saved, r.percent),
                (true, false) => format!("{} {} ({})", r.saved, r.percent, spans(&r.note, true)),
                (false, _) => spans(&r.note, true),
            };
            // The feature's name as code, as the knobs' are (QA aj, F7).
            let feature = match r.also.as_str() {
                "" => super::escape::cell(&r.feature),
                also => format!(
                    "{} ({})",
                    super::escape::cell(&r.feature),
                    spans(also, true)
                ),
            };
            let _ = writeln!(
                s,
                "| {} | {saved} | {} | {} |",
                feature,
                r.startup,
                escape(&match r.crates_shrinking.is_empty() {
                    true => r.crates_leaving.clone(),
                    false => format!(
                        "{}; shrinking most: {}",
                        r.crates_leaving, r.crates_shrinking
                    ),
                })
            );
        }
    }
    let _ = writeln!(s);
}

/// `cargo aotcheck advise`: the same tables as the terminal's (`super::advice`'s rows), with
/// the run's warnings (`warnings`): a busy machine's caveat above the tables, as the main
/// command's comment puts it (QA ai, F1: the Markdown had none).
pub(super) fn render(a: &Advice, warnings: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### Size advice for the {} profile\n",
        escape(&a.profile)
    );
    let (busy, others): (Vec<&String>, Vec<&String>) =
        warnings.iter().partition(|w| crate::probe::busy(w, false));
    if !busy.is_empty() {
        let _ = writeln!(s, "> ⚠️ **The start-up figures may not hold:**");
        for w in busy {
            let _ = writeln!(s, "> - {}", spans(w, false));
        }
        s.push('\n');
    }
    for b in &a.binaries {
        advice_binary(&mut s, b);
    }
    paste(&mut s, a);
    for w in &others {
        let _ = writeln!(s, "- ⚠️ {}", spans(w, false));
    }
    if !others.is_empty() {
        s.push('\n');
    }
    let slower = crate::render::advice::slower_knobs(a);
    for line in &slower {
        let _ = writeln!(s, "- note: {}", spans(line, false));
    }
    if !slower.is_empty() {
        let _ = writeln!(s);
    }
    let costs: Vec<String> = crate::render::advice::costs(a)
        .into_iter()
        .map(|(knob, cost)| format!("- {}: {}", super::code(knob), escape(cost)))
        .collect();
    if !costs.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>What each knob costs besides bytes</summary>\n\n{}\n\n</details>\n",
            costs.join("\n")
        );
    }
    // The terminal's notes, in the same words (QA r: empty start-up and memory columns said
    // nothing of why).
    if a.interrupted {
        let _ = writeln!(
            s,
            "- note: the run was interrupted: what was not built or probed is missing"
        );
    }
    if a.probe_runs == 0 {
        let _ = writeln!(
            s,
            "- note: not probed (`--no-probe`): no start-up or memory figures"
        );
    }
    for n in &a.notes {
        let _ = writeln!(s, "- {}", spans(n, false));
    }
    s
}

/// The lines to paste under the terminal's headings, which say what they keep (QA ai, F2:
/// the combined variant's start-up was missing; F3: its names as code spans).
fn paste(s: &mut String, a: &Advice) {
    let head = crate::render::advice::paste_head(a);
    let toml = a.cargo_toml_paste();
    if let Some((into, sn)) = &toml {
        let _ = writeln!(s, "{}:\n", spans(&format!("{head} into {into}"), false));
        fence(s, sn);
    }
    if let Some(sn) = &a.rustflags_snippet {
        let lead = if toml.is_some() { "And" } else { &head };
        let _ = writeln!(
            s,
            "{}\n",
            spans(&crate::render::advice::config_head(a, lead), false)
        );
        fence(s, sn);
    }
}

/// A TOML snippet fenced (a fence in it could not close ours).
fn fence(s: &mut String, snippet: &str) {
    let _ = writeln!(s, "```toml\n{}```\n", snippet.replace("```", "'''"));
}
