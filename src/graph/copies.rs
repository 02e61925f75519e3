//! Which copy of a generic function a piece is: instantiations of one function read the same
//! once demangled (`tokio::runtime::task::raw::poll`, 16 of them in procs), and a chain's step
//! through one must say which (QA ar F5: only one of the 16 calls `lookup_host`).

use std::collections::HashMap;

use super::Graph;
use crate::attribute::demangle::without_hash;

/// The symbol pieces of each name without its hash, in address order (the pieces' order).
pub(super) type Copies = HashMap<Box<[u8]>, Vec<u32>>;

impl Graph {
    /// `([3, 16], "h0123456789abcdef")` when symbol piece `v` shares its name (without the hash),
    /// its crate and its section with other symbols of the binary (QA az F2: two grammars'
    /// `ts_parse_table`, one in `.rodata` and one in `.data`, were "copy 2 of 2" here and no
    /// copy as rows): the 3rd of 16 in address order, as
    /// `--symbols` rows number them, and the rest of its raw name past the name (the hash, and
    /// LLVM's `.llvm.N` where copies share a hash: QA at F3). Symbols of one raw name are
    /// copies too (QA at F2). `None` for the only one of its kind and for bytes without a
    /// symbol.
    pub(super) fn copy_of(&self, v: u32) -> Option<([u32; 2], Option<String>)> {
        if self.symbol.get(v as usize) != Some(&true) {
            return None;
        }
        let raw = self.raw_name(v);
        let key = without_hash(raw.as_bytes());
        let copies = self.copies.get_or_init(|| {
            let mut m: Copies = HashMap::new();
            for p in 0..self.symbol.len() as u32 {
                if self.symbol[p as usize] {
                    let k = without_hash(self.raw_name(p).as_bytes());
                    m.entry(k.into()).or_default().push(p);
                }
            }
            m.retain(|_, v| v.len() > 1);
            m
        });
        let krate = self.crate_of(v);
        let section = |p: u32| self.section.get(p as usize).copied();
        let group: Vec<u32> = copies
            .get(key)?
            .iter()
            .copied()
            .filter(|&p| self.crate_of(p) == krate && section(p) == section(v))
            .collect();
        if group.len() < 2 {
            return None;
        }
        let k = group.partition_point(|&p| p < v) + 1;
        // `<key>17h<16 hex>E.llvm.N`: `h<16 hex>.llvm.N`; a name without a hash has none.
        let rest = raw.get(key.len()..).unwrap_or("");
        let hash = rest.strip_prefix("17").unwrap_or(rest).replacen('E', "", 1);
        let hash = (!hash.is_empty()).then_some(hash);
        Some(([k as u32, group.len() as u32], hash))
    }
}
