//! Startup probe results. Owned by the probe stage (`src/probe/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Probe {
    /// The readiness condition, e.g. `exit`, `tcp:8080`, `line:^listening`.
    pub ready: String,
    /// Counted runs that reached ready.
    pub runs: u32,
}
