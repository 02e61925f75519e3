//! The proof that an image starts: its layer, unpacked (not the host's files), as the root of
//! a private user and mount namespace, the binary started there as the image's user with the
//! probe's readiness, arguments and environment:
//!
//! ```text
//! unshare --user --map-root-user --mount sh -c 'mount --rbind /proc "$1/proc" && shift && exec env -u PWD ... "$@"' \
//!   sh ROOTFS unshare --user --map-user=UID --map-group=GID --mount --root=ROOTFS --wd=WORKDIR BINARY ARGS
//! ```
//!
//! Every step execs the next in place (same pid; `mount` is the only child), so the probe
//! reads the binary's memory as usual. A container runtime mounts a `/proc` in the root
//! filesystem; without one, a binary that reads `/proc/self/exe` (`std::env::current_exe`)
//! failed here and started under `docker run` (QA p: fclones). A `/proc` of its own would
//! need a PID namespace, where `unshare --pid` must fork: the probe would time and read
//! `unshare`, not the binary. So the host's `/proc` is bound there, in the outer namespace
//! (the inner one, the image's user's, may not mount), when a bind was seen to work here
//! ([`namespaces`]); the binary's `/proc/self` is its own, and the host's other processes
//! show, which a runtime would hide. There is no `/sys`; as root, the device nodes a runtime
//! puts in `/dev` are made (see `rootfs::DEVICES`). Files opened there and not found are
//! reported as the runtime's, not as missing. When it does not start, a traced run inside
//! names the files it looked for and the image lacks.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cause::{HostOnly, host_paths, not_started};
use super::meta::quote;
use super::rootfs::{self, Rootfs, Unpack};
use super::trace::{self, Launch};
use crate::plan::{ImageUser, ProbeSettings};
use crate::probe::{RunSpec, run_once};
use crate::report::{FailedRun, InImage, InImageOutcome, Memory, Missing};
use crate::stats;

#[path = "inside_missing.rs"]
mod missing;
#[path = "inside_port.rs"]
mod port;
#[cfg(test)]
use missing::lacked;
use missing::traced;

/// Runs inside the image, at most (the host probe is the one that measures; this one proves).
const RUNS: u32 = 5;
/// Failed runs in a row, none ready, after which it stops.
const GIVE_UP_AFTER: u32 = 2;

/// The programs a start inside is made of: util-linux `unshare` (the namespaces, the image's
/// user, the root), and `sh`, `mount` and `env` when the host's `/proc` can be bound in the
/// root filesystem (see the module's comment).
pub struct Namespaces {
    pub unshare: PathBuf,
    /// A bind of `/proc` in a user and mount namespace worked here.
    proc: Option<ProcBind>,
}

/// The programs of the outer namespace that binds `/proc`.
struct ProcBind {
    sh: PathBuf,
    mount: PathBuf,
    /// Takes out what `sh` adds to the environment (see [`proc_script`]).
    env: PathBuf,
}

/// `unshare`, when user and mount namespaces can be made here; else why not.
pub fn namespaces() -> Result<Namespaces, String> {
    if std::env::var("CARGO_AOTCHECK_NAMESPACES").as_deref() == Ok("none") {
        return Err("user namespaces turned off (CARGO_AOTCHECK_NAMESPACES=none)".into());
    }
    let unshare =
        which::which("unshare").map_err(|_| "util-linux `unshare` is not installed".to_string())?;
    let out = Command::new(&unshare)
        .args([
            "--user",
            "--map-user=65532",
            "--map-group=65532",
            "--mount",
            "true",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if out.status.success() {
        let proc = proc_bind(&unshare);
        return Ok(Namespaces { unshare, proc });
    }
    let why = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "no user and mount namespaces here ({}): needs unprivileged user namespaces or root",
        why.lines().next().unwrap_or("unshare failed").trim()
    ))
}

/// `sh`, `mount` and `env`, when `mount --rbind /proc DIR` works in a user and mount
/// namespace here.
fn proc_bind(unshare: &Path) -> Option<ProcBind> {
    let sh = which::which("sh").ok()?;
    let mount = which::which("mount").ok()?;
    let env = which::which("env").ok()?;
    let dir = tempfile::tempdir().ok()?;
    let bound = Command::new(unshare)
        .args(["--user", "--map-root-user", "--mount"])
        .arg(&mount)
        .args(["--rbind", "/proc"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    bound.then_some(ProcBind { sh, mount, env })
}

/// Variables a shell puts in the environment of what it runs: `PWD` (dash and bash, the
/// host's working directory), `OLDPWD`, `SHLVL` and `_` (bash as `sh`).
const SHELL_SETS: [&str; 4] = ["PWD", "OLDPWD", "SHLVL", "_"];

/// The script `sh` runs in the outer namespace: bind `/proc` in the root (`$1`), then become
/// the inner `unshare` (the rest) through `env`, with the image's environment as it was: what
/// the shell set taken out, or set back to the image's value (QA s: the binary inside had
/// `PWD=<the host's working directory>`, which no container runtime gives it).
fn proc_script(bind: &ProcBind, image_env: &[(String, String)]) -> String {
    let mut env = quote(&bind.env.display().to_string());
    for name in SHELL_SETS {
        match image_env.iter().find(|(k, _)| k == name) {
            Some((k, v)) => env.push_str(&format!(" {}", quote(&format!("{k}={v}")))),
            None => env.push_str(&format!(" -u {name}")),
        }
    }
    format!(
        "{} --rbind /proc \"$1/proc\" && shift && exec {env} \"$@\"",
        quote(&bind.mount.display().to_string())
    )
}

/// What to start inside, and how.
pub struct Inside<'a> {
    pub ns: &'a Namespaces,
    /// The probe's exec gate, which then becomes `unshare` (see `probe::exec_gate`).
    pub gate: Option<&'a Path>,
    pub layer_blob: &'a Path,
    /// The binary's path in the image.
    pub binary: &'a str,
    pub user: &'a ImageUser,
    pub workdir: &'a str,
    /// The entrypoint's arguments, as the image's config has them.
    pub args: &'a [String],
    /// The arguments are `image.args` (else the probe's).
    pub own_args: bool,
    /// `image.env` is set (else the environment is `PATH` alone).
    pub own_env: bool,
    /// The image's `Env`, and nothing else.
    pub env: &'a [(String, String)],
}

/// What the host run knew: whether the binary got ready there, what it opened, what it
/// found (opened, ran or looked up), and the variables it had that the image's environment
/// lacks.
pub struct Host<'a> {
    pub started: Option<bool>,
    /// The statuses the host's counted runs exited with (`exit` readiness), each once.
    pub exit_statuses: Vec<i32>,
    pub opened: &'a HashSet<String>,
    pub found: &'a HashSet<String>,
    pub env_not_in_image: &'a HostOnly,
    /// The image's files: where `image.files` put a host path the arguments name.
    pub files: &'a [crate::report::ImageFile],
}

impl Inside<'_> {
    /// The arguments of `unshare` that start the binary in `root`, a path or (`quoted`) a
    /// shell word; with `proc`, the outer namespace that binds `/proc` in it first.
    fn command(&self, root: &str, proc: bool, quoted: bool) -> Vec<String> {
        let q = |w: &str| if quoted { quote(w) } else { w.to_string() };
        let unshare = q(&self.ns.unshare.display().to_string());
        let mut v = Vec::new();
        if let Some(bind) = self.ns.proc.as_ref().filter(|_| proc) {
            v.extend(["--user", "--map-root-user", "--mount"].map(String::from));
            v.push(q(&bind.sh.display().to_string()));
            v.push("-c".into());
            v.push(q(&proc_script(bind, self.env)));
            v.extend(["sh".to_string(), root.to_string(), unshare]);
        }
        v.extend([
            "--user".to_string(),
            format!("--map-user={}", self.user.uid),
            format!("--map-group={}", self.user.gid),
            "--mount".to_string(),
            format!("--root={root}"),
            format!("--wd={}", q(self.workdir)),
            q(self.binary),
        ]);
        v.extend(self.args.iter().map(|a| q(a)));
        v
    }

    fn wrapper_args(&self, root: &Rootfs) -> Vec<String> {
        let path = root.path().display().to_string();
        self.command(&path, root.proc_dir, false)
    }

    /// The same run by hand, from the layer blob: the command the runs inside are. The
    /// layer is unpacked as the runs' root filesystem was: every file the caller's (which
    /// `tar` as root would not do by itself: the image's user would own none, QA l), then
    /// with the set-up of `root` (see [`Rootfs::setup`]), when it was unpacked.
    pub fn reproduce(&self, root: Option<&Rootfs>) -> String {
        let mut cmd = format!(
            "d=$(mktemp -d) && tar --no-same-owner -p -xzf {} -C \"$d\"",
            quote(&self.layer_blob.display().to_string())
        );
        let setup = root.map(Rootfs::setup).unwrap_or_default();
        if !setup.is_empty() {
            cmd.push_str(" && ");
            cmd.push_str(&setup);
        }
        cmd.push_str(" && env -i");
        for (k, v) in self.env {
            cmd.push(' ');
            cmd.push_str(&quote(&format!("{k}={v}")));
        }
        cmd.push(' ');
        cmd.push_str(&quote(&self.ns.unshare.display().to_string()));
        for a in self.command("\"$d\"", root.is_some_and(|r| r.proc_dir), true) {
            cmd.push(' ');
            cmd.push_str(&a);
        }
        cmd
    }
}

/// What a line `unshare` wrote says went wrong: the image (its working directory is not a
/// directory, its binary cannot be executed), or the namespaces (anything else: its chroot
/// into the directory we unpacked, its uid map, and any line of `mount` binding `/proc`). The
/// namespaces were seen to work once per run ([`namespaces`]) before any image was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blame {
    Image,
    Setup,
}

/// The first `unshare: ` (or `mount: `) line of a failed run's stderr, and whom it blames.
fn unshare_says(stderr: &str) -> Option<(Blame, &str)> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("unshare: ") || l.starts_with("mount: "))?;
    let Some(rest) = line.strip_prefix("unshare: ") else {
        return Some((Blame::Setup, line));
    };
    let image = rest.starts_with("cannot chdir to ") || rest.starts_with("failed to execute ");
    Some((if image { Blame::Image } else { Blame::Setup }, line))
}

fn skipped(reason: String, ready: &str) -> InImage {
    InImage {
        outcome: InImageOutcome::Skipped,
        reason: Some(reason),
        ready: ready.to_string(),
        ..InImage::default()
    }
}

/// What the runs inside gave: startup times and memory of the counted runs that got ready,
/// and every run that did not.
#[derive(Default)]
struct Runs {
    startup: Vec<f64>,
    memory: Vec<Memory>,
    failed: Vec<FailedRun>,
    /// The line of `unshare` that blames the image (see [`Blame`]).
    defect: Option<String>,
    /// A counted run got ready on sockets bound to loopback alone.
    loopback_only: bool,
    /// The statuses the counted runs exited with (`exit` readiness).
    statuses: Vec<i32>,
}

/// Our environment's variables that `env`, the image's, does not set, and the probe's `PORT`:
/// taken away, so that nothing of ours leaks in.
fn not_the_images(env: &[(String, String)]) -> Vec<String> {
    let keep: HashSet<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .chain(std::iter::once("PORT".to_string()))
        .filter(|k| !keep.contains(k.as_str()))
        .collect()
}

/// Start the image's binary inside it, as the probe would, a few times.
pub fn run(inside: &Inside, probe: &ProbeSettings, scratch: &Path, host: &Host) -> InImage {
    let ready = probe.ready.to_string();
    let failed = |reason: String, root: Option<&Rootfs>| InImage {
        outcome: InImageOutcome::Failed,
        reason: Some(reason),
        reproduce: Some(inside.reproduce(root)),
        ready: ready.clone(),
        started_on_host: host.started,
        ..InImage::default()
    };
    if let Some(why) = port::taken(probe).or_else(|| port::privileged_port(probe, inside.user)) {
        return skipped(why, &ready);
    }
    let root = match rootfs::unpack(inside.layer_blob, scratch, inside.user) {
        Ok(r) => r,
        Err(Unpack::Skipped(why)) => return skipped(why, &ready),
        Err(Unpack::Broken(why)) => return failed(why, None),
    };
    let args = inside.wrapper_args(&root);
    let ours = not_the_images(inside.env);
    let env_remove: Vec<&str> = ours.iter().map(String::as_str).collect();
    let spec = RunSpec {
        program: &inside.ns.unshare,
        gate: inside.gate,
        args: &args,
        env: inside.env,
        env_remove: &env_remove,
        ready: &probe.ready,
        pattern: None,
        timeout: probe.timeout,
        grace: probe.grace,
        trace: probe.ready.is_exit(),
    };
    let mut runs = match runs(&spec, probe) {
        Ok(r) => r,
        Err(why) => return skipped(why, &ready),
    };
    for f in &mut runs.failed {
        f.message = super::cause::failed_run_note(&f.message, (inside.own_args, inside.own_env));
    }
    // Ready by a status the readiness accepts, but not the host's: not what it does there (QA
    // bw F3: xh, whose argument named a host file, exited 1 inside and 0 on the host, both
    // `exit:any`, and the image was said to start).
    let otherwise = super::cause::exited_otherwise(&runs.statuses, &host.exit_statuses, &ready);
    if !runs.startup.is_empty() && otherwise.is_none() {
        return InImage {
            outcome: InImageOutcome::Started,
            runs: runs.startup.len() as u32,
            failures: runs.failed.len() as u32,
            startup_ms: stats::summarize(&runs.startup),
            memory_kib: Memory::combine(&runs.memory, stats::median_u64),
            failed_runs: runs.failed,
            reason: None,
            loopback_only: runs.loopback_only,
            ..failed(String::new(), Some(&root))
        };
    }
    let launch = Launch {
        program: &inside.ns.unshare,
        args: &args,
        env: inside.env,
        env_remove: &env_remove,
    };
    let (reason, missing, denied) = why_not_started(
        inside,
        &launch,
        probe,
        (scratch, root.path()),
        host,
        runs.defect.as_deref(),
    );
    let reason = match otherwise {
        Some(o) => super::cause::ran_otherwise(&o, &reason),
        None => reason,
    };
    let mut result = failed(reason, Some(&root));
    result.failures = runs.failed.len() as u32;
    result.failed_runs = runs.failed;
    result.missing = missing;
    result.denied = denied;
    result
}

/// Why no run started inside (`defect`: why `unshare` could not start it, if so): what the
/// arguments name on the host that the root filesystem lacks, and what a traced run found
/// missing or not allowed.
fn why_not_started(
    inside: &Inside,
    launch: &Launch,
    probe: &ProbeSettings,
    (scratch, root): (&Path, &Path),
    host: &Host,
    defect: Option<&str>,
) -> (String, Vec<Missing>, Vec<String>) {
    // The arguments' host paths, looked for in the root filesystem before it goes.
    let paths = host_paths(inside.args, root);
    // Nothing ran inside when `unshare` could not start it: no files to look for.
    let (missing, denied) = match defect {
        None => traced(inside, launch, probe, (scratch, root), host),
        Some(_) => Default::default(),
    };
    let not_allowed = (!denied.is_empty()).then(|| super::cause::not_allowed(inside.user, &denied));
    let reason = not_started(
        (defect, not_allowed),
        (&paths, host.files),
        host.env_not_in_image,
        host.started,
    );
    (reason, missing, denied)
}

/// The warmup and counted runs; `Err` when `unshare` itself refused (no namespaces after all).
/// A run that `unshare` could not start for the image's own fault ends them (`defect`).
fn runs(spec: &RunSpec, probe: &ProbeSettings) -> Result<Runs, String> {
    let pattern = trace::pattern(&probe.ready);
    let spec = RunSpec {
        pattern: pattern.as_ref(),
        ..*spec
    };
    let warmup = probe.warmup.min(1);
    let mut r = Runs::default();
    let mut in_a_row = 0;
    for run in 1..=warmup + probe.runs.min(RUNS) {
        match run_once(&spec) {
            Ok(ok) => {
                in_a_row = 0;
                if run > warmup {
                    r.startup.push(ok.startup.as_secs_f64() * 1e3);
                    r.memory.push(ok.memory);
                    r.loopback_only |= ok.loopback_only;
                    r.statuses.extend(ok.exit_code);
                }
            }
            Err(f) => {
                let says = unshare_says(&f.stderr_tail).map(|(b, l)| (b, l.to_string()));
                match says {
                    Some((Blame::Setup, line)) => {
                        return Err(format!("the namespaces could not be set up: {line}"));
                    }
                    Some((Blame::Image, line)) => r.defect = Some(line),
                    None => {}
                }
                in_a_row += 1;
                r.failed.push(f.into_failed_run(run, run <= warmup));
                let hopeless = r.defect.is_some() || in_a_row >= GIVE_UP_AFTER;
                if r.startup.is_empty() && hopeless {
                    break;
                }
            }
        }
        if crate::interrupt::requested() {
            break;
        }
    }
    Ok(r)
}

#[cfg(test)]
#[path = "inside_tests.rs"]
mod tests;
