//! `cargo aotcheck advise` in Markdown: the same tables as the terminal's
//! (`render::advice`'s rows), the lines to paste and what each knob costs.

use std::fmt::Write as _;

use super::escape;
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
                note => format!("{} ({})", knob(&r.knob), escape(note)),
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
            let _ = writeln!(s, "| {} | {} | | | | | | |", knob(&r.knob), escape(&r.note));
        }
    }
    let f = crate::render::advice::feature_rows(b);
    if !f.is_empty() {
        let _ = writeln!(
            s,
            "\n| without feature | saves | crates leaving the binary |"
        );
        let _ = writeln!(s, "|---|---:|---|");
        for r in f {
            let saved = match (
                crate::render::advice::has_figures(r.status),
                r.note.is_empty(),
            ) {
                (true, true) => format!("{} {}", r.saved, r.percent),
                (true, false) => format!("{} {} ({})", r.saved, r.percent, escape(&r.note)),
                (false, _) => escape(&r.note),
            };
            let feature = if r.also.is_empty() {
                r.feature.clone()
            } else {
                format!("{} ({})", r.feature, r.also)
            };
            let _ = writeln!(
                s,
                "| {} | {saved} | {} |",
                escape(&feature),
                escape(&r.crates_leaving)
            );
        }
    }
    let _ = writeln!(s);
}

/// `cargo aotcheck advise`: the same tables as the terminal's (`super::advice`'s rows).
pub(super) fn render(a: &Advice) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### Size advice for the {} profile\n",
        escape(&a.profile)
    );
    for b in &a.binaries {
        advice_binary(&mut s, b);
    }
    let config = a
        .rustflags_snippet
        .clone()
        .map(|sn| (".cargo/config.toml".to_string(), sn));
    for (title, sn) in [a.cargo_toml_paste(), config].into_iter().flatten() {
        let _ = writeln!(
            s,
            "Paste into {}:\n\n```toml\n{}```\n",
            escape(&title),
            sn.replace("```", "'''")
        );
    }
    let slower = crate::render::advice::slower_knobs(a);
    for line in &slower {
        let _ = writeln!(s, "- note: {}", super::escape::spans(line, false));
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
        let _ = writeln!(s, "- {}", escape(n));
    }
    s
}
