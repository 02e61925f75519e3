//! The plan of a `check` run: the command line and every configuration layer, resolved once
//! (by `config::resolve`) into what each stage reads. Nothing after resolution reads
//! the raw configuration again, and every error in it was an error at load.
//!
//! Per binary ([`BinPlan`]): the probe's settings with the command line laid over the config,
//! whether hostile runs are wanted, the audit's policy, the budgets and the thresholds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::options::{BuildOptions, Ready, SizeOptions};
use crate::report::{Artifact, BuildInfo, LinkMode, Severity};
use crate::toolchain::Toolchain;
use crate::workspace::{BinTarget, Workspace};

/// Everything a `check` run does, decided before the first build.
pub struct Plan {
    /// The build selection as given (cargo's own flags).
    pub options: BuildOptions,
    pub toolchain: Toolchain,
    /// The target triple built for (`--target`, else the host).
    pub target: String,
    pub workspace: Workspace,
    /// What the attribution reports.
    pub size: SizeOptions,
    /// The builds to make, static first.
    pub links: Vec<LinkMode>,
    pub dirs: Dirs,
    /// Every binary target selected, in the workspace's order.
    pub bins: Vec<BinPlan>,
    /// How cargo's own output is shown.
    pub ui: BuildUi,
    /// What the configuration says that may not do what was meant (a crate in `allow` or
    /// `deny` that is in no dependency graph checked); the run goes on.
    pub warnings: Vec<String>,
    /// The profile's settings and the user's rustflags the builds are made with.
    pub settings: BuildSettings,
}

/// How cargo is told to build, beyond the profile's name: what a baseline compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSettings {
    /// The profile's settings `advise`'s knobs touch (`lto`, `opt-level`, ...), as
    /// [`crate::profile::resolve`] reads them; `None` when it could not.
    pub profile: Option<std::collections::BTreeMap<String, String>>,
    /// The user's own rustflags (`RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS`, `build.rustflags`,
    /// `target.*.rustflags`), without the tool's: what every build passes on, read once.
    pub rustflags: crate::rustflags::UserFlags,
}

/// Where each stage keeps its files: all under `<target dir>/aotcheck` (or `--target-dir`), so
/// the user's own builds stay cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub static_build: PathBuf,
    pub dynamic_build: PathBuf,
    /// The spawn-floor program and the exec gate of the probe.
    pub probe_floor: PathBuf,
    /// Scratch files of hostile runs (a private `nsswitch.conf`).
    pub hostile: PathBuf,
    /// The target dir of `--baseline-ref`'s build, kept between runs.
    pub baseline_ref: PathBuf,
    /// The binaries `--save-baseline` keeps to probe again beside a later run (`gate::kept`).
    pub baseline_bins: PathBuf,
    /// Where `--image` writes: `<this>/<package>/<bin>/<link mode>` (`--image DIR` replaces it).
    pub image: PathBuf,
    /// Scratch files of the image stage (traces, unpacked root filesystems), removed after.
    pub image_scratch: PathBuf,
    /// `advise`: its shared cargo target dir and each variant's binaries, kept between runs.
    pub advise: PathBuf,
}

impl Dirs {
    /// `--target-dir DIR` puts our builds in `DIR/{static,dynamic}`; otherwise they go to
    /// `<workspace target dir>/aotcheck/{static,dynamic}`.
    /// A relative `DIR` is taken from the working directory, as cargo takes it, and made
    /// absolute here: cargo's messages name absolute paths, which are matched against these.
    pub fn new(target_dir: Option<&Path>, workspace_target: &Path) -> Self {
        let base = target_dir.map_or_else(
            || workspace_target.join("aotcheck"),
            |d| std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()),
        );
        Dirs {
            static_build: base.join(LinkMode::Static.as_str()),
            dynamic_build: base.join(LinkMode::Dynamic.as_str()),
            probe_floor: base.join("probe-floor"),
            hostile: base.join("hostile"),
            baseline_ref: base.join("baseline-ref"),
            baseline_bins: base.join("baseline-bins"),
            image: base.join("image"),
            image_scratch: base.join("image-scratch"),
            advise: base.join("advise"),
        }
    }

    pub fn build(&self, link: LinkMode) -> &Path {
        match link {
            LinkMode::Static => &self.static_build,
            LinkMode::Dynamic => &self.dynamic_build,
        }
    }
}

/// How cargo's output reaches the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuildUi {
    /// `--color always` for cargo (our stderr is a coloured terminal).
    pub color: bool,
    /// Cargo's progress bar, this wide (our stderr is a terminal and we are not quiet).
    pub progress_width: Option<u16>,
    pub quiet: bool,
    /// How many `--verbose` to pass cargo (`-v`: 1, `-vv`: 2).
    pub verbose: u8,
}

impl Plan {
    /// The plan of the binary an artifact was built from (matched by package and name).
    pub fn bin_of(&self, a: &Artifact) -> Option<&BinPlan> {
        self.bins.iter().find(|b| {
            a.package.as_deref() == Some(b.target.package.as_str()) && a.name == b.target.name
        })
    }

    /// What the report records of how it was built.
    pub fn build_info(&self) -> BuildInfo {
        BuildInfo {
            rustc: self.toolchain.rustc_version.clone(),
            target: self.target.clone(),
            profile: self.options.profile.clone(),
            features: self.options.features.clone(),
            all_features: self.options.all_features,
            no_default_features: self.options.no_default_features,
            workspace_root: self.workspace.root().display().to_string(),
            enabled: self
                .bins
                .iter()
                .filter_map(|b| {
                    let mut f = self.workspace.enabled(&b.target.package_id)?;
                    f.sort();
                    Some((b.target.package.clone(), f))
                })
                .collect(),
            crate_inputs: crate::workspace::crate_inputs(
                &self.workspace.metadata,
                &self
                    .bins
                    .iter()
                    .map(|b| &b.target.package_id)
                    .collect::<Vec<_>>(),
            ),
            // Plain values (`thin`, `3`), not TOML's literals (`"thin"`): what a script
            // compares (QA bv F3).
            profile_settings: self
                .settings
                .profile
                .iter()
                .flatten()
                .map(|(k, v)| {
                    let plain = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                    (k.clone(), plain.unwrap_or(v).to_string())
                })
                .collect(),
            rustflags: self.settings.rustflags.flags.clone(),
        }
    }
}

/// One binary target and everything configured for it.
#[derive(Debug, Clone)]
pub struct BinPlan {
    pub target: BinTarget,
    /// `None`: not probed (`--no-probe`).
    pub probe: Option<ProbeSettings>,
    /// Hostile runs of its static build (`--hostile`, or `hostile = true`).
    pub hostile: bool,
    /// How it is started and waited for: the probe's settings, also under `--no-probe`
    /// (which allows `--ready` and `--probe-timeout` with `--hostile`). The hostile runs and
    /// the image's entrypoint and port read them.
    pub start: ProbeSettings,
    pub audit: AuditPolicy,
    pub budgets: Budgets,
    pub thresholds: Thresholds,
    /// What its image holds and how it starts (used with `--image`).
    pub image: ImageSettings,
}

/// `[package.metadata.aotcheck.image]` with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSettings {
    pub user: ImageUser,
    /// Where the binary goes in the image (absolute); default `/app/<bin>`.
    pub path: String,
    /// The image's working directory; default `/app`.
    pub workdir: String,
    /// ENTRYPOINT's arguments after the binary; `None`: the probe's arguments.
    pub args: Option<Vec<String>>,
    /// The image's environment beside `PATH`.
    pub env: Vec<(String, String)>,
    /// The exposed TCP port; `{port}` in arguments and environment becomes it.
    pub port: Option<u16>,
    pub labels: BTreeMap<String, String>,
    /// Extra files: the path in the image and the file on this machine.
    pub files: Vec<(String, PathBuf)>,
    /// Strip symbols and debug info from the binary in the image (the file in the target
    /// dir keeps them).
    pub strip: bool,
}

impl ImageSettings {
    /// The defaults for binary `bin`.
    pub fn for_bin(bin: &str) -> Self {
        ImageSettings {
            // distroless' and ko's non-root user.
            user: ImageUser::numeric(65532, 65532),
            path: format!("/app/{bin}"),
            workdir: "/app".into(),
            args: None,
            env: Vec::new(),
            port: None,
            labels: BTreeMap::new(),
            files: Vec::new(),
            strip: true,
        }
    }
}

/// The user an image runs as: numeric ids (as the image config and the tar hold them) and the
/// name its `/etc/passwd` entry gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUser {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
}

impl ImageUser {
    /// The names known without a passwd file to look them up in.
    const KNOWN: [(&'static str, u32); 3] = [("root", 0), ("nonroot", 65532), ("nobody", 65534)];

    /// `UID`, `UID:GID`, or a known name (`root`, `nonroot`, `nobody`).
    pub fn parse(s: &str) -> Result<ImageUser, String> {
        let s = s.trim();
        if let Some((_, id)) = Self::KNOWN.iter().find(|(n, _)| *n == s) {
            return Ok(ImageUser::numeric(*id, *id));
        }
        let (u, g) = s.split_once(':').unwrap_or((s, s));
        match (u.parse::<u32>(), g.parse::<u32>()) {
            (Ok(uid), Ok(gid)) => Ok(ImageUser::numeric(uid, gid)),
            _ => Err(format!(
                "`{s}` is neither a uid (a number, or `UID:GID`) nor a known name (root, \
                 nonroot, nobody)"
            )),
        }
    }

    /// The user of these ids, named `root`, `nonroot`, `nobody`, or else `app`.
    pub fn numeric(uid: u32, gid: u32) -> ImageUser {
        let name = Self::KNOWN
            .iter()
            .find(|(_, id)| *id == uid)
            .map_or("app", |(n, _)| n);
        ImageUser {
            uid,
            gid,
            name: name.to_string(),
        }
    }

    /// `65532:65532`, as the image config's `User` holds it.
    pub fn ids(&self) -> String {
        format!("{}:{}", self.uid, self.gid)
    }
}

/// How the startup probe (and the hostile runs) start a binary and decide it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    pub ready: Ready,
    /// Counted runs.
    pub runs: u32,
    /// Runs before the counted ones.
    pub warmup: u32,
    /// Per-run limit from spawn to ready.
    pub timeout: Duration,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Arguments passed verbatim (no shell); `{port}` is replaced by the port handed in `PORT`.
    pub args: Vec<String>,
    /// Extra environment; `{port}` in values is replaced as in `args`.
    pub env: Vec<(String, String)>,
}

impl ProbeSettings {
    pub const DEFAULT_RUNS: u32 = 20;
    pub const DEFAULT_WARMUP: u32 = 3;
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            ready: Ready::EXIT,
            runs: Self::DEFAULT_RUNS,
            warmup: Self::DEFAULT_WARMUP,
            timeout: Self::DEFAULT_TIMEOUT,
            grace: Self::DEFAULT_GRACE,
            args: Vec::new(),
            env: Vec::new(),
        }
    }
}

/// `allow = [{ rule = "AOT004", crate = "users", reason = "only reads $USER" }]`
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub rule: String,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    pub reason: String,
}

/// What the audit may report and how severely: allowances, severity overrides, denied crates.
/// Rule ids were checked against the catalogue when the configuration was loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditPolicy {
    pub allow: Vec<Allow>,
    pub severity: BTreeMap<String, Severity>,
    pub deny: Vec<String>,
}

/// Absolute limits of one binary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    pub max_file_size: Option<u64>,
    pub max_stripped_size: Option<u64>,
    pub max_closure_size: Option<u64>,
    pub max_startup: Option<Duration>,
    pub max_rss: Option<u64>,
    pub require_static: Option<bool>,
    pub allowed_libraries: Option<Vec<String>>,
    pub max_glibc: Option<GlibcVersion>,
    /// What a pull of the image transfers (manifest, config and layer), with `--image`.
    pub max_image_size: Option<u64>,
}

/// A glibc version such as `2.28`, as numbers (to compare) and as written (to print).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlibcVersion {
    pub parts: Vec<u32>,
    pub written: String,
}

impl GlibcVersion {
    /// `"2.28"` (or `GLIBC_2.28`) → `[2, 28]`; two or three numeric parts, else `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let v = s.trim_start_matches("GLIBC_");
        let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
        parts
            .filter(|p| (2..=3).contains(&p.len()))
            .map(|parts| GlibcVersion {
                parts,
                written: s.to_string(),
            })
    }
}

/// Regression thresholds against a baseline; fractions (0.05 = 5%) and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub size_warn: f64,
    pub size_fail: f64,
    pub size_fail_min: u64,
    pub memory_fail: f64,
    pub memory_fail_min: u64,
    pub startup_fail: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            size_warn: 0.01,
            size_fail: 0.05,
            size_fail_min: 4 * 1024,
            memory_fail: 0.10,
            memory_fail_min: 256 * 1024,
            startup_fail: 0.10,
        }
    }
}
