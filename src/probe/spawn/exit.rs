//! `exit` mode: wait for the program to exit, reading its memory at the ptrace exit stop
//! when the run is traced.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::{RunFail, RunOk, RunResult, RunSpec, ended_early, fail, human_duration};
use crate::options::Ready;
use crate::probe::drain::Helper;
use crate::probe::memory::{our_descendants, read_tree};
use crate::probe::{cleanup, cpu_wait};
use crate::report::Memory;

/// What memory the tree had at the exit stop (and how many processes, and why figures are
/// missing), and how long we held the program there.
struct AtExit {
    held: Duration,
    memory: Memory,
    processes: u32,
    unknown: Vec<(&'static str, String)>,
    /// The share of the run until the exit stop that the program waited for a CPU.
    cpu_wait: Option<f64>,
}

pub(super) fn exit_mode(
    spec: &RunSpec,
    (pid, t0, delay_at_t0): (Pid, Instant, Option<Duration>),
    traced: nix::Result<()>,
    helper: &Helper,
) -> RunResult {
    let (status, at_exit) = match reap(pid, t0, delay_at_t0) {
        Ok(r) => r,
        Err(e) => {
            helper.cancel.store(true, Ordering::Release);
            let stop = cleanup::stop(pid, Duration::ZERO);
            let mut f = fail("probe-error", format!("waiting for the program: {e}"));
            f.stop = stop;
            return Err(f);
        }
    };
    let end = Instant::now();
    helper.cancel.store(true, Ordering::Release);
    // The program is done when it is reaped (as `hyperfine` counts it: teardown included),
    // less the time we held it at the exit stop to read its memory.
    let held = at_exit.as_ref().map_or(Duration::ZERO, |a| a.held);
    let startup = end.duration_since(t0).saturating_sub(held);
    // Over the limit is a timeout whether or not the watchdog woke before the program ended:
    // the timed run and the traced one are judged alike.
    let timed_out = helper.fired.load(Ordering::Acquire) || startup > spec.timeout;
    let stop = cleanup::after_exit(spec.grace);
    if let Some(mut f) = failed(spec, status, timed_out) {
        f.stop = stop;
        return Err(f);
    }
    let at_exit = at_exit.unwrap_or_else(|| without_exit_stop(spec, traced));
    Ok(RunOk {
        spawned_at_ns: None,
        startup,
        memory: at_exit.memory,
        processes: at_exit.processes,
        unknown: at_exit.unknown,
        cpu_wait: at_exit.cpu_wait,
        no_tty: false,
        stop,
        loopback_only: false,
        exit_code: match status {
            WaitStatus::Exited(_, code) => Some(code),
            _ => None,
        },
    })
}

/// Wait until the program has ended and reap it; a traced one is read at its exit stop on
/// the way. The status it ended with, and what the exit stop found.
fn reap(
    pid: Pid,
    t0: Instant,
    delay_at_t0: Option<Duration>,
) -> nix::Result<(WaitStatus, Option<AtExit>)> {
    let mut at_exit = None;
    loop {
        match waitpid(pid, Some(WaitPidFlag::__WALL)) {
            Ok(WaitStatus::PtraceEvent(_, _, ev)) if ev == libc::PTRACE_EVENT_EXIT => {
                let t = Instant::now();
                let delay = cpu_wait::run_delay(pid.as_raw());
                let cpu_wait = delay_at_t0
                    .zip(delay)
                    .and_then(|(before, now)| cpu_wait::share(before, now, t - t0));
                let pids: Vec<i32> = our_descendants().iter().map(|p| p.pid).collect();
                let (memory, processes, unknown) = read_tree(&pids);
                let _ = ptrace::cont(pid, None);
                at_exit = Some(AtExit {
                    held: t.elapsed(),
                    memory,
                    processes,
                    unknown,
                    cpu_wait,
                });
            }
            // Group-stop and other events: let it run on.
            Ok(WaitStatus::PtraceEvent(..) | WaitStatus::PtraceSyscall(_)) => {
                let _ = ptrace::cont(pid, None);
            }
            // A signal on its way to the program: deliver it.
            Ok(WaitStatus::Stopped(_, sig)) => {
                let _ = ptrace::cont(pid, Some(sig));
            }
            Ok(s @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => {
                return Ok((s, at_exit));
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Why a run that ended is not timed: the watchdog killed it, or it failed.
fn failed(spec: &RunSpec, status: WaitStatus, timed_out: bool) -> Option<Box<RunFail>> {
    if timed_out {
        let limit = human_duration(spec.timeout);
        // Under 100 ms, the limit may be what is short: a CLI's `--version` takes a
        // millisecond, and "is it a server?" misled (QA j: `--probe-timeout 1ms`).
        let message = if spec.timeout < std::time::Duration::from_millis(100) {
            format!(
                "still running after {limit}, a short limit: raise --probe-timeout (or, for a \
                 server, pass --ready tcp / line:REGEX / http)"
            )
        } else {
            // A client may be waiting on a peer that does not answer, or on input (QA dl F2:
            // xh on a listener that never replied was pointed at `--ready tcp` alone).
            format!(
                "still running after {limit}: is it a server? pass --ready tcp / line:REGEX / \
                 http; a client waiting on a peer that does not answer, or on input? give it \
                 one that does, or raise --probe-timeout"
            )
        };
        return Some(fail("timeout", message));
    }
    let ok = match spec.ready {
        Ready::Exit(ok) => *ok,
        _ => crate::options::ExitOk::ZERO,
    };
    if matches!(status, WaitStatus::Exited(_, code) if ok.accepts(code)) {
        return None;
    }
    // A tool that exits 1 when it worked (a diff) is timed with `exit:1` (QA bu F2: the
    // error named no way out).
    // Run with no arguments, a program that exited with another status most likely wants
    // some: said first (QA cj F2: `just` bare ran its project's default recipe, and the hint
    // was `--ready exit:101`). Not of a crash, which arguments do not explain.
    let bare = if spec.args.is_empty() { NO_ARGS } else { "" };
    let then = match status {
        WaitStatus::Exited(_, code) if !ok.accepts(code) => {
            format!("{FAILED_RUN_NOTE}{bare}{OTHER_STATUS}{code}")
        }
        // A crash is no matter of the run's directory or arguments (QA cn F1, co F4).
        WaitStatus::Signaled(_, sig, _) if crate::report::CRASH_SIGNALS.contains(&sig.as_str()) => {
            CRASH_NOTE.to_string()
        }
        _ => FAILED_RUN_NOTE.to_string(),
    };
    Some(ended_early(status, "exit-status", &then))
}

/// Whether the run printed an argument parser's usage (a line that begins `Usage:`): the
/// arguments did not suit the program.
pub fn printed_usage(stderr: &str) -> bool {
    stderr
        .lines()
        .map(str::trim_start)
        .any(|l| l.to_ascii_lowercase().starts_with("usage:") || crate::report::is_help_line(l))
}

/// Whether the run's stderr says a file or directory was not found (`ENOENT`, in libc's
/// words or Rust's `os error 2`): most likely a path among its arguments.
pub fn said_not_found(stderr: &str) -> bool {
    stderr.contains("No such file or directory") || stderr.contains("(os error 2)")
}

/// Whether the run's stderr says it found no terminal (`ENXIO` opening `/dev/tty`, `ENOTTY`,
/// in libc's words or Rust's `os error`): a terminal UI, which the probe runs without one.
pub fn said_no_tty(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    [
        "no such device or address",
        "(os error 6)",
        "inappropriate ioctl for device",
        "(os error 25)",
        "not a terminal",
        "not a tty",
    ]
    .iter()
    .any(|w| s.contains(w))
}

/// `why` with the hint to time its exit status (`--ready exit:2`) replaced by `instead`: a
/// usage error ([`USAGE`]) or a missing file ([`NOT_FOUND`]) is no start to time (QA ci F6:
/// tealdeer run bare; QA cw F4: hexyl given a path that is not there).
pub fn without_exit_hint(why: &str, instead: &str) -> String {
    let why = why.replace(NO_ARGS, "");
    let Some(at) = why.find(OTHER_STATUS) else {
        return why;
    };
    let rest = why[at + OTHER_STATUS.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
    format!("{}{instead}{rest}", &why[..at])
}

/// What a failed run's message says in place of [`OTHER_STATUS`] when its stderr says a file
/// was not found.
pub const NOT_FOUND: &str = "; its stderr says a file or directory was not found: check the \
                             paths given by --probe-arg (relative ones are read from the \
                             directory it runs in)";

/// What a failed run's message says in place of [`OTHER_STATUS`] (and [`NO_ARGS`]) when its
/// stderr says it found no terminal (QA db F3: gitui's "No such device or address (os error
/// 6)" was told to be timed with `--ready exit:1`, which timed a failed start as its start).
pub const NO_TTY: &str = "; its stderr says it found no terminal: the probe runs it without \
                          one (no controlling terminal, /dev/null as its stdin), so a terminal \
                          UI cannot start; give it arguments that make it work without one \
                          (`--probe-arg --version`), or skip the probe (--no-probe)";

/// What a failed run's message says in place of [`OTHER_STATUS`] when it printed its usage.
pub const USAGE: &str = "; it printed its usage, so these arguments do not suit it: give the \
                         ones it starts with by --probe-arg (`--probe-arg --version` times a \
                         start that exits)";

/// What a failed run's message says, before any other hint, when the program was given no
/// arguments.
pub const NO_ARGS: &str = "; it ran with no arguments: give it those it starts with by \
                           --probe-arg (`--probe-arg --version` times a start that exits)";

/// What a failed run's message ends with when it exited with a status the readiness does not
/// time, before that status: how to time it. An image's start inside says nothing of it (the
/// host's runs of the same readiness got ready).
pub const OTHER_STATUS: &str = "; if the program exits so when it works, pass --ready exit:";

/// What follows a crash's message: the run is not timed, and where its stack is told.
pub const CRASH_NOTE: &str = "(a run that crashed is not timed; --hostile traces a static \
    build's crash to its stack)";

/// What a failed run's message adds: a run inside an image says what sets its arguments there
/// instead (`image::cause::failed_run_note`).
/// Its stdin is said (QA cq F3: xh read the empty stdin as a request body and sent a POST).
pub const FAILED_RUN_NOTE: &str = "(a failing run is not timed; it runs in the current directory \
     with /dev/null as its stdin, and --probe-arg/--probe-env set its arguments)";

/// No exit stop was seen: no memory figures, and why (nothing to say for an untraced run).
fn without_exit_stop(spec: &RunSpec, traced: nix::Result<()>) -> AtExit {
    let why = match traced {
        Err(_) if !spec.trace => None,
        Err(e) => Some(format!(
            "ptrace attach failed ({e}): the program may have exited first, or ptrace is not \
             permitted here; without the exit stop its memory cannot be read before it is \
             reaped"
        )),
        Ok(()) => Some("no exit stop was seen for the program".into()),
    };
    AtExit {
        held: Duration::ZERO,
        memory: Memory::default(),
        processes: 0,
        unknown: why.map(|w| ("memory_kib", w)).into_iter().collect(),
        cpu_wait: None,
    }
}
