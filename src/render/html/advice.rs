//! `cargo aotcheck advise` on the page: per binary the variants (ranked, with their figures and
//! trade-offs), the features left out with the crates that leave, the lines to paste. Every
//! cell comes from `render::advice`, the same text the terminal and Markdown show.

use std::fmt::Write as _;

use super::escape::text;
use super::findings::{code, command};
use super::{Cell, Table};
use crate::render::advice::{costs, feature_rows, has_figures, rows};
use crate::report::{Advice, VariantStatus};

pub fn advice(s: &mut String, a: &Advice) {
    let _ = writeln!(
        s,
        "<section class=\"advice\" id=\"advice\"><h2>Size advice: the <code>{}</code> profile, \
         one knob at a time</h2>",
        text(&a.profile)
    );
    let probed = if a.probe_runs == 0 {
        "not probed".to_string()
    } else {
        format!(
            "startup and memory at ready are medians of {} runs per variant; they show start-up, \
             not throughput",
            a.probe_runs
        )
    };
    let _ = writeln!(
        s,
        "<p class=\"note\">Each variant is built statically as the main command builds; the \
         change is against the profile as it is. Sizes in bytes of the file; {}.</p>",
        text(&probed)
    );
    if a.interrupted {
        s.push_str("<p class=\"note\">Interrupted: the variants after the last finished one were not built.</p>\n");
    }
    for b in &a.binaries {
        let _ = writeln!(
            s,
            "<h3>{}</h3>",
            text(&format!("{} ({})", b.name, b.package))
        );
        variants(s, b);
        features(s, b);
    }
    let costs = costs(a);
    if !costs.is_empty() {
        s.push_str("<h3>What each knob costs besides bytes</h3>\n<dl class=\"costs\">\n");
        for (knob, cost) in costs {
            let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", code(knob), text(cost));
        }
        s.push_str("</dl>\n");
    }
    // The terminal's and the Markdown's headings: what the lines keep, its start-up too.
    let head = crate::render::advice::paste_head(a);
    let toml = a.cargo_toml_paste();
    if let Some((into, snippet)) = &toml {
        let words = format!("{head} into {into}:");
        let _ = writeln!(s, "<h3>{}</h3>", super::verdict::spans(&words));
        s.push_str(&command(snippet));
    }
    if let Some(snippet) = &a.rustflags_snippet {
        // With no Cargo.toml lines before it, no "And".
        let lead = if toml.is_some() { "And" } else { &head };
        let words = crate::render::advice::config_head(a, lead);
        let _ = writeln!(s, "<h3>{}</h3>", super::verdict::spans(&words));
        s.push_str(&command(snippet));
    }
    for n in crate::render::advice::slower_knobs(a)
        .iter()
        .chain(&a.notes)
    {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", super::verdict::spans(n));
    }
    s.push_str("</section>\n");
}

fn variants(s: &mut String, b: &crate::report::BinaryAdvice) {
    let mut t = Table::new(
        "variants",
        &[
            ("Knob", false),
            ("File", true),
            ("Change", true),
            ("%", true),
            ("Stripped", true),
            ("Startup", true),
            ("Memory", true),
            ("Build", true),
            ("Note", false),
        ],
    );
    for (rank, r) in rows(b).into_iter().enumerate() {
        let note = if r.note.is_empty() {
            r.tradeoff.clone()
        } else {
            r.note.clone()
        };
        let class = match r.status {
            VariantStatus::Failed | VariantStatus::NotReady => " class=\"fail\"",
            _ => "",
        };
        t.row(vec![
            Cell::Keyed(
                rank as f64,
                format!("<span{class}>{}</span>", code(&r.knob)),
            ),
            Cell::Text(text(&r.file_size)),
            Cell::Text(text(&r.change)),
            Cell::Text(text(&r.percent)),
            Cell::Text(text(&r.stripped_size)),
            Cell::Text(text(&crate::render::advice::startup_cell(&r))),
            Cell::Text(text(&r.memory)),
            Cell::Text(text(&r.build)),
            Cell::Text(text(&note)),
        ]);
    }
    t.finish(s, None);
}

fn features(s: &mut String, b: &crate::report::BinaryAdvice) {
    let rows = feature_rows(b);
    if rows.is_empty() {
        return;
    }
    s.push_str("<h4>Without each feature the build enables</h4>\n");
    let mut t = Table::new(
        "features",
        &[
            ("Feature", false),
            ("Enables", false),
            ("Saves", true),
            ("%", true),
            ("Start-up", true),
            ("Crates leaving the binary", false),
        ],
    );
    for r in rows {
        // A measured row's note (another feature built in its place) goes before its crates.
        let mut leaving = match (r.note.is_empty(), has_figures(r.status)) {
            (true, _) => r.crates_leaving.clone(),
            (false, true) if !r.crates_leaving.is_empty() => {
                format!("{}; leaving: {}", r.note, r.crates_leaving)
            }
            (false, _) => r.note.clone(),
        };
        if !r.crates_shrinking.is_empty() {
            leaving.push_str(&format!("; shrinking most: {}", r.crates_shrinking));
        }
        t.row(vec![
            Cell::Text(if r.also.is_empty() {
                code(&r.feature)
            } else {
                format!("{} ({})", code(&r.feature), text(&r.also))
            }),
            Cell::Text(text(&r.enables)),
            Cell::Text(text(&r.saved)),
            Cell::Text(text(&r.percent)),
            Cell::Text(text(&r.startup)),
            Cell::Text(text(&leaving)),
        ]);
    }
    t.finish(s, None);
}

#[cfg(test)]
mod tests {
    /// The page heads the lines to paste as the terminal and the Markdown do (what they keep,
    /// the start-up too; names as code), and gives each feature's start-up.
    #[test]
    fn the_lines_to_paste_say_what_they_keep() {
        let a = crate::render::advice::tests::advice();
        let mut s = String::new();
        super::advice(&mut s, &a);
        assert!(
            s.contains(
                "<h3>To keep the combined variant (-361 KiB -26.0%, start-up -6.6%), paste \
                 into Cargo.toml:</h3>"
            ),
            "{s}"
        );
        assert!(
            s.contains("for builds with <code>--target</code>):</h3>"),
            "{s}"
        );
        let features = s
            .split("<table")
            .find(|t| t.contains("features"))
            .unwrap_or("");
        assert!(
            features.contains("Start-up") && features.contains("0.60 ms"),
            "{s}"
        );
    }

    /// QA dq F7: a note's backtick-quoted names are code, as elsewhere on the page, not raw
    /// backticks.
    #[test]
    fn notes_quote_names_as_code() {
        let mut a = crate::render::advice::tests::advice();
        a.notes = vec![crate::report::Advice::BUSY_NOTE.to_string()];
        let mut s = String::new();
        super::advice(&mut s, &a);
        let note = s
            .lines()
            .find(|l| l.starts_with("<p class=\"note\">start-up on a busy machine"))
            .unwrap_or_else(|| panic!("{s}"));
        assert!(note.contains("a <code>≈</code> may hide"), "{note}");
        assert!(!note.contains('`'), "{note}");
    }

    /// QA dq F11: the page of `advise` is advice, not a green `pass`.
    #[test]
    fn the_advice_page_has_no_verdict() {
        let mut report = crate::report::Report::new(None);
        report.advice = Some(crate::render::advice::tests::advice());
        let page = crate::render::html::render(&report);
        assert!(
            page.contains("<h1>cargo-aotcheck <span class=\"verdict advice\">advice</span>"),
            "{}",
            &page[..page.len().min(3000)]
        );
        assert!(!page.contains("<span class=\"verdict pass\">"));
    }
}
