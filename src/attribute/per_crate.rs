//! The largest symbols of each crate, for the HTML page's map of the bytes: at most
//! `per_crate` rows of a crate and `total` in all, the largest of the binary first; each
//! crate's other rows are counted in its `more_*`. Rows are the pieces `table::crate_sizes`
//! counts, so a crate's rows and its `more_*` sum to its sizes; the bytes no symbol covers make
//! one row per section and crate. Only the rows listed are demangled.

use std::collections::HashMap;

use super::coverage::{Layout, Owner};
use super::table::{crate_of, row};
use super::{Attr, Interner};
use crate::options::SymbolMap;
use crate::report::{CrateSize, CrateSymbols};

/// One candidate row: the pieces it is made of (several for a section's uncovered bytes).
struct Candidate<'n> {
    krate: &'n str,
    pieces: Vec<usize>,
    file: u64,
    vm: u64,
}

pub(super) fn crate_symbols(
    l: &Layout,
    attrs: &[Attr],
    names: &Interner,
    crates: &[CrateSize],
    limits: SymbolMap,
) -> Vec<CrateSymbols> {
    let mut rows: Vec<Candidate> = Vec::new();
    let mut section_row: HashMap<(usize, &str), usize> = HashMap::new();
    for (i, (p, a)) in l.pieces.iter().zip(attrs).enumerate() {
        let Some((krate, _)) = crate_of(l, p, a, names) else {
            continue;
        };
        let merged = match p.owner {
            Owner::Section(s) => section_row.get(&(s, krate)).copied(),
            _ => None,
        };
        match merged {
            Some(r) => {
                let c = &mut rows[r];
                c.pieces.push(i);
                c.file += p.file;
                c.vm += p.vm;
            }
            None => {
                if let Owner::Section(s) = p.owner {
                    section_row.insert((s, krate), rows.len());
                }
                rows.push(Candidate {
                    krate,
                    pieces: vec![i],
                    file: p.file,
                    vm: p.vm,
                });
            }
        }
    }
    // The largest of the binary first, so that `total` keeps what the map shows biggest.
    rows.sort_by_key(|c| std::cmp::Reverse((c.vm, c.file)));
    let mut out: Vec<CrateSymbols> = crates
        .iter()
        .map(|c| CrateSymbols {
            krate: c.name.clone(),
            symbols: Vec::new(),
            more: 0,
            more_file_size: 0,
            more_vm_size: 0,
        })
        .collect();
    let index: HashMap<&str, usize> = crates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let mut listed = 0;
    for c in rows {
        let Some(&k) = index.get(c.krate) else {
            continue;
        };
        let entry = &mut out[k];
        if entry.symbols.len() < limits.per_crate && listed < limits.total {
            let first = c.pieces[0];
            let mut r = row(l, &l.pieces[first], &attrs[first], names);
            r.file_size = c.file;
            r.vm_size = c.vm;
            entry.symbols.push(r);
            listed += 1;
        } else {
            entry.more += 1;
            entry.more_file_size += c.file;
            entry.more_vm_size += c.vm;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use object::Endianness;
    use object::elf::FileHeader64;

    use super::super::{attribute_layout, coverage};
    use crate::options::{SizeOptions, SymbolMap};

    /// Each crate's rows and `more_*` add up to the crate's own sizes, within the limits,
    /// largest first; on a real binary of this machine.
    #[test]
    fn rows_and_the_rest_sum_to_each_crate() {
        // This test binary: Rust crates, std and libc, with symbols.
        let bytes = std::env::current_exe()
            .and_then(std::fs::read)
            .expect("the test binary");
        let layout = || coverage::layout::<FileHeader64<Endianness>>(&bytes).expect("layout");
        let limits = SymbolMap {
            per_crate: 5,
            total: 12,
        };
        let s = SizeOptions {
            crate_symbols: Some(limits),
            ..SizeOptions::default()
        };
        let a = attribute_layout(layout(), None, &s);
        assert_eq!(a.crate_symbols.len(), a.crates.len());
        let listed: usize = a.crate_symbols.iter().map(|c| c.symbols.len()).sum();
        assert!(a.crate_symbols.iter().any(|m| m.more > 0));
        assert!(listed <= limits.total, "{listed}");
        assert!(listed > 0);
        for (c, m) in a.crates.iter().zip(&a.crate_symbols) {
            assert_eq!(c.name, m.krate);
            assert!(m.symbols.len() <= limits.per_crate);
            let vm: u64 = m.symbols.iter().map(|r| r.vm_size).sum::<u64>() + m.more_vm_size;
            let file: u64 = m.symbols.iter().map(|r| r.file_size).sum::<u64>() + m.more_file_size;
            assert_eq!((vm, file), (c.vm_size, c.file_size), "{}", c.name);
            assert!(m.symbols.windows(2).all(|w| w[0].vm_size >= w[1].vm_size));
        }
        // Without the option, nothing.
        let a = attribute_layout(layout(), None, &SizeOptions::default());
        assert!(a.crate_symbols.is_empty());
    }
}
