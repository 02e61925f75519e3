//! Where the bytes go: every byte of the binary attributed to a symbol (or a fallback label)
//! and every symbol to a crate, with a confidence.
//!
//! Stages: [`coverage`] maps the file's bytes to pieces (symbols borrowed from the map),
//! [`crates`] indexes the archives that define symbols, [`demangle`] reads crates from mangled
//! names and normalises names for comparison. Only rows that are reported get demangled.

pub mod coverage;
pub mod crates;
pub mod demangle;

use std::collections::HashMap;
use std::path::Path;

use object::Endianness;
use object::elf::{FileHeader32, FileHeader64};

pub use crates::CrateIndex;
pub use demangle::normalize;

use crate::error::{Error, Result};
use crate::inspect::Mapped;
use crate::inspect::elf::is_debug_section;
use crate::report::{
    Binary, Confidence, ConfidenceBreakdown, Coverage, CrateSize, Report, SymbolRow,
};
use coverage::{Layout, Owner, Piece};
use demangle::Origin;

/// How many symbol rows go into the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolCount {
    /// The largest N symbols.
    Top(usize),
    /// Every row, fallback labels included: their file sizes sum to the file's size.
    All,
}

impl Default for SymbolCount {
    fn default() -> Self {
        SymbolCount::Top(10)
    }
}

/// The attribution stage's settings (from `--symbols`, `-n`, `--filter`, `--split-std`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub symbols: SymbolCount,
    /// Only symbols of this crate in `symbols`.
    pub filter: Option<String>,
    /// Keep std, core, alloc and the sysroot's other crates apart instead of folding them
    /// into `std`.
    pub split_std: bool,
    /// List every crate in the human report (`--crates`), not only the largest.
    pub all_crates: bool,
}

/// Label of the pseudo-crate of symbols no crate could be named for.
pub const UNKNOWN: &str = "[unknown]";
/// Label of the pseudo-crate of allocated bytes no symbol covers.
pub const NO_SYMBOL: &str = "[no symbol]";

/// Attribute the file at `path` into `binary` (ELF only; other formats are left as they are).
pub fn attribute_path(
    path: &Path,
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &Settings,
) -> Result<()> {
    if binary.format != "elf" {
        return Ok(());
    }
    let mapped = Mapped::open(path)?;
    attribute_bytes(path, mapped.bytes(), binary, index, settings)
}

/// As [`attribute_path`], on the file's bytes.
pub fn attribute_bytes(
    path: &Path,
    bytes: &[u8],
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &Settings,
) -> Result<()> {
    let is_64 = bytes.get(4) == Some(&2);
    let layout = if is_64 {
        coverage::layout::<FileHeader64<Endianness>>(bytes)
    } else {
        coverage::layout::<FileHeader32<Endianness>>(bytes)
    }
    .map_err(|e| Error::malformed(path, format!("cannot read the ELF layout: {e}")))?;
    let a = attribute_layout(&layout, index, settings);
    binary.crates = a.crates;
    binary.symbols = a.symbols;
    binary.coverage = Some(a.coverage);
    Ok(())
}

/// Attribute every artifact of a `check` run with the index of the build that made it.
/// A binary that cannot be attributed gets a warning, not a failed run.
pub fn attribute_report(
    report: &mut Report,
    builds: &[crate::compile::Built],
    rustc: &Path,
    target: &str,
    settings: &Settings,
) -> Result<()> {
    let libdir = crates::sysroot_libdir(rustc, target);
    if libdir.is_none() {
        report.warnings.push(format!(
            "`rustc --print target-libdir --target {target}` failed: std's symbols are \
             attributed by their names only"
        ));
    }
    for built in builds {
        let (index, warnings) = CrateIndex::for_build(built, target, libdir.as_deref());
        report.warnings.extend(warnings);
        for a in report
            .artifacts
            .iter_mut()
            .filter(|a| a.link_mode == Some(built.link))
        {
            if let Err(e) =
                attribute_path(Path::new(&a.path), &mut a.binary, Some(&index), settings)
            {
                report.warnings.push(format!("no size attribution: {e}"));
            }
        }
    }
    Ok(())
}

/// The crate, confidence and instantiating crate of one row.
#[derive(Clone, Copy)]
struct Attr {
    krate: u32,
    confidence: Confidence,
    inst: u32,
}

const NONE: u32 = u32::MAX;

/// Crate names by id; `raw` keeps the name before std folding, for `--filter`.
#[derive(Default)]
struct Interner {
    names: Vec<(String, String)>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, key: &str, raw: &str, shown: &str) -> u32 {
        self.names.push((shown.to_string(), raw.to_string()));
        let i = (self.names.len() - 1) as u32;
        self.ids.insert(key.to_string(), i);
        i
    }
}

struct Attribution {
    crates: Vec<CrateSize>,
    symbols: Vec<SymbolRow>,
    coverage: Coverage,
}

fn attribute_layout(l: &Layout, index: Option<&CrateIndex>, s: &Settings) -> Attribution {
    let mut names = Interner::default();
    let mut buf = String::new();
    let fold = |raw: &str, sysroot: bool| -> String {
        if !s.split_std && (sysroot || demangle::is_std_crate(raw)) {
            "std".to_string()
        } else {
            raw.to_string()
        }
    };
    // A crate of the sysroot (std's own copy of gimli, hashbrown, ...) and a crate of the same
    // name in the build are two crates.
    let mut key = String::new();
    let mut intern = |names: &mut Interner, raw: &str, sysroot: bool| -> u32 {
        key.clear();
        key.push_str(raw);
        if sysroot {
            key.push('\0');
        }
        if let Some(&i) = names.ids.get(key.as_str()) {
            return i;
        }
        let shown = fold(raw, sysroot);
        names.id(&key, raw, &shown)
    };
    let attrs: Vec<Attr> = l
        .pieces
        .iter()
        .map(|p| {
            let Owner::Symbol { name, file, .. } = p.owner else {
                return Attr {
                    krate: NONE,
                    confidence: Confidence::Unattributed,
                    inst: NONE,
                };
            };
            let exact = index.and_then(|i| i.lookup(name));
            let origin = file.and_then(demangle::origin);
            let mangled = demangle::crate_of(name, &mut buf);
            let (krate, confidence, inst) = match (exact, mangled) {
                (Some(x), Some((m, Confidence::Mangled))) if m.as_str() != x.name => {
                    // Generic code of `m` instantiated in `x`'s rlib (in the sysroot's: std's
                    // own copy of `m`).
                    let k = intern(&mut names, m.as_str(), x.sysroot);
                    let i = intern(&mut names, &x.name, x.sysroot);
                    (k, Confidence::Mangled, i)
                }
                (Some(x), _) => (
                    intern(&mut names, &x.name, x.sysroot),
                    Confidence::Exact,
                    NONE,
                ),
                (None, Some((m, c))) => {
                    // Generic code instantiated in the standard library is the standard
                    // library's own (its private copies of gimli, hashbrown, ...).
                    let sysroot = |k: &str| {
                        demangle::is_std_crate(k) || index.is_some_and(|i| i.is_sysroot_crate(k))
                    };
                    let in_std = matches!(origin, Some(Origin::Crate(cu)) if sysroot(cu));
                    let k = intern(&mut names, m.as_str(), in_std);
                    match origin {
                        // Compiled in its own crate's codegen unit.
                        Some(Origin::Crate(cu)) if cu == m.as_str() => (k, Confidence::Exact, NONE),
                        // Generic code of `m` instantiated in the codegen unit of `cu`.
                        Some(Origin::Crate(cu)) => (k, c, intern(&mut names, cu, in_std)),
                        _ => (k, c, NONE),
                    }
                }
                // A C symbol: the source file before it names the archive member, when the
                // object had `STT_FILE` symbols (one without them inherits its neighbour's,
                // so a Rust codegen unit says nothing about C symbols).
                (None, None) => match origin {
                    _ if let Some(x) = index.and_then(|i| i.lookup_local(name)) => (
                        intern(&mut names, &x.name, x.sysroot),
                        Confidence::Heuristic,
                        NONE,
                    ),
                    Some(Origin::Source(stem)) => match index.and_then(|i| i.lookup_source(stem)) {
                        Some(x) => (
                            intern(&mut names, &x.name, x.sysroot),
                            Confidence::Heuristic,
                            NONE,
                        ),
                        None => (NONE, Confidence::Unattributed, NONE),
                    },
                    _ => (NONE, Confidence::Unattributed, NONE),
                },
            };
            Attr {
                krate,
                confidence,
                inst,
            }
        })
        .collect();

    // Crates over the allocated sections.
    let alloc = |p: &Piece| match p.owner {
        Owner::Symbol { section, .. } | Owner::Section(section) => {
            l.sections.get(section).is_some_and(|s| s.alloc)
        }
        _ => false,
    };
    let mut by_name: HashMap<&str, CrateSize> = HashMap::new();
    let mut allocated = 0u64;
    let mut attributed = 0u64;
    for (p, a) in l.pieces.iter().zip(&attrs) {
        if !alloc(p) {
            continue;
        }
        allocated += p.vm;
        let name = match (p.owner, a.krate) {
            (Owner::Section(_), _) => NO_SYMBOL,
            (_, NONE) => UNKNOWN,
            (_, k) => {
                attributed += p.vm;
                names.names[k as usize].0.as_str()
            }
        };
        let c = by_name.entry(name).or_insert_with(|| CrateSize {
            name: name.to_string(),
            file_size: 0,
            vm_size: 0,
            confidence: ConfidenceBreakdown::default(),
            instantiated_elsewhere: 0,
        });
        c.file_size += p.file;
        c.vm_size += p.vm;
        c.confidence.add(a.confidence, p.vm);
        if a.inst != NONE && names.names[a.inst as usize].0 != c.name {
            c.instantiated_elsewhere += p.vm;
        }
    }
    let mut crates: Vec<CrateSize> = by_name.into_values().collect();
    crates.sort_by(|a, b| b.vm_size.cmp(&a.vm_size).then(a.name.cmp(&b.name)));

    // Rows: all of them, or the largest symbols; only these are demangled.
    let keep = |a: &Attr| match &s.filter {
        None => true,
        Some(f) => {
            a.krate != NONE && {
                let (shown, raw) = &names.names[a.krate as usize];
                shown == f || raw == f || raw.replace('_', "-") == *f
            }
        }
    };
    let mut chosen: Vec<usize> = (0..l.pieces.len())
        .filter(|&i| match s.symbols {
            SymbolCount::All => true,
            SymbolCount::Top(_) => matches!(l.pieces[i].owner, Owner::Symbol { .. }),
        })
        .filter(|&i| keep(&attrs[i]))
        .collect();
    let size_key = |i: &usize| {
        let p = &l.pieces[*i];
        std::cmp::Reverse((p.vm.max(p.file), p.vm))
    };
    if let SymbolCount::Top(n) = s.symbols
        && chosen.len() > n
    {
        if n > 0 {
            chosen.select_nth_unstable_by_key(n - 1, size_key);
        }
        chosen.truncate(n);
    }
    chosen.sort_by_key(size_key);
    let symbols = chosen
        .into_iter()
        .map(|i| row(l, &l.pieces[i], &attrs[i], &names))
        .collect();

    Attribution {
        crates,
        symbols,
        coverage: Coverage {
            attributed_bytes: attributed,
            share: if allocated == 0 {
                0.0
            } else {
                attributed as f64 / allocated as f64
            },
            allocated_bytes: allocated,
            symbol_table: l.symbol_table.map(str::to_string),
            file_size: l.pieces.iter().map(|p| p.file).sum(),
            vm_size: l.pieces.iter().map(|p| p.vm).sum(),
        },
    }
}

fn row(l: &Layout, p: &Piece, a: &Attr, names: &Interner) -> SymbolRow {
    let section_name = |i: usize| l.sections.get(i).map_or("", |s| s.name).to_string();
    let krate = (a.krate != NONE).then(|| names.names[a.krate as usize].0.clone());
    let inst = (a.inst != NONE)
        .then(|| names.names[a.inst as usize].0.clone())
        .filter(|i| Some(i) != krate.as_ref());
    let (name, mangled, section) = match p.owner {
        Owner::Symbol { name, section, .. } => {
            let shown = demangle::display_name(name);
            let raw = String::from_utf8_lossy(name);
            let mangled = (raw != shown).then(|| raw.into_owned());
            (shown, mangled, section_name(section))
        }
        Owner::Section(i) => {
            let sec = section_name(i);
            let label = if is_debug_section(&sec) {
                "[debug info]".to_string()
            } else if sec == ".symtab" || sec == ".strtab" {
                "[symbol table]".to_string()
            } else {
                format!("[section {sec}]")
            };
            (label, None, sec)
        }
        Owner::ElfHeader => ("[ELF headers]".into(), None, String::new()),
        Owner::ProgramHeaders => ("[program headers]".into(), None, String::new()),
        Owner::SectionHeaders => ("[section headers]".into(), None, String::new()),
        Owner::Unmapped => ("[unmapped]".into(), None, String::new()),
    };
    SymbolRow {
        name,
        mangled,
        krate,
        section,
        file_size: p.file,
        vm_size: p.vm,
        confidence: a.confidence,
        instantiated_in: inst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Damaged binaries are user input: errors, never panics; and whatever is read still sums.
    #[test]
    fn mutated_elf_files_never_panic_and_still_sum() {
        let Ok(original) = std::fs::read("/bin/true") else {
            return;
        };
        let len = original.len();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..400 {
            let mut bytes = original.clone();
            for _ in 0..1 + round % 4 {
                // Headers, program headers and the section header table are where it hurts.
                let at = match next() % 3 {
                    0 => (next() % 128) as usize,
                    1 => len - 1 - (next() % 2048) as usize % len,
                    _ => (next() % len as u64) as usize,
                };
                bytes[at] = next() as u8;
            }
            let Ok(l) = coverage::layout::<FileHeader64<Endianness>>(&bytes) else {
                continue;
            };
            assert_eq!(l.pieces.iter().map(|p| p.file).sum::<u64>(), len as u64);
            assert_eq!(l.pieces.iter().map(|p| p.vm).sum::<u64>(), l.vm_total);
            let s = Settings {
                symbols: SymbolCount::All,
                ..Settings::default()
            };
            let a = attribute_layout(&l, None, &s);
            assert_eq!(
                a.symbols.iter().map(|r| r.file_size).sum::<u64>(),
                len as u64
            );
        }
    }
}
