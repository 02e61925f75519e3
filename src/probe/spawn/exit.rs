//! `exit` mode: wait for the program to exit, reading its memory at the ptrace exit stop
//! when the run is traced.

use super::*;

pub(super) fn exit_mode(
    spec: &RunSpec,
    pid: Pid,
    t0: Instant,
    traced: nix::Result<()>,
    helper: &Helper,
) -> RunResult {
    // What memory the tree had at the exit stop, and how long we held the program there.
    type AtExit = (Duration, Memory, u32, Vec<(&'static str, String)>);
    let mut at_exit: Option<AtExit> = None;
    let status = loop {
        match waitpid(pid, Some(WaitPidFlag::__WALL)) {
            Ok(WaitStatus::PtraceEvent(_, _, ev)) if ev == libc::PTRACE_EVENT_EXIT => {
                let t = Instant::now();
                let pids: Vec<i32> = our_descendants().iter().map(|p| p.pid).collect();
                let (mem, n, why) = read_tree(&pids);
                let _ = ptrace::cont(pid, None);
                at_exit = Some((t.elapsed(), mem, n, why));
            }
            // Group-stop and other events: let it run on.
            Ok(WaitStatus::PtraceEvent(..) | WaitStatus::PtraceSyscall(_)) => {
                let _ = ptrace::cont(pid, None);
            }
            // A signal on its way to the program: deliver it.
            Ok(WaitStatus::Stopped(_, sig)) => {
                let _ = ptrace::cont(pid, Some(sig));
            }
            Ok(s @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => break s,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => {
                helper.cancel.store(true, Ordering::Release);
                let stop = cleanup::stop(pid, Duration::ZERO);
                let mut f = fail("probe-error", format!("waiting for the program: {e}"));
                f.stop = stop;
                return Err(f);
            }
        }
    };
    let end = Instant::now();
    helper.cancel.store(true, Ordering::Release);
    let timed_out = helper.fired.load(Ordering::Acquire);
    let stop = cleanup::after_exit(spec.grace);
    if timed_out {
        let mut f = fail(
            "timeout",
            format!(
                "still running after {}: is it a server? pass --ready tcp / line:REGEX / http",
                human_duration(spec.timeout)
            ),
        );
        f.stop = stop;
        return Err(f);
    }
    if !matches!(status, WaitStatus::Exited(_, 0)) {
        let kind = if matches!(status, WaitStatus::Signaled(..)) {
            "killed-by-signal"
        } else {
            "exit-status"
        };
        let mut f = fail(
            kind,
            format!(
                "{} (a failing run is not timed; --probe-arg/--probe-env set its arguments)",
                describe(Some(status))
            ),
        );
        ended(&mut f, Some(status));
        f.stop = stop;
        return Err(f);
    }
    // The program is done when it is reaped (as `hyperfine` counts it: teardown included),
    // less the time we held it at the exit stop to read its memory.
    let (held, memory, processes, unknown) = match (at_exit, traced) {
        (Some((held, m, n, why)), _) => (held, m, n, why),
        (None, Err(_)) if !spec.trace => (Duration::ZERO, Memory::default(), 0, Vec::new()),
        (None, Err(e)) => (
            Duration::ZERO,
            Memory::default(),
            0,
            vec![(
                "memory_kib",
                format!(
                    "ptrace attach failed ({e}): the program may have exited first, or ptrace is \
                     not permitted here; without the exit stop its memory cannot be read before \
                     it is reaped"
                ),
            )],
        ),
        (None, Ok(())) => (
            Duration::ZERO,
            Memory::default(),
            0,
            vec![("memory_kib", "no exit stop was seen for the program".into())],
        ),
    };
    Ok(RunOk {
        spawned_at_ns: None,
        startup: end.duration_since(t0).saturating_sub(held),
        memory,
        processes,
        unknown,
        stop,
    })
}
