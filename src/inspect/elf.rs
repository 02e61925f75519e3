//! ELF facts: type, linkage, dynamic section, sections, sizes, build-id, symbol versions.

use goblin::elf::{
    Elf, dynamic, header,
    program_header::PT_LOAD,
    section_header::{SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS, SHT_REL, SHT_RELA},
};

use super::names::{self, Strings};
use super::symver;
use crate::report::{Binary, GlibcFloor, Linkage, Section, VersionNeed};

const NT_GNU_BUILD_ID: u32 = 3;

pub fn arch_name(machine: u16) -> String {
    match machine {
        header::EM_X86_64 => "x86_64".into(),
        header::EM_386 => "x86".into(),
        header::EM_AARCH64 => "aarch64".into(),
        header::EM_ARM => "arm".into(),
        header::EM_RISCV => "riscv".into(),
        header::EM_PPC64 => "powerpc64".into(),
        header::EM_S390 => "s390x".into(),
        other => header::machine_to_str(other)
            .trim_start_matches("EM_")
            .to_lowercase(),
    }
}

/// Facts of one parsed ELF file. `bytes` is the whole file.
pub fn inspect(elf: &Elf, bytes: &[u8]) -> Binary {
    let file_size = bytes.len() as u64;
    let flags_1 = elf.dynamic.as_ref().map_or(0, |d| d.info.flags_1);
    let is_pie_flag = flags_1 & dynamic::DF_1_PIE != 0;
    let e_type = elf.header.e_type;
    let interpreter = names::interpreter(elf, bytes);
    let needed = names::needed(elf, bytes);
    let soname = names::soname(elf, bytes);
    // Named as goblin names it: a `DT_SONAME` that is not the table's first byte.
    let named = soname.is_some() && elf.dynamic.as_ref().is_some_and(|d| d.info.soname != 0);
    let linkage = linkage(
        elf,
        (interpreter.is_some(), !needed.is_empty(), named),
        is_pie_flag,
    );
    let pie = match e_type {
        header::ET_EXEC => Some(false),
        header::ET_DYN => Some(is_pie_flag || linkage == Linkage::StaticPie),
        _ => None,
    };

    let section_names = Strings::section_names(elf, bytes);
    let dynstr = Strings::dynamic(elf, bytes);
    let sections = sections(elf, section_names);
    let sum_where = |pred: &dyn Fn(&str) -> bool| -> u64 {
        sections
            .iter()
            .filter(|s| pred(&s.name))
            .map(|s| s.file_size)
            .sum()
    };
    // What `strip` removes: a loaded `.debug_*` section (rustc's `.debug_gdb_scripts`) is
    // part of the image and stays (QA ad: a stripped file read "debug info 34 B").
    let debug_size = sections
        .iter()
        .filter(|s| is_debug_section(&s.name) && s.mem_size == 0)
        .map(|s| s.file_size)
        .sum();
    let symtab_size = sum_where(&|n| n == ".symtab" || n == ".strtab");
    let init_array_entries = init_array_entries(elf, &sections);

    let needs = symver::needs(elf, bytes);
    let version_needs = version_needs(&needs, dynstr);
    let glibc_floor = glibc_floor(elf, bytes, &needs, dynstr);

    Binary {
        format: "elf".into(),
        arch: arch_name(elf.header.e_machine),
        elf_type: Some(
            header::et_to_str(e_type)
                .trim_start_matches("ET_")
                .to_string(),
        ),
        pie,
        linkage,
        interpreter,
        needed,
        soname,
        slices: Vec::new(),
        rpath: split_paths(&dynstr.tagged(elf, dynamic::DT_RPATH)),
        runpath: split_paths(&dynstr.tagged(elf, dynamic::DT_RUNPATH)),
        file_size,
        stripped_size: stripped_size(elf, section_names, bytes.len() as u64),
        debug_size: Some(debug_size),
        symtab_size: Some(symtab_size),
        sections,
        build_id: build_id(elf, bytes),
        comment: comment(elf, section_names, bytes),
        init_array_entries,
        glibc_floor,
        version_needs,
        closure: Vec::new(),
        // An object is linked into a program, not loaded: no closure.
        closure_size: (e_type != header::ET_REL).then_some(file_size),
        crates: Vec::new(),
        symbols: Vec::new(),
        symbols_of: None,
        coverage: None,
        crate_symbols: Vec::new(),
        graph: None,
        graph_skipped: None,
        why: None,
        unnamed: Default::default(),
    }
}

/// The NUL-separated strings of `.comment`, each once, in order.
fn comment(elf: &Elf, names: Strings, bytes: &[u8]) -> Vec<String> {
    let Some(sh) = elf
        .section_headers
        .iter()
        .find(|s| s.sh_type != SHT_NOBITS && names.get(s.sh_name).as_deref() == Some(".comment"))
    else {
        return Vec::new();
    };
    let start = sh.sh_offset as usize;
    let Some(data) = bytes.get(start..start.saturating_add(sh.sh_size as usize)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for s in data.split(|b| *b == 0).filter(|s| !s.is_empty()) {
        let s = String::from_utf8_lossy(s).into_owned();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Whether the file is separate debug information (`objcopy --only-keep-debug`, a
/// `.debug` file beside its binary): it has loaded sections of code, and none holds bytes
/// (`SHT_NOBITS`), its program headers those of the binary, their file sizes 0.
pub fn debug_only(elf: &Elf) -> bool {
    let mut code = elf
        .section_headers
        .iter()
        .filter(|s| {
            let flags = s.sh_flags as u32;
            flags & SHF_ALLOC != 0 && flags & SHF_EXECINSTR != 0
        })
        .peekable();
    code.peek().is_some() && code.all(|s| s.sh_type == SHT_NOBITS)
}

/// The entries of `.init_array`: none without the section; with no section headers, the
/// loader's `DT_INIT_ARRAYSZ`, unknown in a static file.
fn init_array_entries(elf: &Elf, sections: &[Section]) -> Option<u64> {
    let ptr = if elf.is_64 { 8 } else { 4 };
    match sections.iter().find(|s| s.name == ".init_array") {
        Some(s) => Some(s.mem_size / ptr),
        None if elf.section_headers.len() > 1 => Some(0),
        None => elf
            .dynamic
            .as_ref()
            .map(|d| d.info.init_arraysz as u64 / ptr),
    }
}

fn linkage(
    elf: &Elf,
    (has_interp, has_needed, has_soname): (bool, bool, bool),
    pie_flag: bool,
) -> Linkage {
    match elf.header.e_type {
        header::ET_EXEC if has_interp || has_needed => Linkage::Dynamic,
        header::ET_EXEC => Linkage::Static,
        // A library that is also a program (glibc's `libc.so.6` runs and prints its version):
        // its name says a library, and no executable has one (QA ds F3).
        header::ET_DYN if has_soname && !pie_flag => Linkage::SharedLibrary,
        header::ET_DYN if has_interp => Linkage::Dynamic,
        // A library: no loader of its own, other objects load it; one that needs nothing and
        // has no name has no entry point either, which every executable has (QA dn F5: a
        // `-nostdlib -shared` library was a static-pie executable).
        header::ET_DYN if !pie_flag && (has_needed || has_soname || elf.header.e_entry == 0) => {
            Linkage::SharedLibrary
        }
        header::ET_DYN if has_needed => Linkage::Dynamic,
        header::ET_DYN => Linkage::StaticPie,
        _ => Linkage::Unknown,
    }
}

/// Whether a static ELF carries glibc, by the sections only glibc's own objects bring: its
/// `__libc_*` sections (`__libc_IO_vtables`, `__libc_atexit`, `__libc_freeres_ptrs`, ...) or
/// the `.note.ABI-tag` of its `crt1.o`. They are loaded, so `strip` keeps them; musl and
/// `-nostdlib` programs have none of them.
pub fn static_glibc(b: &Binary) -> bool {
    b.sections
        .iter()
        .any(|s| s.name.starts_with("__libc_") || s.name == ".note.ABI-tag")
}

pub fn is_debug_section(name: &str) -> bool {
    name.starts_with(".debug") || name.starts_with(".zdebug")
}

fn split_paths(list: &[String]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(':'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn sections(elf: &Elf, names: Strings) -> Vec<Section> {
    elf.section_headers
        .iter()
        .skip(1)
        .map(|sh| Section {
            name: names
                .get(sh.sh_name)
                .map_or_else(|| "<bad name>".to_string(), |n| n.into_owned()),
            file_size: if sh.sh_type == SHT_NOBITS {
                0
            } else {
                sh.sh_size
            },
            mem_size: if sh.sh_flags & u64::from(SHF_ALLOC) != 0 {
                sh.sh_size
            } else {
                0
            },
        })
        .collect()
}

pub(super) fn build_id(elf: &Elf, bytes: &[u8]) -> Option<String> {
    let from = |notes: Option<goblin::elf::note::NoteIterator>| -> Option<String> {
        notes?
            .filter_map(Result::ok)
            .find(|n| n.n_type == NT_GNU_BUILD_ID && n.name.trim_end_matches('\0') == "GNU")
            .map(|n| n.desc.iter().map(|b| format!("{b:02x}")).collect())
    };
    from(elf.iter_note_headers(bytes)).or_else(|| from(elf.iter_note_sections(bytes, None)))
}

/// Where the stripped size is an upper bound, why: GNU `strip` merges the annobin notes of
/// `.gnu.build.attributes` (gcc's annobin plugin, as in Fedora's packages), by an amount this
/// count does not model (QA dq F6: `/usr/bin/node`'s 23,680 B less than said).
pub fn stripped_caveat(path: &std::path::Path, b: &Binary) -> Option<String> {
    let notes = b
        .sections
        .iter()
        .find(|s| s.name == ".gnu.build.attributes" && s.mem_size == 0 && s.file_size > 0)?;
    let at_most = b.stripped_size?;
    Some(format!(
        "{}: its stripped size, {}, is an upper bound: `strip` merges the annobin notes of its \
         `.gnu.build.attributes` ({}) and leaves less, by an amount not computed",
        path.display(),
        crate::format::size(at_most),
        crate::format::size(notes.file_size)
    ))
}

/// What `strip` (GNU binutils, `--strip-all`) leaves: the loaded image keeps its layout, the
/// symbol table, string table, DWARF and static relocations go, the other non-loaded sections
/// (`.comment`, `.gnu.warning.*`, notes) are kept and a new section header table is written.
/// `None` for files without program headers (objects), whose layout `strip` rebuilds freely.
fn stripped_size<'a>(elf: &Elf, names: Strings<'a>, file_len: u64) -> Option<u64> {
    // Without section headers (`sstrip`, some packers) GNU `strip` refuses the file ("has no
    // sections"): there is no such figure (QA dj F8: one smaller than the file was given).
    // A table of the null section alone is none (QA dn F14: `e_shnum` 0 with `e_shoff` set,
    // which `strip` does not recognise).
    if elf.program_headers.is_empty() || elf.section_headers.len() <= 1 {
        return None;
    }
    let mut end = elf
        .program_headers
        .iter()
        .filter(|ph| ph.p_type == PT_LOAD || ph.p_filesz > 0)
        .map(|ph| ph.p_offset.saturating_add(ph.p_filesz))
        .max()
        .unwrap_or(0);
    // Headers themselves.
    let phdr_end =
        elf.header.e_phoff + u64::from(elf.header.e_phnum) * u64::from(elf.header.e_phentsize);
    end = end.max(phdr_end).min(file_len);

    let mut kept = 1u64; // the null section
    let mut kept_names: Vec<&[u8]> = vec![b".shstrtab"];
    for sh in elf.section_headers.iter().skip(1) {
        let raw = names.raw(sh.sh_name).unwrap_or_default();
        let name = String::from_utf8_lossy(raw);
        let name = name.as_ref();
        let alloc = sh.sh_flags & u64::from(SHF_ALLOC) != 0;
        let removed = !alloc
            && (is_debug_section(name)
                || name == ".symtab"
                || name == ".strtab"
                || name == ".shstrtab"
                || sh.sh_type == SHT_RELA
                || sh.sh_type == SHT_REL);
        if removed {
            continue;
        }
        kept += 1;
        kept_names.push(raw);
        if !alloc && sh.sh_type != SHT_NOBITS {
            let align = sh.sh_addralign.max(1);
            end = end.div_ceil(align).saturating_mul(align);
            end = end.saturating_add(sh.sh_size);
        }
    }
    // The rebuilt .shstrtab, then the section header table (8-aligned on 64-bit).
    kept += 1;
    end = end.saturating_add(merged_strtab_size(kept_names));
    let align = if elf.is_64 { 8 } else { 4 };
    end = end.div_ceil(align).saturating_mul(align);
    Some(end.saturating_add(kept * u64::from(elf.header.e_shentsize)))
}

/// The size of a string table of `names` as binutils writes one (`_bfd_elf_strtab_finalize`):
/// a leading NUL, each distinct name once, and a name that ends another (`.plt` in
/// `.rela.plt`) stored as that one's tail, not again.
fn merged_strtab_size(mut names: Vec<&[u8]>) -> u64 {
    // The empty name is the leading NUL itself.
    names.retain(|n| !n.is_empty());
    // Sorted by their reversed bytes, a name that ends others comes just before them: each
    // name is stored unless it ends the next one.
    let mut reversed: Vec<Vec<u8>> = names
        .iter()
        .map(|n| n.iter().rev().copied().collect())
        .collect();
    reversed.sort_unstable();
    reversed.dedup();
    let next = reversed.iter().skip(1).map(Some).chain([None]);
    1 + reversed
        .iter()
        .zip(next)
        .filter(|(n, next)| !next.is_some_and(|m| m.starts_with(n)))
        .map(|(n, _)| n.len() as u64 + 1)
        .sum::<u64>()
}

fn version_needs(needs: &[symver::Need], dynstr: Strings) -> Vec<VersionNeed> {
    let name = |offset: usize| {
        dynstr
            .get(offset)
            .map_or_else(|| "?".to_string(), |n| n.into_owned())
    };
    needs
        .iter()
        .map(|need| VersionNeed {
            library: name(need.file),
            versions: need.versions.iter().map(|&(_, n)| name(n)).collect(),
        })
        .collect()
}

/// Parse `GLIBC_2.34` into `[2, 34]`; `None` for `GLIBC_PRIVATE` and non-glibc names.
pub fn glibc_version(name: &str) -> Option<Vec<u32>> {
    name.strip_prefix("GLIBC_")?
        .split('.')
        .map(|p| p.parse().ok())
        .collect()
}

fn glibc_floor(
    elf: &Elf,
    bytes: &[u8],
    needs: &[symver::Need],
    dynstr: Strings,
) -> Option<GlibcFloor> {
    // Version index → name, for glibc versions only.
    let mut versions: Vec<(u16, String, Vec<u32>)> = Vec::new();
    for &(index, name) in needs.iter().flat_map(|n| &n.versions) {
        let name = dynstr.get(name).unwrap_or_default();
        if let Some(v) = glibc_version(&name) {
            versions.push((index, name.to_string(), v));
        }
    }
    let (_, top_name, top) = versions.iter().max_by(|a, b| a.2.cmp(&b.2))?.clone();
    let indexes: Vec<u16> = versions
        .iter()
        .filter(|(_, _, v)| *v == top)
        .map(|(i, _, _)| *i)
        .collect();
    let mut symbols: Vec<String> = Vec::new();
    for (i, sym) in elf.dynsyms.iter().enumerate() {
        if !sym.is_import() {
            continue;
        }
        let Some(version) = symver::version(elf, bytes, i) else {
            continue;
        };
        if indexes.contains(&version)
            && let Some(name) = dynstr.get(sym.st_name)
        {
            symbols.push(name.to_string());
        }
    }
    symbols.sort();
    symbols.dedup();
    Some(GlibcFloor {
        version: top_name.trim_start_matches("GLIBC_").to_string(),
        symbols,
    })
}

#[cfg(test)]
mod tests {
    use super::merged_strtab_size;

    /// `readelf -p .shstrtab` of a stripped gcc build shows `.rela.plt` once and `.plt`
    /// nowhere else: the tail is shared. A name given twice is stored once.
    #[test]
    fn names_that_end_others_are_stored_as_their_tails() {
        let names: Vec<&[u8]> = vec![b".rela.plt", b".plt", b".plt", b"", b".text", b"t"];
        assert_eq!(merged_strtab_size(names), 1 + 10 + 6);
        assert_eq!(merged_strtab_size(Vec::new()), 1);
        // Not a tail: `.pl` starts `.plt` but does not end it.
        assert_eq!(merged_strtab_size(vec![b".plt", b".pl"]), 1 + 5 + 4);
    }
}
