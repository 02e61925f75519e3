//! A file a crate embeds whose bytes no symbol covers, as a row of its own: carved out of the
//! crate's row of the section's bytes without a symbol, so the rows still sum to the file (QA
//! cm F1: bat's `syntaxes.bin`, 989 KiB, was a part of `[section .rodata]`, named nowhere).

use crate::report::{Binary, Confidence, SymbolRow};

/// Whose bytes a file without a symbol is.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// The crate and confidence the graph stage gave the bytes where the file lies: its row is
    /// carved out of that crate's row of that confidence, and the crate's split is unchanged.
    Holder(&'a str, Confidence),
    /// The crate whose dep-info lists the file, where the bytes' crate is not known (the file
    /// was found in the analysis link, or across stretches of more than one crate): a guess,
    /// `heuristic`.
    Listed(&'a str),
}

/// Carve `len` bytes of `section`, of `owner`, out of its row without a symbol, as a row
/// labelled `label`, in every list of rows that has such a row of it large enough; a list of
/// the largest symbols alone (the default) gets the file's row in place of its smallest when
/// the file is larger. `top`: the number of rows `binary.symbols` holds (`-n`, `None` for every
/// row): a file carved there takes the place of its smallest row (QA de F7: `--filter bat -n 6`
/// listed 13 rows, its seven files added).
pub fn carve(
    binary: &mut Binary,
    (section, len, owner): (&str, u64, Owner),
    label: &str,
    top: Option<usize>,
) {
    let (krate, confidence) = match owner {
        Owner::Holder(k, c) => (k, Some(c)),
        Owner::Listed(k) => (k, None),
    };
    let owned = |r: &SymbolRow| {
        r.krate.as_deref() == Some(krate)
            && r.section == section
            && confidence.is_none_or(|c| r.confidence == c)
    };
    // Where the crate is the dep-info's guess, said alike in every list and format (QA cp F5:
    // heuristic, referenced or dominated as the list it was carved from).
    if confidence.is_none() {
        heuristic_in_split(binary, (section, len, krate));
    }
    let confidence = confidence.unwrap_or(Confidence::Heuristic);
    // The largest rows of the binary, and of the crate alone: another crate's list never
    // holds it (QA cp F2: ryu's zoom on the page showed bat's `themes.bin`), nor the rows
    // `--filter` kept to another crate (QA dm F1: `--filter '[unknown]'` listed 18 files of 14
    // crates in place of its own rows).
    let filtered_away = binary
        .symbols_of
        .as_deref()
        .is_some_and(|k| !crate::format::same_crate(k, krate));
    let listed = (!filtered_away).then_some((&mut binary.symbols, top));
    let lists = listed.into_iter().chain(
        binary
            .crate_symbols
            .iter_mut()
            .filter(|c| c.krate == krate)
            .map(|c| (&mut c.symbols, None)),
    );
    for (rows, top) in lists {
        let fallback = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| owned(r) && is_fallback(r) && r.file_size >= len)
            .max_by_key(|(_, r)| r.file_size)
            .map(|(i, _)| i);
        let row = SymbolRow {
            crate_row: None,
            name: format!("[section {section}]"),
            mangled: None,
            krate: Some(krate.to_string()),
            section: section.to_string(),
            file_size: len,
            vm_size: len,
            confidence,
            instantiated_in: None,
            retained_size: None,
            copy: None,
            source_file: None,
            content: Some(label.to_string()),
        };
        match fallback {
            Some(i) => {
                rows[i].file_size -= len;
                rows[i].vm_size = rows[i].vm_size.saturating_sub(len);
                insert(rows, row);
                // Largest first again, as the attribution sorts (QA cp F6: the row carved
                // from kept its place).
                rows.sort_by_key(|r| std::cmp::Reverse((r.vm_size.max(r.file_size), r.vm_size)));
                if let Some(n) = top {
                    rows.truncate(n);
                }
            }
            // A list of the N largest symbols alone (no row of bytes without one): the file
            // in place of the smallest. Every row (`--symbols all`) sums to the crate's bytes,
            // and without a row to carve from the file is not among them (QA dm F1).
            None if top.is_some() && !rows.iter().any(is_fallback) => {
                let smallest = rows.iter().map(|r| r.file_size.max(r.vm_size)).min();
                if smallest.is_some_and(|s| s < len) {
                    rows.pop();
                    insert(rows, row);
                }
            }
            None => {}
        }
    }
}

/// The crate table's split by confidence says a carved file is `heuristic` too (QA db F8:
/// two_face's row read `heuristic`, its crate's 899 KiB of it `referenced`): its bytes leave
/// the class of the row carved from. Only where a row of the crate's holds them: a file that
/// none does is in another crate's bytes, not in this crate's split (QA dm F2). Lists of the
/// largest symbols alone have no such rows to tell by: there the file's bytes are taken to be
/// its crate's, as its row in them says.
fn heuristic_in_split(binary: &mut Binary, (section, len, owner): (&str, u64, &str)) {
    let owned = |r: &SymbolRow| r.krate.as_deref() == Some(owner) && r.section == section;
    let mut rows = binary
        .crate_symbols
        .iter()
        .filter(|c| c.krate == owner)
        .flat_map(|c| &c.symbols)
        .chain(&binary.symbols);
    let listed = rows.clone().any(is_fallback);
    let from = rows
        .find(|r| owned(r) && is_fallback(r) && r.file_size >= len)
        .map(|r| r.confidence);
    if listed && from.is_none() {
        return;
    }
    if let Some(c) = binary.crates.iter_mut().find(|c| c.name == owner) {
        let split = &mut c.confidence;
        let classes = match from {
            Some(Confidence::Dominated) => [&mut split.dominated, &mut split.referenced],
            _ => [&mut split.referenced, &mut split.dominated],
        };
        let mut left = len;
        for class in classes {
            let moved = left.min(*class);
            *class -= moved;
            left -= moved;
        }
        split.heuristic += len - left;
    }
}

/// A row of a section's bytes that no symbol covers.
fn is_fallback(r: &SymbolRow) -> bool {
    r.name.starts_with("[section ") && r.content.is_none()
}

/// `row` among `rows`, largest first.
fn insert(rows: &mut Vec<SymbolRow>, row: SymbolRow) {
    let size = |r: &SymbolRow| r.file_size.max(r.vm_size);
    let at = rows
        .iter()
        .position(|r| size(r) < size(&row))
        .unwrap_or(rows.len());
    rows.insert(at, row);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, krate: &str, size: u64) -> SymbolRow {
        serde_json::from_value(serde_json::json!({
            "name": name, "crate": krate, "section": ".rodata", "file_size": size,
            "vm_size": size, "confidence": "referenced"
        }))
        .expect("row")
    }

    /// The file's row is carved out of its crate's row of bytes without a symbol, the sum
    /// kept; a list of symbols alone gets it in place of its smallest; another crate's list
    /// never holds it (QA cp F2).
    #[test]
    fn a_file_is_carved_from_its_crates_row_alone() {
        let mut b = crate::report::test_artifact(1000).binary;
        b.symbols = vec![row("big_fn", "bat", 5000), row("small_fn", "ryu", 100)];
        let mut bat = crate::report::test_crate("bat", 15_000);
        bat.confidence.exact = 5000;
        bat.confidence.referenced = 10_000;
        b.crates = vec![bat];
        let lists = |krate: &str, rows| crate::report::CrateSymbols {
            krate: krate.into(),
            symbols: rows,
            more: 0,
            more_file_size: 0,
            more_vm_size: 0,
        };
        b.crate_symbols = vec![
            lists("bat", vec![row("[section .rodata]", "bat", 10_000)]),
            lists("ryu", vec![row("ryu_fn", "ryu", 50)]),
        ];
        carve(
            &mut b,
            (".rodata", 4096, Owner::Listed("bat")),
            "file assets/a.bin",
            Some(2),
        );
        let names = |rows: &[SymbolRow]| -> Vec<(String, u64)> {
            rows.iter()
                .map(|r| (r.content.clone().unwrap_or(r.name.clone()), r.file_size))
                .collect()
        };
        assert_eq!(
            names(&b.symbols),
            [("big_fn".into(), 5000), ("file assets/a.bin".into(), 4096)]
        );
        assert_eq!(
            names(&b.crate_symbols[0].symbols),
            [
                ("[section .rodata]".into(), 5904),
                ("file assets/a.bin".into(), 4096)
            ]
        );
        assert_eq!(names(&b.crate_symbols[1].symbols), [("ryu_fn".into(), 50)]);
        // QA db F8: the crate's split by confidence moves the file's bytes to `heuristic`, as
        // its row says.
        let split = &b.crates[0].confidence;
        assert_eq!((split.referenced, split.heuristic), (10_000 - 4096, 4096));
        // The row carved from falls below the file's: largest first again (QA cp F6).
        carve(
            &mut b,
            (".rodata", 4096, Owner::Listed("bat")),
            "file assets/b.bin",
            Some(2),
        );
        let sizes: Vec<u64> = b.crate_symbols[0]
            .symbols
            .iter()
            .map(|r| r.file_size)
            .collect();
        assert_eq!(sizes, [4096, 4096, 1808]);
    }

    /// QA de F7: a list of the N largest (`--filter bat -n 2`) that holds the row carved from
    /// stays N rows long, the file in place of the smallest; every row (`--symbols all`, no
    /// limit) keeps both parts.
    #[test]
    fn a_carved_file_keeps_the_list_of_the_largest_at_its_length() {
        let rows = || {
            vec![
                row("[section .rodata]", "bat", 10_000),
                row("big_fn", "bat", 5000),
            ]
        };
        let mut b = crate::report::test_artifact(1000).binary;
        b.symbols = rows();
        carve(
            &mut b,
            (".rodata", 8000, Owner::Listed("bat")),
            "file assets/a.bin",
            Some(2),
        );
        let names: Vec<(String, u64)> = b
            .symbols
            .iter()
            .map(|r| (r.content.clone().unwrap_or(r.name.clone()), r.file_size))
            .collect();
        assert_eq!(
            names,
            [("file assets/a.bin".into(), 8000), ("big_fn".into(), 5000)]
        );
        b.symbols = rows();
        carve(
            &mut b,
            (".rodata", 8000, Owner::Listed("bat")),
            "file assets/a.bin",
            None,
        );
        let total: u64 = b.symbols.iter().map(|r| r.file_size).sum();
        assert_eq!((b.symbols.len(), total), (3, 15_000));
    }

    /// QA dm F1: the rows `--filter` kept to another crate (`[unknown]`'s, which has no row of
    /// bytes without a symbol) took each file of every crate in place of their smallest.
    #[test]
    fn another_crates_filtered_rows_get_no_file() {
        let own = || vec![row("c_fn", "[unknown]", 100), row("lock", "[unknown]", 8)];
        let mut b = crate::report::test_artifact(1000).binary;
        b.symbols = own();
        b.symbols_of = Some("[unknown]".into());
        carve(
            &mut b,
            (".rodata", 8000, Owner::Listed("tree_sitter_racket")),
            "file highlights.scm",
            None,
        );
        assert_eq!(b.symbols, own());
        // Kept to the file's own crate, its largest rows list it in place of the smallest;
        // every row of it (no limit) holds no row to carve it from, so not it.
        b.symbols_of = Some("tree-sitter-racket".into());
        let theirs = || vec![row("ts_parse_table", "tree_sitter_racket", 100)];
        b.symbols = theirs();
        let file = (".rodata", 8000, Owner::Listed("tree_sitter_racket"));
        carve(&mut b, file, "file highlights.scm", Some(1));
        let listed: Vec<Option<&str>> = b.symbols.iter().map(|r| r.content.as_deref()).collect();
        assert_eq!(listed, [Some("file highlights.scm")]);
        b.symbols = theirs();
        carve(&mut b, file, "file highlights.scm", None);
        assert_eq!(b.symbols, theirs());
    }

    /// QA dm F2: racket's `highlights.scm` lay in difftastic's bytes (its code refers to the
    /// constant), racket's own row of `.rodata` too small to hold it: the file is carved out
    /// of the row of the crate and confidence that hold its bytes, the splits unchanged; where
    /// the crate is the dep-info's guess and its row is too small, no row and no split moves.
    #[test]
    fn a_file_is_carved_from_the_crate_that_holds_its_bytes() {
        let stretches = crate::report::Unnamed {
            stretches: vec![
                (0x1000, 0x10000, 0, Confidence::Referenced),
                (0x10000, 0x20000, 0, Confidence::Referenced),
                (0x20000, 0x21000, 1, Confidence::Referenced),
                (0x21000, 0x22000, 1, Confidence::Dominated),
            ],
            crates: vec!["difft".into(), "tree_sitter_racket".into()],
        };
        // Inside one stretch, or across two of one crate and confidence; across two crates or
        // two confidences, or past the stretches: not known.
        let difft = Some(("difft", Confidence::Referenced));
        assert_eq!(stretches.holder(0x1800, 0x100), difft);
        assert_eq!(stretches.holder(0xf000, 0x11000), difft);
        assert_eq!(stretches.holder(0x1f000, 0x2000), None);
        assert_eq!(stretches.holder(0x20800, 0x1000), None);
        assert_eq!(stretches.holder(0x21800, 0x1000), None);
        assert_eq!(stretches.holder(0x800, 0x1000), None);
        let with_rows = || {
            let mut b = crate::report::test_artifact(1000).binary;
            b.symbols = vec![
                row("[section .rodata]", "difft", 193_025),
                row("[section .rodata]", "tree_sitter_racket", 2_672),
            ];
            let mut racket = crate::report::test_crate("tree_sitter_racket", 104_082);
            racket.confidence.referenced = 46_389;
            racket.confidence.dominated = 57_693;
            let mut difft = crate::report::test_crate("difft", 500_000);
            difft.confidence.referenced = 500_000;
            b.crates = vec![difft, racket];
            b
        };
        let splits = |b: &Binary| -> Vec<crate::report::ConfidenceBreakdown> {
            b.crates.iter().map(|c| c.confidence.clone()).collect()
        };
        let mut b = with_rows();
        let before = splits(&b);
        let holder = stretches
            .holder(0x4000, 42_852)
            .map(|(k, c)| Owner::Holder(k, c));
        let file = (".rodata", 42_852, holder.expect("held"));
        carve(&mut b, file, "file highlights.scm", None);
        let rows: Vec<(&str, Option<&str>, u64, Confidence)> = b
            .symbols
            .iter()
            .map(|r| {
                let krate = r.krate.as_deref().unwrap_or_default();
                (krate, r.content.as_deref(), r.file_size, r.confidence)
            })
            .collect();
        let referenced = Confidence::Referenced;
        assert_eq!(
            rows,
            [
                ("difft", None, 193_025 - 42_852, referenced),
                ("difft", Some("file highlights.scm"), 42_852, referenced),
                ("tree_sitter_racket", None, 2_672, referenced),
            ]
        );
        assert_eq!(splits(&b), before);
        // The dep-info's guess whose row cannot hold it (a stripped build's file, found in
        // the analysis link): nothing carved, the split as it was.
        let mut b = with_rows();
        let listed = (".rodata", 42_852, Owner::Listed("tree_sitter_racket"));
        carve(&mut b, listed, "file highlights.scm", None);
        assert_eq!(b.symbols, with_rows().symbols);
        assert_eq!(splits(&b), before);
    }
}
