//! The library's own options: what `cli.rs` converts clap's parse into. No clap types here.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
}

/// Which binaries to build: static (the default), the regular dynamic one, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkChoice {
    #[default]
    Static,
    Dynamic,
    Compare,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildOptions {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub workspace: bool,
    pub bins: Vec<String>,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub profile: String,
    /// `None`: the host triple.
    pub target: Option<String>,
    pub target_dir: Option<PathBuf>,
    pub locked: bool,
    pub frozen: bool,
    pub offline: bool,
    pub link: LinkChoice,
    /// `--config-file`: the same keys as `[package.metadata.aotcheck]`, applied last.
    pub config_file: Option<PathBuf>,
    /// `--hostile`: run static binaries under conditions that expose static-glibc hazards.
    pub hostile: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Build the project and report on its binaries.
    Check(BuildOptions),
    /// Report on binaries that already exist.
    Inspect { files: Vec<PathBuf> },
    /// Print a rule of the audit's catalogue, or list them all.
    Explain { rule: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub command: Command,
    pub format: Format,
    pub color: ColorChoice,
    pub verbosity: Verbosity,
    /// Where the bytes go: `--crates`, `--symbols`, `-n`, `--filter`, `--split-std`.
    pub size: crate::attribute::Settings,
    pub gate: GateOptions,
}

/// The release gate's flags: which baseline to compare with, where to save one, how to exit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateOptions {
    /// `--baseline FILE`: a report saved by `--save-baseline`.
    pub baseline: Option<PathBuf>,
    /// `--baseline-ref REV`: build this git revision in a temporary worktree and compare.
    pub baseline_ref: Option<String>,
    /// `--save-baseline [FILE]`; `Some(None)`: `aotcheck-baseline.json` beside the workspace
    /// manifest.
    pub save_baseline: Option<Option<PathBuf>>,
    /// `--warn-only`: report failed checks but exit 0.
    pub warn_only: bool,
}
