//! `tcp`, `http` and `line` modes: wait until the program is ready, read its memory then, and
//! stop it; or say why it never got there.

use std::ops::ControlFlow;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::{RunOk, RunResult, RunSpec, ended_early, fail, human_duration};
use crate::options::Ready;
use crate::probe::drain::{Event, Helper};
use crate::probe::listener::{self, Listener};
use crate::probe::memory::{our_descendants, read_tree};
use crate::probe::ready::{self, HttpCheck, poll_interval};
use crate::probe::{cleanup, cpu_wait};
use crate::report::Memory;

/// How often a `line` probe checks whether the program exited before its line.
const LINE_MODE_PAUSE: Duration = Duration::from_millis(5);

/// What the checks have seen so far, for the message when the program never gets ready.
#[derive(Default)]
struct Seen {
    /// Both output streams are closed (a `line` probe can no longer see its line).
    streams_closed: bool,
    /// The last answer of an `http` check that was not the awaited status.
    last_answer: Option<String>,
}

pub(super) fn until_ready(
    spec: &RunSpec,
    pid: Pid,
    port: u16,
    t0: Instant,
    helper: &Helper,
) -> RunResult {
    let mut seen = Seen::default();
    let mut first = true;
    let ready_at = loop {
        let pause = if first {
            Duration::ZERO
        } else if matches!(spec.ready, Ready::Line(_)) && !seen.streams_closed {
            // The line's moment is taken by the drain thread; this loop only has to notice
            // an early exit, and waking often would take CPU from the program and the thread.
            LINE_MODE_PAUSE
        } else {
            poll_interval(t0.elapsed())
        };
        first = false;
        if let Some(t) = check(spec, port, t0, pause, helper, &mut seen) {
            break t;
        }
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(status) => return exited(spec, status, t0, helper),
            Err(e) => return Err(fail("probe-error", format!("waiting for the program: {e}"))),
        }
        if t0.elapsed() >= spec.timeout {
            return timed_out(spec, (pid, port), seen, helper.pending().is_some());
        }
        // Ctrl-C: stop the program now, not after the rest of its timeout.
        if crate::interrupt::requested() {
            let mut f = fail(
                "interrupted",
                "stopped before it was ready: interrupted".into(),
            );
            f.stop = cleanup::stop(pid, spec.grace);
            return Err(f);
        }
    };
    let pids: Vec<i32> = our_descendants()
        .iter()
        .filter(|p| !p.is_dead())
        .map(|p| p.pid)
        .collect();
    // Read before memory: the program runs on while we read, and its delay with it.
    let cpu_wait = cpu_wait::run_delay(pid.as_raw())
        .and_then(|d| cpu_wait::share(Duration::ZERO, d, ready_at.duration_since(t0)));
    let (memory, processes, unknown) = read_tree(&pids);
    let loopback_only = match listened(spec, (pid, port), &pids, t0, helper) {
        ControlFlow::Continue(lo) => lo,
        ControlFlow::Break(ended) => return ended,
    };
    let stop = cleanup::stop(pid, spec.grace);
    Ok(RunOk {
        spawned_at_ns: None,
        startup: ready_at.duration_since(t0),
        memory,
        processes,
        unknown,
        stop,
        loopback_only,
        exit_code: None,
        cpu_wait,
        no_tty: false,
    })
}

/// Whether the program, seen ready on `port`, listens there on loopback alone; or how its run
/// ended, when the socket turns out to be its last act or another process's.
fn listened(
    spec: &RunSpec,
    (pid, port): (Pid, u16),
    pids: &[i32],
    t0: Instant,
    helper: &Helper,
) -> ControlFlow<RunResult, bool> {
    match its_port(spec, port, pids) {
        Ok(Some(lo)) => ControlFlow::Continue(lo),
        // Its socket gone by the time it is looked for: a program that exits now listened
        // only on its way out (QA cz F1: one that listens and exits 1 ms later was counted
        // ready in 20 of 20 runs, with a shutdown time though no SIGTERM was sent).
        Ok(None) => match exits_soon(pid) {
            Some(status) => ControlFlow::Break(exited(spec, status, t0, helper)),
            None => ControlFlow::Continue(false),
        },
        Err(holders) => {
            // No holder found: the socket may have been the program's own, closed as it
            // exited (QA cy F3: miniserve listened on `[::]` and died 0.8 ms later on its
            // bind of `0.0.0.0`, and the run read "a process this user cannot see holds it").
            if holders.is_empty()
                && let Some(status) = exits_soon(pid)
            {
                return ControlFlow::Break(exited(spec, status, t0, helper));
            }
            let mut f = fail(
                "port-taken",
                format!(
                    "port {port} on loopback answered, but the socket listening there is not \
                     the program's: {} holds it, so the run is not counted",
                    listener::describe(&holders)
                ),
            );
            f.stop = cleanup::stop(pid, spec.grace);
            ControlFlow::Break(Err(f))
        }
    }
}

/// A `tcp`/`http` check that was answered by a socket none of the program's processes
/// (`tree`) holds is an error: another process took the port (its holders, none when they
/// could not be found), and the program was never seen ready. Otherwise whether the
/// program's sockets on the port are bound to loopback alone; `None` when no socket listens
/// on the port any more.
fn its_port(spec: &RunSpec, port: u16, tree: &[i32]) -> Result<Option<bool>, Vec<(i32, String)>> {
    if !matches!(spec.ready, Ready::Tcp(_) | Ready::Http { .. }) {
        return Ok(Some(false));
    }
    match listener::whose(port, tree) {
        Listener::Other(holders) => Err(holders),
        Listener::Ours { loopback_only } => Ok(Some(loopback_only)),
        Listener::Unknown => Ok(None),
    }
}

/// How the program ended, when it has exited or does within [`EXITS_SOON`]: not reaped
/// otherwise.
fn exits_soon(pid: Pid) -> Option<WaitStatus> {
    let until = Instant::now() + EXITS_SOON;
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(status) => return Some(status),
            Err(_) => return None,
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// How long a program whose port's holder could not be found is given to exit.
const EXITS_SOON: Duration = Duration::from_millis(100);

/// One check after `pause`: the moment the program was seen ready, if it was.
fn check(
    spec: &RunSpec,
    port: u16,
    t0: Instant,
    pause: Duration,
    helper: &Helper,
    seen: &mut Seen,
) -> Option<Instant> {
    match spec.ready {
        Ready::Line(_) if !seen.streams_closed => match helper.recv(pause) {
            Ok(Event::Line(t)) => return Some(t),
            Ok(Event::Done { .. }) | Err(RecvTimeoutError::Disconnected) => {
                seen.streams_closed = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
        },
        Ready::Exit(_) | Ready::Line(_) => std::thread::sleep(pause),
        Ready::Tcp(_) => {
            std::thread::sleep(pause);
            if ready::tcp(port) {
                return Some(Instant::now());
            }
        }
        Ready::Http { path, status, .. } => {
            std::thread::sleep(pause);
            let left = (t0 + spec.timeout).saturating_duration_since(Instant::now());
            match ready::http(port, path, left.min(Duration::from_secs(1))) {
                HttpCheck::Status(code) if ready::status_ok(code, *status) => {
                    return Some(Instant::now());
                }
                HttpCheck::Status(code) => seen.last_answer = Some(format!("HTTP {code}")),
                HttpCheck::NotHttp(line) => seen.last_answer = Some(format!("not HTTP: `{line}`")),
                HttpCheck::NotListening => {}
            }
        }
    }
    None
}

/// The program ended before it was seen ready: a failure, unless its matching line is still
/// in the pipe (it was printed before the exit), or its output ends with a matching line
/// without a newline (the end of its output, unless a process it started holds the pipes).
fn exited(spec: &RunSpec, status: WaitStatus, t0: Instant, helper: &Helper) -> RunResult {
    let line = match spec.ready {
        Ready::Line(_) => match helper.recv(Duration::from_millis(200)) {
            Ok(Event::Line(t)) => Some(t),
            _ => helper.pending(),
        },
        _ => None,
    };
    if let Some(t) = line {
        let stop = cleanup::after_exit(spec.grace);
        return Ok(RunOk {
            spawned_at_ns: None,
            startup: t.duration_since(t0),
            memory: Memory::default(),
            processes: 0,
            unknown: vec![(
                "memory_kib",
                "the program exited right after its ready line, before memory was read".into(),
            )],
            stop,
            loopback_only: false,
            exit_code: None,
            cpu_wait: None,
            no_tty: false,
        });
    }
    let stop = cleanup::after_exit(spec.grace);
    let then = format!("before it was ready ({})", spec.ready);
    let mut f = ended_early(status, "exited-before-ready", &then);
    f.stop = stop;
    Err(f)
}

/// `; nothing listened on port PORT of 127.0.0.1 or [::1] ...`: the port a `tcp`/`http` check waited on, and
/// the ports the program listened on instead (QA bd F3: miniserve's 8080, where the probe
/// waited on the free port it gave in `PORT`, and neither was said). `given`: the port was
/// the probe's own choice, given in `PORT`, and on the command line where `on_line` (QA bf
/// F7: it was said to be in `{port}` with no argument holding it).
fn elsewhere(
    ready: &Ready,
    (given, on_line): (bool, bool),
    (port, ports): (u16, &[u16]),
) -> String {
    let mut s = format!("; nothing listened on port {port} of 127.0.0.1 or [::1]");
    if given {
        let line = if on_line {
            " and on its command line"
        } else {
            ""
        };
        s.push_str(&format!(" (the free port it was given in `PORT`{line})"));
    }
    let Some(first) = ports.first() else {
        return s;
    };
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    // An `http` check keeps its path and status there (QA dd F3: `tcp:8787` dropped them).
    let there = match ready {
        Ready::Http { path, status, .. } => Ready::Http {
            port: Some(*first),
            path: path.clone(),
            status: *status,
        },
        _ => Ready::Tcp(Some(*first)),
    };
    s.push_str(&format!(
        "; it listens on {} {}: wait there (`--ready {there}`)",
        if ports.len() == 1 { "port" } else { "ports" },
        list.join(", ")
    ));
    if given && !on_line {
        // The variable a program reads its port from is its own (miniserve's
        // `MINISERVE_PORT`): named by the user.
        s.push_str(
            ", or give it the probe's port where it reads one: `{port}` in a `--probe-arg`, \
             or `--probe-env NAME={port}`",
        );
    }
    s
}

/// What to do about an HTTP answer that was not the awaited one (QA cy F11: a 404 said only
/// that it was one), in `--ready` forms that keep the port the user gave (QA dd F3:
/// `http/PATH` dropped `http:8787`'s port, and followed, waited on a free port).
fn answer_hint(answer: &str, ready: &Ready) -> String {
    let Some(code) = answer.strip_prefix("HTTP ") else {
        return String::new();
    };
    let (port, path) = match ready {
        Ready::Http { port, path, .. } => (*port, path.as_str()),
        _ => (None, "/"),
    };
    let form = |path: &str, status: Option<u16>| {
        let path = path.to_string();
        Ready::Http { port, path, status }.to_string()
    };
    match code {
        "404" => format!(
            ", no such path: wait on one it serves (`--ready {}`), or add `#404` to --ready if \
             that answer means it is ready",
            form("/PATH", None)
        ),
        _ => match code.parse::<u16>() {
            Ok(status) => format!(
                " (if that answer means it is ready, name it: `--ready {}`)",
                form(path, Some(status))
            ),
            Err(_) => String::new(),
        },
    }
}

/// Not ready within the timeout: stop it, and say what was seen (`tail_matched`: its output
/// ends with a line that matches but has no newline yet).
fn timed_out(spec: &RunSpec, (pid, port): (Pid, u16), seen: Seen, tail_matched: bool) -> RunResult {
    let given = spec.ready.fixed_port().is_none();
    let waits = matches!(spec.ready, Ready::Tcp(_) | Ready::Http { .. });
    // Nothing answered on the port: where the program listens instead, if anywhere.
    let listens = (waits && seen.last_answer.is_none()).then(|| {
        let tree: Vec<i32> = our_descendants()
            .iter()
            .filter(|p| !p.is_dead())
            .map(|p| p.pid)
            .collect();
        listener::ports_of(&tree)
    });
    let stop = cleanup::stop(pid, spec.grace);
    let mut msg = format!(
        "not ready ({}) after {}",
        spec.ready,
        human_duration(spec.timeout)
    );
    // Under 100 ms, the limit may be what is short (QA cy F9: miniserve, ready in 2 ms
    // unloaded, was "not listening" with `--probe-timeout 1ms`).
    if spec.timeout < std::time::Duration::from_millis(100) {
        msg.push_str(" (a short limit: raise --probe-timeout)");
    }
    if let Some(a) = &seen.last_answer {
        msg.push_str(&format!("; last answer: {a}{}", answer_hint(a, spec.ready)));
    }
    if let Some(ports) = listens.filter(|p| !p.contains(&port)) {
        let on_line = spec.args.iter().any(|a| a.contains(&port.to_string()));
        msg.push_str(&elsewhere(spec.ready, (given, on_line), (port, &ports)));
    }
    if seen.streams_closed && matches!(spec.ready, Ready::Line(_)) {
        msg.push_str("; it closed stdout and stderr without printing a matching line");
    }
    if tail_matched {
        msg.push_str(
            "; its output ends with a matching line that has no newline: a line counts once \
             it ends with \\n, or when the program exits or closes that stream",
        );
    }
    // How it ended after our SIGTERM/SIGKILL is not the program's failure: not reported.
    let mut f = fail("timeout", msg);
    f.stop = stop;
    f.answer = seen.last_answer;
    Err(f)
}

#[cfg(test)]
mod tests {
    use crate::options::Ready;

    /// QA cy F3: a program that exits within the wait is found exited, with its status; one
    /// that runs on is not waited for beyond it, nor reaped.
    #[test]
    fn a_program_exiting_soon_is_found_so() {
        use nix::sys::wait::WaitStatus;
        use nix::unistd::Pid;
        let spawn = |script: &str| {
            std::process::Command::new("sh")
                .args(["-c", script])
                .spawn()
                .expect("sh")
        };
        let mut quick = spawn("sleep 0.02; exit 3");
        let pid = Pid::from_raw(quick.id() as i32);
        assert_eq!(super::exits_soon(pid), Some(WaitStatus::Exited(pid, 3)));
        assert!(quick.wait().is_err(), "reaped by exits_soon");
        let mut slow = spawn("sleep 5");
        let pid = Pid::from_raw(slow.id() as i32);
        assert_eq!(super::exits_soon(pid), None);
        let _ = slow.kill();
        assert!(slow.wait().is_ok(), "not reaped by exits_soon");
    }

    /// QA cy F11: an answer that was not the awaited one says what to do about it; QA dd F3:
    /// in a `--ready` form that keeps the port given (and the path, where it was served).
    #[test]
    fn an_unawaited_answer_says_what_to_do() {
        let http = |port: Option<u16>, path: &str| Ready::Http {
            port,
            path: path.into(),
            status: None,
        };
        let given = http(Some(8787), "/missing.txt");
        let hint = super::answer_hint("HTTP 404", &given);
        assert!(
            hint.contains("no such path: wait on one it serves (`--ready http:8787/PATH`)"),
            "{hint}"
        );
        assert_eq!(
            super::answer_hint("HTTP 503", &given),
            " (if that answer means it is ready, name it: `--ready http:8787/missing.txt#503`)"
        );
        assert_eq!(
            super::answer_hint("HTTP 503", &http(None, "/health")),
            " (if that answer means it is ready, name it: `--ready http/health#503`)"
        );
        assert!(super::answer_hint("HTTP 404", &http(None, "/")).contains("`--ready http/PATH`"));
        assert_eq!(super::answer_hint("not HTTP: `SSH-2.0`", &given), "");
    }

    /// QA dd F3: an `http` check that found the program on another port is told to wait there
    /// with its path, not as `tcp:PORT`.
    #[test]
    fn a_port_elsewhere_keeps_the_http_path() {
        let ready = Ready::Http {
            port: None,
            path: "/a.txt".into(),
            status: None,
        };
        let s = super::elsewhere(&ready, (true, false), (44475, &[8787]));
        assert!(s.contains("wait there (`--ready http:8787/a.txt`)"), "{s}");
        let s = super::elsewhere(&Ready::Tcp(None), (true, false), (44475, &[8787]));
        assert!(s.contains("wait there (`--ready tcp:8787`)"), "{s}");
    }
}
