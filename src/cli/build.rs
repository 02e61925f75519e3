//! Cargo's build flags, as cargo spells them, and what they become in [`BuildOptions`].

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::options::{BuildOptions, LinkChoice, ProbeOptions};

#[derive(Debug, Args)]
#[command(next_help_heading = "Build options (as cargo's)")]
pub(super) struct BuildArgs {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    pub(super) manifest_path: Option<PathBuf>,

    /// Package(s) to check
    #[arg(short, long = "package", value_name = "SPEC")]
    pub(super) package: Vec<String>,

    /// Check all packages in the workspace (also with -p, as cargo builds them all then)
    #[arg(long)]
    pub(super) workspace: bool,

    /// Exclude packages from the build (with --workspace; globs as with -p)
    #[arg(long, value_name = "SPEC", requires = "workspace")]
    pub(super) exclude: Vec<String>,

    /// Check only the named binary (repeatable); default: every binary target
    #[arg(long, value_name = "NAME")]
    pub(super) bin: Vec<String>,

    /// Check all binaries (the default; with --bin, all of them still)
    #[arg(long)]
    pub(super) bins: bool,

    /// Space or comma separated list of features to activate
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub(super) features: Vec<String>,

    /// Activate all available features
    #[arg(long)]
    pub(super) all_features: bool,

    /// Do not activate the `default` feature
    #[arg(long)]
    pub(super) no_default_features: bool,

    /// Build artifacts in release mode, with optimizations (the default already: the
    /// profile is `release` unless --profile names another)
    #[arg(short, long, conflicts_with = "profile")]
    pub(super) release: bool,

    /// Build with the given profile [default: release]
    #[arg(long, value_name = "PROFILE-NAME")]
    pub(super) profile: Option<String>,

    /// Number of parallel jobs, defaults to # of CPUs (passed to every cargo build; the tool's own
    /// threads keep to it too)
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(super) jobs: Option<u32>,

    /// Target triple [default: the host's]
    #[arg(long, value_name = "TRIPLE")]
    pub(super) target: Option<String>,

    // The help text is clap's: its `<...>` is no HTML.
    #[allow(rustdoc::invalid_html_tags)]
    /// Directory for our builds [default: <workspace target dir>/aotcheck]
    #[arg(long, value_name = "DIRECTORY")]
    pub(super) target_dir: Option<PathBuf>,

    /// Assert that `Cargo.lock` will remain unchanged
    #[arg(long)]
    pub(super) locked: bool,

    /// Equivalent to specifying both --locked and --offline
    #[arg(long)]
    pub(super) frozen: bool,

    /// Run without accessing the network
    #[arg(long)]
    pub(super) offline: bool,

    /// Which binary to build: static (default), dynamic (the regular build), or both
    #[arg(long, value_enum, value_name = "MODE", conflicts_with = "compare")]
    pub(super) link: Option<LinkArg>,

    /// Build both the static and the regular binary (same as --link both)
    #[arg(long)]
    pub(super) compare: bool,

    /// Read settings from this TOML file (keys as in [package.metadata.aotcheck]); applied last
    #[arg(long, value_name = "FILE")]
    pub(super) config_file: Option<PathBuf>,

    /// Also run each static binary with HOME unset, as an unknown uid and with extra NSS
    /// modules, to reproduce static-glibc crashes (needs root or user namespaces); a failure
    /// is checked against the dynamic build, built then unless --compare built it
    #[arg(long)]
    pub(super) hostile: bool,

    /// Skip the hostile runs even where the config asks for them (`hostile = true`)
    #[arg(long, conflicts_with = "hostile")]
    pub(super) no_hostile: bool,

    // The help text is clap's: its `<...>` is no HTML.
    #[allow(rustdoc::invalid_html_tags)]
    /// Write an OCI image of each binary (layout and a `docker load`-able .tar) and start it
    /// inside the image [default: <target dir>/aotcheck/image]
    #[arg(long, value_name = "DIR", num_args = 0..=1, global = true, help_heading = "Container image")]
    pub(super) image: Option<Option<PathBuf>>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum LinkArg {
    Static,
    Dynamic,
    Both,
}

impl From<BuildArgs> for BuildOptions {
    fn from(a: BuildArgs) -> Self {
        let link = match (a.compare, a.link) {
            (true, _) | (_, Some(LinkArg::Both)) => LinkChoice::Compare,
            (_, Some(LinkArg::Dynamic)) => LinkChoice::Dynamic,
            _ => LinkChoice::Static,
        };
        BuildOptions {
            manifest_path: a.manifest_path,
            packages: a.package,
            workspace: a.workspace,
            exclude: a.exclude,
            bins: a.bin,
            all_bins: a.bins,
            features: a
                .features
                .iter()
                .flat_map(|f| f.split([' ', ',']))
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            all_features: a.all_features,
            no_default_features: a.no_default_features,
            profile: a.profile.unwrap_or_else(|| "release".into()),
            jobs: a.jobs,
            target: a.target,
            target_dir: a.target_dir,
            locked: a.locked || a.frozen,
            frozen: a.frozen,
            offline: a.offline || a.frozen,
            link,
            config_file: a.config_file,
            hostile: match (a.hostile, a.no_hostile) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            probe: ProbeOptions::default(),
            image: a.image,
        }
    }
}
