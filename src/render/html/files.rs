//! `inspect` of several files: what the terminal says of the set before the full reports, on
//! the page too (QA dq F5: a folder's page had no overview, no word of the files that are one
//! build, and its skipped paths only in the embedded JSON).

use std::fmt::Write as _;

use super::escape::text;
use super::{Cell, Table};
use crate::format::size;
use crate::render::overview::{one_link, short, symbols};
use crate::report::Report;

/// Skipped paths listed; the JSON has them all.
const SKIPPED_SHOWN: usize = 50;

/// The files inspected, one row each (a link to its report), the files that are one build,
/// and the paths not looked at; nothing for the main command or a single file.
pub fn overview(s: &mut String, report: &Report) {
    let several = report.artifacts.len() >= 2;
    if report.build.is_some() || !several && report.skipped.is_empty() {
        return;
    }
    s.push_str("<section class=\"files\" id=\"files\"><h2>Files</h2>\n");
    if several {
        let _ = writeln!(
            s,
            "<p>{} inspected:</p>",
            crate::format::count(report.artifacts.len(), "file", "files")
        );
        let mut t = Table::new(
            "files",
            &[
                ("File", false),
                ("Kind", false),
                ("Linkage", false),
                ("File size", true),
                ("Stripped", true),
                ("Symbols", false),
                ("Build-id", false),
            ],
        );
        for (i, a) in report.artifacts.iter().enumerate() {
            let b = &a.binary;
            let stripped = match b.stripped_size {
                Some(n) => Cell::Num(n as f64, size(n)),
                None => Cell::Num(f64::NAN, "–".into()),
            };
            t.row(vec![
                Cell::Text(format!(
                    "<a href=\"#a{i}\"><code>{}</code></a>",
                    text(&a.path)
                )),
                Cell::Text(text(&crate::render::facts::kind(b))),
                Cell::Text(text(b.linkage.as_str())),
                Cell::Num(b.file_size as f64, size(b.file_size)),
                stripped,
                Cell::Text(symbols(b).into()),
                Cell::Text(b.build_id.as_deref().map_or("–".into(), |id| {
                    format!("<code title=\"{}\">{}</code>", text(id), text(&short(id)))
                })),
            ]);
        }
        t.finish(s, None);
    }
    for (id, files) in one_link(report) {
        let names: Vec<String> = files
            .iter()
            .map(|f| format!("<code>{}</code>", text(f)))
            .collect();
        let _ = writeln!(
            s,
            "<p class=\"note\">{} are one build (the same build-id <code>{}</code>): copies of \
             it, stripped or not.</p>",
            names.join(", "),
            text(&short(id))
        );
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(
            s,
            "<details><summary>{} not looked at</summary><ul>",
            crate::format::count(report.skipped.len(), "path", "paths")
        );
        for f in report.skipped.iter().take(SKIPPED_SHOWN) {
            let _ = writeln!(
                s,
                "<li><code>{}</code>: {}</li>",
                text(&f.path),
                text(&f.why)
            );
        }
        if report.skipped.len() > SKIPPED_SHOWN {
            let more = report.skipped.len() - SKIPPED_SHOWN;
            let _ = writeln!(s, "<li>… and {more} more (all in the JSON report)</li>");
        }
        s.push_str("</ul></details>\n");
    }
    s.push_str("</section>\n");
}
