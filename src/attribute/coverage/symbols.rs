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
    frame: &Frame,
    ext: &Extents,
    image: &Image,
    out: Made<'_, 'a>,
) -> Vec<Vec<(u64, u64, u64)>> {
    let cands = candidates(table, endian, frame);
    symbol_pieces(&cands, table, endian, ext, image, out)
}

/// Where [`pieces`] adds what it makes: the pieces, the `STT_FILE` names they point at, and
/// the aliases (see [`super::Layout::aliases`]).
pub(super) struct Made<'o, 'a> {
    pub pieces: &'o mut Vec<Piece<'a>>,
    pub files: &'o mut Vec<&'a [u8]>,
    pub aliases: &'o mut Vec<(u32, &'a [u8])>,
}

/// The sections a symbol table's indices and values refer to.
pub(super) struct Frame<'s> {
    /// Address and size of each section of the table's own file.
    pub addr: &'s [(u64, u64)],
    /// The measured file's index of each of those sections (`u32::MAX`: none), when the table
    /// is another file's; `None`: the table is the measured file's own.
    pub remap: Option<&'s [u32]>,
    /// Address of the table's file's `PT_TLS` segment.
    pub tls_base: Option<u64>,
}

/// An assembler's local label (`.Lanon.…`): `--emit-relocs` keeps those a relocation names,
/// which a normal link drops. Read from the analysis link, they would name bytes the binary's
/// own table leaves to the code that refers to them.
fn assembler_label<H: FileHeader<Endian = Endianness>>(
    table: &SymbolTable<'_, H>,
    endian: Endianness,
    sym: &H::Sym,
) -> bool {
    sym.st_bind() == elf::STB_LOCAL
        && sym
            .name(endian, table.strings())
            .is_ok_and(|n| n.starts_with(b".L"))
}

impl Frame<'_> {
    /// Section `i` of the table's file: the measured file's index for it, its address and
    /// size in the table's file.
    fn section(&self, i: usize) -> Option<(u32, u64, u64)> {
        let &(addr, size) = self.addr.get(i)?;
        let k = match self.remap {
            Some(r) => *r.get(i).filter(|k| **k != u32::MAX)?,
            None => u32::try_from(i).ok()?,
        };
        Some((k, addr, size))
    }
}

/// The symbol table of the analysis link (the same objects linked with `--emit-relocs`, its
/// symbols kept) for a stripped binary. The two place sections differently (`.eh_frame`
/// moves), but a section's contents are the same bytes in both: a symbol's offset in its
/// section is where it is in the stripped file. Taken only when every allocated section
/// matches one of the same name and size (lld's `.relro_padding` aside: it only pads).
pub(super) struct Borrowed<'a, H: FileHeader<Endian = Endianness>> {
    pub table: SymbolTable<'a, H>,
    addr: Vec<(u64, u64)>,
    remap: Vec<u32>,
    tls_base: Option<u64>,
}

impl<'a, H: FileHeader<Endian = Endianness>> Borrowed<'a, H> {
    pub fn of(other: &'a [u8], measured: &[super::SectionInfo]) -> Option<Self> {
        use object::read::elf::{ProgramHeader as _, SectionHeader as _};
        let header = H::parse(other).ok()?;
        let endian = header.endian().ok()?;
        let sections = header.sections(endian, other).ok()?;
        let table = sections.symbols(endian, other, elf::SHT_SYMTAB).ok()?;
        if table.is_empty() {
            return None;
        }
        let padding = |name: &[u8]| name == b".relro_padding";
        let mut used = vec![false; measured.len()];
        let mut remap = Vec::with_capacity(sections.len());
        let mut addr = Vec::with_capacity(sections.len());
        for sh in sections.iter() {
            let (a, size): (u64, u64) = (sh.sh_addr(endian).into(), sh.sh_size(endian).into());
            addr.push((a, size));
            let name = sections.section_name(endian, sh).unwrap_or_default();
            let alloc = sh.sh_flags(endian).contains(elf::SHF_ALLOC);
            let k = measured.iter().enumerate().position(|(k, m)| {
                !used[k] && m.alloc == alloc && m.size == size && m.name.as_bytes() == name
            });
            // A section the binary lacks: allocated, the two are not links of the same
            // objects; otherwise it is one the analysis link adds (`.rela.text`, `.symtab`).
            let Some(k) = k.filter(|_| !padding(name)) else {
                if alloc && !padding(name) {
                    return None;
                }
                remap.push(u32::MAX);
                continue;
            };
            used[k] = true;
            remap.push(u32::try_from(k).ok()?);
        }
        let unmatched = measured
            .iter()
            .zip(&used)
            .any(|(m, u)| m.alloc && !u && !padding(m.name.as_bytes()));
        if unmatched {
            return None;
        }
        let tls_base = header
            .program_headers(endian, other)
            .ok()?
            .iter()
            .find(|ph| ph.p_type(endian) == elf::PT_TLS)
            .map(|ph| ph.p_vaddr(endian).into());
        Some(Borrowed {
            table,
            addr,
            remap,
            tls_base,
        })
    }

    pub fn frame(&self) -> Frame<'_> {
        Frame {
            addr: &self.addr,
            remap: Some(&self.remap),
            tls_base: self.tls_base,
        }
    }
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
    frame: &Frame,
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
        if frame.remap.is_some() && assembler_label(table, endian, sym) {
            continue;
        }
        let Some((section, addr, sec_size)) = frame.section(sec.0) else {
            continue;
        };
        let mut value: u64 = sym.st_value(endian).into();
        if kind == elf::STT_TLS {
            value = value.wrapping_add(frame.tls_base.unwrap_or(addr));
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
            section,
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
/// A symbol at the very start of the piece before it, in its bytes, is that piece's alias
/// (`bcmp` of `memcmp`): in `aliases`, with the piece's index.
fn symbol_pieces<'a, H: FileHeader<Endian = Endianness>>(
    cands: &[Cand],
    table: &SymbolTable<'a, H>,
    endian: Endianness,
    ext: &Extents,
    image: &Image,
    Made {
        pieces,
        files,
        aliases,
    }: Made<'_, 'a>,
) -> Vec<Vec<(u64, u64, u64)>> {
    // The last piece made: its section, start, and index.
    let mut last: Option<(u32, u64, u32)> = None;
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
            if let Some((section, start, piece)) = last
                && (section, start) == (c.section, c.start)
                && let Ok(name) = table
                    .symbol(object::SymbolIndex(c.index as usize))
                    .and_then(|sym| sym.name(endian, table.strings()))
            {
                aliases.push((piece, name));
            }
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
        last = Some((c.section, s, pieces.len() as u32));
        let addr = ext.addr[i].0;
        // Not loaded (a `.gnu.warning.*` symbol at address 0): no addresses, or a reference
        // to address 0 (an undefined weak symbol's) would reach it (QA al F1).
        let end = if vm > 0 { c.end } else { s };
        pieces.push(Piece {
            owner: Owner::Symbol {
                name,
                section: c.section,
                file: src_file,
            },
            file,
            vm,
            addr: addr.saturating_add(s),
            end: addr.saturating_add(end),
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
