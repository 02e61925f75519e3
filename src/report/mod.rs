//! The one data model: every stage fills it, every output format renders it, and its JSON
//! serialisation is both `--format json` and the baseline file.
//!
//! Field order matters: `schema_version` is first in the JSON document. Sizes are bytes.

mod advice;
mod audit;
mod gate;
mod gone;
mod graph;
mod hostile;
mod image;
mod probe;
mod size;
mod twins;

use serde::{Deserialize, Serialize};

pub use advice::{
    Advice, BinaryAdvice, Change, FeatureAdvice, LeavingCrate, Measured, ShrinkingCrate, Variant,
    VariantStatus, WITHIN_NOISE,
};
pub use audit::{
    CALLED_BY_OTHERS, DEFINES, Finding, MAY_HOLD, NO_CODE, NO_EVIDENCE, NOT_LINKED, REPRODUCED,
    Severity,
};
pub use gate::{
    BaselineSummary, Check, CheckId, GrownSymbol, NewEntry, Provenance, Unit, Verdict,
    WITHIN_THE_NOISE,
};
pub use gone::GoneFinding;
pub use graph::{
    Chain, EdgeSource, GraphSummary, NEEDS_SYMBOLS, RefKind, Step, Why, link_not_under,
    needs_symbols_under,
};
pub use hostile::{HostileOutcome, HostileRun, NOTHING_ON_STDERR, Waiver, none_judged};
pub use image::{
    FileWhy, Image, ImageFile, InImage, InImageOutcome, LeftOut, LeftOutWhy, Missing, Trace,
};
pub use probe::{
    CRASH_SIGNALS, ComparedMetric, Comparison, FailedRun, Memory, Probe, ProbeMachine,
    STDERR_LINES, Sample, Stats, is_help_line, telling_lines,
};
pub use size::{
    Confidence, ConfidenceBreakdown, Coverage, CrateSize, CrateSymbols, Entered, SymbolRow, Unnamed,
};

/// Bumped when a change would make an older reader misread a report.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The run's verdict: the worst of every check and error finding (issue: the release gate).
    #[serde(default)]
    pub verdict: Verdict,
    /// `--warn-only`: a `fail` verdict exits 0, and every output says so (QA cd F6: a green
    /// job's log said "fail" with `::error` annotations, nothing of the waiver).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warn_only: bool,
    /// How the binaries were made; `None` for `inspect` of files we did not build.
    #[serde(default)]
    pub build: Option<BuildInfo>,
    /// What makes two reports comparable (toolchain, lock file, commit); `None` for `inspect`.
    #[serde(default)]
    pub provenance: Option<Provenance>,
    /// The baseline this run was compared with (`--baseline`, `--baseline-ref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    pub artifacts: Vec<Artifact>,
    /// Files `inspect` was given, or found in a directory it was given, that it could not
    /// inspect; the run exits 2 when there are any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<FailedFile>,
    /// What `inspect` passed over in the directories it was given (files that are not
    /// binaries, symbolic links, special files), so that a report says what it did not look
    /// at (QA t, D4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedFile>,
    /// Static build beside the regular one, per binary (`--compare`).
    #[serde(default)]
    pub comparisons: Vec<Comparison>,
    /// Things the user should know about the run itself (not about one binary).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// How busy the machine was while the probe ran; absent when nothing was probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_machine: Option<ProbeMachine>,
    /// What each profile knob and default feature would save (`cargo aotcheck advise`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<Advice>,
}

impl Report {
    pub fn new(build: Option<BuildInfo>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            verdict: Verdict::Pass,
            warn_only: false,
            build,
            provenance: None,
            baseline: None,
            artifacts: Vec::new(),
            failed: Vec::new(),
            skipped: Vec::new(),
            comparisons: Vec::new(),
            warnings: Vec::new(),
            probe_machine: None,
            advice: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn current() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What describes how the binaries were built, so two reports can be compared honestly.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BuildInfo {
    /// `rustc -V` of the toolchain that built the binaries.
    pub rustc: String,
    pub target: String,
    pub profile: String,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    /// The workspace root that was built.
    pub workspace_root: String,
    /// The features cargo enabled on each package whose binaries were built, as its resolve
    /// lists them: a change of a `default` list in `Cargo.toml` changes these, not the flags.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub enabled: std::collections::BTreeMap<String, Vec<String>>,
    /// Each crate from a registry or git, by the name its symbols carry: `version source
    /// [features]` (`Workspace::crate_inputs`), what the gate compares to tell a crate the
    /// change did not touch.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub crate_inputs: std::collections::BTreeMap<String, String>,
    /// The profile's settings as cargo resolves them (`lto`, `opt-level`, `codegen-units`,
    /// `panic`, `strip`, `debug`), each value normalised (`lto = true` is `fat`, `debug =
    /// "full"` is `2`) and without TOML's quotes; empty when they could not be read.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub profile_settings: std::collections::BTreeMap<String, String>,
    /// The user's own rustflags, as cargo would pass them (without the tool's `+crt-static`).
    #[serde(default)]
    pub rustflags: Vec<String>,
}

/// One binary: built by us (`package`, `link_mode` set) or given to `inspect`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    /// The cargo package that owns the binary target; `None` for `inspect`.
    pub package: Option<String>,
    pub name: String,
    /// How we asked for it to be linked; `None` for `inspect`.
    pub link_mode: Option<LinkMode>,
    pub path: String,
    pub binary: Binary,
    /// What the dependency audit found (issue: the audit).
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Whether the audit ran on it: `false` for `inspect`, which reads the file alone (written
    /// only then: QA bf F3, an `inspect` report's `verdict: pass` and empty findings read as a
    /// clean audit).
    #[serde(default = "audited_default", skip_serializing_if = "is_true")]
    pub audited: bool,
    /// Startup time and memory at ready (issue: the startup probe); `None` when not probed.
    #[serde(default)]
    pub probe: Option<Probe>,
    /// Static-binary hazards run for real (`--hostile`).
    #[serde(default)]
    pub hostile: Vec<HostileRun>,
    /// Budget and baseline verdicts (issue: the release gate).
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Its OCI image (`--image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Box<Image>>,
    /// The file as it was inspected; a later stage that reads it again checks it is the same
    /// (`inspect::unchanged`). Not in the report.
    #[serde(skip)]
    pub file_id: Option<FileId>,
}

/// Which file a path held, and as it was: device, inode, length, modification time (ns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId(u64, u64, u64, i128);

impl FileId {
    /// The identity of the file at `path` now, if it can be read.
    pub fn of(path: &std::path::Path) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
        Some(FileId(m.dev(), m.ino(), m.len(), mtime))
    }

    /// The file's length in bytes.
    pub fn bytes(&self) -> u64 {
        self.2
    }
}

impl Artifact {
    pub fn new(
        package: Option<String>,
        name: String,
        link_mode: Option<LinkMode>,
        path: String,
        binary: Binary,
    ) -> Self {
        Artifact {
            audited: package.is_some(),
            package,
            name,
            link_mode,
            path,
            binary,
            findings: Vec::new(),
            probe: None,
            hostile: Vec::new(),
            checks: Vec::new(),
            image: None,
            file_id: None,
        }
    }
}

/// An artifact of a report written before `audited` was: audited, as every one but
/// `inspect`'s.
fn audited_default() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// A file `inspect` could not inspect, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FailedFile {
    pub path: String,
    pub error: String,
}

/// A path `inspect` found in a directory and did not look into, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: String,
    /// `not a binary`, `symbolic link (not followed)` or `special file`.
    pub why: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum LinkMode {
    Static,
    Dynamic,
}

impl LinkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkMode::Static => "static",
            LinkMode::Dynamic => "dynamic",
        }
    }
}

/// What the file turned out to be, whatever we asked for.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Linkage {
    /// `ET_EXEC` without an interpreter or needed libraries.
    Static,
    /// `ET_DYN` that relocates itself: no interpreter, no needed libraries.
    StaticPie,
    /// Needs a dynamic loader or shared libraries at run time.
    Dynamic,
    /// A shared library (no entry point of its own to run without a loader).
    SharedLibrary,
    /// Not decidable for this format (e.g. a relocatable object).
    Unknown,
}

impl Linkage {
    pub fn as_str(self) -> &'static str {
        match self {
            Linkage::Static => "static",
            Linkage::StaticPie => "static-pie",
            Linkage::Dynamic => "dynamic",
            Linkage::SharedLibrary => "shared-library",
            Linkage::Unknown => "unknown",
        }
    }
}

/// Facts read from the file. Optional fields are `None` where the fact does not apply to the
/// format (e.g. `interpreter` for PE) or could not be obtained; renderers say which.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binary {
    /// `elf`, `pe` or `mach-o`.
    pub format: String,
    /// e.g. `x86_64`, `aarch64`.
    pub arch: String,
    /// ELF `e_type` (`EXEC`, `DYN`, `REL`, `CORE`); `None` outside ELF.
    pub elf_type: Option<String>,
    /// Position-independent executable (ELF `DF_1_PIE`); `None` where it does not apply.
    pub pie: Option<bool>,
    pub linkage: Linkage,
    /// ELF `PT_INTERP`; Mach-O `LC_LOAD_DYLINKER` (dyld).
    pub interpreter: Option<String>,
    /// Shared libraries the file asks for by name (ELF `DT_NEEDED`, PE imports, Mach-O dylibs).
    pub needed: Vec<String>,
    /// A shared library's own name, which programs linked with it record as needed (ELF
    /// `DT_SONAME`, Mach-O `LC_ID_DYLIB`); absent when it has none (QA dn F17).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
    /// A universal Mach-O's slices, by architecture, in file order: the report is of the
    /// first (`arch`); absent for any other file (QA dn F15).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slices: Vec<String>,
    pub rpath: Vec<String>,
    pub runpath: Vec<String>,
    /// The file's length in bytes.
    pub file_size: u64,
    /// What remains after `strip` (symbols and debug info removed); ELF only.
    pub stripped_size: Option<u64>,
    /// Bytes of DWARF sections (`.debug_*`, `.zdebug_*`) in the file.
    pub debug_size: Option<u64>,
    /// Bytes of the symbol table and its string table (`.symtab`, `.strtab`).
    pub symtab_size: Option<u64>,
    pub sections: Vec<Section>,
    /// GNU build-id as hex (Mach-O: `LC_UUID`); `None` when the file has none.
    pub build_id: Option<String>,
    /// The strings of the `.comment` section: the compilers and linker that made the file
    /// (`rustc version 1.95.0 (...)`, `Linker: LLD ...`, `GCC: ...`), which `strip` keeps;
    /// absent when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comment: Vec<String>,
    /// Number of `.init_array` entries (constructors run before `main`); ELF only.
    pub init_array_entries: Option<u64>,
    /// Highest `GLIBC_2.x` version the file requires; `None` for static binaries.
    pub glibc_floor: Option<GlibcFloor>,
    /// Versioned imports from `.gnu.version_r`, per library.
    pub version_needs: Vec<VersionNeed>,
    /// The interpreter and every shared library needed, resolved as the loader would.
    /// Empty for a static binary: the binary alone is its closure.
    pub closure: Vec<ClosureEntry>,
    /// The binary as built plus every resolved library of its closure (an image of it ships
    /// the binary stripped: QA cw F5); `None` where no closure is resolved: PE, Mach-O, an
    /// object (QA dn F12: the file's own size stood for it).
    pub closure_size: Option<u64>,
    /// Bytes per crate (issue: where the bytes go); empty until attributed.
    #[serde(default)]
    pub crates: Vec<CrateSize>,
    /// Top symbols (or every row with `--symbols all`).
    #[serde(default)]
    pub symbols: Vec<SymbolRow>,
    /// The crate `--filter` kept the rows of `symbols` to, when one did: a heading says "of
    /// it" then only, not whenever the largest rows happen to be one crate's (QA at F5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols_of: Option<String>,
    /// The largest symbols of each crate (`--format html`); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crate_symbols: Vec<CrateSymbols>,
    #[serde(default)]
    pub coverage: Option<Coverage>,
    /// The reference graph (issue: why is it in my binary); `None` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<GraphSummary>,
    /// Why `inspect` built no reference graph (a binary with no Rust symbol); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_skipped: Option<String>,
    /// `--why PATTERN`: the chains that keep the matches alive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
    /// The graph stage's stretches of data without a symbol, for the embedded files' rows.
    #[serde(skip)]
    pub unnamed: Unnamed,
}

impl Binary {
    /// Whether rustc compiled some of it, as its `.comment` says (`rustc version ...`).
    pub fn is_rust_built(&self) -> bool {
        self.comment.iter().any(|c| c.starts_with("rustc version"))
    }

    /// An ELF executable that needs shared libraries and names no loader (AOT012): a static
    /// build whose link line ended with a shared object. The kernel starts it, and glibc's
    /// start-up code crashes calling into what was never loaded.
    pub fn stranded(&self) -> bool {
        self.linkage == Linkage::Dynamic
            && self.format == "elf"
            && self.interpreter.is_none()
            && !self.needed.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    /// Bytes the section occupies in the file (0 for `.bss`-like sections).
    pub file_size: u64,
    /// Bytes the section occupies in memory once loaded (0 for sections that are not loaded).
    pub mem_size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GlibcFloor {
    /// e.g. `2.34`.
    pub version: String,
    /// The imported symbols that require exactly this version.
    pub symbols: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VersionNeed {
    pub library: String,
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClosureEntry {
    /// The name asked for (`DT_NEEDED` or the interpreter path).
    pub name: String,
    /// Where the loader would find it; `None` when it was not found on this machine.
    pub path: Option<String>,
    /// Size of the file found (symlinks followed); `None` when not found.
    pub size: Option<u64>,
    /// Which object asked for it (the binary or another library).
    pub needed_by: String,
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
pub(crate) use fixtures::{test_artifact, test_image, test_samples};
#[cfg(test)]
pub(crate) use size::test_crate;
