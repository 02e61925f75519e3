//! Stopping a program and everything it started, and reaping all of it.
//!
//! SIGTERM goes to the program's process group *and* to every descendant outside it (a child
//! that called `setsid` is in no group of ours); after the grace period, SIGKILL to whatever
//! is left. The prober is a child subreaper, so orphans come back to us and are reaped here:
//! after a run, no process it started remains.

use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;

use super::memory::{ProcStat, our_descendants};
use super::ready::poll_interval;

/// How long the final sweep keeps killing and reaping before it gives up and says so.
const SWEEP_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct Stopped {
    /// SIGTERM → the whole tree gone (the program and every process it started), when that
    /// happened within the grace period. `None` when something had to be killed.
    pub shutdown: Option<Duration>,
    /// Processes (the program or any it started) still running when the grace period ended,
    /// and killed with SIGKILL.
    pub killed: u32,
    /// How the program ended (it is reaped).
    pub status: Option<WaitStatus>,
    /// Processes the program's process-group signal would have missed: started outside its
    /// group (e.g. with `setsid`), or still running after the program itself had exited.
    pub leftovers: u32,
    /// Processes that could not be stopped (should never happen; reported if it does).
    pub survivors: Vec<i32>,
}

impl Stopped {
    /// Add the counts of another stop of the same run (`exit` mode makes each run twice).
    pub fn absorb(&mut self, other: Stopped) {
        self.killed += other.killed;
        self.leftovers += other.leftovers;
        self.survivors.extend(other.survivors);
    }
}

/// Stop a running program (`pid`, leader of its own process group) and its whole tree.
///
/// The shutdown time runs from SIGTERM until the last process of the tree is gone: a child
/// that ignores SIGTERM keeps the tree up after the program itself exited, and is counted in
/// `killed` when the grace period ends with it still running.
pub fn stop(pid: Pid, grace: Duration) -> Stopped {
    let mut r = Stopped::default();
    // Everything below us, not only below the program: orphans adopted as subreaper too.
    let tree = alive(our_descendants());
    // Watched before it is signalled, so that its exit is seen the moment it happens.
    let watch = Pidfd::open(pid);
    let t0 = Instant::now();
    let _ = killpg(pid, Signal::SIGTERM);
    // Outside the program's process group: a group signal would have missed these.
    let escaped: Vec<&ProcStat> = tree.iter().filter(|p| p.pgid != pid.as_raw()).collect();
    // The program already gone (it exited on its own once it was ready): all it left running
    // outlived it, as `after_exit` counts them (QA k: a child in its group was not counted).
    let program_gone = !tree.iter().any(|p| p.pid == pid.as_raw());
    r.leftovers = if program_gone {
        tree.len()
    } else {
        escaped.len()
    } as u32;
    for p in escaped {
        let _ = kill(Pid::from_raw(p.pid), Signal::SIGTERM);
    }
    let deadline = t0 + grace;
    let exited = exited_by(pid, watch.as_ref(), deadline);
    r.status = exited.map(|(s, _)| s);
    // Only once the program is reaped: `tree_gone_by` reaps every child of ours. A program
    // that was the whole tree is gone the moment it exited, not when that was looked at (QA aq
    // F1: polls and /proc reads after a sub-millisecond exit read as 3 ms).
    let alone = tree.iter().all(|p| p.pid == pid.as_raw());
    let gone = match exited {
        Some((_, at)) if alone => tree_gone_by(deadline).map(|_| at),
        Some(_) => tree_gone_by(deadline),
        None => None,
    };
    match gone {
        Some(t) => r.shutdown = Some(t.duration_since(t0)),
        None => {
            // The program (if still running) and whatever it started that is still there.
            r.killed = alive(our_descendants()).len() as u32;
            let _ = killpg(pid, Signal::SIGKILL);
            if r.status.is_none() {
                let _ = kill(pid, Signal::SIGKILL);
                r.status = reap_blocking(pid);
            }
        }
    }
    r.survivors = sweep();
    r
}

/// After the program ended on its own (or was killed by the watchdog): stop what it left.
pub fn after_exit(grace: Duration) -> Stopped {
    let mut r = Stopped::default();
    let rest = alive(our_descendants());
    r.leftovers = rest.len() as u32;
    for p in &rest {
        let _ = kill(Pid::from_raw(p.pid), Signal::SIGTERM);
    }
    if !rest.is_empty() && tree_gone_by(Instant::now() + grace).is_none() {
        r.killed = alive(our_descendants()).len() as u32;
    }
    r.survivors = sweep();
    r
}

fn alive(v: Vec<ProcStat>) -> Vec<ProcStat> {
    v.into_iter().filter(|p| !p.is_dead()).collect()
}

/// Wait until `pid` (our child) has exited, at most until `deadline`: its status, reaped, and
/// the moment it was seen to exit. With `watch` (a pidfd), the wait blocks until the kernel
/// says the process ended; without one (a kernel before 5.3), polls.
fn exited_by(pid: Pid, watch: Option<&Pidfd>, deadline: Instant) -> Option<(WaitStatus, Instant)> {
    let t0 = Instant::now();
    loop {
        let seen = Instant::now();
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(s) => return Some((s, seen)),
            // Already reaped (cannot happen here) or not ours: nothing to wait for.
            Err(_) => return None,
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        match watch {
            Some(fd) => fd.wait(deadline - now),
            None => std::thread::sleep(poll_interval(now - t0).min(deadline - now)),
        }
    }
}

/// A process's pidfd (Linux 5.3): readable once the process has ended.
struct Pidfd(std::os::fd::OwnedFd);

impl Pidfd {
    fn open(pid: Pid) -> Option<Pidfd> {
        let pid = rustix::process::Pid::from_raw(pid.as_raw())?;
        rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
            .ok()
            .map(Pidfd)
    }

    /// Block until the process ends or `limit` passes (an interrupted wait returns early).
    fn wait(&self, limit: Duration) {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd as _;
        let ms = limit.as_millis().clamp(1, u128::from(u16::MAX)) as u16;
        let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::POLLIN)];
        let _ = poll(&mut fds, PollTimeout::from(ms));
    }
}

/// Reap our children until no descendant is alive, at most until `deadline`: the moment the
/// last one was seen gone, or `None` when some are still running then.
fn tree_gone_by(deadline: Instant) -> Option<Instant> {
    loop {
        reap_ours();
        if alive(our_descendants()).is_empty() {
            return Some(Instant::now());
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1).min(deadline - now));
    }
}

/// SIGKILL every descendant and reap our children until none is left. Returns the pids still
/// there after [`SWEEP_LIMIT`].
pub fn sweep() -> Vec<i32> {
    let t0 = Instant::now();
    loop {
        reap_ours();
        let left = our_descendants();
        if left.is_empty() {
            return Vec::new();
        }
        if t0.elapsed() >= SWEEP_LIMIT {
            return left.iter().map(|p| p.pid).collect();
        }
        for p in left.iter().filter(|p| !p.is_dead()) {
            let _ = kill(Pid::from_raw(p.pid), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Reap every child of ours that has ended (orphans adopted as subreaper included).
fn reap_ours() {
    let me = std::process::id() as i32;
    for p in our_descendants().iter().filter(|p| p.ppid == me) {
        let _ = waitpid(Pid::from_raw(p.pid), Some(WaitPidFlag::WNOHANG));
    }
}

/// Wait for a process that was sent SIGKILL, within [`SWEEP_LIMIT`].
fn reap_blocking(pid: Pid) -> Option<WaitStatus> {
    let t0 = Instant::now();
    while t0.elapsed() < SWEEP_LIMIT {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(s) => return Some(s),
            Err(_) => return None,
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wait on a pidfd returns once the process has ended, not at its time limit or
    /// before: its status is there to reap at once (QA aq F1: the shutdown was noticed by
    /// polls whose sleeps, on a busy machine, ran to milliseconds).
    #[test]
    #[expect(clippy::zombie_processes, reason = "reaped by `exited_by`'s waitpid")]
    fn a_pidfd_wait_returns_when_the_process_ends() {
        // Before the spawn: sleep's 50 ms start after it (taken after, on a busy machine the
        // pidfd's opening ate into them and the bound below failed).
        let t0 = Instant::now();
        let child = std::process::Command::new("sleep")
            .arg("0.05")
            .spawn()
            .expect("sleep");
        let pid = Pid::from_raw(child.id() as i32);
        let fd = Pidfd::open(pid).expect("pidfd_open (Linux 5.3)");
        let (status, at) =
            exited_by(pid, Some(&fd), t0 + Duration::from_secs(60)).expect("it ends");
        assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
        // Not before it could have ended (sleep's own 50 ms); at the limit it would be `None`.
        assert!(at.duration_since(t0) >= Duration::from_millis(50));
        // Reaped: nothing is left to wait for.
        assert!(waitpid(pid, Some(WaitPidFlag::WNOHANG)).is_err());
    }
}
