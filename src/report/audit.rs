//! Findings of the dependency audit. Owned by the audit stage (`src/audit/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule id, e.g. `AOT001`.
    pub rule: String,
    pub severity: Severity,
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    /// The dependency path from the checked package to the crate (crate names).
    pub path: Vec<String>,
    /// What was found in the binary; empty when nothing was.
    pub evidence: Vec<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub advice: String,
}
