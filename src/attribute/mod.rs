//! Where the bytes go: every byte of the binary attributed to a symbol (or a fallback label)
//! and every symbol to a crate, with a confidence.
//!
//! Stages: [`coverage`] maps the file's bytes to pieces (symbols borrowed from the map),
//! [`crates`] indexes the archives that define symbols, [`demangle`] reads crates from mangled
//! names and normalises names for comparison, [`unwind`] reads what bytes without a symbol
//! describe. Only rows that are reported get demangled. In the pipeline the graph stage
//! (`src/graph/`) drives this module through [`Attributed`]: the pieces without a symbol get
//! their crates from the references to them before the pieces are summed up.

mod build_dir;
mod c_prefix;
mod c_runtime;
mod content;
pub mod coverage;
pub mod crates;
pub use c_runtime::{LIBC, LIBGCC, LIBSTDCXX, carries_cxx};
pub mod demangle;
pub mod deps;
pub mod embedded;
mod embedded_rows;
pub mod normal;
mod own;
#[cfg(test)]
pub(crate) use own::{layout_of, test_binary};
mod per_crate;
mod piece;
mod table;
pub mod unwind;

use std::collections::HashMap;
use std::path::Path;

use object::Endianness;
use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, SectionTable};

pub use crates::CrateIndex;
pub use normal::normalize;

use crate::error::{Error, Result};
use crate::inspect::Mapped;
use crate::options::SizeOptions;
use crate::report::{Binary, Confidence, Coverage, CrateSize, CrateSymbols, SymbolRow};
use coverage::{Layout, Owner};

/// Label of the pseudo-crate of symbols no crate could be named for.
pub const UNKNOWN: &str = "[unknown]";
/// Label of the pseudo-crate of allocated bytes no symbol covers.
pub const NO_SYMBOL: &str = "[no symbol]";

/// The crate-table row of a symbol row or chain step the attribution named no crate for, by
/// its name: `[no symbol]` for a section's bytes without a symbol (`[section .rodata]`),
/// `[unknown]` for a symbol (`_start`, the C `main`); `None` for the other labels (headers,
/// unmapped bytes, debug info, the symbol table), which no crate row counts.
pub fn unnamed_row(name: &str) -> Option<&'static str> {
    if !name.starts_with('[') {
        Some(UNKNOWN)
    } else if name.starts_with("[section ") && name != "[section headers]" {
        Some(NO_SYMBOL)
    } else {
        None
    }
}

/// `[section .rodata]`: the label of a symbol table's row of a section's bytes without a
/// symbol.
pub fn is_section_row(pattern: &str) -> bool {
    pattern.starts_with("[section ") && pattern.ends_with(']') && pattern != "[section headers]"
}

/// Attribute the file at `path` into `binary` (ELF only; other formats are left as they are).
pub fn attribute_path(
    path: &Path,
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &SizeOptions,
) -> Result<()> {
    if binary.format != "elf" {
        return Ok(());
    }
    attribute_path_with(path, None, binary, index, settings)
}

/// As [`attribute_path`]; a stripped file (no `.symtab`) takes its symbols from `symbols_from`,
/// its analysis link, when the two match (see README: stripped), and its coverage then names
/// that file in `symbols_from`.
pub fn attribute_path_with(
    path: &Path,
    symbols_from: Option<&Path>,
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &SizeOptions,
) -> Result<()> {
    if binary.format != "elf" {
        return Ok(());
    }
    let mapped = Mapped::open(path)?;
    // An analysis link that cannot be read is none: the binary's own table is read.
    let other = symbols_from.and_then(|p| Mapped::open(p).ok());
    let borrowed = attribute_with(
        path,
        mapped.bytes(),
        other.as_ref().map(Mapped::bytes),
        binary,
        index,
        settings,
    )?;
    if let (true, Some(c), Some(p)) = (borrowed, binary.coverage.as_mut(), symbols_from) {
        c.symbols_from = Some(p.display().to_string());
    }
    Ok(())
}

/// As [`attribute_path`], on the file's bytes.
pub fn attribute_bytes(
    path: &Path,
    bytes: &[u8],
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &SizeOptions,
) -> Result<()> {
    if binary.format != "elf" {
        return Ok(());
    }
    attribute_with(path, bytes, None, binary, index, settings).map(|_| ())
}

/// Attribute `bytes` (ELF), the symbols borrowed from `symbols_from` where the file has no
/// `.symtab`; whether they were.
fn attribute_with(
    path: &Path,
    bytes: &[u8],
    symbols_from: Option<&[u8]>,
    binary: &mut Binary,
    index: Option<&CrateIndex>,
    settings: &SizeOptions,
) -> Result<bool> {
    let is_64 = bytes.get(4) == Some(&2);
    let layout = if is_64 {
        coverage::layout_split_with::<FileHeader64<Endianness>>(bytes, &[], symbols_from, &|| ())
    } else {
        coverage::layout_split_with::<FileHeader32<Endianness>>(bytes, &[], symbols_from, &|| ())
    }
    .map_err(|e| Error::malformed(path, format!("cannot read the ELF layout: {e}")))?;
    let borrowed = layout.symbols_borrowed;
    let a = attribute_layout(layout, index, settings);
    binary.crates = a.crates;
    binary.symbols = a.symbols;
    binary.symbols_of = a.symbols_of;
    binary.crate_symbols = a.crate_symbols;
    binary.coverage = Some(a.coverage);
    Ok(borrowed)
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
    /// Whether each crate is std's or the sysroot's (folded into `std` unless `--split-std`).
    std_side: Vec<bool>,
    ids: HashMap<String, u32>,
    /// Fold the sysroot's crates into `std` (unless `--split-std`).
    fold_std: bool,
    /// No archive of the build names the crates (`inspect`): a crate named as one of std's
    /// dependencies may be std's copy (see `CrateSize::std_copy_unknown`).
    names_only: bool,
    key: String,
}

impl Interner {
    fn new(s: &SizeOptions) -> Self {
        Interner {
            fold_std: !s.split_std,
            ..Interner::default()
        }
    }

    /// The id of crate `raw`. A crate of the sysroot (std's own copy of gimli, hashbrown, ...)
    /// and a crate of the same name in the build are two crates.
    fn intern(&mut self, raw: &str, sysroot: bool) -> u32 {
        self.key.clear();
        self.key.push_str(raw);
        if sysroot {
            self.key.push('\0');
        }
        if let Some(&i) = self.ids.get(self.key.as_str()) {
            return i;
        }
        let std_own = demangle::is_std_crate(raw);
        let shown = if self.fold_std && (sysroot || std_own) {
            "std".to_string()
        } else if sysroot && !std_own {
            // std's private copy of a crate (gimli, miniz_oxide, memchr): under the build's
            // crate of the same name it inflated that one's row (QA j: bat's miniz_oxide by
            // 8 KiB with `--split-std`).
            format!("{raw} (std)")
        } else {
            raw.to_string()
        };
        self.names.push((shown, raw.to_string()));
        self.std_side.push(sysroot || std_own);
        let i = (self.names.len() - 1) as u32;
        self.ids.insert(self.key.clone(), i);
        i
    }

    fn shown(&self, id: u32) -> &str {
        &self.names[id as usize].0
    }
}

/// What the attribution gives for one binary.
pub struct Attribution {
    pub crates: Vec<CrateSize>,
    pub symbols: Vec<SymbolRow>,
    /// The piece of each row of `symbols`, when the row is one piece (a symbol).
    pub symbol_pieces: Vec<Option<usize>>,
    /// Each crate's largest rows, when asked for (`SizeOptions::crate_symbols`).
    pub crate_symbols: Vec<CrateSymbols>,
    pub coverage: Coverage,
    /// The `--filter` crate the rows are of, when one is.
    pub symbols_of: Option<String>,
}

fn attribute_layout(l: Layout, index: Option<&CrateIndex>, s: &SizeOptions) -> Attribution {
    Attributed::new(l, index, s).finish(s)
}

/// A binary's byte map with a crate for each piece, before it is summed into the report: the
/// graph stage gives crates to pieces without a symbol (see [`Attributed::adopt`]).
pub struct Attributed<'a> {
    pub layout: Layout<'a>,
    attrs: Vec<Attr>,
    names: Interner,
    /// The pieces left without a crate whose (local) name the C archives of more than one
    /// crate define, in order: each tree-sitter grammar's `ts_parse_table`. The graph stage
    /// names their crate by the code that refers to them, as for bytes without a symbol.
    ambiguous: Vec<u32>,
    /// The pieces whose symbol's name the compiler made up (see
    /// [`demangle::is_anonymous_constant`]), in order: known from the one pass over the names,
    /// so that the graph stage does not read every name again to find them.
    anonymous: Vec<u32>,
}

/// The crate of each piece of a layout, read from the symbols' names: computed apart from the
/// layout, so that the graph stage can wire the graph on another thread meanwhile.
pub struct Crates {
    attrs: Vec<Attr>,
    names: Interner,
    ambiguous: Vec<u32>,
    anonymous: Vec<u32>,
}

impl<'a> Attributed<'a> {
    pub fn new(layout: Layout<'a>, index: Option<&CrateIndex>, s: &SizeOptions) -> Self {
        let crates = Self::crates_of(&layout, index, s);
        Self::with(layout, crates)
    }

    /// The crates of `layout`'s pieces (see [`Crates`]).
    pub fn crates_of(layout: &Layout, index: Option<&CrateIndex>, s: &SizeOptions) -> Crates {
        let mut names = Interner::new(s);
        names.names_only = index.is_none_or(CrateIndex::is_names_only);
        let mut buf = String::new();
        let hints = piece::Hints::of(layout, index);
        let attrs: Vec<Attr> = layout
            .pieces
            .iter()
            .map(|p| piece::attribute_piece(p, &layout.files, index, hints, &mut names, &mut buf))
            .collect();
        let ambiguous = match index {
            Some(index) => (0..attrs.len() as u32)
                .filter(|&i| {
                    attrs[i as usize].krate == NONE
                        && matches!(layout.pieces[i as usize].owner,
                            Owner::Symbol { name, .. } if index.local_is_ambiguous(name))
                })
                .collect(),
            None => Vec::new(),
        };
        let anonymous = (0..layout.pieces.len() as u32)
            .filter(|&i| {
                matches!(layout.pieces[i as usize].owner,
                    Owner::Symbol { name, .. } if demangle::is_anonymous_constant(name))
            })
            .collect();
        Crates {
            attrs,
            names,
            ambiguous,
            anonymous,
        }
    }

    /// `layout` with the crates [`Attributed::crates_of`] found for it.
    pub fn with(layout: Layout<'a>, crates: Crates) -> Self {
        Attributed {
            layout,
            attrs: crates.attrs,
            names: crates.names,
            ambiguous: crates.ambiguous,
            anonymous: crates.anonymous,
        }
    }

    /// Each piece's crate as the crate table groups them (`std` folded unless `--split-std`):
    /// a group index per piece ([`NO_GROUP`] for none), and the groups' names.
    pub fn groups(&self) -> (Vec<u32>, Vec<String>) {
        let (per_piece, names, _) = self.groups_folded();
        (per_piece, names)
    }

    /// [`Attributed::groups`], and per group the group it is with std's crates folded into
    /// one (the first of them): the choice of a crate for bytes without one is made on these,
    /// so that `--split-std` moves no bytes between the other crates (QA n: bandwhich's
    /// clap_builder gained 288 B with it, where core and std had referred to them together).
    pub fn groups_folded(&self) -> (Vec<u32>, Vec<String>, Vec<u32>) {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let of_crate: Vec<u32> = (0..self.names.names.len() as u32)
            .map(|k| {
                let shown = self.names.shown(k);
                *ids.entry(shown).or_insert_with(|| {
                    names.push(shown.to_string());
                    (names.len() - 1) as u32
                })
            })
            .collect();
        let per_piece = self
            .attrs
            .iter()
            .map(|a| {
                if a.krate == NONE {
                    NO_GROUP
                } else {
                    of_crate[a.krate as usize]
                }
            })
            .collect();
        let mut folded: Vec<u32> = (0..names.len() as u32).collect();
        let mut std_group: Option<u32> = None;
        for (k, &g) in of_crate.iter().enumerate() {
            if self.names.std_side[k] {
                folded[g as usize] = *std_group.get_or_insert(g);
            }
        }
        (per_piece, names, folded)
    }

    /// Give piece `i` (bytes without a symbol) the crate of piece `from`.
    pub fn adopt(&mut self, i: usize, from: usize, confidence: Confidence) {
        let k = self.attrs[from].krate;
        if k != NONE {
            self.attrs[i] = Attr {
                krate: k,
                confidence,
                inst: NONE,
            };
        }
    }

    /// Whether the crates were named without the build's archives (`inspect FILE`): by the
    /// symbols' names alone.
    pub fn names_only(&self) -> bool {
        self.names.names_only
    }

    /// Whether piece `i` is a symbol whose name the compiler made up (`anon.<hash>.<n>`).
    pub fn is_anonymous_constant(&self, i: usize) -> bool {
        self.anonymous.binary_search(&(i as u32)).is_ok()
    }

    /// Whether piece `i` is a symbol left without a crate because more than one crate's C
    /// archives define its name (see `ambiguous`).
    pub fn is_ambiguous(&self, i: usize) -> bool {
        self.ambiguous.binary_search(&(i as u32)).is_ok()
    }

    /// The name a row of piece `i` shows (demangled, without hash).
    pub fn name(&self, i: usize) -> String {
        table::label(&self.layout, self.layout.pieces[i].owner)
    }

    /// The crate piece `i`'s generic code was instantiated in, when not its own crate's.
    pub fn instantiated_in(&self, i: usize) -> Option<&str> {
        let a = self.attrs.get(i)?;
        (a.inst != NONE && a.inst != a.krate).then(|| self.names.shown(a.inst))
    }

    /// Sum up into the report's crate table, rows and coverage.
    pub fn finish(&self, s: &SizeOptions) -> Attribution {
        let l = &self.layout;
        let (crates, allocated, attributed) = table::crate_sizes(l, &self.attrs, &self.names);
        let (symbols, symbol_pieces) = table::symbol_rows(l, &self.attrs, &self.names, s);
        let crate_symbols = s.crate_symbols.map_or_else(Vec::new, |m| {
            per_crate::crate_symbols(l, &self.attrs, &self.names, &crates, m)
        });
        Attribution {
            crates,
            symbols,
            symbol_pieces,
            crate_symbols,
            symbols_of: s.filter.clone(),
            coverage: Coverage {
                attributed_bytes: attributed,
                share: if allocated == 0 {
                    0.0
                } else {
                    attributed as f64 / allocated as f64
                },
                allocated_bytes: allocated,
                symbol_table: l.symbol_table.map(str::to_string),
                symbols_from: None,
                symbols_looked_in: None,
                file_size: l.pieces.iter().map(|p| p.file).sum(),
                vm_size: l.pieces.iter().map(|p| p.vm).sum(),
            },
        }
    }
}

/// No crate group (see [`Attributed::groups`]).
pub const NO_GROUP: u32 = u32::MAX;

/// The header, byte order and section table of an ELF file, read in one step; `None` where they
/// cannot be read (the caller then finds nothing, as in a file without what it looks for).
pub(crate) fn elf_parts<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
) -> Option<(&H, Endianness, SectionTable<'_, H>)> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    Some((header, endian, sections))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::SymbolCount;

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
            let s = SizeOptions {
                symbols: SymbolCount::All,
                ..SizeOptions::default()
            };
            let a = attribute_layout(l, None, &s);
            assert_eq!(
                a.symbols.iter().map(|r| r.file_size).sum::<u64>(),
                len as u64
            );
        }
    }
}
