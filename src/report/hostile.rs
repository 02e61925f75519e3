//! Runs of a static binary under conditions that expose static-glibc hazards (`--hostile`).
//! Owned by the hostile stage (`src/hostile/`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HostileOutcome {
    /// Behaved as in a plain run.
    Ok,
    /// Killed by a signal, or exited with another status than in a plain run.
    Crashed,
    /// Still running at the timeout (and a plain run was not).
    Hung,
    /// The condition could not be set up here (see `detail`).
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostileRun {
    /// e.g. `no-home`, `unknown-uid`, `nss-module`, `all`.
    pub condition: String,
    /// What the condition does, in words.
    pub description: String,
    pub outcome: HostileOutcome,
    /// e.g. `SIGSEGV` when killed by a signal.
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
    /// The dynamic build under the same condition, when the static one failed.
    pub dynamic_outcome: Option<HostileOutcome>,
    /// A shell command that reproduces the run by hand.
    pub reproduce: Option<String>,
    /// Why it was skipped, or the tail of stderr of a failed run.
    pub detail: Option<String>,
}
