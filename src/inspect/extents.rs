//! Does the file hold everything its ELF headers point at? A binary cut short (a partial
//! download, a full disk, a copy interrupted) keeps its first headers while its section header
//! table and sections point past its end: that is a malformed binary, said in one line that
//! names what is missing, before any parser guesses at the rest.

use object::Endianness;
use object::elf::{FileHeader32, FileHeader64, PT_LOAD, SHT_NOBITS};
use object::read::elf::{FileHeader, ProgramHeader as _, SectionHeader as _};

/// `Err(what is wrong)` when the headers of the ELF file `bytes` describe bytes it does not
/// have: names the part that reaches farthest (for a file cut short, usually the section header
/// table at its end). Checks only extents: other damage is the parser's to report.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    match bytes.get(4) {
        Some(2) => check_as::<FileHeader64<Endianness>>(bytes),
        Some(1) => check_as::<FileHeader32<Endianness>>(bytes),
        Some(c) => Err(format!("malformed ELF header: unknown class {c}")),
        None => Err(past("the ELF header", 64, bytes.len() as u64)),
    }
}

fn past(what: &str, end: u64, len: u64) -> String {
    format!(
        "truncated or malformed binary: {what} ends at byte {end}, past the end of the file \
         ({len} bytes)"
    )
}

/// [`check`] of a file of header `H`, parsed once for its extents and its section names.
fn check_as<H: FileHeader<Endian = Endianness>>(bytes: &[u8]) -> Result<(), String> {
    let len = bytes.len() as u64;
    let header_len = std::mem::size_of::<H>() as u64;
    if len < header_len {
        return Err(past("the ELF header", header_len, len));
    }
    // What does not read as one object at all is the parser's to report.
    let Ok(header) = H::parse(bytes) else {
        return Ok(());
    };
    let Ok(endian) = header.endian() else {
        return Ok(());
    };
    match farthest(header, endian, bytes) {
        // An offset and size that overflow point past any file (QA dn F19: "ends at byte
        // 18446744073709551615").
        Some((u64::MAX, what)) => Err(format!(
            "malformed binary: {what} has an offset and size past any file's end"
        )),
        Some((end, what)) if end > len => Err(past(&what, end, len)),
        _ => names_table(header, endian, bytes),
    }
}

/// The section names' table (`e_shstrndx`, extended through section 0 as `SHN_XINDEX` says) is
/// one of the sections: a file whose index points past them has sections no tool can name,
/// and GNU `strip` refuses it (QA dn F14: each section was `"<bad name>"`, and exit 0). Index
/// 0 is a file without section names.
fn names_table<H: FileHeader<Endian = Endianness>>(
    header: &H,
    endian: Endianness,
    bytes: &[u8],
) -> Result<(), String> {
    let (Ok(sections), Ok(index)) = (
        header.section_headers(endian, bytes),
        header.shstrndx(endian, bytes),
    ) else {
        return Ok(());
    };
    match index as usize {
        i if i == 0 || i < sections.len() || sections.is_empty() => Ok(()),
        i => Err(format!(
            "malformed binary: the section names are said to be in section {i} \
             (`e_shstrndx`), of {} sections",
            sections.len()
        )),
    }
}

/// The end of the part of the file its headers describe that reaches farthest, and its name.
fn farthest<H: FileHeader<Endian = Endianness>>(
    header: &H,
    endian: Endianness,
    bytes: &[u8],
) -> Option<(u64, String)> {
    let end = |offset: u64, size: u64| offset.saturating_add(size);
    let mut parts: Vec<(u64, String)> = Vec::new();

    let phoff: u64 = header.e_phoff(endian).into();
    let phnum = u64::from(header.e_phnum(endian));
    if phoff != 0 && phnum > 0 {
        let size = phnum * u64::from(header.e_phentsize(endian));
        parts.push((
            end(phoff, size),
            format!("the table of {phnum} program headers"),
        ));
    }
    for (i, ph) in header
        .program_headers(endian, bytes)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let size: u64 = ph.p_filesz(endian).into();
        if size > 0 {
            let kind = if ph.p_type(endian) == PT_LOAD {
                "loadable segment"
            } else {
                "segment"
            };
            parts.push((end(ph.p_offset(endian).into(), size), format!("{kind} {i}")));
        }
    }

    let shoff: u64 = header.e_shoff(endian).into();
    let shnum = u64::from(header.e_shnum(endian));
    if shoff != 0 && shnum > 0 {
        let size = shnum * u64::from(header.e_shentsize(endian));
        parts.push((
            end(shoff, size),
            format!("the table of {shnum} section headers"),
        ));
    }
    if let Ok(sections) = header.sections(endian, bytes) {
        for (i, sh) in sections.iter().enumerate() {
            let size: u64 = sh.sh_size(endian).into();
            if sh.sh_type(endian) == SHT_NOBITS || size == 0 {
                continue;
            }
            let name = sections
                .section_name(endian, sh)
                .ok()
                .and_then(|n| std::str::from_utf8(n).ok())
                .filter(|n| !n.is_empty())
                .map_or_else(|| format!("section {i}"), |n| format!("section `{n}`"));
            parts.push((end(sh.sh_offset(endian).into(), size), name));
        }
    }
    // The first of equals: a table before the sections it describes.
    parts.into_iter().rev().max_by_key(|p| p.0)
}
