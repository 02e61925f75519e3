//! `inspect` of several files: one line each before the full reports, and the files that are
//! one link (QA cf F9: a folder of artifacts had no overview, and a binary and its stripped
//! copy, with the same build-id, were two full reports with no word that they are one build).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Style;
use crate::format::size;
use crate::output::{HEADER, paint};
use crate::report::{Binary, Report};

/// Hex digits of a build-id shown (`readelf -n` prints it whole; the JSON has it whole).
const ID: usize = 12;
/// The build-id's column: its digits shown and the ellipsis.
const ID_CELL: usize = ID + 1;

/// The overview of `inspect`'s files, when it was given (or found) two or more.
pub fn render(s: &mut String, report: &Report, style: &Style) {
    if report.build.is_some() || report.artifacts.len() < 2 {
        return;
    }
    // The path last and whole, so that it can be copied (QA da F8: `…ease/deps/tokei-…`).
    let paths: Vec<String> = report
        .artifacts
        .iter()
        .map(|a| crate::format::printable(&a.path, false).into_owned())
        .collect();
    // Files of more than one format or machine say which each is (QA dn F21: ELF, PE and
    // Mach-O of three machines read alike).
    let kinds: Vec<String> = report
        .artifacts
        .iter()
        .map(|a| super::facts::kind(&a.binary))
        .collect();
    let kind_width = match kinds.iter().all(|k| *k == kinds[0]) {
        true => 0,
        false => kinds.iter().map(String::len).max().unwrap_or(0).max(4),
    };
    let kind = |k: &str| match kind_width {
        0 => String::new(),
        w => format!("{k:<w$}  "),
    };
    let head = format!(
        "  {:<14}  {}{:>10}  {:>10}  {:<7}  {:<ID_CELL$}  file",
        "linkage",
        kind("kind"),
        "file size",
        "stripped",
        "symbols",
        "build-id"
    );
    // The paths passed over are listed at the end, below every file's report: said here too
    // (QA ds F2: a folder's seven skipped paths read as not reported).
    let skipped = match report.skipped.len() {
        0 => String::new(),
        n => format!(
            "; {} not looked at (listed at the end)",
            crate::format::count(n, "path", "paths")
        ),
    };
    let _ = writeln!(
        s,
        "{} inspected{skipped}:\n{}",
        crate::format::count(report.artifacts.len(), "file", "files"),
        paint(style.color, HEADER, &head)
    );
    for ((a, path), k) in report.artifacts.iter().zip(&paths).zip(&kinds) {
        let b = &a.binary;
        let _ = writeln!(
            s,
            "  {:<14}  {}{:>10}  {:>10}  {:<7}  {:<ID_CELL$}  {path}",
            b.linkage.as_str(),
            kind(k),
            size(b.file_size),
            b.stripped_size.map_or_else(|| "-".to_string(), size),
            symbols(b),
            b.build_id.as_deref().map_or("-".to_string(), short),
        );
    }
    for (id, files) in one_link(report) {
        let line = format!(
            "{} are one build (the same build-id {}): copies of it, stripped or not",
            crate::format::quoted(&files),
            short(id)
        );
        super::fill::fill(s, "  ", &line);
    }
    s.push('\n');
}

/// Whether the file keeps its symbol table: `yes`, `no` (stripped), `-` outside ELF.
pub(crate) fn symbols(b: &Binary) -> &'static str {
    match b.symtab_size {
        Some(n) if n > 0 => "yes",
        Some(_) => "no",
        None => "-",
    }
}

pub(crate) fn short(id: &str) -> String {
    match id.get(..ID) {
        Some(head) if id.len() > ID => format!("{head}…"),
        _ => id.to_string(),
    }
}

/// The build-ids two or more files share, each with its files' paths (in report order).
pub(crate) fn one_link(report: &Report) -> Vec<(&str, Vec<&str>)> {
    let mut by_id: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in &report.artifacts {
        if let Some(id) = a.binary.build_id.as_deref() {
            by_id.entry(id).or_default().push(&a.path);
        }
    }
    by_id.into_iter().filter(|(_, f)| f.len() > 1).collect()
}
