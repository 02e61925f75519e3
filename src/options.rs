//! The library's own options: what `cli.rs` converts clap's parse into. No clap types here.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
    /// One self-contained HTML page: charts, a treemap of the bytes, the gate.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// `-q`, nothing, `-v`, `-vv` (or more, counted as cargo counts them). Ordered: a check for
/// verbose output is `>= Verbosity::Verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    Quiet,
    #[default]
    Normal,
    Verbose,
    /// `-vv`: cargo's very verbose output (build scripts' output); ours is as with `-v`.
    VeryVerbose,
}

impl Verbosity {
    /// How many `--verbose` flags cargo gets: as many as were given (cargo's own counting).
    pub fn cargo_verbose(self) -> u8 {
        match self {
            Verbosity::Quiet | Verbosity::Normal => 0,
            Verbosity::Verbose => 1,
            Verbosity::VeryVerbose => 2,
        }
    }
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
    /// `--workspace`: every member, whatever `-p` says (as cargo), but those `exclude` names.
    pub workspace: bool,
    /// `--exclude SPEC` (names, `name@version` or globs, as `-p`); only with `workspace`.
    pub exclude: Vec<String>,
    pub bins: Vec<String>,
    /// `--bins`: every binary target of the selected packages, also when `bins` names some.
    pub all_bins: bool,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub profile: String,
    /// `-j/--jobs N` for every cargo build of the run; `None`: cargo's default.
    pub jobs: Option<u32>,
    /// `None`: the host triple.
    pub target: Option<String>,
    pub target_dir: Option<PathBuf>,
    pub locked: bool,
    pub frozen: bool,
    pub offline: bool,
    pub link: LinkChoice,
    /// `--config-file`: the same keys as `[package.metadata.aotcheck]`, applied last.
    pub config_file: Option<PathBuf>,
    /// `--hostile` (`Some(true)`) or `--no-hostile` (`Some(false)`): whether static binaries
    /// run under conditions that expose static-glibc hazards; `None` leaves it to the config.
    pub hostile: Option<bool>,
    /// The startup probe after the build.
    pub probe: ProbeOptions,
    /// `--image [DIR]`: write an OCI image of each built binary; `Some(None)`: under the
    /// target dir (`<target dir>/aotcheck/image`).
    pub image: Option<Option<PathBuf>>,
}

// One `Options` per process: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Build the project and report on its binaries.
    Check(BuildOptions),
    /// Report on binaries that already exist.
    Inspect {
        files: Vec<PathBuf>,
        /// `-j N`: files inspected at once, and threads for each (see `crate::threads`).
        jobs: Option<u32>,
    },
    /// Print a rule of the audit's catalogue, or list them all.
    Explain { rule: Option<String> },
    /// Build variants of the profile and of the features, and tell what each saves.
    Advise(AdviseOptions),
}

/// `cargo aotcheck advise`: the build selection, which knobs to try, how many jobs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdviseOptions {
    /// What to build, as for the main command (always linked statically).
    pub build: BuildOptions,
    /// `--knobs`: the knobs to try, by id (`lto=fat`, `features`, ...), checked against the
    /// catalogue when parsed; empty: every knob and the features.
    pub knobs: Vec<String>,
    /// `--jobs`: passed to every cargo build (the same as `build.jobs`).
    pub jobs: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub command: Command,
    pub format: Format,
    /// `--output FILE`: the report goes to this file (whole, or not at all) instead of stdout.
    pub output: Option<PathBuf>,
    pub color: ColorChoice,
    pub verbosity: Verbosity,
    /// Where the bytes go: `--symbols`, `-n`, `--filter`, `--split-std`.
    pub size: SizeOptions,
    /// `--crates`: list every crate in the human report, not only the largest.
    pub all_crates: bool,
    pub gate: GateOptions,
}

impl Options {
    /// `-j N` of whichever command: its builds' jobs and the tool's own threads.
    pub fn jobs(&self) -> Option<u32> {
        match &self.command {
            Command::Inspect { jobs, .. } => *jobs,
            Command::Check(build) => build.jobs,
            Command::Advise(a) => a.jobs,
            Command::Explain { .. } => None,
        }
    }
}

/// How many symbol rows go into the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolCount {
    /// The largest N symbols.
    Top(usize),
    /// Every row, fallback labels included: their file sizes sum to the file's size.
    All,
}

impl Default for SymbolCount {
    fn default() -> Self {
        SymbolCount::Top(10)
    }
}

/// What the attribution reports (`--symbols`, `-n`, `--filter`, `--split-std`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SizeOptions {
    pub symbols: SymbolCount,
    /// Only symbols of this crate in `symbols`.
    pub filter: Option<String>,
    /// Keep std, core, alloc and the sysroot's other crates apart instead of folding them
    /// into `std`.
    pub split_std: bool,
    /// `--why PATTERN`: the chains of references that keep a crate or symbols in the binary.
    pub why: Option<String>,
    /// `--graph`: `inspect` builds the reference graph of a binary with no Rust symbol too.
    pub graph: bool,
    /// The largest symbols of each crate (`binary.crate_symbols`), for the HTML page's map of
    /// the bytes; `None`: not reported.
    pub crate_symbols: Option<SymbolMap>,
    /// `inspect --target-dir DIR`: the main command's `--target-dir` (or cargo's target dir),
    /// where the analysis link of a stripped copy's build is looked for.
    pub target_dir: Option<std::path::PathBuf>,
}

/// How many symbols per crate, and in all, `binary.crate_symbols` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolMap {
    pub per_crate: usize,
    pub total: usize,
}

impl SymbolMap {
    /// What the HTML page draws: enough to see where the bytes go, few enough that the page of
    /// a binary of ripgrep's size stays well under 2 MiB.
    pub const PAGE: SymbolMap = SymbolMap {
        per_crate: 40,
        total: 1200,
    };
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

/// The exit statuses an `exit` readiness times (`exit`: 0; `exit:1`, `exit:0,1`, `exit:any`):
/// a diff-like tool exits 1 when it found a difference (QA bu F2: `delta A B`). A run that
/// ends with another status, or by a signal, fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitOk([u64; 4]);

impl ExitOk {
    /// 0 alone.
    pub const ZERO: ExitOk = ExitOk([1, 0, 0, 0]);
    const ANY: ExitOk = ExitOk([u64::MAX; 4]);

    pub fn accepts(&self, code: i32) -> bool {
        u8::try_from(code).is_ok_and(|c| self.0[usize::from(c / 64)] >> (c % 64) & 1 == 1)
    }

    /// The statuses after `exit:`: `1`, `0,1` or `any`.
    fn parse(list: &str) -> Result<ExitOk, String> {
        if list == "any" {
            return Ok(ExitOk::ANY);
        }
        let mut ok = ExitOk([0; 4]);
        for c in list.split(',') {
            let code: u8 = c.trim().parse().map_err(|_| {
                format!(
                    "`exit:{list}`: expected exit statuses 0 to 255 (`exit:1`, `exit:0,1`) or \
                     `exit:any`"
                )
            })?;
            ok.0[usize::from(code / 64)] |= 1 << (code % 64);
        }
        Ok(ok)
    }
}

impl std::fmt::Display for ExitOk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self == ExitOk::ANY {
            return f.write_str("any");
        }
        let codes: Vec<String> = (0..=255u8)
            .filter(|&c| self.accepts(i32::from(c)))
            .map(|c| c.to_string())
            .collect();
        f.write_str(&codes.join(","))
    }
}

/// How the startup probe decides that a started program is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ready {
    /// The process exits with one of these statuses (another status, or a signal, is
    /// reported, not timed).
    Exit(ExitOk),
    /// A line on stdout or stderr matches this regular expression (validated when parsed).
    Line(String),
    /// A TCP connect to 127.0.0.1 succeeds; `None`: the free port handed in `PORT`.
    Tcp(Option<u16>),
    /// An HTTP/1.0 GET of `path` on 127.0.0.1 answers `status`, or any 2xx/3xx when `None`.
    Http {
        port: Option<u16>,
        path: String,
        status: Option<u16>,
    },
}

impl Ready {
    /// `exit`: the process exits with status 0.
    pub const EXIT: Ready = Ready::Exit(ExitOk::ZERO);

    /// An `exit` readiness, with any statuses.
    pub fn is_exit(&self) -> bool {
        matches!(self, Ready::Exit(_))
    }

    /// Parse `exit[:STATUS,...|:any]`, `line:REGEX`, `tcp[:PORT]`,
    /// `http[:PORT][/PATH][#STATUS]`. Without a port, `http` is followed directly by its path
    /// or status: `http/health`, `http#204` (`http:/health` too).
    pub fn parse(s: &str) -> Result<Ready, String> {
        if let Some(rest) = s.strip_prefix("http://") {
            return parse_url(rest);
        }
        if s.starts_with("https:") {
            return Err(format!(
                "`{s}`: the probe asks in plain HTTP/1.0 (`http://127.0.0.1:PORT/PATH`)"
            ));
        }
        if let Some(rest) = s.strip_prefix("http")
            && (rest.is_empty() || rest.starts_with([':', '/', '#']))
        {
            return parse_http(rest.strip_prefix(':').unwrap_or(rest));
        }
        let (kind, rest) = match s.split_once(':') {
            Some((k, r)) => (k, Some(r)),
            None => (s, None),
        };
        match (kind, rest) {
            ("exit", None) => Ok(Ready::EXIT),
            ("exit", Some(list)) => ExitOk::parse(list).map(Ready::Exit),
            ("line", Some(re)) if !re.is_empty() => match crate::spelling::invalid_regex(re) {
                None => Ok(Ready::Line(re.to_string())),
                Some(e) => Err(format!("`{re}` is not a valid regular expression ({e})")),
            },
            ("line", _) => Err("`line` needs a regular expression: `line:REGEX`".into()),
            ("tcp", None) => Ok(Ready::Tcp(None)),
            ("tcp", Some(p)) => match p.rsplit_once(':') {
                // `tcp:127.0.0.1:8080`, as a URL's authority is written (QA ca F3).
                Some((host, port)) => local(host, port, s).map(Ready::Tcp),
                None => parse_port_or_free(p).map(Ready::Tcp),
            },
            _ => Err(format!(
                "`{s}`: expected `exit[:STATUS,...]`, `line:REGEX`, `tcp[:PORT]` or \
                 `http[:PORT][/PATH][#STATUS]`"
            )),
        }
    }

    /// The fixed port the program is expected to listen on, when the user named one.
    /// A `tcp` or `http` readiness: ready when a port accepts.
    pub fn waits_on_port(&self) -> bool {
        matches!(self, Ready::Tcp(_) | Ready::Http { .. })
    }

    /// The same readiness on `port` when it waits for one (an image's start inside).
    pub fn on_port(&self, port: u16) -> Ready {
        match self {
            Ready::Tcp(_) => Ready::Tcp(Some(port)),
            Ready::Http { path, status, .. } => Ready::Http {
                port: Some(port),
                path: path.clone(),
                status: *status,
            },
            other => other.clone(),
        }
    }

    pub fn fixed_port(&self) -> Option<u16> {
        match self {
            Ready::Tcp(p) | Ready::Http { port: p, .. } => *p,
            Ready::Exit(_) | Ready::Line(_) => None,
        }
    }
}

impl std::fmt::Display for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ready::Exit(ok) if *ok == ExitOk::ZERO => f.write_str("exit"),
            Ready::Exit(ok) => write!(f, "exit:{ok}"),
            Ready::Line(re) => write!(f, "line:{re}"),
            Ready::Tcp(None) => f.write_str("tcp"),
            Ready::Tcp(Some(p)) => write!(f, "tcp:{p}"),
            // As short as the grammar lets it be written: `http`, `http/health`, `http:8080/`
            // (QA am F7: `ready: http:/` for a plain `--ready http`).
            Ready::Http { port, path, status } => {
                f.write_str("http")?;
                match port {
                    Some(p) => write!(f, ":{p}{path}")?,
                    None if path == "/" => {}
                    None => f.write_str(path)?,
                }
                if let Some(s) = status {
                    write!(f, "#{s}")?;
                }
                Ok(())
            }
        }
    }
}

/// What follows `http` and its optional `:`: `[PORT][/PATH][#STATUS]`.
fn parse_http(rest: &str) -> Result<Ready, String> {
    // The status after `#`: a fragment is never sent to a server, so `#` cannot be part of a
    // request path and the split is unambiguous.
    let (rest, status) = match rest.rsplit_once('#') {
        Some((r, st)) => match st.parse::<u16>() {
            Ok(n) if (100..=599).contains(&n) => (r, Some(n)),
            _ => return Err(format!("`{st}` is not an HTTP status (100-599)")),
        },
        None => (rest, None),
    };
    let (port, path) = match rest.find('/') {
        Some(0) => (None, rest),
        Some(i) => (parse_port_or_free(&rest[..i])?, &rest[i..]),
        None if rest.is_empty() => (None, "/"),
        None => (parse_port_or_free(rest)?, "/"),
    };
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{path}`: a request path has no spaces or controls"
        ));
    }
    Ok(Ready::Http {
        port,
        path: path.to_string(),
        status,
    })
}

/// `http://HOST:PORT/PATH[#STATUS]` after its scheme, for a host of this machine: the form a
/// user types first, which was read as the path `//HOST:PORT/` on the free port and waited
/// out every run's timeout (QA ca F3).
fn parse_url(rest: &str) -> Result<Ready, String> {
    let (authority, path) = rest.split_at(rest.find(['/', '#']).unwrap_or(rest.len()));
    let whole = format!("http://{rest}");
    let Some((host, port)) = authority
        .rsplit_once(':')
        .filter(|(h, _)| !h.ends_with(':'))
    else {
        return Err(format!(
            "`{whole}` names no port: write `http://{authority}:PORT{path}`, or \
             `http{path}` to wait on the free port handed to the program in `PORT`"
        ));
    };
    let port = local(host, port, &whole)?;
    match parse_http(path)? {
        Ready::Http { path, status, .. } => Ok(Ready::Http { port, path, status }),
        other => Ok(other),
    }
}

/// The port of `HOST:PORT` when HOST is this machine, where the probe connects (127.0.0.1,
/// else `[::1]`); `{port}` is the free port the probe hands the program.
fn local(host: &str, port: &str, whole: &str) -> Result<Option<u16>, String> {
    if !["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::]"].contains(&host) {
        return Err(format!(
            "`{whole}`: the probe waits on the program it started, on this machine (127.0.0.1 \
             or [::1]), not on `{host}`"
        ));
    }
    parse_port_or_free(port)
}

/// A port, or `{port}`: the free one the probe hands the program, as in `--probe-arg`.
fn parse_port_or_free(s: &str) -> Result<Option<u16>, String> {
    match s {
        "{port}" => Ok(None),
        _ => parse_port(s).map(Some),
    }
}

fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("`{s}` is not a TCP port (1-65535)")),
    }
}

/// What the startup probe does, as the command line or one configuration layer gives it. Every
/// field is "not given" until set, so that layers merge ([`ProbeOptions::or`]) before
/// `config::resolve` applies the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProbeOptions {
    /// `Some(false)`: `--no-probe`.
    pub enabled: Option<bool>,
    pub ready: Option<Ready>,
    pub runs: Option<u32>,
    pub warmup: Option<u32>,
    /// Per-run limit from spawn to ready.
    pub timeout: Option<std::time::Duration>,
    /// Between SIGTERM and SIGKILL.
    pub grace: Option<std::time::Duration>,
    /// Arguments passed verbatim (no shell); `{port}` is replaced by the port handed in `PORT`.
    pub args: Option<Vec<String>>,
    /// Extra environment; `{port}` in values is replaced as in `args`.
    pub env: Option<Vec<(String, String)>>,
}

#[path = "options_probe.rs"]
mod probe;
pub use probe::users_port;

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
