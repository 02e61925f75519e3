//! The size advisor's results (`cargo aotcheck advise`). Owned by `src/advise/`.
//!
//! Every figure is measured on a binary built for the purpose; a figure that was not obtained
//! is `None` (JSON `null`, never left out). Variants are stored ranked: the renderers only lay them
//! out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A variant's start-up change within the noise of the base's, in every format: the 95%
/// interval of their ratio holds 1.
pub const WITHIN_NOISE: &str = "≈";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Advice {
    /// The profile every variant starts from (`--profile`).
    pub profile: String,
    /// That profile's settings as resolved (manifest, `.cargo/config.toml`, `CARGO_PROFILE_*`,
    /// `inherits`, cargo's defaults), written as in a profile: `lto` → `false`.
    pub settings: BTreeMap<String, String>,
    pub binaries: Vec<BinaryAdvice>,
    /// The knobs of the combined variant (ids): each saved bytes, the best of its key. Empty
    /// where no lines to paste are given (an interrupted run, a combined variant not ready).
    #[serde(default)]
    pub combined_knobs: Vec<String>,
    /// The lines to paste into `Cargo.toml` for the combined variant's profile settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The workspace's `Cargo.toml` has a `[profile.NAME]` table for this profile already: the
    /// snippet's keys go into it (a second table of that name is an error to cargo).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub profile_in_manifest: bool,
    /// The lines of that table that the snippet's keys replace, as written there
    /// (`lto = true`): pasted beside them, a key twice is an error to cargo (QA r: pastel).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// The lines to paste into `.cargo/config.toml` for its rustc flags (the relocation model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags_snippet: Option<String>,
    /// Where those lines go: the workspace root's `.cargo/config.toml`, which cargo reads only
    /// when it runs in that folder or below (QA cb F2: pasted, then built with
    /// `--manifest-path` from another folder, the lines did nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rustflags_file: Option<String>,
    /// Counted startup-probe runs per variant; 0 when not probed (`--no-probe`).
    pub probe_runs: u32,
    /// The run was interrupted: variants after the last finished one were not built.
    #[serde(default)]
    pub interrupted: bool,
    /// What the figures do not show, to be printed with them.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One binary target and what each variant made of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BinaryAdvice {
    pub package: String,
    pub name: String,
    /// How the probe decided a started variant was ready (the package's setting), when probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// The binary as the profile builds it today: what every change is measured against.
    pub base: Variant,
    /// One per knob, ranked: the largest saving of file size first; knobs the profile already
    /// has, failed and unbuilt ones last.
    pub variants: Vec<Variant>,
    /// Every knob that saved bytes, at once (`None` when fewer than two did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combined: Option<Variant>,
    /// One per feature enabled by default, ranked by bytes saved.
    #[serde(default)]
    pub features: Vec<FeatureAdvice>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum VariantStatus {
    /// Built and measured.
    #[default]
    Measured,
    /// The profile already has this setting: not rebuilt.
    Already,
    /// Built, but no probe run of its binary got ready (`error` says why: a crash, a timeout);
    /// its sizes are measured, it is left out of the combined variant.
    NotReady,
    /// Built and its sizes measured, but never probed: the run was interrupted first (QA aj
    /// F2: `measured` with no start-up misled a consumer filtering on it).
    NotProbed,
    /// The build failed (`error` has its first error line).
    Failed,
    /// Not built: the run was interrupted first.
    NotBuilt,
}

impl Advice {
    /// The note of a run whose machine was busy while the variants' start-up was compared
    /// (`advise::measure::note_busy`).
    pub const BUSY_NOTE: &'static str = "start-up on a busy machine: stalls widen the \
        intervals, so a `≈` may hide a change and the calls can differ from one run to the \
        next; more runs (--runs 20) or a quiet machine narrow them";

    /// Whether the machine was busy while the variants' start-up was compared.
    pub fn busy(&self) -> bool {
        self.notes.iter().any(|n| n == Self::BUSY_NOTE)
    }

    /// Where the `Cargo.toml` lines go, in words, and the lines: the whole `[profile.NAME]`
    /// table, or only its keys where the manifest has that table already (with the lines
    /// they replace there).
    pub fn cargo_toml_paste(&self) -> Option<(String, String)> {
        let sn = self.snippet.as_ref()?;
        if self.profile_in_manifest {
            let keys: String = sn.lines().skip(1).map(|l| format!("{l}\n")).collect();
            let table = sn.lines().next().unwrap_or_default();
            let instead = match self.replaces.as_slice() {
                [] => String::new(),
                // Not `format::quoted`: the format module reads the report (no cycle).
                lines => format!(
                    ", in place of its {}",
                    lines
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            Some((
                format!("the `{table}` table Cargo.toml already has{instead}"),
                keys,
            ))
        } else {
            Some(("Cargo.toml".into(), sn.clone()))
        }
    }
}

impl FeatureAdvice {
    /// The optional dependencies it enables, in words; one that another default feature still
    /// enables stays in the variant, and is said to be kept, so that the row is not read as
    /// the one without it (QA r: grex's `cli = ["clap"]` beside the `clap` row).
    pub fn enables_words(&self) -> String {
        let kept = |d: &String| self.built_with.contains(d) || self.kept_deps.contains(d);
        let words: Vec<String> = self
            .enables
            .iter()
            .map(|d| match (kept(d), self.not_for_target.contains(d)) {
                (_, true) => format!("{d}, not built for this target"),
                (true, _) => format!("{d}, kept by the other features"),
                _ => d.clone(),
            })
            .collect();
        let told = |d: &String| kept(d) || self.not_for_target.contains(d);
        words.join(if self.enables.iter().any(told) {
            "; "
        } else {
            ", "
        })
    }
}

impl VariantStatus {
    /// Built, with sizes: measured, or never ready, or never probed (these with a note).
    pub fn has_figures(self) -> bool {
        matches!(
            self,
            VariantStatus::Measured | VariantStatus::NotReady | VariantStatus::NotProbed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VariantStatus::Measured => "measured",
            VariantStatus::Already => "already",
            VariantStatus::NotReady => "not-ready",
            VariantStatus::NotProbed => "not-probed",
            VariantStatus::Failed => "failed",
            VariantStatus::NotBuilt => "not-built",
        }
    }
}

/// A variant of the profile (one knob, or the combined one).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Variant {
    /// As `--knobs` takes it: `lto=fat`, `base`, `combined`.
    pub id: String,
    /// As written in a profile (`lto = "fat"`) or on rustc's command line
    /// (`-C relocation-model=static`).
    pub knob: String,
    pub status: VariantStatus,
    #[serde(flatten)]
    pub measured: Measured,
    /// What the knob costs besides bytes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tradeoff: String,
    /// The first error line of a failed build, or why its binary never got ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A build without one feature enabled by default.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FeatureAdvice {
    pub feature: String,
    /// The optional dependencies it enables (directly or through other features).
    #[serde(default)]
    pub enables: Vec<String>,
    /// The features the variant was built with (`--no-default-features --features ...`, or
    /// `default` first and the others with `default` kept on).
    #[serde(default)]
    pub built_with: Vec<String>,
    /// Those of `enables` declared for another target only: never built for this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_for_target: Vec<String>,
    /// Those of `enables` that a feature the variant keeps turns on too: they stay in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_deps: Vec<String>,
    /// The features that need this one (enable it), which go with it; the others of
    /// `also_leaves_out` go as only this one turned them on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needing: Vec<String>,
    pub status: VariantStatus,
    /// File-size bytes saved by building without it (negative: it grew).
    #[serde(default)]
    pub bytes_saved: Option<i64>,
    /// Other features the variant was built without, as cargo resolved its features: those
    /// that need this one (`tls` when `rustls` is left out and `tls` enables it).
    #[serde(default)]
    pub also_leaves_out: Vec<String>,
    /// Crates whose code is in the binary with the feature and not without it; `None` when
    /// they could not be named (a binary with no symbols, stripped without an analysis link
    /// to borrow them from) or the variant did not build.
    #[serde(default)]
    pub crates_leaving: Option<Vec<LeavingCrate>>,
    /// Crates that stay but lose the most bytes without the feature (QA cx F2: ouch without
    /// `unrar` saved 868 KiB, 216 KiB of it in the crates leaving; regex_syntax lost 496 KiB
    /// of Unicode tables only unrar-ng turned on), the runtimes' rows too (`[libstdc++]`);
    /// at most three, of 4 KiB or more. `None` as `crates_leaving`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crates_shrinking: Option<Vec<ShrinkingCrate>>,
    /// Where the package does not build without the feature and the error names another of
    /// its features (xh: "Either native-tls or rustls feature must be enabled!"), the one built
    /// in its place: the figures are then that build's. `None`: built without it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instead: Option<String>,
    /// With `instead`: the first error line of the build without the feature alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alone_error: Option<String>,
    /// With `instead`: crates whose code is in that build's binary and not in the base's
    /// (`file_size`: their bytes there); `None` where they could not be named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crates_joining: Option<Vec<LeavingCrate>>,
    #[serde(flatten)]
    pub measured: Measured,
    /// The first error line when the package does not compile without the feature, or why
    /// its binary never got ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeavingCrate {
    pub name: String,
    /// Its bytes in the file with the feature (the attribution's figure).
    pub file_size: u64,
    /// Cargo built the crate for the target in both builds: its bytes came or went with its
    /// callers' code (generic code instantiated there), not with the crate itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_both_builds: bool,
}

/// A crate with fewer bytes in the file without a feature.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShrinkingCrate {
    pub name: String,
    /// Its bytes in the file with the feature, and without it.
    pub file_size: u64,
    pub file_size_without: u64,
}

/// What was measured of one variant's binary.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Measured {
    /// The variant's copy of the binary, kept between runs.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub file_size: Option<u64>,
    #[serde(default)]
    pub stripped_size: Option<u64>,
    /// Median time from spawn to ready.
    #[serde(default)]
    pub startup_ms: Option<f64>,
    /// Each counted probe run's time from spawn to ready, ms, in run order (warm-ups left
    /// out): what the median and the change's interval are made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_runs_ms: Vec<f64>,
    /// Median resident memory at ready (the RSS of [`super::Memory::rss`]), KiB.
    #[serde(default)]
    pub memory_kib: Option<u64>,
    /// Wall time of this run's build of the variant (shared units are not rebuilt; see
    /// `compiled_units`).
    #[serde(default)]
    pub build_seconds: Option<f64>,
    /// Units cargo compiled for it in this run (0: everything was kept from an earlier run).
    #[serde(default)]
    pub compiled_units: Option<usize>,
    /// Against the base variant.
    #[serde(default)]
    pub change: Option<Change>,
}

/// A variant against the base: negative is smaller, faster, less.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Change {
    pub file_size: i64,
    /// Percent of the base's (-25.0: a quarter smaller).
    pub file_size_percent: f64,
    #[serde(default)]
    pub stripped_size: Option<i64>,
    #[serde(default)]
    pub stripped_size_percent: Option<f64>,
    #[serde(default)]
    pub startup_ms: Option<f64>,
    /// The variant's start-up median over the base's (1.5: half as slow again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_ratio: Option<f64>,
    /// That ratio's 95% interval, `[low, high]` (bootstrap over both variants' counted runs);
    /// absent with fewer than 6 runs. One that holds 1 does not tell the two apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_ratio_interval: Option<[f64; 2]>,
    #[serde(default)]
    pub memory_kib: Option<i64>,
}
