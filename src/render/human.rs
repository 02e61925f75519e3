//! The terminal report: a compact, aligned summary per binary that fits 100 columns.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as row;
use crate::format::{size, thousands};
use crate::output::{BAD, DIM, HEADER, WARN, paint};
use crate::report::{Artifact, Binary, LinkMode, Linkage, Report};

/// Binaries from which their parts are written on several threads.
const PARALLEL_FROM: usize = 32;

/// How many sections are listed before the rest is folded into one line.
const SECTIONS_SHOWN: usize = 12;

pub fn render(report: &Report, style: &Style) -> String {
    let mut s = String::new();
    if let Some(a) = &report.advice {
        s.push_str(&super::advice::human(a, style));
        for w in &report.warnings {
            let lead = format!("{}: ", paint(style.color, WARN, "warning"));
            super::fill::fill(&mut s, &lead, w);
        }
        return s;
    }
    super::gate::header(&mut s, report, style);
    super::overview::render(&mut s, report, style);
    // Each binary's part on its own (`inspect` of a folder: for 1,199 files, 22 of the run's
    // 300 ms when written one after the other).
    let parts = crate::threads::map_in_order(&report.artifacts, PARALLEL_FROM, |a| {
        let mut part = String::new();
        artifact(&mut part, a, audited(report, a), style);
        super::probe::artifact(&mut part, a, style);
        part
    });
    s.push_str(&parts.join("\n"));
    super::probe::comparisons(&mut s, report, style);
    if !report.failed.is_empty() {
        let head = format!(
            "{} not inspected:",
            crate::format::count(report.failed.len(), "file", "files")
        );
        let _ = writeln!(s, "\n{}", paint(style.color, BAD, &head));
        // Filled, as the warnings are (QA ap F9: a malformed file's line of 142 columns).
        for f in &report.failed {
            super::fill::fill(&mut s, &format!("  {}: ", f.path), &f.error);
        }
    }
    skipped(&mut s, report, style);
    for w in &report.warnings {
        let lead = format!("{}: ", paint(style.color, WARN, "warning"));
        super::fill::fill(&mut s, &lead, w);
    }
    super::gate::footer(&mut s, report, style);
    s
}

/// Paths listed of those `inspect` passed over; the JSON report has them all.
const SKIPPED_SHOWN: usize = 10;

/// What `inspect` did not look at in the directories it walked (QA t, D4).
fn skipped(s: &mut String, report: &Report, style: &Style) {
    if report.skipped.is_empty() {
        return;
    }
    let head = format!(
        // Not "in the directories": a file named twice, or with its hard link, is one too
        // (QA dc F6).
        "{} not looked at:",
        crate::format::count(report.skipped.len(), "path", "paths")
    );
    let _ = writeln!(s, "\n{}", paint(style.color, DIM, &head));
    for f in report.skipped.iter().take(SKIPPED_SHOWN) {
        let _ = writeln!(
            s,
            "  {}: {}",
            crate::format::printable(&f.path, false),
            f.why
        );
    }
    if report.skipped.len() > SKIPPED_SHOWN {
        let more = report.skipped.len() - SKIPPED_SHOWN;
        let _ = writeln!(s, "  ... and {more} more (all in the JSON report)");
    }
}

fn with_bytes(n: u64) -> String {
    format!("{} ({} B)", size(n), thousands(n))
}

/// Whether the audit's findings of `a`'s binary are `a`'s: those of a binary the tool built go
/// to its static build, else to its dynamic one (`--link dynamic`), as the audit stage puts them.
fn audited(report: &Report, a: &Artifact) -> bool {
    let static_twin = |b: &Artifact| {
        b.package == a.package && b.name == a.name && b.link_mode == Some(LinkMode::Static)
    };
    a.package.is_some() && (static_twin(a) || !report.artifacts.iter().any(static_twin))
}

/// `audited`: the audit's findings of its binary are this artifact's (see [`audited`]).
fn artifact(s: &mut String, a: &Artifact, audited: bool, st: &Style) {
    let mut title = a.name.clone();
    if let Some(p) = a.package.as_ref().filter(|p| **p != a.name) {
        let _ = write!(title, " (package {p})");
    }
    // The dynamic build is the regular one, as the comparison names it (QA af, F13: "dynamic
    // build" here, "static vs regular build" there, read as two builds).
    match a.link_mode {
        Some(LinkMode::Dynamic) => title.push_str(" · regular build (dynamic)"),
        Some(m) => {
            let _ = write!(title, " · {} build", m.as_str());
        }
        None => {}
    }
    let title = crate::format::printable(&title, false);
    let _ = writeln!(s, "{}", paint(st.color, HEADER, &title));
    let path = crate::format::printable(&a.path, false);
    let _ = writeln!(s, "  {}", paint(st.color, DIM, &path));
    binary(s, &a.binary, st);
    // An audit that found nothing says so, apart from one that did not run (QA ad).
    if a.findings.is_empty() && audited {
        row(
            s,
            st.color,
            "findings",
            "none (`cargo aotcheck explain` lists the rules)",
        );
    }
    // `inspect FILE`: no audit ran, which no findings line would leave unsaid (QA az F5: a
    // static glibc binary with a reachable `getpwuid_r`, and a clean-looking report).
    if a.package.is_none() && a.findings.is_empty() {
        // `--why` needs symbol names: not offered for a stripped file (QA be F5), nor for
        // another machine's code, which has no graph (QA do F11).
        let graph = a.binary.arch == "x86_64";
        let why = match graph && a.binary.symtab_size.is_some_and(|n| n > 0) {
            true => "; `--why getpwuid_r` and the like show what the file calls",
            false => "",
        };
        row(
            s,
            st.color,
            "findings",
            &format!(
                "not audited: `inspect` reads the file alone, and the audit needs its cargo \
                 project (run `cargo aotcheck` there){why}"
            ),
        );
    }
    super::audit::findings(s, &a.findings, st);
    super::hostile::render(s, &a.hostile, st.color);
    super::image::human(s, a, st);
    super::gate::checks(s, a, st);
}

fn binary(s: &mut String, b: &Binary, st: &Style) {
    let c = st.color;
    row(s, c, "format", &super::facts::format_line(b));
    row(s, c, "linkage", &linkage(b));
    if let Some(i) = &b.interpreter {
        row(s, c, "interpreter", i);
    }
    if let Some(n) = &b.soname {
        row(s, c, "soname", n);
    }
    if !b.needed.is_empty() {
        row(s, c, "needed", &b.needed.join(", "));
    }
    if !b.rpath.is_empty() {
        row(s, c, "rpath", &b.rpath.join(":"));
    }
    if !b.runpath.is_empty() {
        row(s, c, "runpath", &b.runpath.join(":"));
    }
    row(s, c, "file size", &with_bytes(b.file_size));
    let stripped = match b.stripped_size {
        Some(n) => {
            let mut v = with_bytes(n);
            if let Some(d) = b.debug_size.filter(|d| *d > 0) {
                let _ = write!(v, "; debug info {}", size(d));
            }
            if let Some(t) = b.symtab_size.filter(|t| *t > 0) {
                let _ = write!(v, "; symbols {}", size(t));
            }
            v
        }
        // No section headers (`sstrip`): GNU `strip` refuses the file (QA dj F8).
        None if b.format == "elf"
            && b.elf_type.as_deref() != Some("REL")
            && b.sections.is_empty() =>
        {
            "not computed: the file has no section headers, and GNU strip refuses it (\"has no \
             sections\")"
                .into()
        }
        // An object (`.o`): no program headers, so no layout that `strip` keeps (QA q).
        None if b.format == "elf" => {
            "not computed for a file without program headers (an object: strip lays it \
             out anew)"
                .into()
        }
        // PE and Mach-O can be stripped too: what strip leaves is worked out for ELF only
        // (QA dn F11: "n/a" read as if the format had nothing to strip).
        None => "not computed outside ELF".into(),
    };
    row(s, c, "stripped", &stripped);
    glibc(s, b, c);
    super::closure::render(s, b, st);
    row(
        s,
        c,
        "build-id",
        b.build_id.as_deref().unwrap_or(match b.format.as_str() {
            "elf" | "mach-o" => "none",
            _ => "n/a for this format",
        }),
    );
    if let Some(n) = b.init_array_entries {
        row(
            s,
            c,
            "init_array",
            &format!(
                "{} {}",
                crate::format::count(n as usize, "constructor entry", "constructor entries"),
                super::facts::constructors_run(b)
            ),
        );
    }
    sections(s, b, st);
    super::size::render(s, b, st);
    super::why::render(s, b, st);
}

/// The linkage row: static or dynamic, and what that means for this file.
fn linkage(b: &Binary) -> String {
    match b.linkage {
        Linkage::Static | Linkage::StaticPie if b.format == "elf" => {
            format!(
                "{} (no interpreter, no shared libraries)",
                b.linkage.as_str()
            )
        }
        Linkage::Static | Linkage::StaticPie => {
            format!("{} (imports no shared libraries)", b.linkage.as_str())
        }
        // Started by its loader though it needs no library (a Mach-O that names dyld: QA dn
        // F4).
        Linkage::Dynamic if b.needed.is_empty() && b.interpreter.is_some() => {
            "dynamic (started by its interpreter; no shared library needed)".into()
        }
        Linkage::Dynamic | Linkage::SharedLibrary => {
            // An executable that needs libraries and names no loader cannot start (AOT012).
            let stranded = b.stranded();
            format!(
                "{} ({} needed{})",
                b.linkage.as_str(),
                crate::format::count(b.needed.len(), "shared library", "shared libraries"),
                match (stranded, b.needed.len()) {
                    (false, _) => "",
                    (true, 1) => ", but no interpreter to load it: it cannot start",
                    (true, _) => ", but no interpreter to load them: it cannot start",
                }
            )
        }
        Linkage::Unknown => "unknown for this kind of file".into(),
    }
}

fn glibc(s: &mut String, b: &Binary, c: bool) {
    let text = match &b.glibc_floor {
        Some(g) => {
            let shown: Vec<&str> = g.symbols.iter().take(4).map(String::as_str).collect();
            let more = g.symbols.len().saturating_sub(shown.len());
            let mut v = crate::format::glibc(&g.version);
            if !shown.is_empty() {
                let _ = write!(v, ", needed by {}", shown.join(", "));
                if more > 0 {
                    let _ = write!(v, " and {more} more");
                }
            }
            v
        }
        None => super::facts::no_glibc_floor(b)
            .unwrap_or(match b.elf_type.as_deref() {
                Some("REL") => "n/a for an object (linked into a program, not loaded)",
                Some(_) => "n/a for this kind of file",
                None => "n/a for this format",
            })
            .into(),
    };
    row(s, c, "glibc floor", &text);
}

fn sections(s: &mut String, b: &Binary, st: &Style) {
    let c = st.color;
    if b.sections.is_empty() {
        let none = if b.format == "elf" {
            "none (no section headers: no bytes can be given to a crate or symbol, and there is \
             no reference graph)"
        } else {
            "none"
        };
        row(s, c, "sections", none);
        return;
    }
    let mut sorted: Vec<_> = b.sections.iter().collect();
    sorted.sort_by(|x, y| {
        y.file_size
            .max(y.mem_size)
            .cmp(&x.file_size.max(x.mem_size))
            .then(x.name.cmp(&y.name))
    });
    let shown = if st.verbose {
        sorted.len()
    } else {
        SECTIONS_SHOWN.min(sorted.len())
    };
    row(
        s,
        c,
        "sections",
        &format!(
            "{} in all, largest first (in file / in memory)",
            sorted.len()
        ),
    );
    let width = sorted[..shown]
        .iter()
        .map(|x| x.name.len())
        .max()
        .unwrap_or(0)
        .clamp(8, 40);
    for x in &sorted[..shown] {
        // `-`: not in the file (`.bss`) or not loaded (debug info); an empty section is 0 B in
        // both (QA al F6: `.tm_clone_table` read `-  -`, as if it were neither).
        let empty = x.mem_size == 0 && x.file_size == 0;
        let shown_size = |v: u64| match v == 0 && !empty {
            true => "-".to_string(),
            false => size(v),
        };
        let (mem, file) = (shown_size(x.mem_size), shown_size(x.file_size));
        let name: String = x.name.chars().take(40).collect();
        let _ = writeln!(s, "    {name:<width$}  {file:>10}  {mem:>10}");
    }
    if shown < sorted.len() {
        let rest = &sorted[shown..];
        let file: u64 = rest.iter().map(|x| x.file_size).sum();
        let mem: u64 = rest.iter().map(|x| x.mem_size).sum();
        let label = format!("{} more", rest.len());
        let _ = writeln!(
            s,
            "    {}",
            paint(
                c,
                DIM,
                &format!(
                    "{label:<width$}  {:>10}  {:>10}   (-v lists all)",
                    size(file),
                    size(mem)
                )
            )
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Section;

    /// QA al F6: an empty section (`.tm_clone_table` of a static glibc binary, 0 bytes and
    /// allocated) read `-  -`, the same as a section neither in the file nor loaded; `-` stays
    /// for the side a section is not on.
    #[test]
    fn an_empty_section_is_0_b_and_dashes_say_where_a_section_is_not() {
        let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let mut b = crate::inspect::inspect_bytes(std::path::Path::new("x"), &bytes, None)
            .expect("inspect");
        let section = |name: &str, file_size, mem_size| Section {
            name: name.into(),
            file_size,
            mem_size,
        };
        b.sections = vec![
            section(".bss", 0, 4096),
            section(".debug_info", 8192, 0),
            section(".tm_clone_table", 0, 0),
        ];
        let st = Style {
            verbose: true,
            ..Style::plain()
        };
        let mut s = String::new();
        sections(&mut s, &b, &st);
        let row = |name: &str| {
            let l = s.lines().find(|l| l.trim_start().starts_with(name));
            let l = l.unwrap_or_else(|| panic!("no {name} in {s}"));
            l.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
        };
        assert_eq!(row(".bss"), "- 4.00 KiB", "{s}");
        assert_eq!(row(".debug_info"), "8.00 KiB -", "{s}");
        assert_eq!(row(".tm_clone_table"), "0 B 0 B", "{s}");
    }

    /// QA ap F9: a file that could not be inspected had its error on one line of 142 columns.
    #[test]
    fn a_file_not_inspected_is_filled_to_the_width() {
        let error = "truncated or malformed binary: the table of 41 section headers ends at byte \
                     3766616, past the end of the file (1000 bytes)";
        let mut report = Report::new(None);
        report.failed = vec![crate::report::FailedFile {
            path: "bindir/truncated".into(),
            error: error.into(),
        }];
        let s = render(&report, &Style::plain());
        assert!(s.contains("1 file not inspected:"), "{s}");
        assert!(
            s.contains("  bindir/truncated: truncated or malformed"),
            "{s}"
        );
        assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&s).contains(&words(error)), "{s}");
    }
}
