//! References through a biased base address. A C compiler that indexes a table from 1 (or
//! turns `t[i]` in a loop into `*(base + 8 * i)`) keeps `base = &t[-1]`: `lea t-8(%rip)` for
//! `for (i = 1; ...) t[i - 1]()`, SQLite's `sqlite3BuiltinExtensions` among others. The
//! reference lands before the table, and the table (and every function it holds) looked
//! unreferenced.
//!
//! The rule, applied where the graph's edges are made (`wire`, for every edge source: static
//! relocations, the analysis link's, decoded code): a reference that lands in a piece of
//! padding right before a symbol also reaches that symbol. Padding is
//! told from an object without a symbol (rustc's literals, vtables) by what is there:
//!
//! * the piece holds bytes of data (not code: code is never indexed, and a reference into
//!   code is a jump, whose next function is reached by calls only), no symbol covers it, and
//!   it runs up to the symbol's start, in the same section, within [`REACH`] bytes;
//! * its bytes, and the byte before it, are zero in the file (or the section has no bytes in
//!   the file, `.bss`), and no relocation stores an address into them (with RELA, a relocated
//!   pointer is zero in the file). A literal, a vtable or a table is not all zero;
//! * the byte before it is padding too: where an object (with a symbol or without) ends, a
//!   reference there is its one-past-the-end pointer (`lea t+24` for `p < t + 3`), not a
//!   base before the next one. This also drops a biased base that lands exactly where the
//!   object before ends: it cannot be told from that object's end;
//! * it is shorter than the symbol's alignment, which is at most the largest power of two
//!   that divides the symbol's address: padding aligns what follows it. Sixteen zero bytes
//!   before a symbol at an address aligned to 8 are the end of an object without a symbol
//!   (QA bw F1: the zero fields of an empty hash table, read by a 16-byte load, made reqwest's
//!   DNS resolver reachable from `http`'s `Extensions::get_or_insert_with`).
//!
//! A biased base that lands inside the object before (no padding, or padding too short) is
//! not found: that reference is one to the object it lands in.

use crate::attribute::coverage::{Layout, Owner};

use super::refs::Ref;

/// How far before a symbol a biased base is looked for: alignment padding is shorter than
/// the alignment, and tables of data are rarely aligned to more than a cache line.
pub(super) const REACH: u64 = 64;

/// The pieces of padding that a reference reaches the next symbol through: (the padding's
/// piece, the symbol's piece), sorted.
pub(super) fn paddings(layout: &Layout, bytes: &[u8], refs: &[Vec<Ref>]) -> Vec<(u32, u32)> {
    let pieces = &layout.pieces;
    // Symbols' pieces of data by start, and the ranges they cover.
    let mut symbols: Vec<(u64, u64, u32)> = pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| p.end > p.addr && matches!(p.owner, Owner::Symbol { .. }))
        .map(|(i, p)| (p.addr, p.end, i as u32))
        .collect();
    symbols.sort_unstable();
    let section_of = |o: Owner| match o {
        Owner::Section(s) => Some(s),
        Owner::Symbol { section, .. } => Some(section as usize),
        _ => None,
    };
    let covered = |a: u64| {
        let k = symbols.partition_point(|s| s.0 <= a);
        k > 0 && symbols[k - 1].1 > a
    };
    let mut found: Vec<(u32, u32, u64, u64)> = Vec::new();
    for (i, p) in pieces.iter().enumerate() {
        let Owner::Section(s) = p.owner else { continue };
        let Some(sec) = layout.sections.get(s).filter(|x| x.alloc && !x.exec) else {
            continue;
        };
        let aligned = 1u64.checked_shl(p.end.trailing_zeros()).unwrap_or(u64::MAX);
        if p.end <= p.addr || p.end - p.addr > REACH.min(aligned - 1) || p.addr <= sec.addr {
            continue;
        }
        // The symbol that starts where the padding ends, in the same section.
        let k = symbols.partition_point(|x| x.0 < p.end);
        let Some(&(_, _, sym)) = symbols
            .get(k)
            .filter(|x| x.0 == p.end && section_of(pieces[x.2 as usize].owner) == Some(s))
        else {
            continue;
        };
        let before = p.addr - 1;
        if covered(before) || !zero(bytes, sec.offset, sec.addr, before, p.end) {
            continue;
        }
        found.push((i as u32, sym, before, p.end));
    }
    if found.is_empty() {
        return Vec::new();
    }
    // No relocation stores an address into the bytes (a pointer is up to 8 bytes).
    found.sort_unstable_by_key(|f| f.2);
    let mut stored = vec![false; found.len()];
    for r in refs.iter().flatten() {
        let k = found.partition_point(|f| f.2 < r.from.saturating_add(8));
        for (j, f) in found[..k].iter().enumerate().rev() {
            if f.3 + REACH < r.from {
                break;
            }
            if r.from < f.3 {
                stored[j] = true;
            }
        }
    }
    let mut out: Vec<(u32, u32)> = found
        .iter()
        .zip(stored)
        .filter(|(_, s)| !s)
        .map(|(f, _)| (f.0, f.1))
        .collect();
    out.sort_unstable();
    out
}

/// Whether the bytes at `[lo, hi)` of a section at `addr` (its bytes at `offset` in `bytes`,
/// none when `None`) are all zero. Bytes outside the file are not known to be.
fn zero(bytes: &[u8], offset: Option<u64>, addr: u64, lo: u64, hi: u64) -> bool {
    let Some(offset) = offset else { return true };
    let at = |a: u64| usize::try_from(offset.checked_add(a.checked_sub(addr)?)?).ok();
    match (at(lo), at(hi)) {
        (Some(l), Some(h)) => bytes.get(l..h).is_some_and(|b| b.iter().all(|&x| x == 0)),
        _ => false,
    }
}

/// Each edge into a piece of padding of `pads` gains one, of its kind, to the symbol after.
pub(super) fn through_padding(pads: &[(u32, u32)], edges: &mut Vec<(u32, u32, u8)>) {
    if pads.is_empty() {
        return;
    }
    let extra: Vec<(u32, u32, u8)> = edges
        .iter()
        .filter_map(|&(f, t, k)| {
            let j = pads.binary_search_by_key(&t, |p| p.0).ok()?;
            Some((f, pads[j].1, k))
        })
        .collect();
    edges.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::coverage::{Piece, SectionInfo};
    use crate::report::RefKind;

    const DATA: u64 = 0x1000;
    /// Where `ext` starts: 120 bytes of padding after `before`.
    const EXT: u64 = DATA + 0x80;

    fn piece(owner: Owner<'static>, addr: u64, end: u64) -> Piece<'static> {
        Piece {
            owner,
            file: end - addr,
            vm: end - addr,
            addr,
            end,
        }
    }

    fn symbol(name: &'static [u8], addr: u64, end: u64) -> Piece<'static> {
        let owner = Owner::Symbol {
            name,
            section: 1,
            file: crate::attribute::coverage::NO_FILE,
        };
        piece(owner, addr, end)
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Data,
        Code,
        /// No bytes in the file (`.bss`): the file's are garbage there.
        Bss,
    }

    fn section(name: &'static str, kind: Kind, addr: u64) -> SectionInfo<'static> {
        SectionInfo {
            name: name.into(),
            alloc: true,
            exec: kind == Kind::Code,
            addr,
            size: 0x100,
            offset: (kind != Kind::Bss).then_some(addr),
        }
    }

    /// Code at 0 (section 0) refers to `to`; section 1 at 0x1000 holds `before` [0x1000,
    /// 0x1008), then bytes without a symbol cut at `cuts` and `to`, then `ext` at 0x1080.
    /// `fill`: bytes written into the file; `stores`: where relocations store addresses.
    /// Whether the code's reference reaches `ext` too.
    fn reaches(to: u64, cuts: &[u64], fill: &[(u64, u8)], kind: Kind, stores: &[u64]) -> bool {
        reaches_at(EXT, to, cuts, fill, kind, stores)
    }

    /// As [`reaches`], with `ext` at `ext`.
    fn reaches_at(
        ext: u64,
        to: u64,
        cuts: &[u64],
        fill: &[(u64, u8)],
        kind: Kind,
        stores: &[u64],
    ) -> bool {
        let garbage = if kind == Kind::Bss { 0xcc } else { 0 };
        let mut bytes = vec![garbage; 0x1100];
        bytes[DATA as usize..DATA as usize + 8].fill(0xaa);
        for &(a, b) in fill {
            bytes[a as usize] = b;
        }
        let mut pieces = vec![
            piece(Owner::Section(0), 0, 0x10),
            symbol(b"before", DATA, DATA + 8),
        ];
        let mut at: Vec<u64> = vec![DATA + 8];
        at.extend(cuts);
        at.push(to);
        at.sort_unstable();
        at.dedup();
        for (k, &a) in at.iter().enumerate() {
            let end = at.get(k + 1).copied().unwrap_or(ext);
            pieces.push(piece(Owner::Section(1), a, end));
        }
        pieces.push(symbol(b"ext", ext, ext + 0x18));
        let layout = Layout {
            sections: vec![
                section(".text", Kind::Code, 0),
                section(".data", kind, DATA),
            ],
            pieces,
            files: Vec::new(),
            aliases: Vec::new(),
            symbol_table: Some(".symtab"),
            symbols_borrowed: false,
            file_len: bytes.len() as u64,
            vm_total: 0x1100,
            data: &[],
        };
        let mut refs = vec![Ref {
            from: 4,
            to,
            kind: RefKind::Address,
        }];
        refs.extend(stores.iter().map(|&from| Ref {
            from,
            to: 0,
            kind: RefKind::Data,
        }));
        let pads = paddings(&layout, &bytes, &[refs]);
        let target = layout
            .pieces
            .iter()
            .position(|p| p.addr == to)
            .expect("cut") as u32;
        let mut e = vec![(0, target, 2)];
        through_padding(&pads, &mut e);
        let ext = layout.pieces.len() as u32 - 1;
        assert!(e.iter().all(|&(f, _, k)| f == 0 && k == 2), "{e:?}");
        assert_eq!(e[0].1, target);
        match e.len() {
            1 => false,
            _ => {
                assert_eq!(e[1..], [(0, ext, 2)]);
                true
            }
        }
    }

    /// `lea ext-8`: inside the zero padding after `before`, the reference reaches `ext` too.
    #[test]
    fn a_base_in_the_padding_before_a_table_reaches_it() {
        assert!(reaches(EXT - 8, &[], &[], Kind::Data, &[]));
        // Two elements before it (`lea ext-16`), with a pointer stored well before it.
        assert!(reaches(EXT - 16, &[], &[], Kind::Data, &[DATA + 0x10]));
        // In `.bss` (no bytes in the file).
        assert!(reaches(EXT - 8, &[], &[], Kind::Bss, &[]));
    }

    /// rustc's literal without a symbol right before `ext`, referred to at its start: no edge
    /// to `ext`, whether its bytes follow other bytes without a symbol or `before` directly.
    #[test]
    fn an_anonymous_constant_before_a_symbol_gains_no_edge() {
        let literal = [(EXT - 8, b'h'), (EXT - 4, b'o')];
        assert!(!reaches(EXT - 8, &[], &literal, Kind::Data, &[]));
        assert!(!reaches(EXT - 8, &[EXT - 0x20], &literal, Kind::Data, &[]));
        // Its bytes are zero in the file, but a relocation stores a pointer there (a vtable's
        // slot, with RELA), or into the byte before.
        assert!(!reaches(EXT - 8, &[], &[], Kind::Data, &[EXT - 8]));
        assert!(!reaches(EXT - 8, &[], &[], Kind::Data, &[EXT - 16]));
        // The end of a literal (`p < s + 4`), even followed by padding: the byte before is
        // the literal's.
        let ended = [(EXT - 9, b'!')];
        assert!(!reaches(EXT - 8, &[EXT - 12], &ended, Kind::Data, &[]));
        // One past the end of `before` itself.
        assert!(!reaches(DATA + 8, &[], &[], Kind::Data, &[]));
    }

    /// QA bw F1: zero bytes before a symbol, as long as its alignment or longer, are no
    /// padding: 16 before a vtable at an address aligned to 8 are the end of an object
    /// without a symbol. Shorter ones still are.
    #[test]
    fn zero_bytes_no_shorter_than_the_symbol_s_alignment_are_no_padding() {
        let ext = DATA + 0x78;
        assert!(!reaches_at(ext, ext - 16, &[], &[], Kind::Data, &[]));
        assert!(!reaches_at(ext, ext - 8, &[], &[], Kind::Data, &[]));
        assert!(reaches_at(ext, ext - 4, &[], &[], Kind::Data, &[]));
        // Aligned to 16, a biased base 8 bytes before it is in its padding.
        let ext = DATA + 0x70;
        assert!(reaches_at(ext, ext - 8, &[], &[], Kind::Data, &[]));
        assert!(!reaches_at(ext, ext - 16, &[], &[], Kind::Data, &[]));
    }

    /// Code is never indexed: a jump into code's padding does not reach the next function;
    /// nor does a reference farther than `REACH` before a symbol.
    #[test]
    fn code_and_far_references_gain_no_edge() {
        assert!(!reaches(EXT - 8, &[], &[], Kind::Code, &[]));
        assert!(!reaches(EXT - REACH - 1, &[], &[], Kind::Data, &[]));
        assert!(reaches(EXT - REACH, &[], &[], Kind::Data, &[]));
    }
}
