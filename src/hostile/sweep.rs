//! After a hostile run: find every process it started, wherever it went, and stop it; touch
//! nothing else.
//!
//! A run's processes carry a mark in their environment ([`MARK_VAR`], unique per run), which
//! `setsid`, a double fork and a change of uid keep. A process that cleared its environment is
//! found as a descendant of a marked one, or (after a run to exit) as a holder of the run's
//! stderr pipe. "Every descendant of ours", as the probe stops them, is not the run's: the
//! library may run inside a process with other children (the integration tests run other
//! instances of the tool from the same process), and stopping those made them end
//! "interrupted" (SIGTERM) in 1 to 6 tests of a suite run.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::probe::memory::{ProcStat, descendants, parse_stat};

/// The environment variable that marks a run's processes.
pub const MARK_VAR: &str = "CARGO_AOTCHECK_HOSTILE_RUN";

/// How long a sweep keeps killing and reaping before it gives up and names what is left.
const SWEEP_LIMIT: Duration = Duration::from_secs(5);

/// The mark of one run: our pid and a counter, unique among the processes alive.
pub struct Mark {
    value: String,
}

impl Mark {
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Mark {
            value: format!(
                "{}.{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// The environment entry to give the run.
    pub fn entry(&self) -> (String, String) {
        (MARK_VAR.to_string(), self.value.clone())
    }

    fn bytes(&self) -> Vec<u8> {
        format!("{MARK_VAR}={}", self.value).into_bytes()
    }
}

/// Live processes whose environment holds `mark`'s entry.
fn marked(mark: &[u8]) -> Vec<i32> {
    pids()
        .filter(|&pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|e| e == mark))
        })
        .collect()
}

/// Processes (other than us) holding open the pipe whose end `/proc/self/fd/N` links to
/// `link` (`pipe:[INODE]`).
pub fn pipe_holders(link: &std::path::Path) -> Vec<i32> {
    let me = std::process::id() as i32;
    pids()
        .filter(|&pid| pid != me)
        .filter(|&pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.filter_map(Result::ok)
                    .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == link))
            })
        })
        .collect()
}

fn pids() -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
}

fn stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// SIGKILL every process of the run marked `mark`, the processes in `holders` and every
/// descendant of either, until none is left; reap those that came back to us (as a child
/// subreaper). Returns the pids still alive after [`SWEEP_LIMIT`] (should never happen).
pub fn sweep(mark: &Mark, holders: &[i32]) -> Vec<i32> {
    let me = std::process::id() as i32;
    let mark = mark.bytes();
    let t0 = Instant::now();
    let mut killed: BTreeSet<i32> = BTreeSet::new();
    let mut roots: Vec<i32> = holders.to_vec();
    let mut quiet = 0;
    loop {
        roots.extend(marked(&mark));
        let live: Vec<i32> = descendants(&roots)
            .into_iter()
            .filter(|p| !p.is_dead() && p.pid != me)
            .map(|p| p.pid)
            .collect();
        roots.clear();
        for &pid in &live {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            killed.insert(pid);
        }
        killed.retain(|&pid| !gone(pid, me));
        // Twice quiet: a process that has just exec'd may show its new environment a moment
        // later (under gVisor, half of the reads right after the exec missed it).
        if live.is_empty() && killed.is_empty() {
            quiet += 1;
            if quiet == 2 {
                return Vec::new();
            }
        } else {
            quiet = 0;
        }
        if t0.elapsed() >= SWEEP_LIMIT {
            return killed.into_iter().collect();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Whether a killed process is gone: no more, or a zombie someone else reaps, or a zombie of
/// ours (an orphan that came back to us) that is reaped here.
fn gone(pid: i32, me: i32) -> bool {
    match stat(pid) {
        None => true,
        Some(p) if p.is_dead() && p.ppid == me => {
            let _ = waitpid(Pid::from_raw(pid), Some(WaitPidFlag::WNOHANG));
            stat(pid).is_none()
        }
        Some(p) => p.is_dead(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marks differ from run to run, and name the variable.
    #[test]
    fn each_run_has_its_own_mark() {
        let (a, b) = (Mark::new(), Mark::new());
        assert_ne!(a.value, b.value);
        assert_eq!(a.entry().0, MARK_VAR);
        assert!(a.bytes().starts_with(b"CARGO_AOTCHECK_HOSTILE_RUN="));
    }

    /// A marked process is found by its environment, and swept; an unmarked sibling is not.
    #[test]
    fn a_marked_process_is_stopped_and_an_unmarked_one_is_not() {
        let mark = Mark::new();
        let (k, v) = mark.entry();
        let marked_child = std::process::Command::new("sleep")
            .arg("600")
            .env(k, v)
            .spawn()
            .expect("sleep");
        let mut other = std::process::Command::new("sleep")
            .arg("600")
            .spawn()
            .expect("sleep");
        // The marked child is ours: the sweep reaps it. Its `Child` is then never waited for:
        // its pid is free, and may already be another test's child (this process runs the
        // other tests in parallel), which a `try_wait` would reap from under that test (its
        // `Command::status` then failed with ECHILD).
        let pid = marked_child.id() as i32;
        // Seen with its mark first (its environment may lag its exec a moment).
        while !marked(&mark.bytes()).contains(&pid) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let left = sweep(&mark, &[]);
        assert!(left.is_empty(), "{left:?}");
        let other_alive = other.try_wait().expect("try_wait").is_none();
        let _ = other.kill();
        let _ = other.wait();
        assert!(other_alive, "an unmarked process was stopped");
        // Gone, or its pid reused by a process without the mark.
        assert!(
            !marked(&mark.bytes()).contains(&pid),
            "the marked process is still there"
        );
        std::mem::forget(marked_child);
    }
}
