//! Per binary, what the terminal report shows of its bytes: the `--why` chains (one step a
//! line: how the step before refers to it, the symbol, its crate), the crates (own and retained
//! bytes, entry points) and the symbol rows the report holds (`--symbols N`). The why chains
//! were asked for by name and stay open; the tables are folded in `<details>`. Tables are cut at
//! [`ROWS`] rows and say what they left out.

use crate::format::NAME_MAX;
use std::fmt::Write as _;

use super::escape::cell;
use super::{code, escape};
use crate::format::{count, size};
use crate::render::size::CRATES_SHOWN;
use crate::report::{Artifact, Binary, Coverage, CrateSize, Why};

/// Rows a table lists (`--crates`, `--symbols all`) before it says how many more the JSON
/// report has: a pull-request comment holds at most 65,536 characters.
const ROWS: usize = 100;

/// Every binary's `--why` chains, crates and symbols; `all_crates`: `--crates`.
pub fn render(s: &mut String, artifacts: &[Artifact], all_crates: bool) {
    for a in artifacts {
        let b = &a.binary;
        if b.why.is_none() && b.coverage.is_none() {
            continue;
        }
        let _ = writeln!(s, "### {}\n", super::label(a, code));
        if let Some(w) = &b.why {
            why(s, w);
        }
        if let Some(cov) = &b.coverage {
            crates(s, b, cov, all_crates);
            symbols(s, b);
        }
    }
}

/// `name`, cut to [`NAME_MAX`] characters (see [`crate::format::clip`]).
fn clip(name: &str) -> String {
    crate::format::clip(name, NAME_MAX)
}

/// `--why PATTERN`: what it matched, then each chain as a numbered list, root first.
fn why(s: &mut String, w: &Why) {
    let pattern = code(&w.pattern);
    let head = crate::render::reasons::why_head(w, &pattern);
    let _ = writeln!(s, "**Why is it in the binary** (`--why`): {head}\n");
    if let Some(note) = &w.note {
        let _ = writeln!(s, "{}\n", escape(note));
    }
    for (c, shared) in w.chains.iter().zip(crate::render::why::shared_steps(w)) {
        let retains = crate::format::retains(c.retained);
        let _ = writeln!(s, "{}{retains}\n", code(&clip(&c.target)));
        if c.steps.is_empty() {
            let _ = writeln!(s, "Linked but unreachable from every root.\n");
            continue;
        }
        // The steps shared with the first chain, once (QA av F5), numbered on from there.
        if shared > 0 {
            let _ = writeln!(
                s,
                "… {shared} steps as in the first chain, to {}, then:\n",
                code(&clip(&c.steps[shared - 1].shown()))
            );
        }
        for (i, st) in c.steps.iter().enumerate().skip(shared) {
            let mut krate = format!(" ({})", code(crate::render::words::step_crate(st)));
            if let Some(at) = crate::render::words::step_address(st, false) {
                krate.push_str(&format!(" at {}", code(&at)));
            }
            let _ = writeln!(
                s,
                "{}. {} {}{krate}",
                i + 1,
                st.kind.as_str(),
                code(&clip(&st.shown()))
            );
        }
        s.push('\n');
    }
    if w.more > 0 {
        let _ = writeln!(
            s,
            "{} more matches beyond these; a narrower pattern shows their chains.\n",
            crate::format::thousands(w.more)
        );
    }
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// A size, `–` for none.
fn bytes(n: u64) -> String {
    if n == 0 { "–".into() } else { size(n) }
}

/// The crates by loaded bytes: the [`CRATES_SHOWN`] largest, or with `--crates` every one (up
/// to [`ROWS`]); what is left out, said below the table.
fn crates(s: &mut String, b: &Binary, cov: &Coverage, all: bool) {
    let whole = cov.allocated_bytes;
    let shown = if all { ROWS } else { CRATES_SHOWN }.min(b.crates.len());
    let listed = if shown == b.crates.len() {
        crate::format::count(shown, "crate", "crates")
    } else {
        format!("the {shown} largest of {} crates", b.crates.len())
    };
    let _ = writeln!(
        s,
        "<details><summary>Crates: {} loaded, {} named by crate; {listed}</summary>\n",
        size(whole),
        share(cov.attributed_bytes, whole),
    );
    // Where the symbols are, as the terminal says (QA dk F4: the job summary had no way on).
    let hint = crate::render::words::link_hint(b, cov).map_or(String::new(), |h| {
        format!(" ({})", super::escape::spans(&h, false))
    });
    match &cov.symbol_table {
        Some(t) => {
            let _ = writeln!(
                s,
                "Symbols from {}{}{hint}.\n",
                code(t),
                crate::render::size::borrowed_symbols(cov)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "No symbol table (stripped): no crate can be named{hint}.\n"
            );
        }
    }
    let retained = b.crates.iter().any(|k| k.retained.is_some());
    let entries = b.crates.iter().any(|k| !k.entry_points.is_empty());
    let mut head = String::from("| Crate | Own | Share |");
    let mut line = String::from("|---|--:|--:|");
    if retained {
        head.push_str(" Retained |");
        line.push_str("--:|");
    }
    if entries {
        head.push_str(" Entered from |");
        line.push_str("--:|");
    }
    let _ = writeln!(s, "{head} Confidence |\n{line}---|");
    for k in &b.crates[..shown] {
        crate_row(s, k, whole, retained, entries);
    }
    s.push('\n');
    if shown < b.crates.len() {
        let rest = &b.crates[shown..];
        let vm: u64 = rest.iter().map(|k| k.vm_size).sum();
        let how = if all {
            "`--format json` lists them"
        } else {
            "`--crates` lists them"
        };
        let _ = writeln!(
            s,
            "{} not listed, {} ({}): {how}.\n",
            count(rest.len(), "more crate", "more crates"),
            size(vm),
            share(vm, whole)
        );
    }
    if retained {
        let _ = writeln!(
            s,
            "Retained: what would go if the crate went (its own reachable bytes and what only it \
             keeps alive); retained sizes overlap. Entered from: the symbols of other crates \
             that refer to it (`--why CRATE` counts the crate's own symbols they refer to).\n"
        );
    }
    let _ = writeln!(s, "</details>\n");
}

/// One row of the crate table: own bytes and share of `whole`, the retained bytes and the
/// number of entry points when the table has those columns, the confidence.
fn crate_row(s: &mut String, k: &CrateSize, whole: u64, retained: bool, entries: bool) {
    let mut row = format!(
        "| {} | {} | {} |",
        cell(&clip(&k.name)),
        size(k.vm_size),
        share(k.vm_size, whole)
    );
    if retained {
        let _ = write!(row, " {} |", k.retained.map_or_else(|| "–".into(), size));
    }
    if entries {
        match k.entry_points.len() {
            0 => row.push_str(" – |"),
            // "Entered from 2,678 symbols" (QA an F8: a bare `2678` read as a place).
            n => {
                let _ = write!(row, " {} |", count(n, "symbol", "symbols"));
            }
        }
    }
    // As the terminal says it, with the next class where the main one is not most of it.
    let mut conf = crate::render::words::confidence_note(k);
    conf.push_str(&crate::render::words::instantiated_note(k));
    let _ = writeln!(s, "{row} {conf} |");
}

/// The report's symbol rows (the largest, or every row with `--symbols all`), up to [`ROWS`].
fn symbols(s: &mut String, b: &Binary) {
    let rows = &b.symbols;
    if rows.is_empty() {
        return;
    }
    let shown = rows.len().min(ROWS);
    // "100 of 4,812 rows" when the comment cannot hold all that were asked for (QA y).
    let many = match shown < rows.len() {
        true => format!(
            "{shown} of {} rows",
            crate::format::thousands(rows.len() as u64)
        ),
        false => count(shown, "row", "rows"),
    };
    let _ = writeln!(
        s,
        "<details><summary>Symbols: {many}, the largest first (in memory / in file)</summary>\n"
    );
    let retained = rows.iter().any(|r| r.retained_size.is_some());
    let _ = writeln!(
        s,
        "| Symbol | Crate | Section | In memory | In file |{}\n|---|---|---|--:|--:|{}",
        if retained { " Retained |" } else { "" },
        if retained { "--:|" } else { "" }
    );
    let copies = crate::render::words::copies(&rows[..shown]);
    for (r, copy) in rows[..shown].iter().zip(copies) {
        let mut krate = crate::render::words::row_crate(r).map_or_else(|| "–".into(), cell);
        if let Some(i) = &r.instantiated_in {
            let _ = write!(krate, " (in {})", cell(i));
        }
        // What a row holds, as the terminal says it (QA cp F3: the file an embedded row is).
        let holds = r
            .content
            .as_deref()
            .map_or_else(String::new, |c| format!(" ({})", escape(c)));
        let mut row = format!(
            "| {}{copy}{holds} | {krate} | {} | {} | {} |",
            cell(&clip(&r.name)),
            if r.section.is_empty() {
                "–".into()
            } else {
                cell(&r.section)
            },
            bytes(r.vm_size),
            bytes(r.file_size)
        );
        if retained {
            let _ = write!(
                row,
                " {} |",
                r.retained_size.map_or_else(|| "–".into(), size)
            );
        }
        let _ = writeln!(s, "{row}");
    }
    s.push('\n');
    if shown < rows.len() {
        let _ = writeln!(
            s,
            "{} more rows, not listed: `--format json` lists them.\n",
            rows.len() - shown
        );
    }
    let _ = writeln!(s, "</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{
        Chain, Confidence, ConfidenceBreakdown, CrateSize, RefKind, Step, SymbolRow,
    };

    fn krate(i: u64) -> CrateSize {
        CrateSize {
            name: format!("c{i}"),
            file_size: 1000 * i,
            vm_size: 1000 * i,
            // The largest crate of two classes, as the terminal says it (QA ap F4).
            confidence: ConfidenceBreakdown {
                exact: if i == 12 { 7000 } else { 1000 * i },
                mangled: if i == 12 { 5000 } else { 0 },
                ..ConfidenceBreakdown::default()
            },
            instantiated_elsewhere: 0,
            retained: Some(2000 * i),
            entry_points: vec!["a::b".into(); i as usize % 3],
            entered: Vec::new(),
            std_copy_unknown: false,
        }
    }

    /// The chains step by step, 10 of 12 crates and the rest said, names in code spans
    /// (a `|` escaped in a table, not in a list), the sizes as `format::size` writes them.
    #[test]
    fn why_crates_and_symbols_as_markdown() {
        let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
        let path = std::path::Path::new("x");
        let mut b = crate::inspect::inspect_bytes(path, &bytes, None).expect("inspect");
        b.coverage = Some(Coverage {
            attributed_bytes: 70_000,
            share: 0.9,
            allocated_bytes: 80_000,
            symbol_table: Some(".symtab".into()),
            symbols_from: None,
            symbols_looked_in: None,
            file_size: 90_000,
            vm_size: 80_000,
        });
        b.crates = (1..=12).rev().map(krate).collect();
        b.symbols = vec![SymbolRow {
            crate_row: None,
            name: "<a|b as c::D>::e_f*".into(),
            mangled: None,
            krate: Some("c12".into()),
            section: ".text".into(),
            file_size: 12_000,
            vm_size: 12_000,
            confidence: Confidence::Mangled,
            instantiated_in: Some("c1".into()),
            retained_size: Some(13_000),
            copy: None,
            source_file: None,
            content: None,
        }];
        let step = Step::named;
        b.why = Some(Why {
            pattern: "e_f".into(),
            matched: "symbol".into(),
            entry_points: None,
            entry_names: None,
            chains: vec![
                Chain {
                    target: "<a|b as c::D>::e_f*".into(),
                    steps: vec![
                        step("_start", None, RefKind::Root),
                        step("main", Some("c12"), RefKind::Address),
                        step("<a|b as c::D>::e_f*", Some("c12"), RefKind::Call),
                    ],
                    retained: Some(2048),
                },
                Chain {
                    target: "dead_e_f".into(),
                    steps: Vec::new(),
                    retained: None,
                },
            ],
            more: 3,
            note: None,
            ..Why::default()
        });
        let a = crate::report::Artifact::new(None, "x|y".into(), None, "/w/x|y".into(), b);
        let mut s = String::new();
        render(&mut s, std::slice::from_ref(&a), false);
        insta::assert_snapshot!(s);
        let mut all = String::new();
        render(&mut all, std::slice::from_ref(&a), true);
        assert_eq!(all.matches("\n| `c").count(), 12, "{all}");
        assert!(!all.contains("more crate"), "{all}");
        // QA y: `--symbols all` of 4,812 rows read "Symbols: 100 rows".
        let mut many = a.clone();
        let row = many.binary.symbols[0].clone();
        many.binary.symbols = vec![row; 1234];
        let mut cut = String::new();
        render(&mut cut, std::slice::from_ref(&many), false);
        assert!(
            cut.contains("<summary>Symbols: 100 of 1,234 rows, the largest"),
            "{cut}"
        );
        assert!(cut.contains("1134 more rows, not listed"), "{cut}");
    }
}
