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
        closure_size: file_size,
        crates: Vec::new(),
        symbols: Vec::new(),
        symbols_of: None,
        coverage: None,
        crate_symbols: Vec::new(),
        graph: None,
        graph_skipped: None,
        why: None,
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
        Mach::Binary(m) => Ok(macho(m, bytes.len() as u64)),
        Mach::Fat(fat) => {
            // A universal binary: report its first Mach-O slice, sized as the whole file. The
            // header's slice count is untrusted: no more slices than the file can describe
            // (each takes 20 bytes), and the first unreadable one ends the search.
            let most = bytes.len() / goblin::mach::fat::SIZEOF_FAT_ARCH;
            for (i, arch) in fat.iter_arches().enumerate().take(most) {
                if arch.is_err() {
                    break;
                }
                if let Ok(SingleArch::MachO(m)) = fat.get(i) {
                    let mut b = macho(&m, bytes.len() as u64);
                    b.arch = format!("universal ({} slices; first: {})", fat.narches, b.arch);
                    return Ok(b);
                }
            }
            Err("universal Mach-O with no readable slice".into())
        }
    }
}

fn macho(m: &MachO, file_size: u64) -> Binary {
    let arch = match m.header.cputype {
        cputype::CPU_TYPE_X86_64 => "x86_64".to_string(),
        cputype::CPU_TYPE_ARM64 => "aarch64".to_string(),
        t => cputype::get_arch_name_from_types(t, m.header.cpusubtype)
            .unwrap_or("unknown")
            .to_string(),
    };
    let mut b = blank("mach-o", arch, file_size);
    b.needed = m
        .libs
        .iter()
        .filter(|l| **l != "self")
        .map(|s| s.to_string())
        .collect();
    b.linkage = if m.header.filetype == goblin::mach::header::MH_DYLIB {
        Linkage::SharedLibrary
    } else if b.needed.is_empty() {
        Linkage::Static
    } else {
        Linkage::Dynamic
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
