//! PE and Mach-O: the facts goblin gives (format, arch, sections, imported libraries). Facts that
//! are ELF-only (interpreter, stripped size, glibc floor, closure) stay `None`/empty and the
//! renderers mark them "n/a".

use goblin::mach::{Mach, MachO, SingleArch, constants::S_ZEROFILL, constants::cputype};
use goblin::pe::PE;

use crate::report::{Binary, Linkage, Section};

fn blank(format: &str, arch: String, file_size: u64) -> Binary {
    Binary {
        format: format.into(),
        arch,
        elf_type: None,
        pie: None,
        linkage: Linkage::Unknown,
        interpreter: None,
        needed: Vec::new(),
        soname: None,
        slices: Vec::new(),
        rpath: Vec::new(),
        runpath: Vec::new(),
        file_size,
        stripped_size: None,
        debug_size: None,
        symtab_size: None,
        sections: Vec::new(),
        build_id: None,
        comment: Vec::new(),
        init_array_entries: None,
        glibc_floor: None,
        version_needs: Vec::new(),
        closure: Vec::new(),
        closure_size: None,
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

/// `Err(what is wrong)` when a PE image's section data or COFF symbols reach past the end of
/// the file: cut short (QA dn F7: reported with names like `/19`, exit 0, where `objdump`
/// does not recognise the file). The part that reaches farthest is named, as for ELF.
pub fn pe_extents(pe: &PE, bytes: &[u8]) -> Result<(), String> {
    let len = bytes.len() as u64;
    let coff = &pe.header.coff_header;
    let mut parts: Vec<(u64, String)> = pe
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.size_of_raw_data > 0)
        .map(|(i, s)| {
            let end = u64::from(s.pointer_to_raw_data) + u64::from(s.size_of_raw_data);
            let name = match std::str::from_utf8(&s.name) {
                Ok(n) if !n.trim_end_matches('\0').is_empty() => {
                    format!("section `{}`", n.trim_end_matches('\0'))
                }
                _ => format!("section {i}"),
            };
            (end, name)
        })
        .collect();
    if coff.pointer_to_symbol_table != 0 && coff.number_of_symbol_table > 0 {
        let end =
            u64::from(coff.pointer_to_symbol_table) + u64::from(coff.number_of_symbol_table) * 18;
        parts.push((end, "the COFF symbol table".into()));
        // Its string table follows, its length (itself included) in its first 4 bytes: the
        // long section names (`/19` is `.debug_info`) are in it (QA do F1).
        let size = usize::try_from(end)
            .ok()
            .and_then(|at| bytes.get(at..at.checked_add(4)?))
            .map_or(4, |b| {
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).max(4)
            });
        parts.push((end + size, "the COFF string table".into()));
    }
    match parts.into_iter().max_by_key(|p| p.0) {
        Some((end, what)) if end > len => Err(format!(
            "truncated or malformed binary: {what} ends at byte {end}, past the end of the \
             file ({len} bytes)"
        )),
        _ => Ok(()),
    }
}

pub fn pe(pe: &PE, file_size: u64) -> Binary {
    let machine = pe.header.coff_header.machine;
    let arch = match machine {
        goblin::pe::header::COFF_MACHINE_X86_64 => "x86_64".to_string(),
        goblin::pe::header::COFF_MACHINE_X86 => "x86".to_string(),
        goblin::pe::header::COFF_MACHINE_ARM64 => "aarch64".to_string(),
        m => goblin::pe::header::machine_to_str(m).to_lowercase(),
    };
    let mut b = blank("pe", arch, file_size);
    b.needed = pe.libraries.iter().map(|s| s.to_string()).collect();
    b.linkage = if pe.is_lib {
        Linkage::SharedLibrary
    } else if b.needed.is_empty() {
        Linkage::Static
    } else {
        Linkage::Dynamic
    };
    b.sections = pe
        .sections
        .iter()
        .map(|s| Section {
            name: s.name().unwrap_or("<bad name>").to_string(),
            file_size: u64::from(s.size_of_raw_data),
            mem_size: u64::from(s.virtual_size),
        })
        .collect();
    b
}

pub fn mach(mach: &Mach, bytes: &[u8]) -> Result<Binary, String> {
    match mach {
        Mach::Binary(m) => Ok(macho(m, bytes, bytes.len() as u64)),
        Mach::Fat(fat) => {
            // A universal binary: report its first Mach-O slice, sized as the whole file, and
            // name every slice's architecture (QA dn F15: `arch` read "universal (2 slices;
            // first: x86_64)"). The header's slice count is untrusted: no more slices than
            // the file can describe (each takes 20 bytes), and the first unreadable one ends
            // the search.
            let most = bytes.len() / goblin::mach::fat::SIZEOF_FAT_ARCH;
            let arches: Vec<_> = fat.iter_arches().take(most).map_while(Result::ok).collect();
            for (i, arch) in arches.iter().enumerate() {
                if let Ok(SingleArch::MachO(m)) = fat.get(i) {
                    let mut b = macho(&m, arch.slice(bytes), bytes.len() as u64);
                    b.slices = arches
                        .iter()
                        .map(|a| arch_of(a.cputype(), a.cpusubtype()))
                        .collect();
                    return Ok(b);
                }
            }
            Err("universal Mach-O with no readable slice".into())
        }
    }
}

fn arch_of(cputype: u32, subtype: u32) -> String {
    match cputype {
        cputype::CPU_TYPE_X86_64 => "x86_64".to_string(),
        cputype::CPU_TYPE_ARM64 => "aarch64".to_string(),
        t => cputype::get_arch_name_from_types(t, subtype)
            .unwrap_or("unknown")
            .to_string(),
    }
}

/// One Mach-O image; `data` its bytes (a slice of a universal file), for the strings its load
/// commands point at.
fn macho(m: &MachO, data: &[u8], file_size: u64) -> Binary {
    use goblin::mach::header::{MH_BUNDLE, MH_DYLIB, MH_EXECUTE, MH_OBJECT};
    use goblin::mach::load_command::CommandVariant;
    let mut b = blank(
        "mach-o",
        arch_of(m.header.cputype, m.header.cpusubtype),
        file_size,
    );
    let string = |cmd_offset: usize, at: u32| -> Option<String> {
        let start = cmd_offset.checked_add(at as usize)?;
        let rest = data.get(start..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    for cmd in &m.load_commands {
        match &cmd.command {
            CommandVariant::LoadDylinker(d) => b.interpreter = string(cmd.offset, d.name),
            CommandVariant::Uuid(u) => {
                b.build_id = Some(u.uuid.iter().map(|x| format!("{x:02x}")).collect());
            }
            _ => {}
        }
    }
    // goblin's first entry is the image's own name (`LC_ID_DYLIB`) or "self": not a library
    // it needs (QA dn F2: every dylib listed itself).
    b.needed = m.libs.iter().skip(1).map(|s| s.to_string()).collect();
    b.soname = m.name.map(str::to_string);
    b.linkage = match m.header.filetype {
        MH_DYLIB | MH_BUNDLE => Linkage::SharedLibrary,
        // An object is linked into a program, not loaded (QA dn F3: "static").
        MH_OBJECT => Linkage::Unknown,
        // dyld starts an executable that names it, with or without libraries (QA dn F4).
        MH_EXECUTE if b.needed.is_empty() && b.interpreter.is_none() => Linkage::Static,
        MH_EXECUTE => Linkage::Dynamic,
        _ => Linkage::Unknown,
    };
    for seg in m.segments.iter() {
        let Ok(sections) = seg.sections() else {
            continue;
        };
        for (s, _) in sections {
            let zerofill = s.flags & 0xff == S_ZEROFILL;
            b.sections.push(Section {
                name: format!("{},{}", s.segname().unwrap_or("?"), s.name().unwrap_or("?")),
                file_size: if zerofill { 0 } else { s.size },
                mem_size: s.size,
            });
        }
    }
    b.rpath = m.rpaths.iter().map(|s| s.to_string()).collect();
    b
}
