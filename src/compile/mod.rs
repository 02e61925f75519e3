//! Drives `cargo build` for a static (or regular) binary and returns what it produced.
//!
//! Cargo's human diagnostics and progress are passed through to the given writer as they come;
//! the artifacts come from the JSON stream on cargo's stdout.

pub mod collision;
mod failure;
pub mod link;
pub mod linked;
mod once;
mod relay;
mod variant;

pub use variant::{Failed, Variation, build_variant};

pub use link::analysis_dir;

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{Message, PackageId, TargetKind};

use crate::error::{Error, Result};
use crate::options::BuildOptions;
use crate::output::Output;
use crate::plan::Plan;
use crate::report::LinkMode;
use crate::toolchain::{Toolchain, check_static_glibc};
use crate::workspace::BinTarget;

/// One build we ask cargo for.
struct BuildRequest<'a> {
    pub opts: &'a BuildOptions,
    pub toolchain: &'a Toolchain,
    pub target: &'a str,
    pub link: LinkMode,
    /// Our own target dir, so the user's builds are not invalidated.
    pub target_dir: PathBuf,
    /// Pass `--color always` and cargo's progress bar through (our stderr is a terminal).
    pub color: bool,
    pub progress_width: Option<u16>,
    pub quiet: bool,
    /// How many `--verbose` for cargo.
    pub verbose: u8,
    /// What this build changes from the plan's (`advise`'s variants); empty for `check`.
    pub variation: &'a Variation,
    /// The user's own rustflags, read once with the plan.
    pub user: &'a crate::rustflags::UserFlags,
}

#[derive(Debug, Clone)]
pub struct BuiltBinary {
    pub package_id: PackageId,
    pub name: String,
    pub path: PathBuf,
    /// The features of its package this unit was built with, as cargo resolved them.
    pub features: Vec<String>,
}

/// What a build script of the target build said (its native libraries and output dir).
#[derive(Debug, Clone)]
pub struct BuildScriptRun {
    pub package_id: PackageId,
    pub linked_libs: Vec<String>,
    /// Its `rustc-link-search` values as it wrote them (`native=/opt/lib`).
    pub linked_paths: Vec<String>,
    pub out_dir: PathBuf,
}

/// A library target built for the target (an rlib, for the crate attribution of symbols).
#[derive(Debug, Clone)]
pub struct BuiltLibrary {
    pub package_id: PackageId,
    /// The crate name as rustc spells it (`libz_sys`).
    pub crate_name: String,
    /// The features this unit was built with. Unlike `cargo metadata`'s resolve, which unifies
    /// a crate's features over the target and the build host, these are the linked copy's.
    pub features: Vec<String>,
    pub filenames: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Built {
    pub link: LinkMode,
    pub binaries: Vec<BuiltBinary>,
    pub libraries: Vec<BuiltLibrary>,
    pub build_scripts: Vec<BuildScriptRun>,
    /// Where the user's rustflags came from, and which ones we passed.
    pub rustflags: Vec<String>,
    /// Units cargo compiled (the others were fresh): 0 when everything was up to date.
    pub compiled: usize,
}

impl Built {
    /// The executable built for `bin`, matched by package and name: two packages of a
    /// workspace may each have a binary of the same name.
    pub fn binary(&self, bin: &BinTarget) -> Option<&BuiltBinary> {
        self.binaries
            .iter()
            .find(|b| b.name == bin.name && b.package_id == bin.package_id)
    }
}

/// The compile stage: `cargo build` of the plan's binaries for one link mode, in that mode's
/// own target dir. Cargo's diagnostics and progress pass through to `out.err` as they come.
pub fn build(plan: &Plan, link: LinkMode, out: &mut Output) -> Result<Built> {
    if link == LinkMode::Static && plan.target.ends_with("-linux-gnu") {
        check_static_glibc()?;
    }
    let req = BuildRequest {
        opts: &plan.options,
        toolchain: &plan.toolchain,
        target: &plan.target,
        link,
        target_dir: plan.dirs.build(link).to_path_buf(),
        color: plan.ui.color,
        progress_width: plan.ui.progress_width,
        quiet: plan.ui.quiet,
        verbose: plan.ui.verbose,
        variation: &Variation::default(),
        user: &plan.settings.rustflags,
    };
    out.status(
        "Building",
        &format!(
            "{} binaries for {} ({} profile)",
            link.as_str(),
            plan.target,
            plan.options.profile
        ),
    );
    let done = run_cargo(&req, out.err)?;
    if !done.success {
        return Err(failure::explain(&done.stderr_tail, &done.built, &req));
    }
    Ok(done.built)
}

/// The `cargo build` command line for `req` (without the program), and its environment.
fn command(req: &BuildRequest) -> Result<Command> {
    let o = req.opts;
    let v = req.variation;
    let mut cmd = Command::new(&req.toolchain.cargo);
    cmd.arg(if v.final_unit.is_empty() {
        "build"
    } else {
        "rustc"
    })
    .arg("--message-format=json-render-diagnostics")
    .args(["--target", req.target])
    .args(["--profile", &o.profile])
    .arg("--target-dir")
    .arg(&req.target_dir);
    if let Some(m) = &o.manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    for p in &o.packages {
        cmd.args(["--package", p]);
    }
    if o.workspace {
        cmd.arg("--workspace");
    }
    for e in &o.exclude {
        cmd.args(["--exclude", e]);
    }
    // Every binary unless some are named: cargo builds the union of `--bins` and `--bin`.
    if o.bins.is_empty() || o.all_bins {
        cmd.arg("--bins");
    }
    for b in &o.bins {
        cmd.args(["--bin", b]);
    }
    if !o.features.is_empty() {
        cmd.args(["--features", &o.features.join(",")]);
    }
    for (on, flag) in [
        (o.all_features, "--all-features"),
        (o.no_default_features, "--no-default-features"),
        (o.locked, "--locked"),
        (o.frozen, "--frozen"),
        (o.offline, "--offline"),
        (req.quiet, "--quiet"),
    ] {
        if on {
            cmd.arg(flag);
        }
    }
    for _ in 0..req.verbose {
        cmd.arg("--verbose");
    }
    cmd.args(["--color", if req.color { "always" } else { "never" }]);
    if let Some(w) = req.progress_width {
        cmd.args(["--config", "term.progress.when='always'"]);
        cmd.args(["--config", &format!("term.progress.width={w}")]);
    }
    for c in &v.config {
        cmd.args(["--config", c]);
    }
    if let Some(j) = v.jobs.or(o.jobs) {
        cmd.args(["--jobs", &j.to_string()]);
    }
    if !v.final_unit.is_empty() {
        cmd.arg("--").args(&v.final_unit);
    }
    flags_and_linker(&mut cmd, req)?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so that an interrupt reaches cargo, rustc and build scripts
    // alike through us (see `InterruptRelay`), whoever sent it.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    Ok(cmd)
}

/// The build's rustflags (the user's, with `+crt-static` for a static build and the
/// variation's) and the linker wrapper that makes the analysis link, in `cmd`'s environment.
fn flags_and_linker(cmd: &mut Command, req: &BuildRequest) -> Result<()> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let env = |k: &str| std::env::var(k).ok();
    // The analysis link (link.rs): the same link again with `--emit-relocs`, beside the build.
    let linker = link::user_linker(&env, &cwd, req.toolchain.cargo_home.as_deref(), req.target);
    let (var, script) = link::wrapper(&req.target_dir, req.target, linker.as_deref())?;
    cmd.env(var, script);
    let crt_static = req.link == LinkMode::Static;
    let mut encoded = crate::rustflags::encoded_with_crt_static(req.user, crt_static);
    for f in &req.variation.rustflags {
        encoded.push('\x1f');
        encoded.push_str(f);
    }
    cmd.env("CARGO_ENCODED_RUSTFLAGS", encoded);
    Ok(())
}

/// `cmd` as a shell line: the variables set for it, the program and its arguments.
fn shown(cmd: &Command) -> String {
    use crate::format::shell_word;
    let env = cmd.get_envs().filter_map(|(k, v)| {
        let (k, v) = (k.to_string_lossy(), v?.to_string_lossy());
        // Flags without spaces read as `RUSTFLAGS`, the form one types.
        if k == "CARGO_ENCODED_RUSTFLAGS" && !v.contains(char::is_whitespace) {
            return Some(format!("RUSTFLAGS={}", shell_word(&v.replace('\x1f', " "))));
        }
        Some(format!("{k}={}", shell_word(&v)))
    });
    let program = std::iter::once(shell_word(&cmd.get_program().to_string_lossy()));
    let args = cmd.get_args().map(|a| shell_word(&a.to_string_lossy()));
    env.chain(program).chain(args).collect::<Vec<_>>().join(" ")
}

/// What one run of cargo left: what it built, whether it succeeded, the tail of its stderr.
struct Finished {
    built: Built,
    success: bool,
    stderr_tail: String,
}

/// Run the build. Cargo's stderr goes to `diag` as it arrives (byte for byte, so progress bars
/// and colours survive); its tail is kept to explain a failure.
fn run_cargo(req: &BuildRequest, diag: &mut dyn Write) -> Result<Finished> {
    let mut cmd = command(req)?;
    // `-vv`: the command as it runs, with the environment we give it, to run by hand (QA cf F6:
    // `advise`'s variant builds were only "Building variant N/5").
    if req.verbose >= 2 {
        let _ = writeln!(diag, "     Running `{}`", shown(&cmd));
    }
    let encoded = cmd
        .get_envs()
        .find(|(k, _)| *k == "CARGO_ENCODED_RUSTFLAGS")
        .and_then(|(_, v)| v)
        .map(|v| {
            v.to_string_lossy()
                .split('\x1f')
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let spawn_error = |source| Error::Spawn {
        program: req.toolchain.cargo.display().to_string(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_error)?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let _relay = relay::InterruptRelay::start(child.id());

    // Read JSON on a thread while stderr streams here, so neither pipe can fill and stall cargo.
    let reader = std::thread::spawn(move || -> Vec<Message> {
        let Some(out) = stdout else { return Vec::new() };
        Message::parse_stream(BufReader::new(out))
            .filter_map(std::result::Result::ok)
            .collect()
    });
    let tail = stderr
        .map(|err| pass_through(err, diag))
        .unwrap_or_default();
    let status = child.wait().map_err(spawn_error)?;
    if crate::interrupt::requested() {
        relay::group_gone(child.id());
    }
    let messages = reader.join().unwrap_or_default();
    let built = collect(messages, req, encoded);
    crate::interrupt::check()?;
    if let Some(error) = killed(&status, req.link.as_str()) {
        return Err(error);
    }
    Ok(Finished {
        built,
        success: status.success(),
        stderr_tail: String::from_utf8_lossy(&tail).into_owned(),
    })
}

/// Cargo ended by a signal that was not ours (an interrupt of this tool is
/// `Error::Interrupted`): the build was stopped from outside, which says nothing of the
/// variant or the code, so the run stops with that said (QA ai, F11: it read "failed (its
/// diagnostics are above)" with nothing above, and the run went on to pass).
fn killed(status: &std::process::ExitStatus, kind: &str) -> Option<Error> {
    use std::os::unix::process::ExitStatusExt as _;
    let sig = status.signal()?;
    let name = nix::sys::signal::Signal::try_from(sig)
        .map_or_else(|_| format!("signal {sig}"), |s| s.as_str().to_string());
    let oom = match name.as_str() {
        "SIGKILL" => " (an out-of-memory kill is SIGKILL)",
        _ => "",
    };
    Some(Error::BuildFailed(format!(
        "`cargo build` of the {kind} binary was killed by {name}, from outside this tool{oom}"
    )))
}

/// Copy cargo's stderr to `diag` as it comes; return its last 128-256 KiB.
fn pass_through(mut err: impl Read, diag: &mut dyn Write) -> Vec<u8> {
    let mut tail: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match err.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // Losing the user's terminal is no reason to stop the build.
                let _ = diag.write_all(&buf[..n]);
                let _ = diag.flush();
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 256 * 1024 {
                    tail.drain(..tail.len() - 128 * 1024);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    tail
}

/// What cargo's JSON messages say was built for the target.
fn collect(messages: Vec<Message>, req: &BuildRequest, rustflags: Vec<String>) -> Built {
    let mut built = Built {
        link: req.link,
        binaries: Vec::new(),
        libraries: Vec::new(),
        build_scripts: Vec::new(),
        rustflags,
        compiled: 0,
    };
    let target_out = req.target_dir.join(
        Path::new(req.target)
            .file_stem()
            .unwrap_or(std::ffi::OsStr::new(req.target)),
    );
    let mut sources = Vec::new();
    for m in messages {
        if let Message::CompilerArtifact(a) = &m {
            built.compiled += usize::from(!a.fresh);
        }
        match m {
            Message::CompilerArtifact(a) if a.target.kind.contains(&TargetKind::Bin) => {
                if let Some(exe) = a.executable {
                    sources.push(a.target.src_path.into_std_path_buf());
                    built.binaries.push(BuiltBinary {
                        package_id: a.package_id,
                        name: a.target.name,
                        path: exe.into_std_path_buf(),
                        features: a.features,
                    });
                }
            }
            // Libraries built for the target (build dependencies land outside its folder).
            Message::CompilerArtifact(a)
                if a.target.kind.iter().any(|k| {
                    matches!(
                        k,
                        TargetKind::Lib | TargetKind::RLib | TargetKind::StaticLib
                    )
                }) && a.filenames.iter().all(|f| f.starts_with(&target_out)) =>
            {
                built.libraries.push(BuiltLibrary {
                    package_id: a.package_id,
                    crate_name: a.target.name.replace('-', "_"),
                    features: a.features,
                    filenames: a
                        .filenames
                        .into_iter()
                        .map(|f| f.into_std_path_buf())
                        .collect(),
                });
            }
            // The target's runs only: a crate that is also a build dependency runs its build
            // script a second time for the host, perhaps with other features and libraries.
            Message::BuildScriptExecuted(b) if b.out_dir.starts_with(&target_out) => {
                built.build_scripts.push(BuildScriptRun {
                    package_id: b.package_id,
                    linked_libs: b.linked_libs.iter().map(|l| l.to_string()).collect(),
                    linked_paths: b.linked_paths.iter().map(|p| p.to_string()).collect(),
                    out_dir: b.out_dir.into_std_path_buf(),
                });
            }
            _ => {}
        }
    }
    collision::separate(&mut built.binaries, &sources);
    built
}

/// A readable crate name (`name@version`) from a package id, whichever id format cargo used.
pub fn crate_of(id: &PackageId) -> String {
    let repr = id.repr.as_str();
    // New format: `registry+https://...#name@1.2.3` or `path+file:///x#0.1.0` (name = dir).
    if let Some((url, frag)) = repr.rsplit_once('#') {
        if frag.contains('@') {
            return frag.to_string();
        }
        let dir = url.rsplit('/').next().unwrap_or(url);
        return format!("{dir}@{frag}");
    }
    // Old format: `name 1.2.3 (source)`.
    let mut parts = repr.split(' ');
    match (parts.next(), parts.next()) {
        (Some(n), Some(v)) => format!("{n}@{v}"),
        _ => repr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_from_both_id_formats() {
        let id = |s: &str| PackageId { repr: s.into() };
        assert_eq!(
            crate_of(&id(
                "registry+https://github.com/rust-lang/crates.io-index#libc@0.2.1"
            )),
            "libc@0.2.1"
        );
        assert_eq!(crate_of(&id("path+file:///w/hello#0.1.0")), "hello@0.1.0");
        assert_eq!(
            crate_of(&id("libc 0.2.1 (registry+https://x)")),
            "libc@0.2.1"
        );
    }

    /// QA ai, F11: cargo killed from outside is said to be, not "failed (its diagnostics are
    /// above)"; an exit status is no kill.
    #[test]
    fn a_build_killed_by_a_signal_says_which() {
        use std::os::unix::process::ExitStatusExt as _;
        let int = std::process::ExitStatus::from_raw(2);
        let said = killed(&int, "static").map(|e| e.to_string());
        assert!(
            said.as_deref().is_some_and(|s| s
                .contains("`cargo build` of the static binary was killed by SIGINT, from outside")),
            "{said:?}"
        );
        assert!(
            !said
                .as_deref()
                .unwrap_or_default()
                .contains("out-of-memory")
        );
        let kill = killed(&std::process::ExitStatus::from_raw(9), "static").map(|e| e.to_string());
        assert!(kill.is_some_and(|s| s.ends_with("(an out-of-memory kill is SIGKILL)")));
        let exit_101 = std::process::ExitStatus::from_raw(101 << 8);
        assert!(killed(&exit_101, "static").is_none());
    }
}
