//! Verdicts of the release gate. Owned by the gate stage (`src/gate/`).

use serde::{Deserialize, Serialize, Serializer};

/// Ordered from best to worst, so the run's verdict is the maximum of its checks'.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    #[default]
    Pass,
    /// The check could not decide: no measurement, or a change within the noise.
    Inconclusive,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

/// One budget or baseline check of one binary.
///
/// Budget checks (`budget.*`) carry `limit` and `margin` (limit − value; negative when over);
/// baseline checks (`baseline.*`) carry `baseline`, `delta` (value − baseline) and `change`
/// (delta / baseline, a fraction). Ids name the figure, and the part after `:` names a section
/// or crate: `baseline.section:.rodata`, `baseline.crate:serde`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub id: String,
    pub verdict: Verdict,
    #[serde(serialize_with = "whole")]
    pub value: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole"
    )]
    pub limit: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole"
    )]
    pub margin: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole"
    )]
    pub baseline: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole"
    )]
    pub delta: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<f64>,
    /// `bytes`, `ms`, `libraries`, or empty where the value is not a number (`value` null).
    pub unit: String,
    pub message: String,
}

impl Check {
    /// A check whose outcome is said in words, with no figure (`value` and the rest `null`).
    pub fn worded(id: &str, verdict: Verdict, message: String) -> Self {
        Check {
            id: id.to_string(),
            verdict,
            value: None,
            limit: None,
            margin: None,
            baseline: None,
            delta: None,
            change: None,
            unit: String::new(),
            message,
        }
    }
}

/// Whole numbers (bytes, counts) as JSON integers: `1419280`, not `1419280.0`.
fn whole<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < EXACT => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

/// How a report was made: what two reports must share for their difference to be the code's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Provenance {
    pub tool_version: String,
    /// `rustc -V`.
    pub rustc: String,
    pub target: String,
    pub profile: String,
    /// The features asked for, with `--all-features` / `--no-default-features` as written.
    pub features: Vec<String>,
    /// The link modes built (`static`, `dynamic`).
    pub link_modes: Vec<String>,
    /// SHA-256 of the workspace's `Cargo.lock`, hex; `None` when there is none.
    pub cargo_lock_sha256: Option<String>,
    /// `git rev-parse HEAD` of the workspace; `None` outside git.
    pub git_commit: Option<String>,
    /// Uncommitted changes to tracked files at the time of the run; `None` outside git.
    pub git_dirty: Option<bool>,
}

/// What the run was compared with, and what differs in how the two were made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct BaselineSummary {
    /// The baseline file, or `git:REV (commit)` for `--baseline-ref`.
    pub source: String,
    /// The baseline's provenance, when it recorded one.
    pub provenance: Option<Provenance>,
    /// Differences in toolchain, profile, target, features or link mode: part of the delta
    /// is not the code's.
    pub mismatches: Vec<String>,
    /// Binaries of one report without a counterpart in the other (package, name, link mode).
    pub unmatched: Vec<String>,
    /// Something shrank: a hint to save a new baseline.
    pub improved: bool,
}
