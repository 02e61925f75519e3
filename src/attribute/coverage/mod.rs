//! The byte map of an ELF file: every byte of the file, and every byte of the loaded image,
//! belongs to exactly one piece (a symbol, a section's bytes no symbol covers, a header, or
//! bytes nothing claims).
//!
//! Read with `object`'s lazy ELF layer: headers and the symbol table are borrowed from the map,
//! nothing is parsed that is not needed (goblin's `Elf::parse` parses relocations and string
//! tables eagerly). Names stay borrowed bytes; nothing is demangled here.

mod ranges;
mod symbols;

use ranges::{merge, overlap, total};

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
    /// A symbol (raw name from the symbol table) in section `section`; `file` indexes
    /// [`Layout::files`] for the `STT_FILE` symbol a local one follows (its compilation unit or
    /// source file), else [`NO_FILE`]: indices, not slices, keep a piece at 64 bytes, not 80.
    Symbol {
        name: &'a [u8],
        section: u32,
        file: u32,
    },
}

/// No `STT_FILE` symbol before this one (see [`Owner::Symbol`]).
pub const NO_FILE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
pub struct Piece<'a> {
    pub owner: Owner<'a>,
    pub file: u64,
    pub vm: u64,
    /// The addresses `[addr, end)` the piece covers in the loaded image; empty (`addr == end`)
    /// for headers and bytes nothing claims.
    pub addr: u64,
    pub end: u64,
}

impl Piece<'_> {
    fn new(owner: Owner<'_>, file: u64, vm: u64) -> Piece<'_> {
        Piece {
            owner,
            file,
            vm,
            addr: 0,
            end: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SectionInfo<'a> {
    /// Shown lossily: an ELF name is bytes, and need not be UTF-8.
    pub name: std::borrow::Cow<'a, str>,
    /// `SHF_ALLOC`: part of the loaded image (what `strip` keeps).
    pub alloc: bool,
    /// `SHF_EXECINSTR`: code.
    pub exec: bool,
    /// Address and size from the section header.
    pub addr: u64,
    pub size: u64,
    /// Where its bytes are in the file; `None` for a section with none (`SHT_NOBITS`).
    pub offset: Option<u64>,
}

#[derive(Debug)]
pub struct Layout<'a> {
    pub sections: Vec<SectionInfo<'a>>,
    pub pieces: Vec<Piece<'a>>,
    /// The names of the `STT_FILE` symbols that pieces point at (see [`Owner::Symbol`]).
    pub files: Vec<&'a [u8]>,
    /// Symbols that start where a piece's symbol does, inside its bytes: the piece's index
    /// and the alias's raw name (glibc's `bcmp` of `memcmp`, `getpeername` of
    /// `__getpeername`). Which of them names the piece may change from build to build.
    pub aliases: Vec<(u32, &'a [u8])>,
    /// `.symtab`, `.dynsym`, or `None` when the file has neither.
    pub symbol_table: Option<&'static str>,
    /// The `.symtab` read is the analysis link's (the file itself is stripped).
    pub symbols_borrowed: bool,
    pub file_len: u64,
    /// The loaded image: file bytes inside `PT_LOAD` segments plus their zero-filled tails.
    pub vm_total: u64,
    /// The file's bytes: what an anonymous constant holds is read from them (see
    /// `attribute::content`).
    pub data: &'a [u8],
}

/// Build the byte map of the ELF file `data`: the headers and sections claim the file's bytes,
/// zero-filled sections the loaded memory beyond them, symbols the bytes of their sections, and
/// what no symbol covers stays with its section.
pub fn layout<'a, H: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
) -> object::read::Result<Layout<'a>> {
    layout_split::<H>(data, &[])
}

/// Where the bytes no symbol covers are cut: at `at`, unless the piece before it and the piece
/// from it describe the same symbol (`owner`: an address in it; [`NO_OWNER`] for a cut that
/// always stands, e.g. where other code refers to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cut {
    pub at: u64,
    pub owner: u64,
}

pub const NO_OWNER: u64 = u64::MAX;

/// As [`layout`], with the bytes of allocated sections that no symbol covers cut into one piece
/// per gap between symbols, and each gap at `cuts` (sorted by address).
pub fn layout_split<'a, H: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
    cuts: &[Cut],
) -> object::read::Result<Layout<'a>> {
    layout_split_with::<H>(data, cuts, None, &|| ())
}

/// As [`layout_split`]; a file without `.symtab` (stripped) takes its symbols from
/// `symbols_from`, the analysis link of the same objects, when every allocated section of the
/// two matches by name and size (see [`symbols::Borrowed`]): the same bytes, named.
/// `symbols_read` is told once the symbols are read: the gaps cut after them need not find them.
pub fn layout_split_with<'a, H: FileHeader<Endian = Endianness>>(
    data: &'a [u8],
    cuts: &[Cut],
    symbols_from: Option<&'a [u8]>,
    symbols_read: &dyn Fn(),
) -> object::read::Result<Layout<'a>> {
    let header = H::parse(data)?;
    let endian = header.endian()?;
    let file_len = data.len() as u64;
    let phdrs = header.program_headers(endian, data)?;
    let sections = header.sections(endian, data)?;

    let infos = section_infos(&sections, endian);
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

    let (table, mut symbol_table) = symbol_table(&sections, endian, data)?;
    let borrowed = symbols_from
        .filter(|_| symbol_table != Some(".symtab"))
        .and_then(|other| symbols::Borrowed::<H>::of(other, &infos));
    let own = symbols::Frame {
        addr: &ext.addr,
        remap: None,
        tls_base: image.tls_base,
    };
    let (table, frame) = match &borrowed {
        Some(b) => {
            symbol_table = Some(".symtab");
            (&b.table, b.frame())
        }
        None => (&table, own),
    };
    // Room for every piece at once (a symbol each, a gap after each and at each cut, one per
    // section): grown by doubling, the list was copied as it grew, twice its size at the top.
    pieces.reserve(table.len() + cuts.len() + 2 * sections.len() + 1);
    let (mut files, mut aliases) = (Vec::new(), Vec::new());
    let made = symbols::Made {
        pieces: &mut pieces,
        files: &mut files,
        aliases: &mut aliases,
    };
    let taken = symbols::pieces(table, endian, &frame, &ext, &image, made);
    symbols_read();
    let alloc: Vec<bool> = infos.iter().map(|i| i.alloc).collect();
    gaps(&ext, &image, &taken, &alloc, cuts, &mut pieces);
    if unmapped.file > 0 || unmapped.vm > 0 {
        pieces.push(unmapped);
    }
    Ok(Layout {
        sections: infos,
        pieces,
        files,
        aliases,
        symbol_table,
        symbols_borrowed: borrowed.is_some(),
        file_len,
        vm_total: total(&image.load_file) + total(&image.mem_only),
        data,
    })
}

/// Each section's name, flags, address, size and file offset (none for `SHT_NOBITS`).
fn section_infos<'a, H: FileHeader<Endian = Endianness>>(
    sections: &SectionTable<'a, H>,
    endian: Endianness,
) -> Vec<SectionInfo<'a>> {
    sections
        .iter()
        .map(|sh| {
            let name = sections.section_name(endian, sh).unwrap_or(b"<bad name>");
            SectionInfo {
                name: String::from_utf8_lossy(name),
                alloc: sh.sh_flags(endian).contains(elf::SHF_ALLOC),
                exec: sh.sh_flags(endian).contains(elf::SHF_EXECINSTR),
                addr: sh.sh_addr(endian).into(),
                size: sh.sh_size(endian).into(),
                offset: (sh.sh_type(endian) != elf::SHT_NOBITS)
                    .then(|| sh.sh_offset(endian).into()),
            }
        })
        .collect()
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
    let mut unmapped = Piece::new(Owner::Unmapped, 0, 0);
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
                _ => pieces.push(Piece::new(owner, e - s, overlap(s, e, &image.load_file))),
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

/// The symbol table, else the dynamic one, and which: none if neither names a symbol (QA z, Z4).
fn symbol_table<'a, H: FileHeader<Endian = Endianness>>(
    sections: &SectionTable<'a, H>,
    endian: Endianness,
    data: &'a [u8],
) -> object::read::Result<(SymbolTable<'a, H>, Option<&'static str>)> {
    let table = sections.symbols(endian, data, elf::SHT_SYMTAB)?;
    if table.symbols().len() > 1 {
        return Ok((table, Some(".symtab")));
    }
    let table = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
    let name = (table.symbols().len() > 1).then_some(".dynsym");
    Ok((table, name))
}

/// What the symbols left of each section: one piece per gap between symbols of an allocated
/// section, cut where `cuts` say; one piece per other section.
fn gaps(
    ext: &Extents,
    image: &Image,
    taken: &[Vec<(u64, u64, u64)>],
    alloc: &[bool],
    cuts: &[Cut],
    pieces: &mut Vec<Piece<'_>>,
) {
    // Every symbol's address range, to merge cuts that describe the same symbol.
    let mut global: Vec<(u64, u64, u64)> = taken
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            let a = ext.addr[i].0;
            t.iter().map(move |&(s, e, p)| (a + s, a + e, p))
        })
        .collect();
    global.sort_unstable();
    for (i, &(addr, size)) in ext.addr.iter().enumerate() {
        let (fs, fe) = ext.file[i];
        let (ms, me) = ext.mem[i];
        if fe <= fs && me <= ms {
            continue;
        }
        let loaded = alloc.get(i).copied().unwrap_or(false);
        let mut push = |lo: u64, hi: u64| {
            let (file, vm) = symbols::symbol_bytes(ext, image, i, lo, hi);
            if file > 0 || vm > 0 {
                pieces.push(Piece {
                    owner: Owner::Section(i),
                    file,
                    vm,
                    addr: addr.saturating_add(lo),
                    // Addresses in the loaded image only (see `symbols::symbol_pieces`).
                    end: addr.saturating_add(if loaded { hi } else { lo }),
                });
            }
        };
        if !alloc.get(i).copied().unwrap_or(false) && taken[i].is_empty() {
            // Debug info and symbol tables: one piece, from the section's claimed bytes.
            let file = fe - fs;
            let vm = overlap(fs, fe, &image.load_file) + overlap(ms, me, &image.mem_only);
            if file > 0 || vm > 0 {
                pieces.push(Piece::new(Owner::Section(i), file, vm));
            }
            continue;
        }
        let mut cursor = 0u64;
        let ends = taken[i].iter().map(|t| (t.0, t.1)).chain([(size, size)]);
        for (s, e) in ends {
            if s > cursor {
                let (lo_addr, hi_addr) = (addr + cursor, addr + s);
                let first = cuts.partition_point(|c| c.at <= lo_addr);
                let mut lo = cursor;
                let mut last_owner: Option<u64> = None;
                for c in cuts[first..].iter().take_while(|c| c.at < hi_addr) {
                    let owner = (c.owner != NO_OWNER)
                        .then(|| symbol_at(&global, c.owner))
                        .flatten();
                    if owner.is_some() && owner == last_owner {
                        continue;
                    }
                    last_owner = owner;
                    let at = c.at - addr;
                    if at > lo {
                        push(lo, at);
                        lo = at;
                    }
                }
                push(lo, s);
            }
            cursor = cursor.max(e);
        }
    }
}

/// The piece of the symbol whose range holds `a`.
fn symbol_at(global: &[(u64, u64, u64)], a: u64) -> Option<u64> {
    let k = global.partition_point(|t| t.1 <= a);
    global.get(k).filter(|t| t.0 <= a).map(|t| t.2)
}

#[cfg(test)]
mod tests;
