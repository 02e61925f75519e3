//! The library's own options: what `cli.rs` converts clap's parse into. No clap types here.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Build the project and report on its binaries.
    Check(BuildOptions),
    /// Report on binaries that already exist.
    Inspect { files: Vec<PathBuf> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub command: Command,
    pub format: Format,
    pub color: ColorChoice,
    pub verbosity: Verbosity,
    /// Where the bytes go: `--crates`, `--symbols`, `-n`, `--filter`, `--split-std`.
    pub size: crate::attribute::Settings,
}
