//! How long the program waited for a CPU during its startup: the run-queue delay of its main
//! thread (`/proc/PID/schedstat`, second field, ns), the time it was runnable and no CPU ran
//! it. On a quiet machine it is a small share of the startup (a wake-up or two); when other
//! work competes for the CPUs it is what inflates the figure. The load average lags by a
//! minute and misses a build that starts during the probe (QA cc F1); this is measured over
//! the timed interval itself, and for the program alone.

use std::time::Duration;

/// The run-queue delay of task `pid` so far; `None` when the kernel does not keep it
/// (no `CONFIG_SCHED_INFO`) or the task is gone.
pub fn run_delay(pid: i32) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    parse(&text)
}

/// The second of `schedstat`'s three fields (time on a CPU, time waiting on a run queue,
/// time slices), in ns.
fn parse(text: &str) -> Option<Duration> {
    let ns: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// The share of `interval` that the task waited for a CPU: its delay `now` less `before` (the
/// delay it had when the clock started), 0..1.
pub fn share(before: Duration, now: Duration, interval: Duration) -> Option<f64> {
    if interval.is_zero() {
        return None;
    }
    let waited = now.saturating_sub(before).as_secs_f64();
    Some((waited / interval.as_secs_f64()).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_field_is_the_run_queue_delay() {
        assert_eq!(
            parse("187059 3059792 2\n"),
            Some(Duration::from_nanos(3_059_792))
        );
        assert_eq!(parse("187059\n"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn the_share_is_of_the_interval_and_at_most_whole() {
        let ms = Duration::from_millis;
        assert_eq!(share(ms(1), ms(3), ms(8)), Some(0.25));
        assert_eq!(share(ms(3), ms(1), ms(8)), Some(0.0));
        assert_eq!(share(ms(0), ms(9), ms(8)), Some(1.0));
        assert_eq!(share(ms(0), ms(1), Duration::ZERO), None);
    }

    /// Our own delay as the kernel writes it (read by hand first: it only grows).
    #[test]
    fn our_own_delay_is_read() {
        let pid = std::process::id() as i32;
        let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).expect("schedstat");
        let by_hand: u64 = text
            .split_whitespace()
            .nth(1)
            .expect("2 fields")
            .parse()
            .expect("ns");
        let ours = run_delay(pid).expect("read").as_nanos() as u64;
        assert!(ours >= by_hand, "{ours} < {by_hand}");
    }
}
