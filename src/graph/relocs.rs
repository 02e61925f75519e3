//! The static relocations a link with `--emit-relocs` keeps (`.rela.text`,
//! `.rela.data.rel.ro`, ...): every call, address load and stored address of the code and
//! data, exact, as references between the linked file's own addresses.

use object::Endianness;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader as _, Rela as _, SectionHeader, Sym as _};

use super::decode::Done;
use super::refs::Ref;
use crate::report::RefKind;

/// Sections whose relocations describe rather than refer: their bytes are given to what they
/// describe by `attribute::unwind`, and an FDE naming its function keeps nothing alive.
const DESCRIPTIVE: &[&[u8]] = &[b".eh_frame", b".eh_frame_hdr", b".gcc_except_table"];

/// x86-64 relocation types whose field is relative to the end of an instruction's 4-byte
/// operand when they sit in code: the section-relative target is `S + A + 4`, or further
/// when an immediate follows the operand (see [`super::pcrel`]).
const X86_PC_RELATIVE: &[elf::RelocationType] = &[
    elf::R_X86_64_PC32,
    elf::R_X86_64_PLT32,
    elf::R_X86_64_GOTPCREL,
    elf::R_X86_64_GOTPCRELX,
    elf::R_X86_64_REX_GOTPCRELX,
    elf::R_X86_64_GOTTPOFF,
    elf::R_X86_64_TLSGD,
    elf::R_X86_64_TLSLD,
];

/// x86-64 relocation types of code that reads a GOT slot.
const GOT_LOADS: &[elf::RelocationType] = &[
    elf::R_X86_64_GOTPCREL,
    elf::R_X86_64_GOTPCRELX,
    elf::R_X86_64_REX_GOTPCRELX,
];

/// Types that refer to nothing (sizes, the GOT's own base).
const X86_NOT_A_REFERENCE: &[elf::RelocationType] = &[
    elf::R_X86_64_NONE,
    elf::R_X86_64_SIZE32,
    elf::R_X86_64_SIZE64,
    elf::R_X86_64_GOTPC32,
    elf::R_X86_64_GOTPC64,
];

/// The TLS segment's address and the zero-filled TLS ranges (see [`tls`]).
type Tls = (Option<u64>, Vec<(u64, u64)>);

/// The address of the TLS segment (a TLS symbol's value is relative to it), and the ranges of
/// zero-filled TLS (`.tbss`), which overlaps other sections' addresses and has no piece of its
/// own: a reference to a variable there refers to nothing the graph holds.
fn tls<H: FileHeader<Endian = Endianness>>(
    header: &H,
    endian: Endianness,
    sections: &object::read::elf::SectionTable<H>,
    data: &[u8],
) -> Option<Tls> {
    let base = header
        .program_headers(endian, data)
        .ok()?
        .iter()
        .find(|p| p.p_type(endian) == elf::PT_TLS)
        .map(|p| p.p_vaddr(endian).into());
    let tbss = sections
        .iter()
        .filter(|sh| {
            sh.sh_type(endian) == elf::SHT_NOBITS && sh.sh_flags(endian).contains(elf::SHF_TLS)
        })
        .map(|sh| {
            let a: u64 = sh.sh_addr(endian).into();
            (a, a + Into::<u64>::into(sh.sh_size(endian)))
        })
        .collect();
    Some((base, tbss))
}

/// The static relocations of `data` (a binary linked with `--emit-relocs`), as references
/// between its own addresses; `None` when it has none.
///
/// Long (about 90 lines) on purpose: one loop over every relocation of every section, whose
/// arms share the lazily built symbol ends and the jump tables' entries; each arm is a few
/// lines that read best beside the relocation type they handle.
/// `done`: told of the relocations and code bytes read, as the reading goes on (a large
/// binary's `.rela.text` and `.text` were 16 MB resident at `inspect`'s peak).
pub fn static_relocations<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    done: Done,
) -> Option<Vec<Ref>> {
    let (header, endian, sections) = crate::attribute::elf_parts::<H>(data)?;
    let symbols = sections.symbols(endian, data, elf::SHT_SYMTAB).ok()?;
    let x86 = header.e_machine(endian) == elf::EM_X86_64;
    let (tls_base, tbss) = tls::<H>(header, endian, &sections, data)?;
    // Built at the first relocation that needs it (see [`super::pcrel`]).
    let mut ends: Option<super::pcrel::Ends> = None;
    let all_ends = || super::pcrel::Ends::of_symbols::<H>(&symbols, endian);
    let mut out = Vec::new();
    // Jump tables' entries, given their cases once every load of a table is known.
    let mut entries = Vec::new();
    let mut any = false;
    for sh in sections.iter() {
        if sh.sh_type(endian) != elf::SHT_RELA || sh.sh_flags(endian).contains(elf::SHF_ALLOC) {
            continue;
        }
        let Ok(target) = sections.section(object::SectionIndex(sh.sh_info(endian) as usize)) else {
            continue;
        };
        let name = sections.section_name(endian, target).unwrap_or_default();
        if !target.sh_flags(endian).contains(elf::SHF_ALLOC) || DESCRIPTIVE.contains(&name) {
            continue;
        }
        any = true;
        let code = target.sh_flags(endian).contains(elf::SHF_EXECINSTR);
        let Ok(Some((relas, _))) = sh.rela(endian, data) else {
            continue;
        };
        let base: u64 = target.sh_addr(endian).into();
        let bytes = target.data(endian, data).unwrap_or_default();
        let mut behind = Behind {
            relas: sh.sh_offset(endian).into() as usize,
            entry: sh.sh_entsize(endian).into() as usize,
            code: target.sh_offset(endian).into() as usize,
            code_done: 0,
        };
        for (k, r) in relas.iter().enumerate() {
            behind.step(
                k,
                Into::<u64>::into(r.r_offset(endian)).wrapping_sub(base),
                done,
            );
            let typ = r.r_type(endian, false);
            if x86 && X86_NOT_A_REFERENCE.contains(&typ) {
                continue;
            }
            let Ok(sym) = symbols.symbol(object::SymbolIndex(r.r_sym(endian, false) as usize))
            else {
                continue;
            };
            if sym.st_shndx(endian).is_special() {
                continue;
            }
            let value: u64 = sym.st_value(endian).into();
            let addend = Into::<i64>::into(r.r_addend(endian)) as u64;
            let from: u64 = r.r_offset(endian).into();
            let to = match sym.st_type() {
                elf::STT_SECTION if x86 && code && X86_PC_RELATIVE.contains(&typ) => {
                    let ends = ends.get_or_insert_with(all_ends);
                    ends.target(value.wrapping_add(addend), from, bytes, base)
                }
                elf::STT_SECTION if x86 && !code && typ == elf::R_X86_64_PC32 => {
                    let (index, sa) = (out.len(), value.wrapping_add(addend));
                    entries.push(super::tables::Entry {
                        index,
                        at: from,
                        sa,
                    });
                    sa
                }
                elf::STT_SECTION => value.wrapping_add(addend),
                elf::STT_TLS => value.wrapping_add(tls_base.unwrap_or(0)),
                _ => value,
            };
            if sym.st_type() == elf::STT_TLS && tbss.iter().any(|t| (t.0..t.1).contains(&to)) {
                continue;
            }
            if x86 && code && GOT_LOADS.contains(&typ) {
                let at = from.wrapping_sub(base);
                if super::pcrel::is_null_test(bytes, at) {
                    continue;
                }
            }
            let kind = match code {
                false => RefKind::Data,
                true if x86 && super::pcrel::is_branch(bytes, from.wrapping_sub(base)) => {
                    RefKind::Call
                }
                true => RefKind::Address,
            };
            out.push(Ref { from, to, kind });
        }
    }
    let loaded = out.iter().filter(|r| r.kind != RefKind::Data).map(|r| r.to);
    for (i, case) in super::tables::cases(entries, loaded) {
        out[i].to = case;
    }
    any.then_some(out)
}

/// Relocations read before [`Behind::step`] tells `done` of what is behind.
const BEHIND_EVERY: usize = 16 * 1024;

/// How far behind the current site code bytes are still read: a PC-relative target is
/// found by decoding from its function's start ([`super::pcrel::Ends::target`]).
const CODE_MARGIN: usize = 256 * 1024;

/// The parts of one relocation section, and of the section it patches, that the reading has
/// passed: the relocations come in the order of their sites.
struct Behind {
    /// File offset of the relocations, and the size of one.
    relas: usize,
    entry: usize,
    /// File offset of the patched section, and how far into it `done` was told.
    code: usize,
    code_done: usize,
}

impl Behind {
    /// At relocation `k`, whose site is `site` bytes into the patched section: every
    /// [`BEHIND_EVERY`] relocations, tell `done` of the relocations before it and of the
    /// patched bytes up to [`CODE_MARGIN`] before its site.
    fn step(&mut self, k: usize, site: u64, done: Done) {
        if k == 0 || !k.is_multiple_of(BEHIND_EVERY) {
            return;
        }
        done(self.relas..self.relas + k * self.entry);
        let upto = usize::try_from(site)
            .unwrap_or(0)
            .saturating_sub(CODE_MARGIN);
        if upto > self.code_done {
            done(self.code + self.code_done..self.code + upto);
            self.code_done = upto;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::{BEHIND_EVERY, Behind, CODE_MARGIN};

    /// Every `BEHIND_EVERY` relocations, the relocations before and the patched bytes up to
    /// the margin before the site are told, each byte once; nothing before the first block,
    /// and no code while the sites are within the margin.
    #[test]
    fn what_is_behind_is_told_once() {
        let told = Mutex::new(Vec::new());
        let done = |r: std::ops::Range<usize>| told.lock().expect("lock").push(r);
        let mut b = Behind {
            relas: 1000,
            entry: 24,
            code: 50_000,
            code_done: 0,
        };
        // Sites 8 bytes apart: the first two blocks end within the margin.
        let site = |k: usize| (k * 8) as u64;
        for k in 0..4 * BEHIND_EVERY + 5 {
            b.step(k, site(k), &done);
        }
        let told = told.into_inner().expect("lock");
        let relas: Vec<_> = told.iter().filter(|r| r.start == 1000).cloned().collect();
        let want: Vec<_> = (1..=4)
            .map(|n| 1000..1000 + n * BEHIND_EVERY * 24)
            .collect();
        assert_eq!(relas, want);
        let code: Vec<_> = told.iter().filter(|r| r.start >= 50_000).cloned().collect();
        let upto = |n: usize| 50_000 + n * BEHIND_EVERY * 8 - CODE_MARGIN;
        assert_eq!(code, vec![50_000..upto(3), upto(3)..upto(4)]);
        assert_eq!(told.len(), relas.len() + code.len());
    }
}
