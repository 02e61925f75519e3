//! The renderers' words for checks and hostile runs that have no plain figure: a zero
//! baseline RSS in the Change column, an allowed crash and a failure's stderr, the commit a
//! comparison names. Markdown is read back with a GFM parser and compared with the JSON.

use crate::gate_render::{compared, failed_without_checks, hand_built, parse_markdown};
use crate::util::*;

/// Reviewer: a baseline RSS of zero has no ratio (the check is inconclusive), yet the Markdown
/// "Change" column read "new: 1.09 MiB", as for a part the baseline did not have. It says what
/// the check is, and agrees with the JSON check (no `change`, a zero `baseline`).
#[test]
fn a_zero_baseline_rss_has_no_ratio_in_the_change_column() {
    use cargo_aotcheck::report::{Memory, Probe};
    let with_rss = |kib: u64| {
        let mut r = hand_built();
        r.baseline = None;
        for a in &mut r.artifacts {
            a.checks.clear();
            a.probe = Some(Probe {
                memory_kib: Memory {
                    rss: Some(kib),
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        r
    };
    let r = compared(with_rss(1116), &with_rss(0));
    let mut json = Vec::new();
    cargo_aotcheck::render::json(&r, &mut json).expect("JSON");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    let rss = v["artifacts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "baseline.rss")
        .cloned()
        .expect("an RSS check");
    assert_eq!(rss["verdict"], "inconclusive", "{rss}");
    assert_eq!(rss["baseline"].as_f64(), Some(0.0), "{rss}");
    assert!(rss.get("change").is_none_or(|c| c.is_null()), "{rss}");
    let md = cargo_aotcheck::render::markdown::render(&r);
    let row = md
        .lines()
        .find(|l| l.starts_with('|') && l.contains("RSS at ready"))
        .unwrap_or_else(|| panic!("no RSS row in\n{md}"));
    // The row's cells as a GFM parser reads them, by the header's column names.
    let header = md
        .lines()
        .take_while(|l| *l != row)
        .filter(|l| l.starts_with("| ") && l.contains("Change"))
        .last()
        .unwrap_or_else(|| panic!("no header in\n{md}"));
    let columns = header.matches('|').count() - 1;
    let cells = table_cells(&format!("{header}\n|{}\n{row}\n", "---|".repeat(columns)));
    let at = |name: &str| {
        let i = cells[0]
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name} in {cells:?}"));
        cells[1][i].as_str()
    };
    assert_eq!(at("Change"), "no ratio (base 0 B)", "{row}");
    assert_eq!(at("Verdict"), "❔ inconclusive", "{row}");
    assert!(at("Verdict").ends_with(str_of(&rss, "verdict")), "{row}");
    assert_eq!(at("Limit / baseline"), "was 0 B", "{row}");
    // The page says the same.
    let page = cargo_aotcheck::render::html::render(&r);
    assert!(page.contains("no ratio (base 0 B)"), "no ratio on the page");
}

/// The text of each cell of the tables in `md`, row by row (the header row first).
pub(crate) fn table_cells(md: &str) -> Vec<Vec<String>> {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut rows: Vec<Vec<String>> = Vec::new();
    for e in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_GFM) {
        match e {
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => {
                if let Some(r) = rows.last_mut() {
                    r.push(String::new());
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = rows.last_mut().and_then(|r| r.last_mut()) {
                    c.push_str(&t);
                }
            }
            _ => {}
        }
    }
    rows
}

/// Reviewer: the terminal's hostile section did not say a crash was allowed (only the verdict
/// lines did), and Markdown had no stderr of a hostile failure while the terminal and the page
/// had. Both are checked against the JSON report (`hostile[].allowed`, `hostile[].detail`).
#[test]
fn hostile_allowance_in_the_terminal_and_stderr_in_markdown() {
    use cargo_aotcheck::report::Waiver;
    let mut r = failed_without_checks();
    let stderr = "thread 'main' panicked at src/x.rs:1:1:\n\
                  ```\n</details> <b>a|b</b> `tick`\n\u{1b}[31mred\u{1b}[0m\nfive\nsix\nseven";
    {
        let a = &mut r.artifacts[0];
        a.findings[0].allowed = true;
        a.findings[0].reason = Some("HOME is always set in our images".into());
        a.hostile[0].detail = Some(stderr.into());
        a.hostile[0].allowed = Some(Waiver {
            rule: "AOT004".into(),
            reason: "HOME is always set in our images".into(),
        });
    }
    r.verdict = cargo_aotcheck::gate::verdict(&r);
    let mut json = Vec::new();
    cargo_aotcheck::render::json(&r, &mut json).expect("JSON");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    let run = &v["artifacts"][0]["hostile"][0];
    let allowed = format!(
        "allowed ({}: {})",
        str_of(&run["allowed"], "rule"),
        str_of(&run["allowed"], "reason")
    );
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let human = cargo_aotcheck::render::human::render(&r, &style);
    let section = &human[human.find("hostile runs (static build)").expect("section")..];
    // The run's line, filled to 100 columns: its lines after the first are indented further
    // than the description's 6 columns.
    let lines: Vec<&str> = section.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with(str_of(run, "condition")))
        .expect("the run's line");
    let indent = |l: &str| l.len() - l.trim_start().len();
    let entry: Vec<&str> = std::iter::once(lines[at])
        .chain(
            lines[at + 1..]
                .iter()
                .copied()
                .take_while(|l| indent(l) > 6),
        )
        .collect();
    let line = entry
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(entry.iter().all(|l| l.chars().count() <= 100), "{section}");
    assert!(line.contains("crashed (SIGSEGV)"), "{line}");
    assert!(line.ends_with(&format!("; {allowed}")), "{line}");

    let md = cargo_aotcheck::render::markdown::render(&r);
    let parsed = parse_markdown(&md);
    let detail = str_of(run, "detail");
    let first: Vec<String> = detail
        .lines()
        .take(5)
        .map(|l| l.replace('\u{1b}', " "))
        .collect();
    assert!(
        parsed
            .blocks
            .iter()
            .any(|b| b.trim_end() == first.join("\n")),
        "the first lines of stderr in no code block: {:?}\n{md}",
        parsed.blocks
    );
    let text = parsed.text.join("");
    assert!(
        text.contains("the first 5 lines (2 more in the JSON report)"),
        "{text}"
    );
    // Still inside the folded block: nothing of stderr became markup.
    let closing = parsed
        .html
        .iter()
        .filter(|h| h.contains("</details>"))
        .count();
    assert_eq!(closing, 1, "{:?}\n{md}", parsed.html);
    assert!(!parsed.html.iter().any(|h| h.contains("<b>")), "{md}");
    assert!(parsed.other.is_empty(), "{:?}", parsed.other);
    // And a run no allowance covers says nothing of one.
    let plain = failed_without_checks();
    let human = cargo_aotcheck::render::human::render(&plain, &style);
    assert!(!human.contains("allowed ("), "{human}");
}

/// QA: "Compared with `git:HEAD~1 (cda84c148ebb)` (commit cda84c148ebb)": the commit once. A
/// baseline file still gets its commit, from its provenance.
#[test]
fn the_comparison_header_names_the_commit_once() {
    let mut r = hand_built();
    let commit = "cda84c148ebb0123456789abcdef0123456789ab";
    let summary = r.baseline.as_mut().expect("compared");
    if let Some(p) = summary.provenance.as_mut() {
        p.git_commit = Some(commit.into());
    }
    summary.source = "git:HEAD~1 (cda84c148ebb)".into();
    let md = cargo_aotcheck::render::markdown::render(&r);
    assert_eq!(md.matches("cda84c148ebb").count(), 1, "{md}");
    assert!(
        md.contains("Compared with `git:HEAD~1 (cda84c148ebb)`.\n"),
        "{md}"
    );
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let human = cargo_aotcheck::render::human::render(&r, &style);
    assert_eq!(human.matches("cda84c148ebb").count(), 1, "{human}");
    // The page's header of the checks: the commit once (it gave the full commit after the
    // short one); the full one stays under "how this report was made".
    let header = |page: &str| -> String {
        let at = page.find("<p>Compared with ").expect("a comparison header");
        let end = page[at..].find("</p>").expect("its end") + at;
        page[at..end].to_string()
    };
    let page = cargo_aotcheck::render::html::render(&r);
    assert_eq!(
        header(&page),
        "<p>Compared with <code>git:HEAD~1 (cda84c148ebb)</code>."
    );
    assert!(page.contains(&format!("<dd>{commit}</dd>")), "provenance");
    r.baseline.as_mut().expect("compared").source = "base.json".into();
    let md = cargo_aotcheck::render::markdown::render(&r);
    assert!(
        md.contains("Compared with `base.json` (commit cda84c148ebb)."),
        "{md}"
    );
    let page = cargo_aotcheck::render::html::render(&r);
    assert_eq!(
        header(&page),
        format!("<p>Compared with <code>base.json</code> (commit <code>{commit}</code>).")
    );
    // Saved from a tree with uncommitted changes: its code is not the commit's (QA w, F9).
    if let Some(p) = r.baseline.as_mut().and_then(|b| b.provenance.as_mut()) {
        p.git_dirty = Some(true);
    }
    let md = cargo_aotcheck::render::markdown::render(&r);
    let dirty = "(commit cda84c148ebb, with uncommitted changes)";
    assert!(md.contains(&format!("`base.json` {dirty}.")), "{md}");
    let human = cargo_aotcheck::render::human::render(&r, &style);
    assert!(human.contains(&format!("base.json {dirty}")), "{human}");
    let page = cargo_aotcheck::render::html::render(&r);
    assert!(
        header(&page).ends_with("</code>, with uncommitted changes)."),
        "{}",
        header(&page)
    );
    if let Some(p) = r.baseline.as_mut().and_then(|b| b.provenance.as_mut()) {
        p.git_dirty = Some(false);
    }
    // Its binaries probed again: said after the file's name, outside its code span (QA k), in
    // one parenthesis with the commit (QA al F6: two in a row).
    r.baseline.as_mut().expect("compared").reprobed = true;
    let md = cargo_aotcheck::render::markdown::render(&r);
    assert!(
        md.contains(
            "Compared with `base.json` (commit cda84c148ebb; its binaries kept and probed again \
             beside this run's)."
        ),
        "{md}"
    );
    let human = cargo_aotcheck::render::human::render(&r, &style);
    assert!(
        human.contains("compared with base.json (commit cda84c148ebb; its binaries kept and"),
        "{human}"
    );
    let page = cargo_aotcheck::render::html::render(&r);
    assert!(
        header(&page).starts_with("<p>Compared with <code>base.json</code> (commit <code>"),
        "{page}"
    );
    assert!(
        header(&page).contains("</code>; its binaries kept and probed again beside this run"),
        "{page}"
    );
}

/// QA aa: a crate the baseline did not have read "was 0 B" in the Markdown and page tables, as
/// if the baseline had held it empty. It reads "new" there and in JSON (`new: true`); a crate
/// the baseline had at 0 B keeps "was 0 B".
#[test]
fn a_new_crate_reads_new_and_a_crate_of_zero_bytes_was_0_b() {
    use crate::gate_words_h::{json_check, with_crates};
    let base = with_crates(&[("std", 500_000), ("emptied", 0)]);
    let r = compared(
        with_crates(&[("std", 500_000), ("emptied", 90_000), ("fresh", 80_000)]),
        &base,
    );
    let check = |id: &str| json_check(&r, id);
    assert_eq!(check("baseline.crate:fresh")["new"], true);
    assert!(check("baseline.crate:emptied").get("new").is_none());
    let md = cargo_aotcheck::render::markdown::render(&r);
    let cells = table_cells(&md);
    let row = |name: &str, header: &str| -> (String, String) {
        let h = cells
            .iter()
            .rposition(|r| r.iter().any(|c| c == header))
            .unwrap_or_else(|| panic!("no column {header} in\n{md}"));
        let col = cells[h].iter().position(|c| c == header).unwrap_or(0);
        let r = cells
            .iter()
            .filter(|r| r.iter().any(|c| c.contains(name)))
            .find(|r| r.len() == cells[h].len())
            .unwrap_or_else(|| panic!("no row of {name} in\n{md}"));
        (r[col].clone(), r.join(" | "))
    };
    let (fresh, line) = row("baseline.crate:fresh", "Limit / baseline");
    assert_eq!(fresh, "new", "{line}");
    let (emptied, line) = row("baseline.crate:emptied", "Limit / baseline");
    assert_eq!(emptied, "was 0 B", "{line}");
    let (was, line) = row("crate fresh", "Was");
    assert_eq!(was, "new", "{line}");
    let page = cargo_aotcheck::render::html::render(&r);
    // The checks' table of the page (the verdict's table before it has no baseline column).
    let page_cells = |id: &str| -> Vec<String> {
        // As the page writes an id: it may break after its kind (QA av F3).
        let (kind, name) = id.split_once(':').unwrap_or((id, ""));
        page.match_indices(&format!(">{kind}:</span><wbr><span>{name}<"))
            .map(|(at, _)| {
                let rest = &page[at..];
                rest[..rest.find("</tr>").unwrap_or(rest.len())].to_string()
            })
            .filter(|row| row.matches("<td").count() > 3)
            .collect()
    };
    let fresh = page_cells("baseline.crate:fresh");
    assert!(fresh.iter().any(|r| r.contains(">new<")), "{fresh:?}");
    assert!(!fresh.iter().any(|r| r.contains("was 0 B")), "{fresh:?}");
    let emptied = page_cells("baseline.crate:emptied");
    assert!(
        emptied.iter().any(|r| r.contains(">was 0 B<")),
        "{emptied:?}"
    );
}
