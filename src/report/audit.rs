//! Findings of the dependency audit. Owned by the audit stage (`src/audit/`).
//!
//! Later stages may add to a finding (e.g. the hostile probe reproducing it); new fields take
//! `#[serde(default)]` so older reports and baselines still read.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// One step less severe (an error becomes a warning, a warning a note).
    pub fn lowered(self) -> Self {
        match self {
            Severity::Error => Severity::Warning,
            Severity::Warning | Severity::Note => Severity::Note,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule id, e.g. `AOT001`.
    pub rule: String,
    /// The rule's title, so a reader needs no catalogue.
    #[serde(default)]
    pub title: String,
    pub severity: Severity,
    /// The crate the finding is about; `std` when std itself does it (std is no crate in the
    /// graph), the package's own name when its own code does.
    #[serde(rename = "crate")]
    pub krate: String,
    pub version: String,
    /// The feature of `crate` that triggers the rule, when a feature is the trigger.
    #[serde(default)]
    pub feature: Option<String>,
    /// The dependency path from the checked package to the crate (crate names).
    pub path: Vec<String>,
    /// What was found in the binary; empty when nothing was.
    pub evidence: Vec<String>,
    pub allowed: bool,
    pub reason: Option<String>,
    pub advice: String,
    /// A hostile run (`--hostile`) turned the suspicion into a crash.
    #[serde(default)]
    pub reproduced: bool,
    /// The shell command that reproduces the crash by hand.
    #[serde(default)]
    pub reproduce: Option<String>,
    /// Whether the offending function (or, for run-time codegen, the crate's code) is
    /// reachable from the binary's roots: `None` when that cannot be known (no symbols, no
    /// graph, or a rule with nothing to reach).
    #[serde(default)]
    pub reachable: Option<bool>,
    /// The shortest chain of references from a root to it, when reachable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<crate::report::Step>,
    /// Compared with a baseline whose same binary has no finding of this rule on this crate:
    /// the change brought it (QA ao F9: a new AOT004 read as the baseline's did).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_since_baseline: bool,
}

/// How the evidence line that lists a rule's functions the static binary defines begins.
pub const DEFINES: &str = "static binary defines ";

/// How the evidence line of a `--hostile` run reproduced on a finding begins.
pub const REPRODUCED: &str = "reproduced: ";

/// How the evidence line on a blamed crate without code of its own goes on after its name
/// (the audit writes it; `--why` and `--filter` of that crate repeat it).
pub const NO_CODE: &str = " has no function of its own in the binary (its code was inlined \
    into its callers, as under LTO): a lookup of its kind made by std's code or by a crate that \
    depends on it cannot be told from its own, so it stays on its finding as the rule says";

/// The rules whose offending function the reference graph can look for (dynamic loading,
/// run-time code generation, NSS lookups, iconv): their findings say whether it is reachable.
pub const REACH_RULES: &[&str] = &["AOT001", "AOT002", "AOT004", "AOT010"];

/// Said of a finding whose rule's functions are none of them linked, nor any code of its crate:
/// nothing in the binary can make the call (QA bz F2, F7: home's AOT004 read "may have been
/// trimmed away", and the page "linked but unreachable: the code is in the file").
pub const NOT_LINKED: &str = "none of the functions this rule looks for is linked";

/// Said of a finding whose crate's code calls none of the NSS functions the binary defines:
/// other crates' code does, and their findings carry the chains (QA cb F1: the page read
/// "linked but unreachable" of just's nix, beside dirs-sys's reachable `getpwuid_r`).
pub const CALLED_BY_OTHERS: &str =
    "none of the NSS functions the static binary defines is called by ";

/// How the evidence of a finding with none begins (see `audit::findings`).
pub const NO_EVIDENCE: &str = "no evidence in this binary";

impl Finding {
    /// The evidence line that its crate has no function of its own in the binary ([`NO_CODE`]).
    pub fn no_code_line(&self) -> String {
        format!("{}{NO_CODE}", self.krate)
    }

    /// Whether the audit found its crate without code of its own (inlined under LTO).
    pub fn has_no_code(&self) -> bool {
        self.evidence.contains(&self.no_code_line())
    }

    /// Whether this finding's rule is one whose reachability the graph answers.
    pub fn has_reach(&self) -> bool {
        REACH_RULES.contains(&self.rule.as_str())
    }

    /// Not reachable because nothing of it is in the binary: none of the functions its rule
    /// looks for is linked, nor any code of its crate ([`NOT_LINKED`] among the evidence).
    pub fn not_linked(&self) -> bool {
        self.reachable == Some(false) && self.evidence.iter().any(|e| e.contains(NOT_LINKED))
    }

    /// Not reachable as its crate's: the functions its rule looks for are called by other
    /// crates' code, not by its own ([`CALLED_BY_OTHERS`] among the evidence).
    pub fn called_by_others(&self) -> bool {
        self.reachable == Some(false)
            && self
                .evidence
                .iter()
                .any(|e| e.contains(&format!("{CALLED_BY_OTHERS}{}'s code", self.krate)))
    }

    /// Counts for the gate: an error that no `allow` covers.
    pub fn fails_gate(&self) -> bool {
        self.severity == Severity::Error && !self.allowed
    }

    /// The functions its `static binary defines` line lists (none without one).
    pub fn defined(&self) -> Vec<String> {
        self.evidence
            .iter()
            .filter_map(|e| e.strip_prefix(DEFINES))
            .flat_map(|list| {
                let list = list.split_once(" (").map_or(list, |(l, _)| l);
                list.split(", ").map(|n| n.trim_matches('`').to_string())
            })
            .collect()
    }

    /// Whether the finding's static binary defines a host-name lookup (`getaddrinfo`,
    /// `gethostby*`) in its evidence.
    pub fn looks_up_hosts(&self) -> bool {
        self.defined()
            .iter()
            .any(|n| n.starts_with("getaddrinfo") || n.starts_with("gethostby"))
    }

    /// Whether a `--hostile` run under `condition` was reproduced on this finding: its
    /// evidence has that run's line, `reproduced: ... under `condition` (...)`.
    pub fn reproduced_under(&self, condition: &str) -> bool {
        let under = format!(" under `{condition}` (");
        self.evidence
            .iter()
            .any(|e| e.starts_with(REPRODUCED) && e.contains(&under))
    }

    /// What a verdict line adds for [`Finding::reproduced_by`]: `, a crash reproduced by
    /// --hostile`, hedged where the crash was pinned on code that may hold the crate's code
    /// inlined, which the binary cannot tell (QA cr F1: starship's nix, whose user lookups are
    /// not in the binary, read as the crate a crash was reproduced on, beside whoami, whose
    /// inlined lookup crashed); AOT011's start inside its image as what happened.
    pub fn reproduced_words(&self) -> &'static str {
        let guessed = self.evidence.iter().any(|e| e.contains(MAY_HOLD));
        match (self.reproduced_by(), guessed) {
            (Some("--hostile"), false) => ", a crash reproduced by --hostile",
            (Some("--hostile"), true) => {
                ", a crash reproduced by --hostile in code that may hold its code inlined"
            }
            (Some(_), _) => ", which did not start in its own image",
            (None, _) => "",
        }
    }

    /// What turned the suspicion into a failure, when something did: a run under `--hostile`,
    /// or (AOT011) the start inside the binary's own image.
    pub fn reproduced_by(&self) -> Option<&'static str> {
        match (self.reproduced, self.rule.as_str()) {
            (false, _) => None,
            (true, "AOT011") => Some("its start inside its own image"),
            (true, _) => Some("--hostile"),
        }
    }
}

/// How the evidence of a finding whose lookup may be inlined into other code names that code
/// (`audit/inlined.rs`): the chain is a guess at the crate's code, not its own function.
pub const MAY_HOLD: &str = "code that may hold ";

#[cfg(test)]
mod tests {
    use super::*;

    /// QA cr F1: a crash pinned on code that may hold the crate's code inlined is said so.
    #[test]
    fn a_crash_on_code_that_may_hold_the_crate_s_is_hedged() {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "rule": "AOT004", "title": "t", "severity": "error", "crate": "nix",
            "version": "0.31.3", "path": [], "evidence": [], "allowed": false,
            "advice": "", "reproduced": true
        }))
        .expect("finding");
        assert_eq!(f.reproduced_words(), ", a crash reproduced by --hostile");
        f.evidence.push(format!(
            "`getpwuid_r` is reachable through `username::module`, {MAY_HOLD}nix's inlined"
        ));
        assert_eq!(
            f.reproduced_words(),
            ", a crash reproduced by --hostile in code that may hold its code inlined"
        );
        f.reproduced = false;
        assert_eq!(f.reproduced_words(), "");
    }
}
