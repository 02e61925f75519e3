//! What in a crate grew: its symbols that grew most, from each crate's largest rows that both
//! reports keep (`binary.crate_symbols`; QA da F6: tokei grew by a 64 KiB table, and the gate
//! named four inlining references as its "new entry points", never the table).

use std::collections::BTreeMap;

use crate::report::{Binary, Check, CheckId, CrateSymbols, GrownSymbol};

/// How many grown symbols a check names.
const NAMED: usize = 3;

/// Fill `c.grown_symbols` for a crate that grew between `before` and `now`, and say the
/// largest in its message.
pub fn grown_symbols(c: &mut Check, before: &Binary, now: &Binary) {
    let CheckId::BaselineCrate(name) = &c.id else {
        return;
    };
    if c.new || !c.delta.is_some_and(|d| d > 0.0) {
        return;
    }
    let (Some(was), Some(is)) = (rows_of(before, name), rows_of(now, name)) else {
        return;
    };
    c.grown_symbols = grown(was, is);
    if c.grown_symbols.is_empty() {
        return;
    }
    let said: Vec<String> = c.grown_symbols.iter().map(said).collect();
    c.message
        .push_str(&format!("; grown most: {}", said.join(", ")));
}

/// The largest rows `b` keeps of the crate `name`.
fn rows_of<'b>(b: &'b Binary, name: &str) -> Option<&'b CrateSymbols> {
    b.crate_symbols.iter().find(|s| s.krate == name)
}

/// The rows of `is` larger than in `was`, the most grown first, at most [`NAMED`]. A row
/// `was` does not list is new where `was` lists every row of the crate; otherwise it was at
/// most the smallest row listed, and counts only when larger than that.
fn grown(was: &CrateSymbols, is: &CrateSymbols) -> Vec<GrownSymbol> {
    let by_name = |s: &CrateSymbols| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for r in &s.symbols {
            *m.entry(r.name.clone()).or_default() += r.vm_size;
        }
        m
    };
    let (old, new) = (by_name(was), by_name(is));
    let complete = was.more == 0;
    let floor = old.values().min().copied().unwrap_or(0);
    let mut out: Vec<(u64, GrownSymbol)> = new
        .into_iter()
        .filter_map(|(symbol, size)| {
            let (grew, baseline_size, new) = match old.get(&symbol) {
                Some(&b) => (size.checked_sub(b)?, Some(b), false),
                None if complete => (size, None, true),
                None => (size.checked_sub(floor)?, None, false),
            };
            (grew > 0).then_some((
                grew,
                GrownSymbol {
                    symbol,
                    size,
                    baseline_size,
                    new,
                    baseline_at_most: (baseline_size.is_none() && !new).then_some(floor),
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.symbol.cmp(&b.1.symbol)));
    out.into_iter().take(NAMED).map(|(_, g)| g).collect()
}

/// `` `tokei::QA_TABLE` (new, 64.0 KiB) ``, `` `f` (+1.20 KiB) ``, or one the baseline did
/// not list among the crate's largest: new, or no larger than the smallest it listed (QA dp
/// F3: a table new in the change read as "not among the baseline's largest").
fn said(g: &GrownSymbol) -> String {
    let size = crate::format::size;
    match (g.baseline_size, g.baseline_at_most) {
        (Some(b), _) => format!("`{}` (+{})", g.symbol, size(g.size - b)),
        _ if g.new => format!("`{}` (new, {})", g.symbol, size(g.size)),
        (None, Some(floor)) => format!(
            "`{}` ({}; new, or at most {} in the baseline)",
            g.symbol,
            size(g.size),
            size(floor)
        ),
        (None, None) => format!(
            "`{}` ({}, not among the baseline's largest of the crate)",
            g.symbol,
            size(g.size)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, u64)], more: u64) -> CrateSymbols {
        CrateSymbols {
            krate: "tokei".into(),
            symbols: list
                .iter()
                .map(|&(n, size)| crate::report::SymbolRow {
                    name: n.into(),
                    mangled: None,
                    krate: Some("tokei".into()),
                    crate_row: None,
                    section: ".text".into(),
                    file_size: size,
                    vm_size: size,
                    confidence: crate::report::Confidence::Exact,
                    instantiated_in: None,
                    retained_size: None,
                    copy: None,
                    source_file: None,
                    content: None,
                })
                .collect(),
            more,
            more_file_size: 0,
            more_vm_size: 0,
        }
    }

    /// The QA's case: a 64 KiB table added, a function grown, one shrunk, one unchanged; with
    /// the baseline's rows complete the table is new, otherwise it was at most its smallest.
    #[test]
    fn the_most_grown_rows_are_named_and_new_only_when_the_baseline_listed_all() {
        let was = rows(
            &[
                ("main", 4000),
                ("parse", 3000),
                ("old", 2000),
                ("same", 100),
            ],
            0,
        );
        let is = rows(
            &[
                ("QA_TABLE", 65536),
                ("main", 5000),
                ("parse", 2500),
                ("same", 100),
                ("f", 90),
            ],
            0,
        );
        let g = grown(&was, &is);
        let names: Vec<(&str, Option<u64>, bool)> = g
            .iter()
            .map(|g| (g.symbol.as_str(), g.baseline_size, g.new))
            .collect();
        assert_eq!(
            names,
            [
                ("QA_TABLE", None, true),
                ("main", Some(4000), false),
                ("f", None, true)
            ]
        );
        assert_eq!(said(&g[0]), "`QA_TABLE` (new, 64.0 KiB)");
        assert_eq!(said(&g[1]), "`main` (+1000 B)");
        // Rows the baseline did not list: smaller than its smallest (100 B), so `f` (90 B)
        // may not have grown, and the table grew by 65,436 B at least.
        let g = grown(&rows(&[("main", 4000), ("same", 100)], 5), &is);
        let names: Vec<&str> = g.iter().map(|g| g.symbol.as_str()).collect();
        assert_eq!(names, ["QA_TABLE", "parse", "main"]);
        assert!(!g[0].new && g[0].baseline_size.is_none());
        // QA dp F3: said as what is known, new or at most that smallest row.
        assert_eq!(g[0].baseline_at_most, Some(100));
        assert_eq!(
            said(&g[0]),
            "`QA_TABLE` (64.0 KiB; new, or at most 100 B in the baseline)"
        );
    }
}
