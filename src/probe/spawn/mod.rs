//! One run: spawn, wait until ready, read memory, stop, reap.
//!
//! Spawning uses std's `Command` without `pre_exec`, so it goes through `posix_spawn` (a fork
//! of a large parent costs ~2.5 ms here, see FIELD-NOTES), in a process group of its own.
//!
//! **Peak memory in `exit` mode.** `VmHWM` must be read before the process is reaped, but a
//! zombie's `/proc/PID/status` has no `Vm*` lines any more (its address space is gone before
//! it becomes a zombie), so `waitid(WNOWAIT)` is too late; `ru_maxrss` is wrong for small
//! programs (exec carries the parent's high-water mark over). What works: the prober attaches
//! with `PTRACE_SEIZE` and `PTRACE_O_TRACEEXIT`; the kernel then stops the program at the very
//! start of `do_exit`, before its memory is released: there we take the end time and read
//! `status` and `smaps_rollup`, then let it go.
//!
//! Attaching right after `posix_spawn` returns loses the race with short programs: measured on a
//! 2-CPU VM with a load average of 2-4, a 0.5 ms Rust program had exited before the seize in 90%
//! of runs (the prober is not scheduled again until the program is gone). So in `exit` mode the
//! program is started through a tiny static **exec gate** (`floor.rs`): spawned with
//! `posix_spawn`, it blocks reading one byte on stdin; the prober seizes it while it waits, and
//! the clock starts when the byte is written. The gate then `execv`s the program (same pid, same
//! tracer; a seized tracee gets no `SIGTRAP` on exec). Memory is read in every run. The timed
//! interval is `execve` + the program's run + the kernel's teardown until the program is reaped
//! (as `hyperfine -N` counts it). A traced program runs 10-15% slower (measured against
//! `hyperfine -N` with `benches/probe.sh`), so each `exit`-mode run is made twice, back to back:
//! untraced for the time, traced for the memory (`RunSpec::trace`). It leaves out only the clone
//! of the gate, which happens before the clock starts. Without `cc` there is no gate and the program is
//! spawned directly and attached after, with memory only for the runs where that succeeded
//! (`memory_runs`). A stop before `exec` in the child itself would need `pre_exec` (no
//! `posix_spawn` then).
mod exit;

use exit::exit_mode;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use regex::Regex;

use super::cleanup::{self, Stopped};
use super::drain::{Event, Helper, Job};
use super::memory::{our_descendants, read_tree};
use super::ready::{self, HttpCheck, poll_interval};
use crate::options::Ready;
use crate::report::Memory;

/// How often a `line` probe checks whether the program exited before its line.
const LINE_MODE_PAUSE: Duration = Duration::from_millis(5);

pub struct RunSpec<'a> {
    pub program: &'a Path,
    /// The exec gate for `exit` mode (see `floor.rs`); `None`: spawn directly and attach after.
    pub gate: Option<&'a Path>,
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    /// Variables the program must not inherit (hostile runs unset `HOME`).
    pub env_remove: &'a [&'a str],
    /// `exit` mode: attach with ptrace to read memory at the exit stop. Off, the run is timed
    /// as `hyperfine` times it (tracing costs the program 10-15%), and has no memory figures.
    pub trace: bool,
    pub ready: &'a Ready,
    pub pattern: Option<&'a Regex>,
    pub timeout: Duration,
    pub grace: Duration,
}

#[derive(Debug)]
pub struct RunOk {
    pub spawned_at_ns: Option<u64>,
    pub startup: Duration,
    pub memory: Memory,
    pub processes: u32,
    /// Why memory figures are missing, keyed by field path.
    pub unknown: Vec<(&'static str, String)>,
    pub stop: Stopped,
}

#[derive(Debug)]
pub struct RunFail {
    pub kind: &'static str,
    pub message: String,
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
    pub core_dumped: bool,
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub stop: Stopped,
}

pub type RunResult = Result<RunOk, Box<RunFail>>;

/// `CLOCK_MONOTONIC` in ns (what `Instant` uses on Linux), for comparison with the program's own
/// timestamps.
fn monotonic_ns() -> Option<u64> {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .ok()
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
}

fn fail(kind: &'static str, message: String) -> Box<RunFail> {
    Box::new(RunFail {
        kind,
        message,
        exit_code: None,
        signal: None,
        core_dumped: false,
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        stop: Stopped::default(),
    })
}

/// Fill exit code / signal from how the program ended.
fn ended(f: &mut RunFail, status: Option<WaitStatus>) {
    match status {
        Some(WaitStatus::Exited(_, code)) => f.exit_code = Some(code),
        Some(WaitStatus::Signaled(_, sig, core)) => {
            f.signal = Some(sig.as_str().to_string());
            f.core_dumped = core;
        }
        _ => {}
    }
}

fn describe(status: Option<WaitStatus>) -> String {
    match status {
        Some(WaitStatus::Exited(_, code)) => format!("exited with status {code}"),
        Some(WaitStatus::Signaled(_, sig, core)) => {
            format!(
                "killed by {}{}",
                sig.as_str(),
                if core { " (core dumped)" } else { "" }
            )
        }
        _ => "ended".into(),
    }
}

pub fn run_once(spec: &RunSpec) -> RunResult {
    let port = match spec.ready.fixed_port() {
        Some(p) => p,
        None => ready::free_port()
            .map_err(|e| fail("probe-error", format!("cannot find a free TCP port: {e}")))?,
    };
    let port_s = port.to_string();
    let pipes = std::io::pipe().and_then(|o| Ok((o, std::io::pipe()?)));
    let ((out_r, out_w), (err_r, err_w)) =
        pipes.map_err(|e| fail("probe-error", format!("cannot create pipes: {e}")))?;
    let in_exit_mode = *spec.ready == Ready::Exit;
    let gate = spec.gate.filter(|_| in_exit_mode);
    // Through the gate, stdin is the "go" pipe (the gate puts /dev/null there before exec).
    let (stdin, go) = match gate {
        Some(_) => {
            if !spec.program.is_file() {
                return Err(fail(
                    "spawn-failed",
                    format!("cannot start `{}`: no such file", spec.program.display()),
                ));
            }
            let (r, w) = std::io::pipe()
                .map_err(|e| fail("probe-error", format!("cannot create a pipe: {e}")))?;
            (std::process::Stdio::from(r), Some(w))
        }
        // Opened here rather than by `Stdio::null()` inside the timed spawn.
        None => (
            std::fs::File::open("/dev/null")
                .map_err(|e| fail("probe-error", format!("cannot open /dev/null: {e}")))?
                .into(),
            None,
        ),
    };
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
        .stdout(out_w)
        .stderr(err_w);
    for v in spec.env_remove {
        cmd.env_remove(v);
    }
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let helper = Helper::start(Job {
        stdout: out_r,
        stderr: err_r,
        pattern: spec.pattern.cloned(),
        watch: in_exit_mode,
    });
    let spawn_failed = |e: std::io::Error| {
        fail(
            "spawn-failed",
            format!("cannot start `{}`: {e}", spec.program.display()),
        )
    };
    let (pid, traced, keep, spawned_at_ns, t0) = if let Some(mut go) = go {
        // Spawned and attached before the clock starts: the gate cannot exit before the byte.
        let child = cmd.spawn().map_err(spawn_failed)?;
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
        (pid, Some(traced), None, spawned_at_ns, t0)
    } else {
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
        let keep = if in_exit_mode {
            Some(cmd)
        } else {
            drop(cmd);
            None
        };
        let child = spawned.map_err(spawn_failed)?;
        let pid = Pid::from_raw(child.id() as i32);
        // From here on the process is reaped with waitpid, not through `child`.
        drop(child);
        (pid, traced, keep, spawned_at_ns, t0)
    };
    if in_exit_mode {
        helper.arm(t0 + spec.timeout, pid);
    }
    let r = match traced {
        Some(traced) => exit_mode(spec, pid, t0, traced, &helper),
        None => until_ready(spec, pid, port, t0, &helper),
    };
    drop(keep);
    let wait = Duration::from_secs(1);
    match r {
        Ok(mut ok) => {
            ok.spawned_at_ns = spawned_at_ns;
            let _ = helper.tails(wait);
            Ok(ok)
        }
        Err(mut f) => {
            let (out, err) = helper.tails(wait);
            f.stdout_tail = out;
            f.stderr_tail = err;
            Err(f)
        }
    }
}

fn until_ready(spec: &RunSpec, pid: Pid, port: u16, t0: Instant, helper: &Helper) -> RunResult {
    let mut streams_closed = false;
    let mut last_answer: Option<String> = None;
    let mut first = true;
    let ready_at = loop {
        let elapsed = t0.elapsed();
        let pause = if first {
            Duration::ZERO
        } else if matches!(spec.ready, Ready::Line(_)) && !streams_closed {
            // The line's moment is taken by the drain thread; this loop only has to notice
            // an early exit, and waking often would take CPU from the program and the thread.
            LINE_MODE_PAUSE
        } else {
            poll_interval(elapsed)
        };
        first = false;
        match spec.ready {
            Ready::Line(_) if !streams_closed => match helper.events.recv_timeout(pause) {
                Ok(Event::Line(t)) => break t,
                Ok(Event::Done { .. }) => streams_closed = true,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => streams_closed = true,
            },
            Ready::Exit | Ready::Line(_) => std::thread::sleep(pause),
            Ready::Tcp(_) => {
                std::thread::sleep(pause);
                if ready::tcp(port) {
                    break Instant::now();
                }
            }
            Ready::Http { path, status, .. } => {
                std::thread::sleep(pause);
                let left = (t0 + spec.timeout).saturating_duration_since(Instant::now());
                match ready::http(port, path, left.min(Duration::from_secs(1))) {
                    HttpCheck::Status(code) if ready::status_ok(code, *status) => {
                        break Instant::now();
                    }
                    HttpCheck::Status(code) => last_answer = Some(format!("HTTP {code}")),
                    HttpCheck::NotHttp(line) => last_answer = Some(format!("not HTTP: `{line}`")),
                    HttpCheck::NotListening => {}
                }
            }
        }
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(status) => {
                // A matching line may still sit in the pipe: it was printed before the exit.
                if matches!(spec.ready, Ready::Line(_))
                    && let Ok(Event::Line(t)) =
                        helper.events.recv_timeout(Duration::from_millis(200))
                {
                    let stop = cleanup::after_exit(spec.grace);
                    return Ok(RunOk {
                        spawned_at_ns: None,
                        startup: t.duration_since(t0),
                        memory: Memory::default(),
                        processes: 0,
                        unknown: vec![(
                            "memory_kib",
                            "the program exited right after its ready line, before memory was \
                             read"
                                .into(),
                        )],
                        stop,
                    });
                }
                let stop = cleanup::after_exit(spec.grace);
                let kind = if matches!(status, WaitStatus::Signaled(..)) {
                    "killed-by-signal"
                } else {
                    "exited-before-ready"
                };
                let mut f = fail(
                    kind,
                    format!(
                        "{} before it was ready ({})",
                        describe(Some(status)),
                        spec.ready
                    ),
                );
                ended(&mut f, Some(status));
                f.stop = stop;
                return Err(f);
            }
            Err(e) => return Err(fail("probe-error", format!("waiting for the program: {e}"))),
        }
        if t0.elapsed() >= spec.timeout {
            let stop = cleanup::stop(pid, spec.grace);
            let mut msg = format!(
                "not ready ({}) after {}",
                spec.ready,
                human_duration(spec.timeout)
            );
            if let Some(a) = last_answer {
                msg.push_str(&format!("; last answer: {a}"));
            }
            if streams_closed && matches!(spec.ready, Ready::Line(_)) {
                msg.push_str("; it closed stdout and stderr without printing a matching line");
            }
            // How it ended after our SIGTERM/SIGKILL is not the program's failure: not reported.
            let mut f = fail("timeout", msg);
            f.stop = stop;
            return Err(f);
        }
    };
    let pids: Vec<i32> = our_descendants()
        .iter()
        .filter(|p| !p.is_dead())
        .map(|p| p.pid)
        .collect();
    let (memory, processes, unknown) = read_tree(&pids);
    let stop = cleanup::stop(pid, spec.grace);
    Ok(RunOk {
        spawned_at_ns: None,
        startup: ready_at.duration_since(t0),
        memory,
        processes,
        unknown,
        stop,
    })
}

/// Wait (at most 1 s) until the gate sleeps in its `read` of the go byte, so that its own
/// start-up is not timed.
fn wait_blocked(pid: Pid) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(1) {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|t| super::memory::parse_stat(&t))
            .map(|s| s.state);
        if state != Some('R') {
            return;
        }
        std::thread::sleep(Duration::from_micros(20));
    }
}

/// `10s`, `500ms`, `1.5s`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1000.0 {
        format!("{}ms", ms.round())
    } else {
        let s = ms / 1000.0;
        if s.fract() == 0.0 {
            format!("{s}s")
        } else {
            format!("{s:.1}s")
        }
    }
}
