//! Which copy of a generic function a piece is: instantiations of one function read the same
//! once demangled (`tokio::runtime::task::raw::poll`, 16 of them in procs), and a chain's step
//! through one must say which (QA ar F5: only one of the 16 calls `lookup_host`).

use super::Graph;
use crate::attribute::demangle::without_hash;

impl Graph {
    /// `([3, 16], "h0123456789abcdef")` when symbol piece `v` shares its demangled name with
    /// other symbols of the binary: the 3rd of 16 in address order (the pieces' order), as
    /// `--why`'s targets and the symbol table number them, and its name's hash. `None` for a
    /// name that is the only one of its kind, and for bytes without a symbol.
    pub(super) fn copy_of(&self, v: u32) -> Option<([u32; 2], String)> {
        if self.symbol.get(v as usize) != Some(&true) {
            return None;
        }
        let raw = self.raw_name(v);
        let key = without_hash(raw.as_bytes());
        if key.len() == raw.len() {
            return None;
        }
        // Legacy names end `17h<16 hex digits>E` (`.llvm.N` after it): every copy's name
        // starts with the key and `17h`, so they sit together in the names' sorted order.
        let prefix = raw.get(..key.len() + 3)?;
        let from = self.by_name.partition_point(|&p| self.raw_name(p) < prefix);
        let mut group: Vec<u32> = self.by_name[from..]
            .iter()
            .copied()
            .take_while(|&p| self.raw_name(p).starts_with(prefix))
            .filter(|&p| without_hash(self.raw_name(p).as_bytes()) == key)
            .collect();
        group.sort_unstable();
        group.dedup();
        if group.len() < 2 {
            return None;
        }
        let k = group.partition_point(|&p| p < v) + 1;
        let hash = raw.get(key.len() + 2..key.len() + 19)?;
        Some(([k as u32, group.len() as u32], hash.to_string()))
    }
}
