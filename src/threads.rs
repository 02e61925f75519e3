//! How many threads the tool's own work may use (inspecting files in parallel, decoding a
//! binary's code on a second thread): the machine's CPUs, or fewer with `-j N`, which a user on
//! a shared machine gives to cargo and expects the whole run to keep to (QA an F4, QA ao F4:
//! `inspect` refused `-j` and took every core).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `-j N` of this run; 0: not given.
static LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Keep the tool's own work to `jobs` threads (`None`: the CPUs). Set once, from the command
/// line, before any work starts.
pub fn limit(jobs: Option<u32>) {
    LIMIT.store(jobs.map_or(0, |j| j as usize), Ordering::Relaxed);
}

/// The threads the tool's own work may use: at least 1.
pub fn available() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    match LIMIT.load(Ordering::Relaxed) {
        0 => cpus,
        n => n.min(cpus),
    }
    .max(1)
}

#[cfg(test)]
mod tests {
    /// The limit caps the CPUs and never goes below one thread.
    #[test]
    fn a_limit_caps_the_cpus() {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        super::limit(Some(1));
        assert_eq!(super::available(), 1);
        super::limit(Some(10_000));
        assert_eq!(super::available(), cpus);
        super::limit(None);
        assert_eq!(super::available(), cpus);
    }
}
