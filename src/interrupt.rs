//! Ctrl-C (SIGINT) and SIGTERM: recorded, not fatal, so that every stage can stop its children,
//! remove its temporary files and leave existing files untouched before the process exits.
//!
//! A stage that waits checks [`requested`] in its loop and returns [`Error::Interrupted`].

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::Error;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// When the first signal came (`CLOCK_MONOTONIC`, ns; 0: none yet).
static FIRST: AtomicU64 = AtomicU64::new(0);

/// Signals this soon after the first are the same request delivered twice: `timeout(1)` (and
/// some CI runners) signal the process and then its process group, so the tool gets one signal
/// twice within microseconds, and about one time in four it ended at once with exit 130 and no
/// report. A person pressing Ctrl-C again is slower than this.
const SAME_REQUEST_NS: u64 = 100_000_000;

/// Install the handlers (once; later calls do nothing). A second Ctrl-C while the first is
/// being handled ends the process at once (exit 130), as users expect; one that comes within
/// [`SAME_REQUEST_NS`] of the first is taken for the same one.
pub fn install() {
    let flag = Arc::clone(FLAG.get_or_init(|| Arc::new(AtomicBool::new(false))));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let flag = Arc::clone(&flag);
        // SAFETY: the handler only reads the clock (`clock_gettime` is async-signal-safe),
        // touches atomics and may call `_exit`: nothing that allocates or takes a lock.
        #[allow(unsafe_code)]
        let _ = unsafe {
            signal_hook::low_level::register(sig, move || {
                if let Some(code) = on_signal(now_ns(), &FIRST) {
                    say_stopped(std::io::stderr());
                    signal_hook::low_level::exit(code);
                }
                flag.store(true, Ordering::SeqCst);
            })
        };
    }
}

/// What a signal at `now` does, given when the first came: `None` records it (the first, or
/// the first delivered again), `Some(130)` ends the process.
fn on_signal(now: u64, first: &AtomicU64) -> Option<i32> {
    match first.compare_exchange(0, now.max(1), Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => None,
        Err(at) if now.saturating_sub(at) < SAME_REQUEST_NS => None,
        Err(_) => Some(130),
    }
}

/// What a second request to stop says before the process ends at once (QA u, F3: it ended
/// with nothing said, on cargo's last line).
const STOPPED_AT_ONCE: &[u8] =
    b"\nerror: interrupted again: stopped at once, without the clean-up of the first interrupt\n";

/// Write [`STOPPED_AT_ONCE`] to `to`, from a signal handler: one `write(2)`, which is
/// async-signal-safe (no lock, no allocation); a failed write is let go.
fn say_stopped(to: impl std::os::fd::AsFd) {
    let _ = nix::unistd::write(to, STOPPED_AT_ONCE);
}

/// `CLOCK_MONOTONIC` in ns, from a signal handler (`clock_gettime` is async-signal-safe;
/// `Instant::now` is documented as no such thing). `u64::MAX` if the clock cannot be read.
fn now_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).map_or(u64::MAX, |t| {
        (t.tv_sec() as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(t.tv_nsec() as u64)
    })
}

/// Whether the user asked us to stop.
pub fn requested() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// `Err(Error::Interrupted)` once the user asked us to stop.
pub fn check() -> Result<(), Error> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// For tests: act as if the user pressed Ctrl-C.
pub fn request() {
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
        .store(true, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first signal is recorded; the same one delivered again at once is not a second
    /// request; one after the window ends the process with 130.
    #[test]
    fn a_signal_delivered_twice_at_once_is_one_request() {
        let first = AtomicU64::new(0);
        let t = 5_000_000_000;
        assert_eq!(on_signal(t, &first), None);
        assert_eq!(
            on_signal(t + 40_000, &first),
            None,
            "timeout(1)'s second delivery"
        );
        assert_eq!(on_signal(t + SAME_REQUEST_NS + 1, &first), Some(130));
        // The window counts from the first signal, not the last.
        assert_eq!(on_signal(t + 2 * SAME_REQUEST_NS, &first), Some(130));
    }

    /// A second request says so, in one line of its own, before the process ends.
    #[test]
    fn a_second_request_says_that_it_stopped_at_once() {
        let (read, write) = nix::unistd::pipe().expect("pipe");
        say_stopped(&write);
        drop(write);
        let mut said = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(read), &mut said).expect("read");
        assert_eq!(
            said,
            "\nerror: interrupted again: stopped at once, without the clean-up of the first \
             interrupt\n"
        );
    }

    #[test]
    fn the_clock_reads_in_a_handler_as_instant_does() {
        let a = now_ns();
        let b = now_ns();
        assert!(a > 0 && a != u64::MAX && b >= a, "{a} {b}");
    }
}
