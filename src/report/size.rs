//! Where the bytes go: crates, symbols, coverage. Owned by the attribution stage
//! (`src/attribute/`).

use serde::{Deserialize, Serialize};

/// How sure the attribution of a row to its crate is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Defined in that crate's rlib, the sysroot's, or an archive its build script made.
    Exact,
    /// Named by the symbol's mangled path (legacy or v0).
    Mangled,
    /// Guessed: an impl of one crate's trait for another's type, a runtime symbol name.
    Heuristic,
    /// Bytes without a symbol that only one crate's code refers to or describes: an unwind
    /// entry (FDE, its LSDA, its `.eh_frame_hdr` row) or a dynamic relocation of that crate's
    /// symbol, an anonymous constant that only that crate's code loads.
    Referenced,
    /// Bytes without a symbol that several crates refer to, given to the crate whose code
    /// keeps them alive (every path from a root to them passes through it).
    Dominated,
    /// No crate could be named (C code from nowhere we know, bytes without a symbol).
    Unattributed,
}

impl Confidence {
    pub const ALL: [Confidence; 6] = [
        Confidence::Exact,
        Confidence::Mangled,
        Confidence::Heuristic,
        Confidence::Referenced,
        Confidence::Dominated,
        Confidence::Unattributed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Exact => "exact",
            Confidence::Mangled => "mangled",
            Confidence::Heuristic => "heuristic",
            Confidence::Referenced => "referenced",
            Confidence::Dominated => "dominated",
            Confidence::Unattributed => "unattributed",
        }
    }
}

/// Bytes (in memory) of a crate by how sure we are they are its.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConfidenceBreakdown {
    pub exact: u64,
    pub mangled: u64,
    pub heuristic: u64,
    #[serde(default)]
    pub referenced: u64,
    #[serde(default)]
    pub dominated: u64,
    pub unattributed: u64,
}

impl ConfidenceBreakdown {
    pub fn add(&mut self, c: Confidence, bytes: u64) {
        *match c {
            Confidence::Exact => &mut self.exact,
            Confidence::Mangled => &mut self.mangled,
            Confidence::Heuristic => &mut self.heuristic,
            Confidence::Referenced => &mut self.referenced,
            Confidence::Dominated => &mut self.dominated,
            Confidence::Unattributed => &mut self.unattributed,
        } += bytes;
    }

    pub fn get(&self, c: Confidence) -> u64 {
        match c {
            Confidence::Exact => self.exact,
            Confidence::Mangled => self.mangled,
            Confidence::Heuristic => self.heuristic,
            Confidence::Referenced => self.referenced,
            Confidence::Dominated => self.dominated,
            Confidence::Unattributed => self.unattributed,
        }
    }

    /// The confidence that covers most bytes.
    pub fn main(&self) -> Confidence {
        Confidence::ALL
            .into_iter()
            .max_by_key(|c| (self.get(*c), std::cmp::Reverse(*c)))
            .unwrap_or(Confidence::Unattributed)
    }
}

/// One crate's share of the allocated (loaded) sections. Pseudo-crates in brackets:
/// `[unknown]` (symbols no crate could be named for), `[no symbol]` (bytes no symbol covers).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CrateSize {
    pub name: String,
    pub file_size: u64,
    pub vm_size: u64,
    /// `vm_size` split by confidence.
    #[serde(default)]
    pub confidence: ConfidenceBreakdown,
    /// Bytes of generic code defined in this crate but instantiated in another one
    /// (known only where the instantiating crate's rlib lists the symbol).
    #[serde(default)]
    pub instantiated_elsewhere: u64,
    /// Bytes (in memory) that would become unreachable from the binary's roots if this crate's
    /// code and data were gone: its own reachable bytes and everything only it keeps alive.
    /// `None` when the binary has no reference graph (no symbols, or not ELF x86-64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<u64>,
    /// Symbols of other crates that refer to this crate's code or data (normalised names, no
    /// hashes): what pulls the crate in. The gate names the new ones when a crate grows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    /// The crate's symbols that other crates refer to, each with what it retains and the
    /// symbols that refer to it: the edges into the crate, which the gate compares with a
    /// baseline's to name the references that pulled bytes in (QA av F1: `hyperfine::main`,
    /// an entry point of `[libc]` already, newly called `getaddrinfo`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entered: Vec<Entered>,
    /// `inspect` of a file without its build: std has a private copy of a crate of this name
    /// (hashbrown, memchr, gimli, ...), and the file's symbols cannot tell which copy these
    /// bytes are (QA ad, F7). Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub std_copy_unknown: bool,
}

/// One of a crate's symbols that code or data of other crates refers to (see
/// [`CrateSize::entered`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entered {
    /// Its name, normalised as `entry_points`' are.
    pub symbol: String,
    /// Bytes in memory that would become unreachable without it.
    pub retained: u64,
    /// The symbols of other crates that refer to it: their positions in the crate's
    /// `entry_points` (each name is written once there, however many symbols it enters).
    pub from: Vec<u32>,
    /// Other names of the same symbol (same address; glibc's `bcmp` of `memcmp`): which one
    /// names it may change from build to build, and the gate matches by any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// One row of the byte map: a symbol, or a fallback label (`[section .rodata]`,
/// `[ELF headers]`, `[program headers]`, `[section headers]`, `[unmapped]`, `[debug info]`,
/// `[symbol table]`) for bytes no symbol covers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SymbolRow {
    /// Demangled (without hash) for Rust symbols, the symbol itself otherwise, or a label.
    pub name: String,
    /// The symbol as in the symbol table, when it differs from `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mangled: Option<String>,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// Where `crate` is `None`, the crate table's row that counts the bytes: `[unknown]` for a
    /// symbol no crate was named for, `[no symbol]` for a section's bytes without a symbol;
    /// absent otherwise, and for bytes no crate row counts (headers, unmapped bytes, sections
    /// not loaded) (QA de F8: all were `null` alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crate_row: Option<String>,
    /// The section holding the bytes; empty for headers and unmapped bytes.
    pub section: String,
    pub file_size: u64,
    pub vm_size: u64,
    pub confidence: Confidence,
    /// Generic code of `crate` instantiated in this crate (its rlib defines the symbol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instantiated_in: Option<String>,
    /// Bytes (in memory) that would become unreachable without this symbol (its dominator
    /// subtree in the reference graph); `None` for rows that are not symbols or without a graph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained_size: Option<u64>,
    /// `[k, n]`: the k-th (in address order) of n symbols of the binary with this name, crate
    /// and section (instantiations of one generic function); absent when it is the only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<[u32; 2]>,
    /// The C source file of a local symbol whose name other symbols of the binary share, each
    /// from a source file of its own (oniguruma's five `wordlist.1` tables, one in `unicode.c`):
    /// what tells them apart, where `copy` would number them as if they were one function's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_file: Option<String>,
    /// For a constant the compiler named (`anon.<hash>.<n>`, `alloc_<hash>`): what its bytes
    /// look like (`WOFF2 font`, `text "<!DOCTYPE html>…"`, `zero bytes`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// One crate's largest symbols, and what its other rows add up to: the map of the bytes that
/// `--format html` draws. Rows of the allocated sections only, as [`CrateSize`] counts them
/// (for `[no symbol]`, one row per section), so a crate's rows and `more_*` sum to its sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CrateSymbols {
    #[serde(rename = "crate")]
    pub krate: String,
    /// Largest first.
    pub symbols: Vec<SymbolRow>,
    /// Rows not listed, and their bytes.
    pub more: u64,
    pub more_file_size: u64,
    pub more_vm_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    /// Bytes of allocated sections (in memory) attributed to a crate.
    pub attributed_bytes: u64,
    /// `attributed_bytes` / `allocated_bytes` (0 when nothing is allocated).
    pub share: f64,
    /// Bytes of the allocated sections in memory: what `strip` keeps and the loader maps.
    pub allocated_bytes: u64,
    /// The symbol table read (`.symtab`, `.dynsym`); `None` when the file has none.
    pub symbol_table: Option<String>,
    /// The file whose `.symtab` was read when it is not the binary's own: the analysis link
    /// of a stripped binary (the same objects, linked again with their symbols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols_from: Option<String>,
    /// `inspect --target-dir DIR` of a stripped binary whose analysis link is not under DIR:
    /// DIR, so that the crate line says where it looked (QA cv F2); without it, the nearest
    /// target dir where `cargo aotcheck` built (QA ds F6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols_looked_in: Option<String>,
    /// Sum of every row's `file_size`: always the file's length.
    pub file_size: u64,
    /// Sum of every row's `vm_size`: the loaded image (`PT_LOAD` memory sizes).
    pub vm_size: u64,
}

/// The stretches of loaded data that no symbol covers, each with the crate the graph stage gave
/// it (the crate table's name) and how sure that is: a file a crate embeds found there is carved
/// out of that crate's row, where its bytes are counted (QA dm F2). Not in the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unnamed {
    /// `(address, end, index into crates, confidence)`, by address.
    pub stretches: Vec<(u64, u64, u32, Confidence)>,
    pub crates: Vec<String>,
}

impl Unnamed {
    /// The crate and confidence of the bytes `[addr, addr + len)`, when stretches of one crate
    /// and one confidence cover them whole, one after the other.
    pub fn holder(&self, addr: u64, len: u64) -> Option<(&str, Confidence)> {
        let end = addr.checked_add(len)?;
        let first = self.stretches.partition_point(|s| s.1 <= addr);
        let mut at = addr;
        let mut found: Option<(u32, Confidence)> = None;
        for &(start, stop, k, c) in &self.stretches[first..] {
            if at >= end {
                break;
            }
            if start > at || found.is_some_and(|f| f != (k, c)) {
                return None;
            }
            found = Some((k, c));
            at = stop;
        }
        let (k, c) = found.filter(|_| at >= end)?;
        Some((self.crates.get(k as usize)?.as_str(), c))
    }
}

/// A crate of `bytes` in file and in memory, nothing else known: for tests.
#[cfg(test)]
pub fn test_crate(name: &str, bytes: u64) -> CrateSize {
    CrateSize {
        name: name.into(),
        file_size: bytes,
        vm_size: bytes,
        confidence: Default::default(),
        instantiated_elsewhere: 0,
        retained: None,
        entry_points: Vec::new(),
        entered: Vec::new(),
        std_copy_unknown: false,
    }
}
