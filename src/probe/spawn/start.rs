//! Starting one run: its streams, its command line, and the moment the clock starts, either
//! through the exec gate (`exit` mode with `cc`) or by spawning the program directly.

use std::io::{PipeReader, PipeWriter};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::unistd::Pid;

use super::{RunFail, RunSpec, fail, monotonic_ns};
use crate::options::Ready;
use crate::probe::{memory, ready};

/// What a run hands the program as stdin, stdout and stderr, and what it keeps.
pub(super) struct Streams {
    /// Through the gate the read end of the "go" pipe (the gate puts /dev/null there before
    /// it execs the program), else /dev/null.
    pub stdin: Stdio,
    /// Through the gate: the write end of the "go" pipe; writing to it starts the program.
    pub go: Option<PipeWriter>,
    pub stdout: (PipeReader, PipeWriter),
    pub stderr: (PipeReader, PipeWriter),
}

/// A program started, with the clock running.
pub(super) struct Started {
    pub pid: Pid,
    /// `exit` mode: whether the ptrace attach worked (`Err(ESRCH)` for a run that is not
    /// traced). `None` in the other modes.
    pub traced: Option<nix::Result<()>>,
    /// Our copies of the program's pipe ends, closed only once the timed interval is over.
    pub held: Option<Command>,
    pub spawned_at_ns: Option<u64>,
    pub t0: Instant,
}

/// The TCP port the program is told about (`PORT`, `{port}`): the one `tcp:PORT`/`http`
/// name, else a free one.
pub(super) fn port(ready: &Ready) -> Result<u16, Box<RunFail>> {
    match ready.fixed_port() {
        Some(p) => Ok(p),
        None => ready::free_port()
            .map_err(|e| fail("probe-error", format!("cannot find a free TCP port: {e}"))),
    }
}

/// The pipes for stdout and stderr, and stdin: the "go" pipe when `gated`.
pub(super) fn streams(program: &Path, gated: bool) -> Result<Streams, Box<RunFail>> {
    let pipes = std::io::pipe().and_then(|o| Ok((o, std::io::pipe()?)));
    let (stdout, stderr) =
        pipes.map_err(|e| fail("probe-error", format!("cannot create pipes: {e}")))?;
    let (stdin, go) = if gated {
        // The gate would report it only after the clock started, as its exit status.
        if !program.is_file() {
            return Err(fail(
                "spawn-failed",
                format!("cannot start `{}`: no such file", program.display()),
            ));
        }
        let (r, w) = std::io::pipe()
            .map_err(|e| fail("probe-error", format!("cannot create a pipe: {e}")))?;
        (Stdio::from(r), Some(w))
    } else {
        // Opened here rather than by `Stdio::null()` inside the timed spawn.
        let null = std::fs::File::open("/dev/null")
            .map_err(|e| fail("probe-error", format!("cannot open /dev/null: {e}")))?;
        (null.into(), None)
    };
    Ok(Streams {
        stdin,
        go,
        stdout,
        stderr,
    })
}

/// The command that starts the run: the gate with the program as its argument, or the
/// program itself; `{port}` replaced in arguments and environment, in a process group of its
/// own.
pub(super) fn command(
    spec: &RunSpec,
    gate: Option<&Path>,
    port: u16,
    stdin: Stdio,
    stdout: PipeWriter,
    stderr: PipeWriter,
) -> Command {
    let port_s = port.to_string();
    let mut cmd = match gate {
        Some(g) => {
            let mut c = Command::new(g);
            c.arg(spec.program);
            c
        }
        None => Command::new(spec.program),
    };
    cmd.args(spec.args.iter().map(|a| a.replace("{port}", &port_s)))
        .env("PORT", &port_s)
        .envs(
            spec.env
                .iter()
                .map(|(k, v)| (k.as_str(), v.replace("{port}", &port_s))),
        )
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr);
    for v in spec.env_remove {
        cmd.env_remove(v);
    }
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd
}

fn spawn_failed(program: &Path, e: std::io::Error) -> Box<RunFail> {
    fail(
        "spawn-failed",
        format!("cannot start `{}`: {e}", program.display()),
    )
}

/// Spawn the gate, attach to it while it waits (when the run is traced), then start the
/// clock and let it exec the program. The gate cannot exit before the byte.
pub(super) fn through_gate(
    spec: &RunSpec,
    mut cmd: Command,
    mut go: PipeWriter,
) -> Result<Started, Box<RunFail>> {
    let child = cmd.spawn().map_err(|e| spawn_failed(spec.program, e))?;
    drop(cmd);
    let pid = Pid::from_raw(child.id() as i32);
    drop(child);
    let traced = if spec.trace {
        ptrace::seize(pid, ptrace::Options::PTRACE_O_TRACEEXIT)
    } else {
        Err(Errno::ESRCH)
    };
    wait_blocked(pid);
    let spawned_at_ns = monotonic_ns();
    let t0 = Instant::now();
    // The gate reads it and execs the program; a write error shows as the gate's exit 126.
    let _ = std::io::Write::write_all(&mut go, b"g");
    drop(go);
    Ok(Started {
        pid,
        traced: Some(traced),
        held: None,
        spawned_at_ns,
        t0,
    })
}

/// Start the clock and spawn the program; in `exit` mode, attach to it right after (it may
/// have exited by then: memory is then unknown for this run).
pub(super) fn directly(
    spec: &RunSpec,
    mut cmd: Command,
    in_exit_mode: bool,
) -> Result<Started, Box<RunFail>> {
    let spawned_at_ns = monotonic_ns();
    let t0 = Instant::now();
    let spawned = cmd.spawn();
    let traced = match &spawned {
        Ok(child) if in_exit_mode && spec.trace => Some(ptrace::seize(
            Pid::from_raw(child.id() as i32),
            ptrace::Options::PTRACE_O_TRACEEXIT,
        )),
        Ok(_) if in_exit_mode => Some(Err(Errno::ESRCH)),
        _ => None,
    };
    // Our copies of the pipes' write ends go with `cmd`: end of file comes once they and
    // the program's are closed. In `exit` mode they are closed after the timed interval
    // (closing them inside it measurably lengthened it); other modes need end of file.
    let held = if in_exit_mode {
        Some(cmd)
    } else {
        drop(cmd);
        None
    };
    let child = spawned.map_err(|e| spawn_failed(spec.program, e))?;
    let pid = Pid::from_raw(child.id() as i32);
    // From here on the process is reaped with waitpid, not through `child`.
    drop(child);
    Ok(Started {
        pid,
        traced,
        held,
        spawned_at_ns,
        t0,
    })
}

/// Wait (at most 1 s) until the gate sleeps in its `read` of the go byte, so that its own
/// start-up is not timed.
fn wait_blocked(pid: Pid) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(1) {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|t| memory::parse_stat(&t))
            .map(|s| s.state);
        if state != Some('R') {
            return;
        }
        std::thread::sleep(Duration::from_micros(20));
    }
}
