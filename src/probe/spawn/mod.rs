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
//! tracer; a seized tracee gets no `SIGTRAP` on exec). Memory is read in every run. A traced
//! program runs 10-15% slower (measured against `hyperfine -N` with `benches/probe.sh`), so each
//! `exit`-mode run is made twice, back to back: untraced for the time, traced for the memory
//! (`RunSpec::trace`). Without `cc` there is no gate and the program is spawned directly and
//! attached after, with memory only for the runs where that succeeded (`memory_runs`). A stop
//! before `exec` in the child itself would need `pre_exec` (no `posix_spawn` then).
//!
//! **The timed interval in `exit` mode** is the gate's wake-up, its `execve`, the program's run
//! and the kernel's teardown until the program is reaped: `hyperfine -N` counts the same, with
//! the spawn where we count the wake-up (the two cost about the same; `benches/probe.sh`
//! compares). Nothing of the prober's own runs inside it. The drain thread is asleep in `poll`
//! before the byte is written, and our copies of the program's pipes are closed only after it
//! was reaped (`start::Held`): closed before, the program's exit closed the last write ends, and
//! their end of file woke the drain thread ahead of the prober. Seen with sched tracepoints on a
//! 2-CPU VM, and measured against a `hyperfine`-style spawn interleaved run by run: ~50 us per
//! run, the constant offset `exit` mode had over `hyperfine -N` (1.6x on the spawn floor).
mod exit;
mod start;
mod until;

pub use exit::{
    CRASH_NOTE, FAILED_RUN_NOTE, NO_ARGS, NO_TTY, NOT_FOUND, OTHER_STATUS, USAGE, printed_usage,
    said_no_tty, said_not_found, without_exit_hint,
};

use std::path::Path;
use std::time::Duration;

use nix::sys::wait::WaitStatus;
use regex::Regex;

use super::cleanup::Stopped;
use super::drain::{Helper, Job};
use crate::options::Ready;
use crate::report::Memory;
use exit::exit_mode;
use until::until_ready;

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

#[derive(Debug, Default)]
pub struct RunOk {
    pub spawned_at_ns: Option<u64>,
    pub startup: Duration,
    pub memory: Memory,
    pub processes: u32,
    /// Why memory figures are missing, keyed by field path.
    pub unknown: Vec<(&'static str, String)>,
    pub stop: Stopped,
    /// A `tcp`/`http` check answered by sockets bound to loopback alone (see
    /// `listener::Listener::Ours`).
    pub loopback_only: bool,
    /// `exit` mode: the status it exited with (one the readiness accepts).
    pub exit_code: Option<i32>,
    /// The share of the startup its main thread waited for a CPU (see `cpu_wait`), 0..1;
    /// `None` when not read (an untraced `exit`-mode run, or no `schedstat`).
    pub cpu_wait: Option<f64>,
    /// `exit` mode: it exited with a status other than 0 (one `--ready exit:N` accepts) and its
    /// stderr says it found no terminal ([`said_no_tty`]): a terminal UI's failed start.
    pub no_tty: bool,
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
    /// The last answer of an `http` check that timed out (`HTTP 403`): it listened and
    /// answered, not as awaited.
    pub answer: Option<String>,
}

impl RunFail {
    /// The message with what the run's stderr says in place of the hint to time another exit
    /// status: a usage error, a missing terminal or file is no start to time at another exit
    /// status, wherever the message is read (QA ck F2: the failed runs, the verdict and the
    /// JSON said so still; QA dg F2: the memory line's traced run still said `exit:1`).
    pub fn told(&self) -> String {
        if printed_usage(&self.stderr_tail) {
            without_exit_hint(&self.message, USAGE)
        } else if said_no_tty(&self.stderr_tail) {
            // Which says how it runs (no terminal, /dev/null as its stdin): the general note
            // before it went (QA ds F5: btm's message said both, three times a run).
            let message = self.message.replace(&format!(" {FAILED_RUN_NOTE}"), "");
            without_exit_hint(&message, NO_TTY)
        } else if said_not_found(&self.stderr_tail) && !self.message.contains(NO_ARGS) {
            without_exit_hint(&self.message, NOT_FOUND)
        } else {
            self.message.clone()
        }
    }

    /// The report's record of this failure as run `run` of a series.
    pub fn into_failed_run(self, run: u32, warmup: bool) -> crate::report::FailedRun {
        crate::report::FailedRun {
            run,
            warmup,
            kind: self.kind.to_string(),
            message: self.told(),
            exit_code: self.exit_code,
            signal: self.signal,
            core_dumped: self.core_dumped,
            stderr_tail: self.stderr_tail,
            stdout_tail: self.stdout_tail,
        }
    }
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
        answer: None,
    })
}

/// A run that ended where it should not have: `killed-by-signal` when a signal ended it,
/// else `otherwise`; the message is how it ended followed by `then`, and the exit code or
/// signal is filled in.
fn ended_early(status: WaitStatus, otherwise: &'static str, then: &str) -> Box<RunFail> {
    let kind = if matches!(status, WaitStatus::Signaled(..)) {
        "killed-by-signal"
    } else {
        otherwise
    };
    let mut f = fail(kind, format!("{} {then}", describe(Some(status))));
    match status {
        WaitStatus::Exited(_, code) => f.exit_code = Some(code),
        WaitStatus::Signaled(_, sig, core) => {
            f.signal = Some(sig.as_str().to_string());
            f.core_dumped = core;
        }
        _ => {}
    }
    f
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
    let port = start::port(spec)?;
    start::port_free(spec, port)?;
    let in_exit_mode = spec.ready.is_exit();
    let gate = spec.gate.filter(|_| in_exit_mode);
    let streams = start::streams(spec.program, gate.is_some())?;
    let helper = Helper::start(Job {
        stdout: streams.stdout.0,
        stderr: streams.stderr.0,
        pattern: spec.pattern.cloned(),
        watch: in_exit_mode,
    });
    if let Some(tid) = helper.thread {
        start::wait_asleep(tid);
    }
    let (out, err) = (streams.stdout.1, streams.stderr.1);
    let cmd = start::command(spec, gate, port, streams.stdin, out, err);
    let started = match streams.go {
        Some(go) => start::through_gate(spec, cmd, go)?,
        None => start::directly(spec, cmd, in_exit_mode)?,
    };
    let (pid, t0) = (started.pid, started.t0);
    if in_exit_mode {
        helper.arm(t0 + spec.timeout, pid);
    }
    let r = match started.traced {
        Some(traced) => exit_mode(spec, (pid, t0, started.delay_at_t0), traced, &helper),
        None => until_ready(spec, pid, port, t0, &helper),
    };
    drop(started.held);
    let wait = Duration::from_secs(1);
    match r {
        Ok(mut ok) => {
            ok.spawned_at_ns = started.spawned_at_ns;
            let (_, err) = helper.tails(wait);
            ok.no_tty = ok.exit_code.is_some_and(|c| c != 0) && said_no_tty(&err);
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

/// `10s`, `500ms`, `1.5s`, `1.3ms`, `250us`: the duration as it was given, to the
/// microsecond (QA n: `--probe-timeout 1.3ms` read "after 1ms", `1500us` "after 2ms").
pub fn human_duration(d: Duration) -> String {
    let us = d.as_micros();
    let (value, unit) = if us < 1000 {
        return format!("{us}us");
    } else if us < 1_000_000 {
        (us as f64 / 1e3, "ms")
    } else {
        (us as f64 / 1e6, "s")
    };
    // At most three decimals (the microseconds of a millisecond), without trailing zeros.
    let mut text = format!("{value:.3}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::human_duration;
    use std::time::Duration;

    /// QA ci F6, ck F2: a run that printed its usage is told to get arguments, in its own
    /// message (what the report, the verdict and the JSON give), not to time that status.
    #[test]
    fn a_run_that_printed_its_usage_says_so_in_its_message() {
        let fail = |stderr: &str| super::RunFail {
            kind: "exit-status",
            message: format!(
                "exited with status 2 {}{}2",
                super::FAILED_RUN_NOTE,
                super::OTHER_STATUS
            ),
            exit_code: Some(2),
            signal: None,
            core_dumped: false,
            stdout_tail: String::new(),
            stderr_tail: stderr.into(),
            stop: Default::default(),
            answer: None,
        };
        let usage = fail("error: unexpected argument\n\nUsage: grex <INPUT>\n");
        let m = usage.into_failed_run(1, true).message;
        assert!(m.ends_with(super::USAGE) && !m.contains("exit:2"), "{m}");
        let other = fail("cannot open file\n").into_failed_run(1, true).message;
        assert!(
            other.ends_with(&format!("{}2", super::OTHER_STATUS)),
            "{other}"
        );
        // QA db F3: a terminal UI without a terminal is no start to time at exit status 1.
        for said in [
            "Error: No such device or address (os error 6)\n",
            "stty: 'standard input': Inappropriate ioctl for device\n",
        ] {
            let m = fail(said).into_failed_run(1, true).message;
            assert!(m.ends_with(super::NO_TTY) && !m.contains("exit:"), "{m}");
            assert!(!m.contains("  "), "{m}");
            // QA ds F5: and not the general note, which it says better.
            assert!(
                m.starts_with("exited with status 2; its stderr says it found no terminal"),
                "{m}"
            );
        }
        // QA cw F4: a file not found is a wrong argument, not an exit status to time.
        for said in [
            "Error: No such file or directory (os error 2)\n",
            "hexyl: /nonexistent: No such file or directory\n",
        ] {
            let m = fail(said).into_failed_run(1, true).message;
            assert!(
                m.ends_with(super::NOT_FOUND) && !m.contains("exit:2"),
                "{m}"
            );
        }
    }

    /// The limit reads as it was given, not rounded to a millisecond or a tenth of a second.
    #[test]
    fn a_duration_reads_as_given() {
        let cases = [
            (Duration::from_micros(1300), "1.3ms"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_micros(250), "250us"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1), "1ms"),
            (Duration::from_secs(10), "10s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(1250), "1.25s"),
            (Duration::from_secs(120), "120s"),
        ];
        for (d, shown) in cases {
            assert_eq!(human_duration(d), shown, "{d:?}");
        }
    }
}
