//! The file's facts as the terminal and the page both word them: its format line, when its
//! constructors run, and a glibc floor it has none of.

use crate::report::{Binary, Linkage};

/// The format line: format and architecture as written (`ELF`, `PE`, `Mach-O`: QA dn F21),
/// the ELF type, and a universal Mach-O's slices (QA dn F15).
pub fn format_line(b: &Binary) -> String {
    let mut line = kind(b);
    if let Some(t) = &b.elf_type {
        line.push_str(", ");
        line.push_str(t);
        if b.pie == Some(true) {
            line.push_str(" (PIE)");
        }
    }
    if !b.slices.is_empty() {
        line.push_str(&format!(
            " (universal: {} slices, {}; the first is reported)",
            b.slices.len(),
            b.slices.join(", ")
        ));
    }
    line
}

/// The format as written and the architecture: `ELF x86_64`, `Mach-O aarch64`.
pub fn kind(b: &Binary) -> String {
    let name = match b.format.as_str() {
        "elf" => "ELF".to_string(),
        "pe" => "PE".to_string(),
        "mach-o" => "Mach-O".to_string(),
        other => other.to_uppercase(),
    };
    format!("{name} {}", b.arch)
}

/// When the constructors of `.init_array` run: a library's when it is loaded (QA dn F21:
/// "run before main" of a library).
pub fn constructors_run(b: &Binary) -> &'static str {
    match b.linkage {
        Linkage::SharedLibrary => "run when it is loaded",
        // An object's run in the program it is linked into (QA do F11).
        _ if b.elf_type.as_deref() == Some("REL") => "run before the main of a program it is in",
        _ => "run before main",
    }
}

/// The glibc floor of an ELF binary without one (no versioned glibc import), as the
/// terminal and the page write it (QA u, F7: they said it two ways); `None` for other
/// formats.
pub fn no_glibc_floor(b: &Binary) -> Option<&'static str> {
    // An object is not linked yet, a core dump not a program (QA dn F20).
    if b.format != "elf" || b.linkage == Linkage::Unknown {
        return None;
    }
    Some(match b.linkage {
        Linkage::Static | Linkage::StaticPie if crate::inspect::elf::static_glibc(b) => {
            "none: glibc is linked in, no run-time version check"
        }
        Linkage::Static | Linkage::StaticPie => {
            "none: statically linked, no run-time version check"
        }
        _ => "none: no versioned glibc imports",
    })
}
