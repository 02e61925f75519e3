//! References between addresses of a binary, from relocations: the dynamic ones every PIE has
//! (`.rela.dyn`: every address stored in data); the static ones of a link with
//! `--emit-relocs` are read by `relocs`. Also the roots: what runs or is read without a
//! reference in the code, and how the analysis link's addresses map onto the binary's.

use object::Endianness;
use object::elf;
use object::read::elf::{Dyn as _, FileHeader, Rela as _, SectionHeader, Sym as _};

use crate::report::RefKind;

/// The kinds of reference, by the byte an edge of the graph holds (see [`kind_id`]).
pub(super) const KINDS: [RefKind; 5] = [
    RefKind::Root,
    RefKind::Call,
    RefKind::Address,
    RefKind::Data,
    RefKind::Describes,
];

/// The byte an edge of kind `k` holds: its place in [`KINDS`].
pub(super) fn kind_id(k: RefKind) -> u8 {
    KINDS.iter().position(|x| *x == k).unwrap_or(0) as u8
}

/// `from` refers to `to` (addresses of the measured binary). Packed: 17 bytes, not 24 (a
/// large binary has a few hundred thousand, held until they are edges); fields are read by
/// value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, packed)]
pub struct Ref {
    pub from: u64,
    pub to: u64,
    pub kind: RefKind,
}

/// An address reached without a reference in the code, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub addr: u64,
    /// Up to `end` (a whole section, e.g. `.init_array`), or just the piece at `addr`.
    pub end: Option<u64>,
    pub why: &'static str,
}

/// The dynamic relocations (`.rela.dyn`, `.rela.plt`): each stored address as a reference of
/// the data that holds it. IFUNC resolvers (`IRELATIVE`) are roots: the start-up code calls
/// them with no reference in the code.
pub fn dynamic_relocations<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    refs: &mut Vec<Ref>,
    roots: &mut Vec<Root>,
) {
    let Some((header, endian, sections)) = crate::attribute::elf_parts::<H>(data) else {
        return;
    };
    let (relative, irelative, absolute) = match header.e_machine(endian) {
        elf::EM_X86_64 => (
            elf::R_X86_64_RELATIVE,
            elf::R_X86_64_IRELATIVE,
            [
                elf::R_X86_64_64,
                elf::R_X86_64_GLOB_DAT,
                elf::R_X86_64_JUMP_SLOT,
            ],
        ),
        elf::EM_AARCH64 => (
            elf::R_AARCH64_RELATIVE,
            elf::R_AARCH64_IRELATIVE,
            [
                elf::R_AARCH64_ABS64,
                elf::R_AARCH64_GLOB_DAT,
                elf::R_AARCH64_JUMP_SLOT,
            ],
        ),
        _ => return,
    };
    let dynsyms = sections.symbols(endian, data, elf::SHT_DYNSYM).ok();
    for sh in sections.iter() {
        if sh.sh_type(endian) != elf::SHT_RELA || !sh.sh_flags(endian).contains(elf::SHF_ALLOC) {
            continue;
        }
        let Ok(Some((relas, _))) = sh.rela(endian, data) else {
            continue;
        };
        for r in relas {
            let typ = r.r_type(endian, false);
            let from: u64 = r.r_offset(endian).into();
            let addend = Into::<i64>::into(r.r_addend(endian)) as u64;
            let to = if typ == relative || typ == irelative {
                addend
            } else if absolute.contains(&typ) {
                let sym = dynsyms.as_ref().and_then(|t| {
                    t.symbol(object::SymbolIndex(r.r_sym(endian, false) as usize))
                        .ok()
                });
                match sym {
                    Some(s) if !s.st_shndx(endian).is_special() => {
                        let v: u64 = s.st_value(endian).into();
                        v.wrapping_add(if typ == absolute[0] { addend } else { 0 })
                    }
                    _ => continue,
                }
            } else {
                continue;
            };
            if typ == irelative {
                roots.push(Root {
                    addr: to,
                    end: None,
                    why: "IFUNC resolver (run by the start-up code)",
                });
            }
            refs.push(Ref {
                from,
                to,
                kind: RefKind::Data,
            });
        }
    }
}

/// What the loader or libc reaches without a reference in the code: the entry point; the
/// constructor and destructor arrays (`.preinit_array`, `.init_array`, `.fini_array`: the
/// loader, or `__libc_start_main` in a static binary, walks them); `.init`/`.fini` (named
/// by `DT_INIT`/`DT_FINI`, called by the loader); and the symbols the dynamic symbol table
/// exports (any other object may call them).
pub fn roots<H: FileHeader<Endian = Endianness>>(data: &[u8], roots: &mut Vec<Root>) {
    let Ok(header) = H::parse(data) else { return };
    let Ok(endian) = header.endian() else { return };
    let entry: u64 = header.e_entry(endian).into();
    if entry != 0 {
        roots.push(Root {
            addr: entry,
            end: None,
            why: "entry point",
        });
    }
    let Ok(sections) = header.sections(endian, data) else {
        return;
    };
    for sh in sections.iter() {
        let why = match sh.sh_type(endian) {
            elf::SHT_PREINIT_ARRAY => ".preinit_array",
            elf::SHT_INIT_ARRAY => ".init_array",
            elf::SHT_FINI_ARRAY => ".fini_array",
            elf::SHT_PROGBITS => match sections.section_name(endian, sh).unwrap_or_default() {
                b".init" => ".init (DT_INIT)",
                b".fini" => ".fini (DT_FINI)",
                _ => continue,
            },
            elf::SHT_DYNAMIC => {
                dynamic_roots::<H>(sh, endian, data, roots);
                continue;
            }
            _ => continue,
        };
        let addr: u64 = sh.sh_addr(endian).into();
        let size: u64 = sh.sh_size(endian).into();
        if size > 0 {
            roots.push(Root {
                addr,
                end: Some(addr + size),
                why,
            });
        }
    }
    // `DT_INIT`/`DT_FINI` name `.init`/`.fini` in most binaries: rooted with the section.
    let sections_rooted: Vec<(u64, u64)> = roots
        .iter()
        .filter_map(|r| r.end.map(|e| (r.addr, e)))
        .collect();
    roots.retain(|r| {
        !matches!(r.why, "DT_INIT" | "DT_FINI")
            || !sections_rooted
                .iter()
                .any(|&(a, e)| (a..e).contains(&r.addr))
    });
    let Ok(dynsyms) = sections.symbols(endian, data, elf::SHT_DYNSYM) else {
        return;
    };
    for s in dynsyms.iter() {
        let defined = !s.st_shndx(endian).is_special();
        if defined
            && s.st_bind() != elf::STB_LOCAL
            && matches!(s.st_type(), elf::STT_FUNC | elf::STT_OBJECT)
        {
            roots.push(Root {
                addr: s.st_value(endian).into(),
                end: None,
                why: "exported symbol",
            });
        }
    }
}

/// `DT_INIT`/`DT_FINI` where they name functions outside `.init`/`.fini`.
fn dynamic_roots<H: FileHeader<Endian = Endianness>>(
    sh: &H::SectionHeader,
    endian: Endianness,
    data: &[u8],
    roots: &mut Vec<Root>,
) {
    let Ok(Some((dynamic, _))) = sh.dynamic(endian, data) else {
        return;
    };
    for d in dynamic {
        let why = match Some(d.d_tag(endian)) {
            Some(elf::DT_INIT) => "DT_INIT",
            Some(elf::DT_FINI) => "DT_FINI",
            _ => continue,
        };
        roots.push(Root {
            addr: d.d_val(endian).into(),
            end: None,
            why,
        });
    }
}

/// Code that loads an address from a GOT slot (`mov sym@GOTPCREL(%rip)`, `call *slot(%rip)`)
/// refers to what the slot holds: decoded references to a slot of `.got`/`.got.plt` are taken
/// to its target (from the dynamic relocations), as the static relocations name it. Returns
/// the slots, each to be a piece of its own: a run of slots as one piece would let every slot's
/// target be reached through any of them.
pub fn through_got<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    refs: &mut [Vec<Ref>],
    dynamic: &[Ref],
) -> Vec<u64> {
    let Some((_, endian, sections)) = crate::attribute::elf_parts::<H>(data) else {
        return Vec::new();
    };
    let got = super::pcrel::got_ranges(&sections, endian);
    let slots: std::collections::HashMap<u64, u64> = dynamic
        .iter()
        .filter(|d| got.iter().any(|g| (g.0..g.1).contains(&{ d.from })))
        .map(|d| (d.from, d.to))
        .collect();
    // Most references point outside the GOT: a range test spares them the hash.
    let in_got = |a: u64| got.iter().any(|g| (g.0..g.1).contains(&a));
    for r in refs.iter_mut().flatten() {
        let at = r.to;
        if in_got(at)
            && let Some(&to) = slots.get(&at)
        {
            r.to = to;
        }
    }
    slots.into_keys().collect()
}

/// Addresses of one link mapped to another link of the same objects: each allocated section
/// by name, at the same offset. `--emit-relocs` moves `.eh_frame` among the read-only sections
/// (lld places it as an input section then), and with it the addresses of what follows; the
/// sections themselves keep their sizes and contents' order (all but lld's `.relro_padding`).
pub struct Translation {
    /// (start in the analysis link, end, start in the measured binary), by start.
    map: Vec<(u64, u64, u64)>,
}

impl Translation {
    /// `None` when the two are not links of the same objects (a section missing or resized).
    pub fn between<H: FileHeader<Endian = Endianness>>(
        analysis: &[u8],
        measured: &[u8],
    ) -> Option<Translation> {
        let read = |data: &[u8]| -> Option<Vec<(Vec<u8>, u64, u64)>> {
            let (_, endian, sections) = crate::attribute::elf_parts::<H>(data)?;
            Some(
                sections
                    .iter()
                    .filter(|sh| sh.sh_flags(endian).contains(elf::SHF_ALLOC))
                    .map(|sh| {
                        let name = sections.section_name(endian, sh).unwrap_or_default();
                        (
                            name.to_vec(),
                            sh.sh_addr(endian).into(),
                            sh.sh_size(endian).into(),
                        )
                    })
                    // lld pads RELRO to a page end with this empty NOBITS section: its size
                    // follows the layout (it differs when `.eh_frame` moved), and nothing in
                    // it is referred to.
                    .filter(|(name, _, _)| name.as_slice() != b".relro_padding")
                    .collect(),
            )
        };
        let (a, m) = (read(analysis)?, read(measured)?);
        if a.len() != m.len() {
            return None;
        }
        let mut map = Vec::with_capacity(a.len());
        let mut used = vec![false; m.len()];
        for (name, addr, size) in &a {
            let k = m
                .iter()
                .enumerate()
                .position(|(k, s)| !used[k] && s.0 == *name)?;
            used[k] = true;
            if m[k].2 != *size {
                return None;
            }
            map.push((*addr, addr + size, m[k].1));
        }
        map.sort_unstable();
        Some(Translation { map })
    }

    /// The measured binary's address for the analysis link's `a` (`None`: outside every
    /// allocated section). A section's end address maps to the end.
    pub fn map(&self, a: u64) -> Option<u64> {
        let k = self.map.partition_point(|m| m.0 <= a).checked_sub(1)?;
        let (s, e, to) = self.map[k];
        (a <= e).then(|| to + (a - s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_maps_by_section_and_offset() {
        let t = Translation {
            map: vec![(0x100, 0x200, 0x300), (0x200, 0x280, 0x100)],
        };
        assert_eq!(t.map(0x100), Some(0x300));
        assert_eq!(t.map(0x1ff), Some(0x3ff));
        assert_eq!(t.map(0x210), Some(0x110));
        assert_eq!(t.map(0x50), None);
        assert_eq!(t.map(0x281), None);
    }
}
