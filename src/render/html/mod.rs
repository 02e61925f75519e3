//! `--format html`: one self-contained page a team opens when a release is in question.
//!
//! The page, top to bottom: the verdict, and why it is not `pass` (every check that did not
//! pass, error finding, crash under `--hostile`, probed binary that never got ready and file
//! not inspected, each with its binary); what the run was compared with; every check, failed
//! first; then per binary target the article's charts (startup, memory, sizes: the static build
//! against the regular one with `--compare`; with `--image` the image's size too) and the
//! static-vs-regular table, and per build its facts (the reference graph's summary among them),
//! the treemap of its bytes, its crates (own and retained bytes, entry points) and symbols, the
//! `--why` chains, the audit's findings (with the chain that reaches the offending code), the
//! hostile runs, the probe's details, its image, sections and closure; the files `inspect` could
//! not read and the run's warnings; how the report was made. The JSON report itself closes the
//! page in a `<script type="application/json">` block (the script reads symbol names from it).
//!
//! Safe and self-contained: no request leaves the page (a Content-Security-Policy forbids them
//! and allows only our own style and script, by hash); it reads without JavaScript (the charts
//! and the treemap are SVG drawn here; zooming is a link and CSS `:target`), and the script
//! only adds tooltips and sorting. Every string from a crate, symbol, path, program or file is
//! escaped (`escape.rs`). Bounded for large binaries: the treemap draws the symbols the report
//! lists per crate, tables list at most [`ROWS`] rows, and the page says what it left out.

mod advice;
mod binary;
mod charts;
mod escape;
mod files;
mod findings;
mod gate;
mod graph;
mod image;
mod svg;
mod treemap;
mod verdict;

use std::collections::HashMap;
use std::fmt::Write as _;

pub use treemap::weight;

use crate::format::artifact_label;
use crate::report::{Artifact, Comparison, LinkMode, Report, Verdict};
use escape::text;

/// Rows a table shows before it says how many more there are.
pub const ROWS: usize = 100;
/// Entry points of a crate the embedded report keeps (the page shows fewer).
pub const ENTRY_POINTS: usize = 20;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// One build of a binary target, as the charts draw it.
pub struct Build<'r> {
    pub artifact: &'r Artifact,
    /// `static`, `regular`, or for `inspect` the file's name.
    pub label: String,
    /// Its colour in the charts: `b0`, `b1`.
    pub class: &'static str,
    /// The artifact's place in the report (for ids).
    pub index: usize,
}

/// The builds of one binary target (static first), and their comparison when there is one.
struct Group<'r> {
    title: String,
    builds: Vec<Build<'r>>,
    comparison: Option<&'r Comparison>,
}

fn groups(report: &Report) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    let mut keyed: Vec<(Option<&str>, &str, usize)> = Vec::new();
    for (index, a) in report.artifacts.iter().enumerate() {
        let label = match a.link_mode {
            Some(LinkMode::Static) => "static".to_string(),
            Some(LinkMode::Dynamic) => "regular".to_string(),
            None => a.name.clone(),
        };
        let key = (a.package.as_deref(), a.name.as_str());
        let found = keyed
            .iter()
            .find(|(p, n, _)| a.link_mode.is_some() && (*p, *n) == key)
            .map(|k| k.2);
        let build = |class| Build {
            artifact: a,
            label,
            class,
            index,
        };
        match found {
            Some(g) => out[g].builds.push(build("b1")),
            None => {
                keyed.push((key.0, key.1, out.len()));
                let title = match (&a.package, a.link_mode) {
                    (Some(p), Some(_)) if *p != a.name => format!("{} (package {p})", a.name),
                    (_, Some(_)) => a.name.clone(),
                    _ => a.path.clone(),
                };
                let comparison = report
                    .comparisons
                    .iter()
                    .find(|c| c.package == a.package && c.name == a.name && a.link_mode.is_some());
                out.push(Group {
                    title,
                    builds: vec![build("b0")],
                    comparison,
                });
            }
        }
    }
    for g in &mut out {
        g.builds.sort_by_key(|b| b.artifact.link_mode);
        for (i, b) in g.builds.iter_mut().enumerate() {
            b.class = if i == 0 { "b0" } else { "b1" };
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut s = String::with_capacity(256 * 1024);
    let groups = groups(report);
    let colours = treemap::colours(report);
    head(&mut s, report, &groups);
    verdict::section(&mut s, report);
    // `advise` runs no checks: no empty "Checks" section on its page (QA cf F5).
    if report.advice.is_none() || !report.artifacts.is_empty() {
        gate::summary(&mut s, report);
    }
    if let Some(a) = &report.advice {
        advice::advice(&mut s, a);
    }
    files::overview(&mut s, report);
    for (gi, g) in groups.iter().enumerate() {
        let _ = writeln!(
            s,
            "<section class=\"target\" id=\"g{gi}\"><h2>{}</h2>",
            text(&g.title)
        );
        charts::charts(&mut s, &g.builds);
        if let Some(c) = g.comparison {
            gate::comparison(
                &mut s,
                (report, c),
                crate::render::words::compared_note(report, c),
            );
        }
        for b in &g.builds {
            build(&mut s, b, &colours);
        }
        s.push_str("</section>\n");
    }
    gate::closing(&mut s, report);
    tail(&mut s, report);
    s
}

/// One build: its facts, its bytes, what the audit, the hostile runs and the probe found.
fn build(s: &mut String, b: &Build, colours: &HashMap<&str, usize>) {
    let a = b.artifact;
    let _ = writeln!(
        s,
        "<article class=\"build\" id=\"a{}\"><h3>{}</h3><p class=\"path\"><code>{}</code></p>",
        b.index,
        text(&artifact_label(a)),
        text(&a.path)
    );
    binary::facts(s, a);
    treemap::treemap(s, a, b.index, colours);
    binary::crates(s, a);
    binary::symbols(s, a);
    graph::why(s, &a.binary);
    findings::findings(s, &a.findings);
    findings::hostile(s, &a.hostile);
    findings::probe(s, a);
    image::image(s, a.image.as_deref(), b.index);
    binary::sections(s, &a.binary);
    binary::closure(s, &a.binary);
    s.push_str("</article>\n");
}

fn head(s: &mut String, report: &Report, groups: &[Group]) {
    let names: Vec<&str> = groups.iter().map(|g| g.title.as_str()).collect();
    // `advise` gates nothing: its page is advice, in grey, not a green `pass` over a project
    // whose main command may fail (QA dq F11).
    let (word, class) = match report.advice.is_some() {
        true => ("advice", "advice"),
        false => (verdict_word(report.verdict), report.verdict.as_str()),
    };
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        escape::csp_hash(STYLE),
        escape::csp_hash(SCRIPT)
    );
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n<title>{}: {}</title>\n<style>{STYLE}</style>\n\
         </head>\n<body>",
        text(&report.tool.name),
        text(&report.tool.version),
        word,
        clip_list(&names)
    );
    let _ = writeln!(
        s,
        "<header class=\"top {v}\"><h1>cargo-aotcheck <span class=\"verdict {v}\">{}</span>{}</h1>",
        word,
        match crate::render::words::none_audited(report) {
            true => " <span class=\"warn-text\">not audited</span>",
            false => "",
        },
        v = class
    );
    if crate::render::words::none_audited(report) {
        let _ = writeln!(
            s,
            "<p class=\"warn-text\">{}.</p>",
            verdict::spans(crate::render::words::NOT_AUDITED)
        );
    }
    if let Some(b) = &report.build {
        let _ = writeln!(
            s,
            "<p>{} · {} · profile <code>{}</code> · {}</p>",
            text(&b.workspace_root),
            text(&b.target),
            text(&b.profile),
            text(&b.rustc)
        );
    }
    s.push_str("<nav><ul>");
    for (gi, g) in groups.iter().enumerate() {
        let _ = write!(s, "<li><a href=\"#g{gi}\">{}</a></li>", text(&g.title));
    }
    s.push_str("<li><a href=\"#provenance\">how this report was made</a></li></ul></nav></header>\n<main>\n");
}

fn clip_list(names: &[&str]) -> String {
    let mut t = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 3 {
        let _ = write!(t, " and {} more", names.len() - 3);
    }
    escape::clipped(&t, 120)
}

/// A table cell with a verdict, coloured, that sorts by severity.
pub fn verdict_cell(v: Verdict) -> Cell {
    Cell::Keyed(
        f64::from(v as u8),
        format!(
            "<span class=\"verdict {}\">{}</span>",
            v.as_str(),
            verdict_word(v)
        ),
    )
}

pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Warn => "warn",
        Verdict::Fail => "FAIL",
    }
}

/// The JSON report for the script (and anyone who wants the figures), then the script. Its
/// long lists are cut as the tables are, to keep the page bounded: the symbol rows to [`ROWS`],
/// each crate's (and each crate check's) entry points and references to [`ENTRY_POINTS`].
fn tail(s: &mut String, report: &Report) {
    let mut shown = report.clone();
    for a in &mut shown.artifacts {
        a.binary.symbols.truncate(ROWS);
        for c in &mut a.binary.crates {
            // `entered` names its referrers by their place in `entry_points`: on the page,
            // where those are cut, they go too.
            c.entry_points.truncate(ENTRY_POINTS);
            c.entered.clear();
        }
        for c in &mut a.checks {
            c.entry_points.truncate(ENTRY_POINTS);
            c.new_entries.truncate(ENTRY_POINTS);
        }
    }
    let json = serde_json::to_string(&super::document(&shown)).unwrap_or_else(|_| "null".into());
    let _ = writeln!(
        s,
        "</main>\n<script type=\"application/json\" id=\"aotcheck-report\">{}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>",
        escape::json_script(&json)
    );
}

/// A table, sortable by a click on its header when the script runs.
pub struct Table {
    s: String,
    rows: usize,
}

/// A cell: its HTML, and for a number (or a verdict) the value it sorts by.
pub enum Cell {
    Text(String),
    Num(f64, String),
    /// Sorted by the value, written as text (left-aligned).
    Keyed(f64, String),
}

impl Table {
    /// `headers`: the title of each column, and whether it holds numbers (right-aligned).
    pub fn new(class: &str, headers: &[(&str, bool)]) -> Table {
        let mut s = format!("<div class=\"scroll\"><table class=\"sortable {class}\"><thead><tr>");
        for (h, numeric) in headers {
            let _ = write!(
                s,
                "<th{}>{h}</th>",
                if *numeric { " class=\"num\"" } else { "" }
            );
        }
        s.push_str("</tr></thead><tbody>\n");
        Table { s, rows: 0 }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows += 1;
        self.s.push_str("<tr>");
        for c in cells {
            match c {
                Cell::Text(h) => {
                    let _ = write!(self.s, "<td>{h}</td>");
                }
                Cell::Num(v, h) => {
                    let _ = write!(self.s, "<td class=\"num\" data-v=\"{v}\">{h}</td>");
                }
                Cell::Keyed(v, h) => {
                    let _ = write!(self.s, "<td data-v=\"{v}\">{h}</td>");
                }
            }
        }
        self.s.push_str("</tr>\n");
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The table, with a note below on the rows it left out.
    pub fn finish(mut self, s: &mut String, left_out: Option<String>) {
        self.s.push_str("</tbody></table></div>\n");
        s.push_str(&self.s);
        if let Some(n) = left_out {
            let _ = writeln!(s, "<p class=\"note\">{n}</p>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's own style and script are inlined: nothing in them may end their element.
    #[test]
    fn our_style_and_script_cannot_end_their_elements() {
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!SCRIPT.contains("<!--"));
    }

    /// No request can leave the page: the policy allows nothing but our two inline elements.
    #[test]
    fn the_policy_allows_only_our_style_and_script() {
        let page = render(&Report::new(None));
        let csp = format!(
            "content=\"default-src 'none'; style-src {}; script-src {}; base-uri 'none'; \
             form-action 'none'\"",
            escape::csp_hash(STYLE),
            escape::csp_hash(SCRIPT)
        );
        assert!(page.contains(&csp), "{page}");
        assert_eq!(page.matches("<script").count(), 2);
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(!page.contains(" src="), "a resource to load");
    }

    /// QA ci F10: warnings worded for the terminal showed their backticks raw, and a traced
    /// run "opened 1 files".
    #[test]
    fn warnings_show_their_names_as_code_and_one_file_is_one() {
        let mut report = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        let mut image = crate::report::test_image(serde_json::json!({
            "outcome": "failed", "runs": 0, "failures": 1,
            "reason": "the run on the host had `HOME=/tmp/h`"
        }));
        image.warnings = vec!["`rustls_native_certs` reads <certs>".into()];
        image.trace.opened = 1;
        a.image = Some(Box::new(image));
        report.artifacts.push(a);
        report.warnings = vec!["set `HOME`".into()];
        let page = render(&report);
        assert!(
            page.contains("<code>rustls_native_certs</code> reads &lt;certs&gt;"),
            "{page}"
        );
        assert!(page.contains("<li>set <code>HOME</code></li>"), "{page}");
        assert!(page.contains("a traced run opened 1 file ("), "{page}");
        // QA ck F3: and the reason a start inside failed.
        assert!(page.contains("had <code>HOME=/tmp/h</code>"), "{page}");
        // The report's JSON, embedded for the script, keeps them as written.
        let shown = page.split("<script").next().unwrap_or_default();
        assert!(!shown.contains('`'), "{shown}");
    }
}
