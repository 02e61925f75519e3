//! Verdicts of the release gate. Owned by the gate stage (`src/gate.rs`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Inconclusive,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub id: String,
    pub verdict: Verdict,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub baseline: Option<f64>,
    pub unit: String,
    pub message: String,
}
