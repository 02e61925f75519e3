//! Where the bytes go, for the terminal: top crates (size, share, confidence), top symbols.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as label;
use super::words::confidence_note;
use crate::format::{size as human_size, thousands};
use crate::output::{DIM, paint};
use crate::report::{Binary, Coverage, CrateSize, EdgeSource};

/// Crates listed before the rest is folded into one line (all with `--crates`).
pub(super) const CRATES_SHOWN: usize = 10;
/// Widest symbol name shown, in characters: a row of the symbol table (46 columns before the
/// name: two sizes and the crate) then fits in 100 columns, as `--help` does.
const NAME_WIDTH: usize = 54;

/// The columns the retained size takes in a symbol row, when the graph was built.
const RETAINED: usize = 12;

/// The fewest columns a symbol's name is cut to, whatever follows it.
const NAME_MIN: usize = 24;

/// The crate column of the symbol table: its width with short names, and the widest it gets
/// (the name's column narrows by as much).
const CRATE_MIN: usize = 16;
const CRATE_MAX: usize = 28;

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

pub fn render(s: &mut String, b: &Binary, st: &Style) {
    let Some(cov) = &b.coverage else {
        // No crate table (PE, Mach-O): the graph's line alone, when one was asked for.
        graph(s, b, st.color);
        return;
    };
    crates(s, b, cov, st);
    graph(s, b, st.color);
    symbols(s, b, st.color);
}

/// The reference graph in two lines: its size and where its edges come from (so how far to
/// trust it), then what is reachable.
fn graph(s: &mut String, b: &Binary, c: bool) {
    let Some(g) = &b.graph else {
        if let Some(why) = &b.graph_skipped {
            label(s, c, "graph", &format!("not built: {why}"));
        }
        return;
    };
    let from = match g.edges_from {
        EdgeSource::Relocations => "from the binary's own relocations (exact)",
        EdgeSource::AnalysisLink => "from the relocations of the analysis link (exact)",
        EdgeSource::Decoded => &format!("decoded from the code ({})", EdgeSource::DECODED_CAVEAT),
    };
    label(
        s,
        c,
        "graph",
        &format!(
            "{} nodes, {} edges, {from}",
            thousands(g.nodes),
            thousands(g.edges)
        ),
    );
    label(
        s,
        c,
        "",
        &format!(
            "{} reachable from the roots, {} linked but unreachable",
            human_size(g.reachable_bytes),
            human_size(g.unreachable_bytes)
        ),
    );
}

fn crates_shown(b: &Binary, st: &Style) -> usize {
    if st.all_crates {
        b.crates.len()
    } else {
        CRATES_SHOWN.min(b.crates.len())
    }
}

/// The width of the crate column: the longest name shown.
fn crate_width(b: &Binary, st: &Style) -> usize {
    b.crates[..crates_shown(b, st)]
        .iter()
        .map(|k| k.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 32)
}

/// What the words "symbols from .symtab" (or `.dynsym`) need after them: where they came from
/// when not from the binary, or why `.dynsym` names so little (empty for the binary's own
/// `.symtab`).
pub fn borrowed_symbols(cov: &Coverage) -> &'static str {
    if cov.symbols_from.is_some() {
        " of the analysis link: the binary itself is stripped"
    } else if cov.symbol_table.as_deref() == Some(".dynsym") {
        // Why a stripped binary of someone else's reads "0.0% named".
        " only: stripped, it names only imports and exports"
    } else {
        ""
    }
}

/// The legend of a crate row that may be std's private copy (QA ad, F7: xsv, which has no
/// hashbrown in its lock file, showed `hashbrown 47.9 KiB`).
const STD_COPY: [&str; 2] = [
    "std's copy or the program's: std has a private copy of a crate of that name, and",
    "without the build's archives `inspect` cannot tell which (`cargo aotcheck` can)",
];

/// The crates by loaded bytes, largest first (all of them with `--crates`).
fn crates(s: &mut String, b: &Binary, cov: &Coverage, st: &Style) {
    let c = st.color;
    let whole = cov.allocated_bytes;
    crates_head(s, b, cov, st);
    let shown = crates_shown(b, st);
    let retained = b.crates.iter().any(|k| k.retained.is_some());
    // The crate `--filter` keeps the symbol rows to, when it is not among the largest: its own
    // and retained bytes above its rows (QA bl F7: image_webp's 186 KiB were in no line).
    let filtered = b.symbols_of.as_deref().and_then(|f| {
        b.crates[shown..]
            .iter()
            .position(|k| k.name == f)
            .map(|i| (shown + i, &b.crates[shown + i]))
    });
    let width = crate_width(b, st).max(filtered.map_or(0, |(_, k)| k.name.chars().count().min(32)));
    for k in &b.crates[..shown] {
        let (figures, note) = crate_row(k, retained, width, whole);
        // The note filled under itself (QA aj, F3: a row with every mark ran to 124 columns).
        super::fill::fill_painted(s, &format!("    {figures}  "), &note, c, DIM);
    }
    if let Some((i, k)) = filtered {
        let (figures, note) = crate_row(k, retained, width, whole);
        let note = format!(
            "{note} (--filter's crate, the {} largest of {})",
            crate::format::ordinal(i + 1),
            b.crates.len()
        );
        super::fill::fill_painted(s, &format!("    {figures}  "), &note, c, DIM);
    }
    let rest_count = b.crates.len() - shown - usize::from(filtered.is_some());
    if rest_count > 0 {
        let rest: Vec<&CrateSize> = b.crates[shown..]
            .iter()
            .filter(|k| filtered.is_none_or(|(_, f)| !std::ptr::eq(*k, f)))
            .collect();
        let vm: u64 = rest.iter().map(|k| k.vm_size).sum();
        let more = format!("{} more", rest.len());
        let _ = writeln!(
            s,
            "    {}",
            paint(
                c,
                DIM,
                &format!(
                    "{more:<width$}  {:>10}  {:>6}  (--crates lists all)",
                    human_size(vm),
                    share(vm, whole)
                )
            )
        );
    }
    crates_legends(s, b, shown, whole, st);
}

/// Below the crate table: what its columns mean, and what a row that may surprise is.
fn crates_legends(s: &mut String, b: &Binary, shown: usize, whole: u64, st: &Style) {
    let c = st.color;
    let retained = b.crates.iter().any(|k| k.retained.is_some());
    // What the two columns of bytes are (QA az F6: `tikv_jemalloc_sys 2.45 MiB` own, of which
    // 2 MiB `.bss`, read as file bytes; Markdown and the page said it, the terminal did not).
    if retained {
        let legend = "own: the crate's bytes in memory once loaded; retained: what would become \
                      unreachable without it (a lower bound of what a build without it saves)";
        super::fill::fill_painted(s, "    ", legend, c, DIM);
    }
    // A crate that retains less than it owns reads like an error without this.
    if b.crates[..shown]
        .iter()
        .any(|k| k.retained.is_some_and(|r| r < k.vm_size))
    {
        let _ = writeln!(
            s,
            "    {}",
            paint(
                c,
                DIM,
                "retained below own: part of the crate's own bytes is linked but unreachable"
            )
        );
    }
    // QA be F3: 753 KiB of git-delta's C code (oniguruma, zlib) were `[unknown]` to
    // `inspect`, with no word of why.
    if b.crates[..shown]
        .iter()
        .any(|k| k.name == "[unknown]" && k.vm_size * 100 >= whole.max(1))
    {
        // Of a program rustc did not make, there is no build of crates to look in (QA dn F18:
        // Go, C and C++ programs were told of "the build's archives").
        let unknown = match b.is_rust_built() {
            true => {
                "[unknown]: bytes of symbols no crate's name, prefix or archive claims (C code, \
                 mostly); the build's archives name it, which `cargo aotcheck` reads in the \
                 project and `inspect` cannot"
            }
            false => {
                "[unknown]: bytes of symbols no crate claims; the file's `.comment` does not \
                 name rustc, so its code is another compiler's, with no crates to name"
            }
        };
        super::fill::fill_painted(s, "    ", unknown, c, DIM);
    }
    if b.crates[..shown].iter().any(|k| k.std_copy_unknown) {
        for line in STD_COPY {
            let _ = writeln!(s, "    {}", paint(c, DIM, line));
        }
    }
    // std calls closures and starts threads through its own code (`FnOnce::call_once` shims,
    // `__rust_begin_short_backtrace`): what only those reach is its retained bytes, and reads
    // as std being most of the program (QA ad, F9: 4.75 MiB of monolith's 8.2).
    if let Some(k) = b.crates[..shown]
        .iter()
        .find(|k| k.name == "std" && k.retained.is_some_and(|r| r > 2 * k.vm_size))
    {
        // Filled (QA al F4: one line of 236 columns under `--split-std`).
        super::fill::fill_painted(s, "    ", &super::words::std_retained(k), c, DIM);
    }
}

/// The crate table's first line (what is loaded, how much is named, from which symbols) and,
/// with retained sizes, its column heads.
fn crates_head(s: &mut String, b: &Binary, cov: &Coverage, st: &Style) {
    let c = st.color;
    let whole = cov.allocated_bytes;
    let hint = super::words::link_hint(b, cov);
    let head = match &cov.symbol_table {
        Some(t) => format!(
            "{} loaded; {} named by crate (symbols from {t}{}{})",
            human_size(whole),
            share(cov.attributed_bytes, whole),
            borrowed_symbols(cov),
            hint.map_or(String::new(), |h| format!("; {h}"))
        ),
        None => format!(
            "{} loaded; no symbol table (stripped), so no crate can be named{}",
            human_size(whole),
            hint.map_or(String::new(), |h| format!(" ({h})"))
        ),
    };
    label(s, c, "crates", &head);
    if b.crates.iter().any(|k| k.retained.is_some()) {
        let _ = writeln!(
            s,
            "    {}",
            paint(
                c,
                DIM,
                &format!(
                    "{:<w$}  {:>10}  {:>6}  {:>10}  confidence",
                    "crate",
                    "own",
                    "share",
                    "retained",
                    w = crate_width(b, st)
                )
            )
        );
    }
}

/// One crate's row: its name, own bytes and share of `whole`, its retained bytes when the
/// table has them (`retained`); and apart, its confidence and marks.
fn crate_row(k: &CrateSize, retained: bool, width: usize, whole: u64) -> (String, String) {
    let mut note = confidence_note(k);
    note.push_str(&super::words::instantiated_note(k));
    if k.std_copy_unknown {
        note.push_str(", std's copy or the program's");
    }
    let name = crate::format::clip(&k.name, 32);
    // Retained: what would go if the crate went (its own bytes and what only it keeps).
    let keeps = match (retained, k.retained) {
        (false, _) => String::new(),
        (true, Some(r)) => format!("  {:>10}", human_size(r)),
        (true, None) => format!("  {:>10}", "-"),
    };
    let figures = format!(
        "{name:<width$}  {:>10}  {:>6}{keeps}",
        human_size(k.vm_size),
        share(k.vm_size, whole),
    );
    (figures, note)
}

/// What the symbol rows are (QA ad, F12: `--symbols all` read "9395 largest", `--filter docopt`
/// "10 largest" under the whole crate table): the N largest, or all of them (the rows then add
/// up to the file, or to the filtered crate), and of which crate when `--filter` kept them to
/// one (QA at F5: oha's two largest rows, aws_lc_sys's both, read "2 largest of aws_lc_sys").
fn symbols_heading(b: &Binary) -> String {
    let rows = &b.symbols;
    // The crate `--filter` kept the rows to, as its row names it (QA dj F12: `[no symbol]`'s
    // rows, some not loaded and so of no crate row, read "10 largest" alone).
    let one = b
        .symbols_of
        .as_deref()
        .filter(|_| b.crates.len() > 1)
        .and_then(|f| {
            b.crates
                .iter()
                .find(|c| crate::format::same_crate(&c.name, f))
        })
        .map(|c| c.name.as_str());
    let all = match one {
        Some(k) => b
            .crates
            .iter()
            .find(|c| c.name == k)
            .is_some_and(|c| rows.iter().map(|r| r.vm_size).sum::<u64>() == c.vm_size),
        None => rows.iter().map(|r| r.file_size).sum::<u64>() == b.file_size,
    };
    let n = crate::format::thousands(rows.len() as u64);
    let what = match all {
        true => format!("all {n} rows"),
        false => format!("{n} largest"),
    };
    match one {
        Some(k) => format!("{what} of {k}"),
        None => what,
    }
}

/// Columns of a symbol row given to what a constant holds (see `SymbolRow::content`), and
/// the fewest left to its made-up name.
const CONTENT_MAX: usize = 34;
const ANON_MIN: usize = 12;
/// Characters of a made-up name kept beside a file it is (`anon.35189…`).
const FILE_NAME_MIN: usize = 8;

/// The largest symbols (or rows), in memory and in the file, and with the reference graph
/// what each keeps alive (QA ao F7: Markdown, the page and JSON had it, the terminal not).
fn symbols(s: &mut String, b: &Binary, c: bool) {
    if b.symbols.is_empty() {
        return;
    }
    let retained = b.symbols.iter().any(|r| r.retained_size.is_some());
    let columns = match retained {
        true => "in memory / in file / retained",
        false => "in memory / in file",
    };
    label(
        s,
        c,
        "symbols",
        &format!("{} ({columns})", symbols_heading(b)),
    );
    let copies = super::words::copies(&b.symbols);
    // The crate column as wide as the longest crate listed, up to CRATE_MAX, the name's room
    // narrower by as much (QA al F6: `unicode_s…tation` here, whole in the crate table).
    let crate_width = b
        .symbols
        .iter()
        .filter_map(|r| super::words::row_crate(r))
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(CRATE_MIN, CRATE_MAX);
    let name_width = NAME_WIDTH - (crate_width - CRATE_MIN) - if retained { RETAINED } else { 0 };
    let sections: Vec<String> = b.symbols.iter().map(section_said).collect();
    let rooms: Vec<usize> = sections
        .iter()
        .zip(&copies)
        .map(|(section, copy)| {
            name_width
                .saturating_sub(section.chars().count() + copy.chars().count())
                .max(NAME_MIN)
        })
        .collect();
    let cut = names_apart(&b.symbols, &rooms);
    for (i, (r, copy)) in b.symbols.iter().zip(copies).enumerate() {
        // Named as the crate table names it.
        let krate = super::words::row_crate(r).unwrap_or("-");
        let mem = if r.vm_size == 0 {
            "-".to_string()
        } else {
            human_size(r.vm_size)
        };
        let file = if r.file_size == 0 {
            "-".to_string()
        } else {
            human_size(r.file_size)
        };
        let (section, room) = (&sections[i], rooms[i]);
        // Retained: a row the graph has no node for (a section's fallback) has none.
        let keeps = match (retained, r.retained_size) {
            (false, _) => String::new(),
            (true, Some(n)) => format!("  {:>10}", human_size(n)),
            (true, None) => format!("  {:>10}", "-"),
        };
        // A constant the compiler named says what it holds, its name cut shorter for it (QA
        // bk F9: seven of mdbook's ten largest rows read `anon.1a6055e4fff2cb…` alike).
        let name = match &r.content {
            Some(what) => with_content(r, what, room),
            None => cut[i].clone(),
        };
        let _ = writeln!(
            s,
            "    {mem:>10}  {file:>10}{keeps}  {:<crate_width$}  {name}{section}{copy}",
            crate::format::clip(krate, crate_width),
        );
    }
}

/// A row's name beside what it holds, in `room` characters: a file whole, a constant's made-up
/// name cut shorter for what it holds.
fn with_content(r: &crate::report::SymbolRow, what: &str, room: usize) -> String {
    // A file says more than the made-up name beside it: it takes the room, the
    // name keeps a few characters (QA by F4: `anon.3…c.41… file …6.1/assets/…`),
    // and where cut it keeps its name, the end of its path.
    let file = what.strip_prefix("file ");
    let (min, max) = match file {
        Some(_) => (FILE_NAME_MIN, usize::MAX),
        None => (ANON_MIN, CONTENT_MAX),
    };
    // Bytes without a symbol that are a file (carved from a section's row): the
    // file alone, which the section's label would only crowd (`[sec…ta] file …`).
    let mut bare = r.name.starts_with("[section ") && file.is_some();
    let min = if bare { 0 } else { min };
    let fits = room.saturating_sub(min + 1).clamp(10, max);
    let what = match file {
        // Whole, so that it can be copied (QA db F7): a longer line.
        Some(path) => format!("file {path}"),
        None => crate::format::clip_end(what, fits),
    };
    let left = room.saturating_sub(what.chars().count() + 1);
    // A name the compiler made up, left fewer characters than tell it apart, is not shown
    // (QA dr F2: `ano….28…` beside a long path); `--why` of the file names it.
    if file.is_some() && r.name.starts_with("anon.") && left < ANON_MIN {
        bare = true;
    }
    match bare {
        // Its section, which the label or the name said (QA dr F2).
        true if !r.section.is_empty() => format!("{what} in {}", r.section),
        true => what,
        false => format!("{} {what}", crate::format::clip(&r.name, left.max(min))),
    }
}

/// A row without a symbol says its section where its label does not (QA ad, F12: ten
/// `[debug info]` rows, one per `.debug_*` section).
fn section_said(r: &crate::report::SymbolRow) -> String {
    match r.name.starts_with('[') && !r.name.contains(&r.section) {
        true if !r.section.is_empty() => format!(" {}", r.section),
        _ => String::new(),
    }
}

/// Each row's name cut to its room (which leaves room for what follows it: QA al F3, `(copy 1
/// of 2)` after a name cut to the width made rows of 114 columns), two names that the cut
/// would make read alike each keeping where they differ (QA bm F7: `GeneralArgs` and
/// `ProcessArgs`'s `augment_args`, both `<bottom::options::args::…gs>::augment_args`).
fn names_apart(rows: &[crate::report::SymbolRow], rooms: &[usize]) -> Vec<String> {
    let cut: Vec<String> = rows
        .iter()
        .zip(rooms)
        .map(|(r, &room)| crate::format::clip(&r.name, room))
        .collect();
    let mut alike: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, c) in cut.iter().enumerate() {
        alike.entry(c.as_str()).or_default().push(i);
    }
    let mut out = cut.clone();
    for same in alike.values().filter(|v| v.len() > 1) {
        let names: Vec<&str> = same.iter().map(|&i| rows[i].name.as_str()).collect();
        let room = same.iter().map(|&i| rooms[i]).min().unwrap_or(NAME_MIN);
        for (&i, apart) in same.iter().zip(crate::format::clip_apart(&names, room)) {
            out[i] = apart;
        }
    }
    out
}

#[cfg(test)]
#[path = "size_tests.rs"]
mod tests;
