//! Symbols over the byte map: each sized symbol takes the bytes of its section it covers that
//! no earlier symbol took (aliases and overlaps count once), in the file and in memory.

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, Sym, SymbolTable};

use std::collections::HashMap;

use super::{Extents, Image, NO_FILE, Owner, Piece, overlap};

/// Add a piece for each symbol's bytes to `pieces`; returns, per section, the ranges the symbols
/// took (offsets in the section, in order) with the index of each one's piece.
pub(super) fn pieces<'a, H: FileHeader<Endian = Endianness>>(
    table: &SymbolTable<'a, H>,
    endian: Endianness,
    ext: &Extents,
    image: &Image,
    pieces: &mut Vec<Piece<'a>>,
    files: &mut Vec<&'a [u8]>,
) -> Vec<Vec<(u64, u64, u64)>> {
    let cands = candidates(table, endian, &ext.addr, image.tls_base);
    symbol_pieces(&cands, table, endian, ext, image, (pieces, files))
}

/// A symbol candidate: its range inside its section, and its rank among aliases.
#[derive(Clone, Copy)]
struct Cand {
    section: u32,
    start: u64,
    end: u64,
    /// 0 global, 1 weak, 2 local: at one address the global name wins.
    rank: u8,
    index: u32,
    /// Index of the `STT_FILE` symbol before this local symbol, or `u32::MAX`.
    file: u32,
}

/// Sized symbols inside their sections, in the order that settles overlaps: by section and
/// start, the longest first, the global name first among aliases.
fn candidates<H: FileHeader<Endian = Endianness>>(
    table: &SymbolTable<'_, H>,
    endian: Endianness,
    sec_addr: &[(u64, u64)],
    tls_base: Option<u64>,
) -> Vec<Cand> {
    let mut cands: Vec<Cand> = Vec::with_capacity(table.len());
    let mut file = u32::MAX;
    for (index, sym) in table.enumerate() {
        let size: u64 = sym.st_size(endian).into();
        let kind = sym.st_type();
        if kind == elf::STT_FILE {
            file = index.0 as u32;
            continue;
        }
        if sym.st_bind() != elf::STB_LOCAL {
            file = u32::MAX;
        }
        if size == 0 || kind == elf::STT_SECTION {
            continue;
        }
        let Ok(Some(sec)) = table.symbol_section(endian, sym, index) else {
            continue;
        };
        let Some(&(addr, sec_size)) = sec_addr.get(sec.0) else {
            continue;
        };
        let mut value: u64 = sym.st_value(endian).into();
        if kind == elf::STT_TLS {
            value = value.wrapping_add(tls_base.unwrap_or(addr));
        }
        let Some(start) = value.checked_sub(addr).filter(|s| *s < sec_size) else {
            continue;
        };
        let rank = match sym.st_bind() {
            elf::STB_GLOBAL => 0,
            elf::STB_WEAK => 1,
            _ => 2,
        };
        cands.push(Cand {
            section: sec.0 as u32,
            start,
            end: start.saturating_add(size).min(sec_size),
            rank,
            index: index.0 as u32,
            file,
        });
    }
    cands.sort_unstable_by_key(|c| {
        (
            c.section,
            c.start,
            std::cmp::Reverse(c.end),
            c.rank,
            c.index,
        )
    });
    cands
}

/// Per section: symbols in address order; an overlapping or aliased symbol gets only the
/// bytes not already taken, so nothing counts twice. Returns the ranges taken per section.
fn symbol_pieces<'a, H: FileHeader<Endian = Endianness>>(
    cands: &[Cand],
    table: &SymbolTable<'a, H>,
    endian: Endianness,
    ext: &Extents,
    image: &Image,
    (pieces, files): (&mut Vec<Piece<'a>>, &mut Vec<&'a [u8]>),
) -> Vec<Vec<(u64, u64, u64)>> {
    // Each `STT_FILE` symbol's place in `files` (`NO_FILE` when its name cannot be read).
    let mut slot: HashMap<u32, u32> = HashMap::new();
    let mut taken: Vec<Vec<(u64, u64, u64)>> = vec![Vec::new(); ext.file.len()];
    let mut current = u32::MAX;
    let mut scursor = 0u64;
    for c in cands {
        if c.section != current {
            current = c.section;
            scursor = 0;
        }
        let s = c.start.max(scursor);
        if c.end <= s {
            continue;
        }
        scursor = c.end;
        let i = c.section as usize;
        let (file, vm) = symbol_bytes(ext, image, i, s, c.end);
        if file == 0 && vm == 0 {
            continue;
        }
        let Ok(sym) = table.symbol(object::SymbolIndex(c.index as usize)) else {
            continue;
        };
        let name = sym.name(endian, table.strings()).unwrap_or(b"<bad name>");
        let src_file = if c.file == u32::MAX {
            NO_FILE
        } else {
            *slot.entry(c.file).or_insert_with(|| {
                let name = table
                    .symbol(object::SymbolIndex(c.file as usize))
                    .ok()
                    .and_then(|f| f.name(endian, table.strings()).ok());
                name.map_or(NO_FILE, |n| {
                    files.push(n);
                    (files.len() - 1) as u32
                })
            })
        };
        taken[i].push((s, c.end, pieces.len() as u64));
        let addr = ext.addr[i].0;
        pieces.push(Piece {
            owner: Owner::Symbol {
                name,
                section: c.section,
                file: src_file,
            },
            file,
            vm,
            addr: addr.saturating_add(s),
            end: addr.saturating_add(c.end),
        });
    }
    taken
}

/// The (file, memory) bytes of `[start, end)` of section `i` inside what the section claimed.
pub(super) fn symbol_bytes(
    ext: &Extents,
    image: &Image,
    i: usize,
    start: u64,
    end: u64,
) -> (u64, u64) {
    let (addr, _) = ext.addr[i];
    let (mem_lo, mem_hi) = ext.mem[i];
    if mem_hi > mem_lo {
        // Zero-filled: memory only.
        let lo = addr.saturating_add(start).max(mem_lo);
        let hi = addr.saturating_add(end).min(mem_hi);
        let vm = if hi > lo {
            overlap(lo, hi, &image.mem_only)
        } else {
            0
        };
        return (0, vm);
    }
    let base = ext.offset[i];
    let lo = base.saturating_add(start).max(ext.file[i].0);
    let hi = base.saturating_add(end).min(ext.file[i].1);
    if hi > lo {
        (hi - lo, overlap(lo, hi, &image.load_file))
    } else {
        (0, 0)
    }
}
