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

/// What a check measures. Serialised as the id strings of the JSON schema (`budget.file_size`,
/// `baseline.section:.rodata`, ...), so reports and baselines keep their form; an id this
/// version does not know (from a newer tool) is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckId {
    BudgetFileSize,
    BudgetStrippedSize,
    BudgetClosureSize,
    BudgetStartup,
    BudgetRss,
    BudgetStatic,
    BudgetLibraries,
    BudgetGlibc,
    /// `max_image_size`: what a pull of the image transfers.
    BudgetImageSize,
    BaselineFileSize,
    BaselineStrippedSize,
    BaselineClosureSize,
    /// One section, by name.
    BaselineSection(String),
    /// One crate, by name.
    BaselineCrate(String),
    BaselineNeeded,
    BaselineLinkage,
    BaselineStartup,
    BaselineRss,
    BaselineImageSize,
    /// The binary has no counterpart in the baseline: nothing of it was compared.
    BaselineBinary,
    Other(String),
}

impl CheckId {
    const FIXED: [(CheckId, &'static str); 18] = [
        (CheckId::BudgetFileSize, "budget.file_size"),
        (CheckId::BudgetStrippedSize, "budget.stripped_size"),
        (CheckId::BudgetClosureSize, "budget.closure_size"),
        (CheckId::BudgetStartup, "budget.startup"),
        (CheckId::BudgetRss, "budget.rss"),
        (CheckId::BudgetStatic, "budget.static"),
        (CheckId::BudgetLibraries, "budget.libraries"),
        (CheckId::BudgetGlibc, "budget.glibc"),
        (CheckId::BudgetImageSize, "budget.image_size"),
        (CheckId::BaselineFileSize, "baseline.file_size"),
        (CheckId::BaselineStrippedSize, "baseline.stripped_size"),
        (CheckId::BaselineClosureSize, "baseline.closure_size"),
        (CheckId::BaselineNeeded, "baseline.needed"),
        (CheckId::BaselineLinkage, "baseline.linkage"),
        (CheckId::BaselineStartup, "baseline.startup"),
        (CheckId::BaselineRss, "baseline.rss"),
        (CheckId::BaselineImageSize, "baseline.image_size"),
        (CheckId::BaselineBinary, "baseline.binary"),
    ];

    /// The id as written in JSON.
    pub fn as_string(&self) -> String {
        match self {
            CheckId::BaselineSection(n) => format!("baseline.section:{n}"),
            CheckId::BaselineCrate(n) => format!("baseline.crate:{n}"),
            CheckId::Other(s) => s.clone(),
            fixed => Self::FIXED
                .iter()
                .find(|(id, _)| id == fixed)
                .map_or_else(String::new, |(_, s)| (*s).to_string()),
        }
    }

    pub fn parse(s: &str) -> CheckId {
        if let Some(n) = s.strip_prefix("baseline.section:") {
            return CheckId::BaselineSection(n.to_string());
        }
        if let Some(n) = s.strip_prefix("baseline.crate:") {
            return CheckId::BaselineCrate(n.to_string());
        }
        Self::FIXED
            .iter()
            .find(|(_, text)| *text == s)
            .map_or_else(|| CheckId::Other(s.to_string()), |(id, _)| id.clone())
    }

    /// An absolute limit from the configuration.
    pub fn is_budget(&self) -> bool {
        self.as_string().starts_with("budget.")
    }

    /// A comparison with the baseline.
    pub fn is_baseline(&self) -> bool {
        self.as_string().starts_with("baseline.")
    }

    /// A size of the whole binary compared with the baseline (file, stripped, closure, image).
    pub fn is_whole_size(&self) -> bool {
        matches!(
            self,
            CheckId::BaselineFileSize
                | CheckId::BaselineStrippedSize
                | CheckId::BaselineClosureSize
                | CheckId::BaselineImageSize
        )
    }

    /// The part of the binary a per-part check is about (a section or crate name).
    pub fn part(&self) -> Option<&str> {
        match self {
            CheckId::BaselineSection(n) | CheckId::BaselineCrate(n) => Some(n),
            _ => None,
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(CheckId::parse(&s))
    }
}

/// The unit of a check's figures.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    /// Milliseconds.
    Ms,
    /// A count of shared libraries.
    Libraries,
    /// The outcome is told in words; `value` is null.
    #[default]
    #[serde(rename = "")]
    None,
}

/// One budget or baseline check of one binary.
///
/// Budget checks (`budget.*`) carry `limit` and `margin` (limit − value; negative when over);
/// baseline checks (`baseline.*`) carry `baseline`, `delta` (value − baseline) and `change`
/// (delta / baseline, a fraction). Ids name the figure, and the part after `:` names a section
/// or crate: `baseline.section:.rodata`, `baseline.crate:serde`.
/// A reference into a grown crate that its baseline did not have (see
/// [`Check::new_entries`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NewEntry {
    /// The referring symbol, outside the crate.
    pub from: String,
    /// The crate's symbol it refers to.
    pub to: String,
    /// What `to` retains (bytes in memory), when no other crate referred to it in the
    /// baseline: the bytes this reference pulled in. `None` for a new referrer of a symbol
    /// that was entered before, or when `to` retains more than the crates gained in all (its
    /// code was there before, inlined into its caller or under another name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<u64>,
}

/// Said in the message of a check left inconclusive because its figure's change is within the
/// noise of the samples (the verdict's reasons count such checks apart from those not
/// measured).
pub const WITHIN_THE_NOISE: &str = "within the noise";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub id: CheckId,
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
    /// A startup check decided on samples: the 95% interval its verdict rests on, of the ratio
    /// of the medians against the baseline (`baseline.startup`) or of the median in ms against
    /// a budget (`budget.startup`); absent with too few runs for one (QA cu F6: it was only in
    /// the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    /// `baseline.startup`: the baseline's per-run startup times (ms) the interval was drawn
    /// from, this run's being the artifact's probe's: with both, the verdict can be computed
    /// again (QA cu F6: a kept baseline binary probed again left its samples nowhere).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline_samples: Vec<f64>,
    /// Size checks against the baseline: the threshold `size_fail_min` that applied (bytes).
    /// A growth from a base under it, or past +500%, is written as the two sizes, not as a
    /// percentage (`format::size_change`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole"
    )]
    pub fail_min: Option<f64>,
    /// `bytes`, `ms`, `libraries`, or empty where the value is not a number (`value` null).
    pub unit: Unit,
    pub message: String,
    /// For a crate that grew or appeared: the symbols outside it that refer to it now and did
    /// not in the baseline (what pulled the bytes in).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    /// The references behind `entry_points`: each from a symbol outside the crate to one of
    /// its symbols, new since the baseline, those into a symbol no other crate entered before
    /// (with what it retains) first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_entries: Vec<NewEntry>,
    /// For a crate that grew: its symbols that grew most, from the crate's largest rows in
    /// both reports (`binary.crate_symbols`); empty where either has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grown_symbols: Vec<GrownSymbol>,
    /// A section or crate the baseline did not have at all (`baseline` is then 0): the
    /// renderers say "new", not "was 0 B" (which is said of a part the baseline had, empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new: bool,
    /// A section or crate the baseline had and this run does not (`value` is then 0): the
    /// renderers say "gone", not `0 B` and `-100.0%`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
    /// A crate `new` to the baseline's table that the baseline built from the same version,
    /// source and features, and inlined all of into its callers (QA bv F2: a script reading
    /// `new` could not tell it from a crate the change added).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inlined_in_baseline: bool,
    /// A crate or section check that failed and warns because the baseline was built with
    /// other settings (profile, rustflags, toolchain), which move what each crate and section
    /// holds; the renderers fold such checks into one line (QA ca F2: 42 rows, each with the
    /// same caveat).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub built_otherwise: bool,
    /// A run-time check (startup, RSS) of the same binary as the baseline's (the same build
    /// id): what moved is the machine's, not the code's, and it passes; the Markdown's biggest
    /// changes leave it out (QA di F3: RSS +6 KiB listed as a change of an identical binary).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub same_binary: bool,
}

/// A symbol of a crate that grew, and by how much (bytes in memory, as the crate table counts).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GrownSymbol {
    pub symbol: String,
    pub size: u64,
    /// Its size in the baseline; `None` where the baseline did not list it: `new` when the
    /// baseline listed every row of the crate, else it was smaller than those it listed.
    pub baseline_size: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new: bool,
    /// Where the baseline did not list it among the crate's largest rows: the smallest it
    /// listed, which this one was at most if it was there at all (QA dp F3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_at_most: Option<u64>,
}

impl Check {
    /// A check that passed against a baseline that had the same figure: a row that tells
    /// nothing, which Markdown counts and the page folds.
    pub fn passed_unchanged(&self) -> bool {
        self.verdict == Verdict::Pass && self.delta == Some(0.0)
    }

    /// A check of `unit` with no figures yet: the gate fills in what it measured.
    pub fn new(id: CheckId, unit: Unit, verdict: Verdict, message: String) -> Self {
        Check {
            id,
            verdict,
            value: None,
            limit: None,
            margin: None,
            baseline: None,
            delta: None,
            change: None,
            interval: None,
            baseline_samples: Vec::new(),
            fail_min: None,
            unit,
            message,
            entry_points: Vec::new(),
            grown_symbols: Vec::new(),
            new_entries: Vec::new(),
            new: false,
            gone: false,
            inlined_in_baseline: false,
            built_otherwise: false,
            same_binary: false,
        }
    }

    /// A check whose outcome is said in words, with no figure (`value` and the rest `null`).
    pub fn worded(id: CheckId, verdict: Verdict, message: String) -> Self {
        Check::new(id, Unit::None, verdict, message)
    }

    /// Against an absolute limit: `margin` is what is left (negative when over).
    pub fn against_limit(mut self, value: Option<f64>, limit: f64) -> Self {
        self.value = value;
        self.limit = Some(limit);
        self.margin = value.map(|v| limit - v);
        self
    }

    /// Against the baseline's figure: `delta` and, when given, the relative `change`.
    pub fn against_baseline(mut self, base: f64, value: f64, change: Option<f64>) -> Self {
        self.value = Some(value);
        self.baseline = Some(base);
        self.delta = Some(value - base);
        self.change = change;
        self
    }
}

/// Whole numbers (bytes, counts) as JSON integers: `1419280`, not `1419280.0`.
pub(super) fn whole<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
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
    /// The features cargo enabled on each package built ([`super::BuildInfo::enabled`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub enabled: std::collections::BTreeMap<String, Vec<String>>,
    /// What each crate from a registry or git was built from ([`super::BuildInfo::crate_inputs`]);
    /// `None` in a baseline that did not record it (`{}`: a build without such crates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crate_inputs: Option<std::collections::BTreeMap<String, String>>,
    /// The profile's settings ([`super::BuildInfo::profile_settings`]).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub profile_settings: std::collections::BTreeMap<String, String>,
    /// The user's own rustflags ([`super::BuildInfo::rustflags`]); `None` in a baseline that
    /// did not record them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags: Option<Vec<String>>,
    /// `git rev-parse HEAD` of the workspace; `None` outside git.
    pub git_commit: Option<String>,
    /// Uncommitted changes to tracked files at the time of the run; `None` outside git.
    pub git_dirty: Option<bool>,
    /// `--baseline-ref`'s revision had no `Cargo.lock` committed: it was built with the run's,
    /// so dependency changes between the two do not show (QA dp F6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cargo_lock_of_run: bool,
}

impl Provenance {
    /// What crate `name` was built from, where this report recorded it.
    pub fn input(&self, name: &str) -> Option<&str> {
        self.crate_inputs.as_ref()?.get(name).map(String::as_str)
    }

    /// A provenance that records only `inputs` as its crates' (crate, inputs): for tests.
    #[cfg(test)]
    pub fn of_inputs(inputs: &[(&str, &str)]) -> Provenance {
        let inputs = inputs.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Provenance {
            crate_inputs: Some(inputs.collect()),
            ..Provenance::default()
        }
    }
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
    /// Something shrank (`shrank`) and the gate did not fail: a hint to save a new baseline.
    pub improved: bool,
    /// What shrank beyond the noise, one check message each, prefixed with its binary: a
    /// whole-binary size, the libraries needed, startup (95% interval below 1), RSS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shrank: Vec<String>,
    /// The findings the baseline had that this run has not (same binary, rule and crate):
    /// `procs (static): AOT004 on std (error)`. A change that takes a release blocker away
    /// says so (QA cn F8: three AOT004 errors became two, and nothing said which went).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone_findings: Vec<super::GoneFinding>,
    /// The baseline file's binaries, kept by `--save-baseline`, were probed again beside this
    /// run's: its startup and memory figures compared are this run's measurements of them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reprobed: bool,
    /// `Cargo.lock` changed since the baseline: dependencies were added, removed or updated
    /// (the reports record its hash, not its packages).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dependencies_changed: bool,
    /// The dependencies that changed, from the crates' inputs both reports record: `anstream
    /// 1.0.0 → 1.0.1`, `clap: features −default −suggestions`, `strsim 0.11.1 added` (QA dp F4:
    /// a feature turned off was only "Cargo.lock changed").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_changes: Vec<String>,
}

impl BaselineSummary {
    /// What is said after the source when the baseline's binaries were probed again.
    pub const REPROBED: &'static str = "its binaries kept and probed again beside this run's";
    /// What is said of a changed `Cargo.lock`, after the differences in how it was built (QA
    /// bh F9: a parenthesis about inlined code named no one).
    pub const DEPENDENCIES_CHANGED: &'static str = "Cargo.lock changed since the baseline: \
        dependencies were added, removed or updated; a dependency whose code was all inlined \
        into its callers has no crate row of its own, so the tables may not show it";
}
