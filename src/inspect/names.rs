//! ELF names are byte strings: a section, symbol or library name need not be UTF-8 (`nm` and
//! `readelf` print such names as they are). goblin's `Elf::parse` decodes every string table
//! as UTF-8 up front and refuses the whole file over one bad byte, so this module
//!
//! - parses a file whose string tables hold non-UTF-8 bytes from a copy in which those bytes
//!   are replaced by `?` (same lengths, so every offset and size stays true; everything else
//!   goblin checks is checked as for any file), and
//! - reads the names themselves from the file's own bytes, shown lossily (U+FFFD for each bad
//!   sequence, as `String::from_utf8_lossy`, which is what the symbol stages show too).

use std::borrow::Cow;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::{
    Elf, SectionHeader, dynamic,
    dynamic::Dynamic,
    program_header::{PT_INTERP, ProgramHeader},
    section_header::{SHN_XINDEX, SHT_DYNSYM, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB},
    sym::Symtab,
};

/// Parse `bytes` as ELF and hand the result to `f`. A file refused only because a string table
/// holds non-UTF-8 bytes is parsed from a copy with those bytes replaced (see the module's
/// documentation); any other fault is goblin's error, as before.
pub fn with_elf<R>(bytes: &[u8], f: impl FnOnce(&Elf) -> R) -> Result<R, goblin::error::Error> {
    match Elf::parse(bytes) {
        Ok(elf) => Ok(f(&elf)),
        Err(e) => match sanitized(bytes) {
            Some(copy) => Elf::parse(&copy).map(|elf| f(&elf)),
            None => Err(e),
        },
    }
}

/// [`with_elf`] for `inspect`: goblin's `Elf` without what `inspect` reads elsewhere. goblin's
/// `Elf::parse` decodes every string of the symbol table as UTF-8 and every relocation, a
/// tenth of the time of inspecting the ELF files of `/usr/lib` (`benches/inspect.sh`); the
/// names are read from the file's own bytes (see [`Strings`]) and the symbols and relocations
/// with `object`. The tables' extents are checked as goblin checks them; any fault of this
/// reading goes to [`with_elf`], so a malformed file reads as it did.
pub fn with_elf_lean<R>(
    bytes: &[u8],
    f: impl FnOnce(&Elf) -> R,
) -> Result<R, goblin::error::Error> {
    match lean(bytes) {
        Some(elf) => Ok(f(&elf)),
        None => with_elf(bytes, f),
    }
}

/// The parse of [`with_elf_lean`]: the headers, the dynamic section, the symbol tables (read
/// as they are iterated) and the symbol versions. Left empty: the string tables, `soname`,
/// `libraries`, the paths and the relocations. `None` where goblin's own parse is needed (a
/// fault, or dynamic symbols without a `.dynsym` section to count them).
fn lean(bytes: &[u8]) -> Option<Elf<'_>> {
    let header = Elf::parse_header(bytes).ok()?;
    let mut elf = Elf::lazy_parse(header).ok()?;
    let container = match elf.is_64 {
        true => Container::Big,
        false => Container::Little,
    };
    let ctx = Ctx::new(container, Endian::from(elf.little_endian));
    let (phoff, phnum) = (header.e_phoff as usize, header.e_phnum as usize);
    elf.program_headers = ProgramHeader::parse(bytes, phoff, phnum, ctx).ok()?;
    let (shoff, shnum) = (header.e_shoff as usize, header.e_shnum as usize);
    elf.section_headers = SectionHeader::parse(bytes, shoff, shnum, ctx).ok()?;
    let shdrs = &elf.section_headers;
    for sh in shdrs {
        let relocs = matches!(sh.sh_type, SHT_REL | SHT_RELA);
        if (relocs || sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_STRTAB)
            && sh.check_size(bytes.len()).is_err()
        {
            return None;
        }
    }
    if let Some(sh) = shdrs.iter().rfind(|sh| sh.sh_type == SHT_SYMTAB) {
        let count = sh.sh_size.checked_div(sh.sh_entsize).unwrap_or(0);
        let count = usize::try_from(count).ok()?;
        elf.syms = Symtab::parse(bytes, sh.sh_offset as usize, count, ctx).ok()?;
    }
    elf.dynamic = Dynamic::parse(bytes, &elf.program_headers, ctx).ok()?;
    if let Some(d) = &elf.dynamic {
        let dynsym = shdrs.iter().find(|sh| sh.sh_type == SHT_DYNSYM)?;
        let count = dynsym.sh_size.checked_div(dynsym.sh_entsize).unwrap_or(0);
        let count = usize::try_from(count).ok()?;
        elf.dynsyms = Symtab::parse(bytes, d.info.symtab, count, ctx).ok()?;
    }
    elf.versym = goblin::elf::VersymSection::parse(bytes, shdrs, ctx).ok()?;
    elf.verdef = goblin::elf::VerdefSection::parse(bytes, shdrs, ctx).ok()?;
    elf.verneed = goblin::elf::VerneedSection::parse(bytes, shdrs, ctx).ok()?;
    Some(elf)
}

/// A copy of `bytes` with every byte of an invalid UTF-8 sequence inside a string table that
/// goblin decodes replaced by `?`; `None` when there is no such byte (or no table can be found).
fn sanitized(bytes: &[u8]) -> Option<Vec<u8>> {
    let header = Elf::parse_header(bytes).ok()?;
    let container = if header.e_ident[4] == 2 {
        Container::Big
    } else {
        Container::Little
    };
    let endian = Endian::from(header.e_ident[5] != 2);
    let ctx = Ctx::new(container, endian);
    let shdrs = SectionHeader::parse(bytes, header.e_shoff as usize, header.e_shnum as usize, ctx)
        .unwrap_or_default();
    let mut ranges: Vec<(u64, u64)> = shdrs
        .iter()
        .filter(|sh| sh.sh_type == SHT_STRTAB)
        .map(|sh| (sh.sh_offset, sh.sh_size))
        .collect();
    // The tables goblin decodes whatever their type: the section names' and the symbols'.
    let mut linked = vec![usize::from(header.e_shstrndx)];
    if u32::from(header.e_shstrndx) == SHN_XINDEX {
        linked[0] = shdrs.first().map_or(0, |sh| sh.sh_link as usize);
    }
    if let Some(symtab) = shdrs.iter().rfind(|sh| sh.sh_type == SHT_SYMTAB) {
        linked.push(symtab.sh_link as usize);
    }
    ranges.extend(
        linked
            .iter()
            .filter_map(|&i| shdrs.get(i))
            .map(|sh| (sh.sh_offset, sh.sh_size)),
    );
    let phdrs = ProgramHeader::parse(bytes, header.e_phoff as usize, header.e_phnum as usize, ctx)
        .unwrap_or_default();
    if let Ok(Some(d)) = Dynamic::parse(bytes, &phdrs, ctx) {
        ranges.push((d.info.strtab as u64, d.info.strsz as u64));
    }

    let mut copy: Option<Vec<u8>> = None;
    for (offset, size) in ranges {
        let Some(range) = byte_range(bytes.len(), offset, size) else {
            continue;
        };
        let mut at = range.start;
        for chunk in bytes[range].utf8_chunks() {
            at += chunk.valid().len();
            let bad = chunk.invalid().len();
            if bad > 0 {
                let copy = copy.get_or_insert_with(|| bytes.to_vec());
                copy[at..at + bad].fill(b'?');
            }
            at += bad;
        }
    }
    copy
}

/// `offset..offset + size` clamped to a file of `len` bytes; `None` when it starts past the end.
fn byte_range(len: usize, offset: u64, size: u64) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(offset).ok().filter(|&s| s <= len)?;
    let end = usize::try_from(offset.saturating_add(size))
        .unwrap_or(usize::MAX)
        .min(len);
    Some(start..end)
}

/// A string table read from the file's own bytes.
#[derive(Clone, Copy, Default)]
pub struct Strings<'a>(&'a [u8]);

impl<'a> Strings<'a> {
    /// The section names' table (`e_shstrndx`, or `SHN_XINDEX` through section 0's `sh_link`).
    pub fn section_names(elf: &Elf, bytes: &'a [u8]) -> Self {
        let mut index = usize::from(elf.header.e_shstrndx);
        if u32::from(elf.header.e_shstrndx) == SHN_XINDEX {
            index = elf
                .section_headers
                .first()
                .map_or(0, |sh| sh.sh_link as usize);
        }
        elf.section_headers
            .get(index)
            .and_then(|sh| byte_range(bytes.len(), sh.sh_offset, sh.sh_size))
            .map_or_else(Self::default, |r| Strings(&bytes[r]))
    }

    /// The dynamic string table (`DT_STRTAB`, `DT_STRSZ`), empty without a dynamic section.
    pub fn dynamic(elf: &Elf, bytes: &'a [u8]) -> Self {
        elf.dynamic
            .as_ref()
            .and_then(|d| byte_range(bytes.len(), d.info.strtab as u64, d.info.strsz as u64))
            .map_or_else(Self::default, |r| Strings(&bytes[r]))
    }

    /// The name at `offset`, up to its NUL (or the table's end); `None` past the table.
    pub fn get(&self, offset: usize) -> Option<Cow<'a, str>> {
        self.raw(offset).map(String::from_utf8_lossy)
    }

    /// The name's bytes at `offset`, up to its NUL (or the table's end); `None` past the table.
    pub fn raw(&self, offset: usize) -> Option<&'a [u8]> {
        let tail = self.0.get(offset..)?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        Some(&tail[..end])
    }

    /// The names of every dynamic entry tagged `tag`, in order (`DT_NEEDED`, `DT_RPATH`, ...).
    pub fn tagged(&self, elf: &Elf, tag: u64) -> Vec<String> {
        elf.dynamic
            .iter()
            .flat_map(|d| &d.dyns)
            .filter(|d| d.d_tag == tag)
            .filter_map(|d| self.get(usize::try_from(d.d_val).ok()?))
            .map(Cow::into_owned)
            .collect()
    }
}

/// The library names of `DT_NEEDED`, in order.
pub fn needed(elf: &Elf, bytes: &[u8]) -> Vec<String> {
    Strings::dynamic(elf, bytes).tagged(elf, dynamic::DT_NEEDED)
}

/// A shared library's own name (`DT_SONAME`).
pub fn soname(elf: &Elf, bytes: &[u8]) -> Option<String> {
    Strings::dynamic(elf, bytes)
        .tagged(elf, dynamic::DT_SONAME)
        .into_iter()
        .next()
}

/// The program interpreter (`PT_INTERP`), without its terminating NUL.
pub fn interpreter(elf: &Elf, bytes: &[u8]) -> Option<String> {
    let ph = elf
        .program_headers
        .iter()
        .rfind(|ph| ph.p_type == PT_INTERP && ph.p_filesz != 0)?;
    let range = byte_range(bytes.len(), ph.p_offset, ph.p_filesz)?;
    let path = &bytes[range];
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    Some(String::from_utf8_lossy(&path[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's own file and the C library it runs with, as `/proc/self/maps` names it.
    fn files() -> Vec<Vec<u8>> {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        let libc = maps
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .find(|p| p.contains("/libc.so") || p.contains("/libc-"))
            .map(str::to_string);
        let exe = std::env::current_exe().ok();
        let paths: Vec<std::path::PathBuf> = exe.into_iter().chain(libc.map(Into::into)).collect();
        assert_eq!(
            paths.len(),
            2,
            "the test's own file and its libc: {paths:?}"
        );
        paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// The lean parse reads what goblin's own parse reads of everything `inspect` uses.
    #[test]
    fn the_lean_parse_reads_what_goblins_parse_reads() {
        for bytes in files() {
            let (Some(lean), Ok(full)) = (lean(&bytes), Elf::parse(&bytes)) else {
                panic!("both parses read the file");
            };
            assert_eq!(lean.header, full.header);
            assert!(lean.program_headers == full.program_headers);
            assert!(lean.section_headers == full.section_headers);
            let dyns = |e: &Elf| e.dynamic.as_ref().map(|d| (d.dyns.clone(), d.info.soname));
            assert!(dyns(&lean) == dyns(&full));
            assert!(!full.dynsyms.is_empty());
            assert_eq!(lean.dynsyms.len(), full.dynsyms.len());
            assert!(lean.dynsyms.iter().eq(full.dynsyms.iter()));
            assert_eq!(lean.syms.len(), full.syms.len());
            let versions = |e: &Elf| {
                let need = e.verneed.as_ref().map(|v| v.iter().count());
                (e.versym.as_ref().map(|v| v.iter().count()), need)
            };
            assert_eq!(versions(&lean), versions(&full));
            assert!(versions(&full).0.is_some());
            assert_eq!(
                (lean.is_64, lean.little_endian),
                (full.is_64, full.little_endian)
            );
        }
    }

    /// What the lean parse cannot read goes to goblin's: the same error, or the same result.
    #[test]
    fn what_the_lean_parse_cannot_read_goes_to_goblins() {
        let bytes = files().pop().unwrap_or_default();
        let Ok(elf) = Elf::parse(&bytes) else {
            panic!("libc parses");
        };
        // Dynamic symbols without a `.dynsym` section to count them: goblin's count.
        let at = elf
            .section_headers
            .iter()
            .position(|sh| sh.sh_type == SHT_DYNSYM)
            .map(|i| elf.header.e_shoff as usize + i * usize::from(elf.header.e_shentsize) + 4);
        let mut copy = bytes.clone();
        let at = at.unwrap_or(usize::MAX);
        copy[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
        assert!(lean(&copy).is_none());
        let count = |e: &Elf| e.dynsyms.len();
        assert_eq!(
            with_elf_lean(&copy, count).ok(),
            with_elf(&copy, count).ok()
        );
        assert!(with_elf_lean(&copy, count).is_ok_and(|n| n > 0));
        // Section headers past the end: goblin's error.
        let mut cut = bytes.clone();
        let shoff = if elf.is_64 { 0x28 } else { 0x20 };
        cut[shoff..shoff + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(lean(&cut).is_none());
        let err = |r: Result<(), goblin::error::Error>| r.err().map(|e| e.to_string());
        let full = err(with_elf(&cut, |_| ()));
        assert!(full.is_some());
        assert_eq!(err(with_elf_lean(&cut, |_| ())), full);
    }
}
