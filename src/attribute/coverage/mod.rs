//! The byte map of an ELF file: every byte of the file, and every byte of the loaded image,
//! belongs to exactly one piece (a symbol, a section's bytes no symbol covers, a header, or
//! bytes nothing claims).
//!
//! Read with `object`'s lazy ELF layer: headers and the symbol table are borrowed from the map,
//! nothing is parsed that is not needed (goblin's `Elf::parse` parses relocations and string
//! tables eagerly). Names stay borrowed bytes; nothing is demangled here.

mod symbols;

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader, SectionTable, SymbolTable};

/// Who owns a piece of the byte map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    ElfHeader,
    ProgramHeaders,
    SectionHeaders,
    /// File bytes no header or section claims (alignment padding, stripped leftovers), and
    /// loaded memory no section claims.
    Unmapped,
    /// Bytes of section `usize` that no symbol covers.
    Section(usize),
    /// A symbol (raw name from the symbol table) in section `section`. `file`: the name of
    /// the `STT_FILE` symbol a local symbol follows (its compilation unit or source file).
    Symbol {
        name: &'a [u8],
        section: usize,
        file: Option<&'a [u8]>,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    pub owner: Owner<'a>,
    pub file: u64,
    pub vm: u64,
}

#[derive(Debug, Clone)]
pub struct SectionInfo<'a> {
    pub name: &'a str,
    /// `SHF_ALLOC`: part of the loaded image (what `strip` keeps).
    pub alloc: bool,
}

#[derive(Debug)]
pub struct Layout<'a> {
    pub sections: Vec<SectionInfo<'a>>,
    pub pieces: Vec<Piece<'a>>,
    /// `.symtab`, `.dynsym`, or `None` when the file has neither.
    pub symbol_table: Option<&'static str>,
    pub file_len: u64,
    /// The loaded image: file bytes inside `PT_LOAD` segments plus their zero-filled tails.
    pub vm_total: u64,
}

/// Half-open ranges, sorted and merged.
fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.retain(|r| r.1 > r.0);
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Bytes of `[lo, hi)` inside the merged `ranges`.
fn overlap(lo: u64, hi: u64, ranges: &[(u64, u64)]) -> u64 {
    if hi <= lo {
        return 0;
    }
    let first = ranges.partition_point(|r| r.1 <= lo);
    ranges[first..]
        .iter()
        .take_while(|r| r.0 < hi)
        .map(|r| r.1.min(hi).saturating_sub(r.0.max(lo)))
        .sum()
}

fn total(ranges: &[(u64, u64)]) -> u64 {
    ranges.iter().map(|r| r.1 - r.0).sum()
}

/// Build the byte map of the ELF file `data`: the headers and sections claim the file's bytes,
/// zero-filled sections the loaded memory beyond them, symbols the bytes of their sections, and
/// what no symbol covers stays with its section.
pub fn layout<'a, H: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
) -> object::read::Result<Layout<'a>> {
    let header = H::parse(data)?;
    let endian = header.endian()?;
    let file_len = data.len() as u64;
    let phdrs = header.program_headers(endian, data)?;
    let sections = header.sections(endian, data)?;

    let infos = sections
        .iter()
        .map(|sh| {
            let name = sections.section_name(endian, sh).unwrap_or(b"<bad name>");
            SectionInfo {
                name: std::str::from_utf8(name).unwrap_or("<bad name>"),
                alloc: sh.sh_flags(endian).contains(elf::SHF_ALLOC),
            }
        })
        .collect();
    let image = Image::of::<H>(phdrs, endian, file_len);
    let claimed = claim_file(header, endian, phdrs, &sections, file_len, &image);
    let mut pieces = claimed.pieces;
    let mut unmapped = claimed.unmapped;
    let (sec_mem, claimed_mem) = claim_memory(&sections, endian, &image.mem_only);
    unmapped.vm += total(&image.mem_only).saturating_sub(claimed_mem);
    let ext = Extents {
        addr: sections
            .iter()
            .map(|sh| (sh.sh_addr(endian).into(), sh.sh_size(endian).into()))
            .collect(),
        offset: sections
            .iter()
            .map(|sh| sh.sh_offset(endian).into())
            .collect(),
        file: claimed.sec_file,
        mem: sec_mem,
    };

    let (table, symbol_table) = symbol_table(&sections, endian, data)?;
    let used = symbols::pieces(&table, endian, &ext, &image, &mut pieces);
    section_leftovers(&ext, &image, &used, &mut pieces);
    if unmapped.file > 0 || unmapped.vm > 0 {
        pieces.push(unmapped);
    }
    Ok(Layout {
        sections: infos,
        pieces,
        symbol_table,
        file_len,
        vm_total: total(&image.load_file) + total(&image.mem_only),
    })
}

/// The loaded image: file ranges of `PT_LOAD` segments, and their memory-only tails.
struct Image {
    load_file: Vec<(u64, u64)>,
    mem_only: Vec<(u64, u64)>,
    /// Address of the `PT_TLS` segment: TLS symbols' values are relative to it.
    tls_base: Option<u64>,
}

impl Image {
    fn of<H: FileHeader<Endian = Endianness>>(
        phdrs: &[H::ProgramHeader],
        endian: Endianness,
        file_len: u64,
    ) -> Image {
        let mut load_file = Vec::new();
        let mut mem_only = Vec::new();
        let mut tls_base = None;
        for ph in phdrs {
            let (off, filesz, vaddr, memsz): (u64, u64, u64, u64) = (
                ph.p_offset(endian).into(),
                ph.p_filesz(endian).into(),
                ph.p_vaddr(endian).into(),
                ph.p_memsz(endian).into(),
            );
            if ph.p_type(endian) == elf::PT_TLS {
                tls_base = Some(vaddr);
            }
            if ph.p_type(endian) != elf::PT_LOAD {
                continue;
            }
            let end = off.saturating_add(filesz).min(file_len);
            load_file.push((off.min(end), end));
            if memsz > filesz {
                mem_only.push((vaddr.saturating_add(filesz), vaddr.saturating_add(memsz)));
            }
        }
        Image {
            load_file: merge(load_file),
            mem_only: merge(mem_only),
            tls_base,
        }
    }
}

/// Where each section's bytes are, once overlaps are settled.
struct Extents {
    /// Address and size, from the section header.
    addr: Vec<(u64, u64)>,
    /// File offset, from the section header.
    offset: Vec<u64>,
    /// The file range the section claimed (contiguous), or empty.
    file: Vec<(u64, u64)>,
    /// The memory-only range a zero-filled section claimed, or empty.
    mem: Vec<(u64, u64)>,
}

/// The file domain, claimed: the headers' pieces, each section's range, and what nothing claims.
struct FileClaims<'a> {
    pieces: Vec<Piece<'a>>,
    sec_file: Vec<(u64, u64)>,
    unmapped: Piece<'a>,
}

/// Claimants in order of offset; headers win ties; each claims what is left.
fn claim_file<'a, H: FileHeader<Endian = Endianness>>(
    header: &H,
    endian: Endianness,
    phdrs: &[H::ProgramHeader],
    sections: &SectionTable<'a, H>,
    file_len: u64,
    image: &Image,
) -> FileClaims<'a> {
    // (start, end, tie rank, owner)
    let mut claims: Vec<(u64, u64, u8, Owner<'a>)> = Vec::with_capacity(sections.len() + 3);
    let clip = |s: u64, len: u64| (s.min(file_len), s.saturating_add(len).min(file_len));
    let ehsize = u64::from(header.e_ehsize(endian)).max(std::mem::size_of::<H>() as u64);
    let (s, e) = clip(0, ehsize);
    claims.push((s, e, 0, Owner::ElfHeader));
    if !phdrs.is_empty() {
        let phoff: u64 = header.e_phoff(endian).into();
        let (s, e) = clip(phoff, std::mem::size_of_val(phdrs) as u64);
        claims.push((s, e, 1, Owner::ProgramHeaders));
    }
    if !sections.is_empty() {
        let shoff: u64 = header.e_shoff(endian).into();
        let len = (sections.len() * std::mem::size_of::<H::SectionHeader>()) as u64;
        let (s, e) = clip(shoff, len);
        claims.push((s, e, 2, Owner::SectionHeaders));
    }
    for (i, sh) in sections.iter().enumerate() {
        if let Some((off, size)) = sh.file_range(endian) {
            let (s, e) = clip(off, size);
            claims.push((s, e, 3, Owner::Section(i)));
        }
    }
    claims.sort_by_key(|c| (c.0, c.2));

    let mut sec_file: Vec<(u64, u64)> = vec![(0, 0); sections.len()];
    let mut pieces: Vec<Piece<'a>> = Vec::new();
    let mut unmapped = Piece {
        owner: Owner::Unmapped,
        file: 0,
        vm: 0,
    };
    let mut cursor = 0u64;
    for (s, e, _, owner) in claims {
        if s > cursor {
            unmapped.file += s - cursor;
            unmapped.vm += overlap(cursor, s, &image.load_file);
        }
        let s = s.max(cursor);
        if e > s {
            match owner {
                Owner::Section(i) => sec_file[i] = (s, e),
                _ => pieces.push(Piece {
                    owner,
                    file: e - s,
                    vm: overlap(s, e, &image.load_file),
                }),
            }
        }
        cursor = cursor.max(e);
    }
    if file_len > cursor {
        unmapped.file += file_len - cursor;
        unmapped.vm += overlap(cursor, file_len, &image.load_file);
    }
    FileClaims {
        pieces,
        sec_file,
        unmapped,
    }
}

/// The memory domain: zero-filled sections (`.bss`) claim the memory-only tails by address.
/// Returns each section's claimed range and the bytes of the tails they claimed.
fn claim_memory<H: FileHeader<Endian = Endianness>>(
    sections: &SectionTable<'_, H>,
    endian: Endianness,
    mem_only: &[(u64, u64)],
) -> (Vec<(u64, u64)>, u64) {
    let mut sec_mem: Vec<(u64, u64)> = vec![(0, 0); sections.len()];
    let mut nobits: Vec<(u64, u64, usize)> = sections
        .iter()
        .enumerate()
        .filter(|(_, sh)| {
            sh.sh_type(endian) == elf::SHT_NOBITS
                && sh.sh_flags(endian).contains(elf::SHF_ALLOC)
                && !sh.sh_flags(endian).contains(elf::SHF_TLS)
        })
        .map(|(i, sh)| {
            let a: u64 = sh.sh_addr(endian).into();
            let size: u64 = sh.sh_size(endian).into();
            (a, a.saturating_add(size), i)
        })
        .collect();
    nobits.sort_unstable();
    let mut mcursor = 0u64;
    let mut claimed_mem = 0u64;
    for (s, e, i) in nobits {
        let s = s.max(mcursor);
        if e > s {
            sec_mem[i] = (s, e);
            claimed_mem += overlap(s, e, mem_only);
        }
        mcursor = mcursor.max(e);
    }
    (sec_mem, claimed_mem)
}

/// The symbol table, else the dynamic one, and which it is.
fn symbol_table<'a, H: FileHeader<Endian = Endianness>>(
    sections: &SectionTable<'a, H>,
    endian: Endianness,
    data: &'a [u8],
) -> object::read::Result<(SymbolTable<'a, H>, Option<&'static str>)> {
    let table = sections.symbols(endian, data, elf::SHT_SYMTAB)?;
    if !table.is_empty() {
        return Ok((table, Some(".symtab")));
    }
    let table = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
    let name = (!table.is_empty()).then_some(".dynsym");
    Ok((table, name))
}

/// What the symbols left of each section.
fn section_leftovers(
    ext: &Extents,
    image: &Image,
    used: &[(u64, u64)],
    pieces: &mut Vec<Piece<'_>>,
) {
    for (i, &(fs, fe)) in ext.file.iter().enumerate() {
        let (ms, me) = ext.mem[i];
        let vm = overlap(fs, fe, &image.load_file) + overlap(ms, me, &image.mem_only);
        let (file, vm) = (
            (fe - fs).saturating_sub(used[i].0),
            vm.saturating_sub(used[i].1),
        );
        if file > 0 || vm > 0 {
            pieces.push(Piece {
                owner: Owner::Section(i),
                file,
                vm,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_counts_only_inside_ranges() {
        let r = merge(vec![(10, 20), (15, 30), (40, 50)]);
        assert_eq!(r, vec![(10, 30), (40, 50)]);
        assert_eq!(overlap(0, 100, &r), 30);
        assert_eq!(overlap(25, 45, &r), 10);
        assert_eq!(overlap(30, 40, &r), 0);
        assert_eq!(overlap(5, 5, &r), 0);
    }

    #[test]
    fn own_test_binary_sums_exactly() {
        let exe = std::env::current_exe().expect("test binary");
        let bytes = std::fs::read(exe).expect("read");
        let l = layout::<elf::FileHeader64<object::Endianness>>(&bytes).expect("layout");
        assert_eq!(
            l.pieces.iter().map(|p| p.file).sum::<u64>(),
            bytes.len() as u64
        );
        assert_eq!(l.pieces.iter().map(|p| p.vm).sum::<u64>(), l.vm_total);
        assert!(
            l.pieces
                .iter()
                .any(|p| matches!(p.owner, Owner::Symbol { .. }))
        );
    }
}
