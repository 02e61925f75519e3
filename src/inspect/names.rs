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
    section_header::{SHN_XINDEX, SHT_STRTAB, SHT_SYMTAB},
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
