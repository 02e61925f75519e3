//! Where the bytes go: crates, symbols, coverage. Owned by the attribution stage
//! (`src/attribute/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CrateSize {
    pub name: String,
    pub file_size: u64,
    pub vm_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SymbolRow {
    pub name: String,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    pub section: String,
    pub file_size: u64,
    pub vm_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    pub attributed_bytes: u64,
    pub share: f64,
}
