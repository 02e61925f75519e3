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
use crate::probe::{cpu_wait, listener, memory, ready};

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
    /// `exit` mode: what stays open until the timed interval is over (see [`Held`]).
    pub held: Option<Held>,
    pub spawned_at_ns: Option<u64>,
    pub t0: Instant,
    /// The program's run-queue delay when the clock started (see `cpu_wait`): the gate's
    /// own, read while it waits for the go byte; nothing for a program spawned after it.
    pub delay_at_t0: Option<Duration>,
}

/// Our copies of the write ends of the program's stdout and stderr pipes (inside the command)
/// and of the go pipe, closed only after the program was reaped: their end of file then wakes
/// nobody inside the timed interval (see "The timed interval" in the module above).
pub(super) struct Held {
    _cmd: Command,
    _go: Option<PipeWriter>,
}

/// The TCP port the program is told about (`PORT`, `{port}`) and the probe waits on: the one
/// `tcp:PORT`/`http:PORT` name; else, when the probe waits on a port, the user's own `PORT`
/// (`--probe-env PORT=N`: the program listens there, so that is where to look); else a free one.
pub(super) fn port(spec: &RunSpec) -> Result<u16, Box<RunFail>> {
    if let Some(p) = spec.ready.fixed_port() {
        return Ok(p);
    }
    if let Some(users) = crate::options::users_port(spec.ready, spec.env) {
        return users.map_err(|e| fail("probe-error", e));
    }
    ready::free_port().map_err(|e| fail("probe-error", format!("cannot find a free TCP port: {e}")))
}

/// Before a `tcp`/`http` run: nothing may accept connections on the port yet, or the check
/// could not tell the program from it (a program that then fails to bind would look ready).
pub(super) fn port_free(spec: &RunSpec, port: u16) -> Result<(), Box<RunFail>> {
    let waits = matches!(spec.ready, Ready::Tcp(_) | Ready::Http { .. });
    if !waits || !ready::tcp(port) {
        return Ok(());
    }
    let who = listener::holder_of(port);
    Err(fail(
        "port-taken",
        format!(
            "port {port} on loopback is taken before the program starts: something else listens \
             there ({who}), whose answers would read as the program's; stop it or probe \
             another port"
        ),
    ))
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
    let pid = Pid::from_raw(child.id() as i32);
    drop(child);
    let traced = if spec.trace {
        ptrace::seize(pid, ptrace::Options::PTRACE_O_TRACEEXIT)
    } else {
        Err(Errno::ESRCH)
    };
    wait_asleep(pid);
    // Read only for the run that reads memory: the timed one does nothing it need not.
    let delay_at_t0 = if spec.trace {
        cpu_wait::run_delay(pid.as_raw())
    } else {
        None
    };
    let spawned_at_ns = monotonic_ns();
    let t0 = Instant::now();
    // The gate reads it and execs the program; a write error shows as the gate's exit 126.
    let _ = std::io::Write::write_all(&mut go, b"g");
    Ok(Started {
        pid,
        traced: Some(traced),
        held: Some(Held {
            _cmd: cmd,
            _go: Some(go),
        }),
        spawned_at_ns,
        t0,
        delay_at_t0,
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
    // (see `Held`); other modes need end of file.
    let held = if in_exit_mode {
        Some(Held {
            _cmd: cmd,
            _go: None,
        })
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
        delay_at_t0: Some(Duration::ZERO),
    })
}

/// Wait (at most 1 s) until a task sleeps: the gate in its `read` of the go byte, the drain
/// thread in its `poll`. Neither's start-up is then timed, nor competes with the program.
pub(super) fn wait_asleep(pid: Pid) {
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

#[cfg(test)]
mod tests {
    use std::sync::mpsc::RecvTimeoutError;

    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};

    use super::*;
    use crate::probe::drain::{Event, Helper, Job};

    /// Start `/bin/true` in `exit` mode as a run would, untraced (through `gate` if given),
    /// and reap it.
    fn started(gate: Option<&Path>) -> (Helper, Started) {
        let program = Path::new("/bin/true");
        let spec = RunSpec {
            program,
            gate,
            args: &[],
            env: &[],
            env_remove: &[],
            trace: false,
            ready: &Ready::EXIT,
            pattern: None,
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(1),
        };
        let s = streams(program, gate.is_some()).expect("streams");
        let helper = Helper::start(Job {
            stdout: s.stdout.0,
            stderr: s.stderr.0,
            pattern: None,
            watch: true,
        });
        let tid = helper.thread.expect("the drain thread says who it is");
        wait_asleep(tid);
        // Independent of `wait_asleep`'s own reading: the kernel's view of that thread.
        let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).expect("stat");
        let state = memory::parse_stat(&stat).map(|s| s.state);
        assert_eq!(state, Some('S'), "the drain thread is not asleep: {stat}");
        let cmd = command(&spec, gate, 0, s.stdin, s.stdout.1, s.stderr.1);
        let started = match s.go {
            Some(go) => through_gate(&spec, cmd, go),
            None => directly(&spec, cmd, true),
        };
        let started = started.unwrap_or_else(|f| panic!("{}", f.message));
        let status = waitpid(started.pid, Some(WaitPidFlag::__WALL));
        assert!(matches!(status, Ok(WaitStatus::Exited(_, 0))), "{status:?}");
        (helper, started)
    }

    /// The program's exit is no end of file for the drain thread while we hold our ends of
    /// its pipes (a wake-up inside the timed interval); dropping them is.
    fn no_end_of_file_until_dropped(helper: &Helper, started: Started) {
        assert!(started.held.is_some());
        match helper.recv(Duration::from_millis(100)) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(Event::Done { .. }) => panic!("end of file before our pipe ends were closed"),
            Ok(Event::Line(_)) => panic!("a matching line, with no pattern"),
            Err(RecvTimeoutError::Disconnected) => panic!("the drain thread is gone"),
        }
        drop(started.held);
        let done = helper.recv(Duration::from_secs(10));
        assert!(
            matches!(done, Ok(Event::Done { .. })),
            "no end of file after"
        );
    }

    #[test]
    fn a_direct_exit_run_holds_its_pipes_until_the_program_is_reaped() {
        let (helper, started) = started(None);
        no_end_of_file_until_dropped(&helper, started);
    }

    #[test]
    fn a_gated_exit_run_holds_its_pipes_until_the_program_is_reaped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gate = crate::probe::floor::build_gate(dir.path()).expect("the exec gate (needs cc)");
        let (helper, started) = started(Some(&gate));
        no_end_of_file_until_dropped(&helper, started);
    }
}
