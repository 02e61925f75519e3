//! Ctrl-C and cargo's process group: the interrupt passed on to every job, and nothing left
//! behind once cargo has gone.

/// After an interrupt, wait until cargo's process group is empty: its rustc jobs and build
/// scripts got the signal with cargo but may not have died yet when cargo has, and nothing of
/// ours may outlive the run. SIGKILL after 2 s; never more than 10 s. Members that became our
/// children (we may be a child subreaper) are reaped here.
pub(super) fn group_gone(pid: u32) {
    use nix::sys::signal::{Signal, killpg};
    use nix::sys::wait::{WaitPidFlag, waitpid};
    let pgid = nix::unistd::Pid::from_raw(pid as i32);
    let started = std::time::Instant::now();
    let mut killed = false;
    while killpg(pgid, None).is_ok() && started.elapsed() < std::time::Duration::from_secs(10) {
        if !killed && started.elapsed() > std::time::Duration::from_secs(2) {
            let _ = killpg(pgid, Signal::SIGKILL);
            killed = true;
        }
        let _ = waitpid(
            nix::unistd::Pid::from_raw(-(pid as i32)),
            Some(WaitPidFlag::WNOHANG),
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Passes a Ctrl-C on to cargo's whole process group: cargo, its rustc jobs and any build
/// script still running (a terminal's Ctrl-C reaches only our group).
pub(super) struct InterruptRelay {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl InterruptRelay {
    pub(super) fn start(pid: u32) -> Self {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watching = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            while !watching.load(Ordering::Relaxed) {
                if crate::interrupt::requested() {
                    let pgid = nix::unistd::Pid::from_raw(pid as i32);
                    let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGINT);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        });
        InterruptRelay { done }
    }
}

impl Drop for InterruptRelay {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
