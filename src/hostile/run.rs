//! Run one plan: no shell, stdin closed, stdout discarded, stderr's tail kept, a timeout;
//! nothing it started outlives it.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::conditions::Invocation;
use super::sweep::{Mark, pipe_holders, sweep};
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::probe::{RunSpec, run_once};
use crate::report::NOTHING_ON_STDERR;

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// The last lines of stderr (at most 2 KiB), or why the program could not start.
    pub stderr_tail: String,
    /// Processes the run started that could not be stopped (should never happen).
    pub survivors: Vec<i32>,
    /// A run that timed out answering an `http` check otherwise than awaited: its last answer
    /// (`HTTP 403`).
    pub answered: Option<String>,
}

const TAIL: usize = 2048;

/// How long stderr's end of file is waited for once the run's processes are gone: one that
/// could not be found may hold the pipe for ever.
const TAIL_WAIT: Duration = Duration::from_secs(2);

/// How long stderr's end of file is waited for before the processes holding the pipe are
/// looked for (a scan of every process's open files, not made when nothing holds it).
const HOLDERS_AFTER: Duration = Duration::from_millis(50);

/// The tail the drain thread sends at end of file; without it after [`TAIL_WAIT`] (or at
/// Ctrl-C), what it has not said.
fn tail_of(drained: &std::sync::mpsc::Receiver<String>) -> String {
    let t0 = Instant::now();
    loop {
        match drained.recv_timeout(Duration::from_millis(20)) {
            Ok(tail) => return tail,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                if t0.elapsed() < TAIL_WAIT && !crate::interrupt::requested() => {}
            Err(_) => {
                return "(stderr not read to its end: a process outside this run still holds \
                        it open)"
                    .into();
            }
        }
    }
}

/// Run `plan` until it exits (`exit` readiness) or until it is ready, as the probe decides;
/// then stop every process the run started that is still there, wherever it went.
pub fn run_invocation(plan: &Invocation, spec: &ProbeSettings) -> RunResult {
    // Started before the program and stopped after it (the setup check proved it starts).
    let _beside = plan
        .beside
        .and_then(|(uid, gid)| super::foreign::start(uid, gid).ok());
    let mark = Mark::new();
    let mut plan = plan.clone();
    plan.env.push(mark.entry());
    let mut result = match &spec.ready {
        Ready::Exit(_) => run_to_exit(&plan, spec.timeout, &mark),
        ready => run_to_ready(&plan, ready, spec),
    };
    // The probe stopped the program's tree; what escaped it (not our descendant unless we
    // are a subreaper) carries the mark.
    result.survivors.extend(sweep(&mark, &[]));
    result.survivors.sort_unstable();
    result.survivors.dedup();
    result
}

/// Through the probe: ready is "ok" (all fields empty, as a plain run that got ready); a run
/// that ends before ready reports its status or signal, one that never gets there times out.
fn run_to_ready(plan: &Invocation, ready: &Ready, spec: &ProbeSettings) -> RunResult {
    let pattern = match ready {
        Ready::Line(re) => regex::Regex::new(re).ok(),
        _ => None,
    };
    let program = std::path::PathBuf::from(&plan.program);
    let args: Vec<String> = plan
        .args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let run = RunSpec {
        program: &program,
        gate: None,
        args: &args,
        env: &plan.env,
        env_remove: &plan.env_remove,
        ready,
        pattern: pattern.as_ref(),
        timeout: spec.timeout,
        grace: spec.grace,
        trace: false,
    };
    match run_once(&run) {
        Ok(ok) => RunResult {
            exit_code: None,
            signal: None,
            timed_out: false,
            stderr_tail: String::new(),
            survivors: ok.stop.survivors,
            answered: None,
        },
        Err(f) => RunResult {
            exit_code: f.exit_code,
            signal: f
                .signal
                .as_deref()
                .and_then(|s| s.parse::<Signal>().ok())
                .map(|s| s as i32),
            timed_out: f.kind == "timeout",
            stderr_tail: if f.stderr_tail.is_empty() {
                format!("{NOTHING_ON_STDERR}{}", f.message)
            } else {
                f.stderr_tail
            },
            survivors: f.stop.survivors,
            answered: f.answer,
        },
    }
}

/// Read `stderr` to its end on a thread of its own, keeping its last [`TAIL`] bytes; the
/// tail, trimmed, comes on the channel returned.
fn drain_tail(stderr: Option<std::process::ChildStderr>) -> std::sync::mpsc::Receiver<String> {
    let (tx, drained) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tail: Vec<u8> = Vec::new();
        if let Some(mut err) = stderr {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 4 * TAIL {
                    tail.drain(..tail.len() - TAIL);
                }
            }
        }
        let start = tail.len().saturating_sub(TAIL);
        let text = crate::format::program_text(&String::from_utf8_lossy(&tail[start..]));
        let _ = tx.send(text.trim().to_string());
    });
    drained
}

fn run_to_exit(plan: &Invocation, timeout: Duration, mark: &Mark) -> RunResult {
    let mut cmd = Command::new(&plan.program);
    cmd.args(&plan.args)
        .envs(plan.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    for v in &plan.env_remove {
        cmd.env_remove(v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return RunResult {
                exit_code: None,
                signal: None,
                timed_out: false,
                stderr_tail: format!("cannot start {}: {e}", plan.program.to_string_lossy()),
                survivors: Vec::new(),
                answered: None,
            };
        }
    };
    let stderr = child.stderr.take();
    let pipe = stderr
        .as_ref()
        .and_then(|e| std::fs::read_link(format!("/proc/self/fd/{}", e.as_raw_fd())).ok());
    let drained = drain_tail(stderr);
    let pgid = Pid::from_raw(child.id() as i32);
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_micros(200);
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (Some(status), false),
            Ok(None) if Instant::now() >= deadline || crate::interrupt::requested() => {
                let _ = killpg(pgid, Signal::SIGKILL);
                break (child.wait().ok(), true);
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(_) => break (None, false),
        }
    };
    // Whatever the program left behind goes with it: its group, and what escaped the group
    // (`setsid`, a double fork), found by the run's mark; then whatever still holds its stderr
    // open. The tail is waited for beyond that only [`TAIL_WAIT`].
    let _ = killpg(pgid, Signal::SIGKILL);
    let mut survivors = sweep(mark, &[]);
    let stderr_tail = match drained.recv_timeout(HOLDERS_AFTER) {
        Ok(tail) => tail,
        Err(_) => {
            let holders = pipe.as_deref().map(pipe_holders).unwrap_or_default();
            survivors.extend(sweep(mark, &holders));
            tail_of(&drained)
        }
    };
    RunResult {
        exit_code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        signal: if timed_out {
            None
        } else {
            status.and_then(|s| s.signal())
        },
        timed_out,
        stderr_tail,
        survivors,
        answered: None,
    }
}
