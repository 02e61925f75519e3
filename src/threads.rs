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

/// `f` of each of `items` on [`available`] threads, each taking a run of them in turn; the
/// results in the order of `items`. Below `from` items, on this thread alone.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    from: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    runs_in_order(items, from, |run| run.iter().map(&f).collect())
}

/// `f` of runs of `items` that together are all of them, one run per [`available`] thread
/// (what a run carries from one item to the next stays in the run); the results of the runs
/// one after the other, in the order of `items`. Below `from` items, one run on this thread.
pub fn runs_in_order<T: Sync, R: Send>(
    items: &[T],
    from: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = available().min(items.len());
    if items.len() < from || threads < 2 {
        return f(items);
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let mut runs = items.chunks(chunk);
        let first = runs.next().unwrap_or_default();
        let workers: Vec<_> = runs.map(|run| s.spawn(move || f(run))).collect();
        let mut out: Vec<R> = f(first);
        for w in workers {
            match w.join() {
                Ok(done) => out.extend(done),
                // A panic in a worker is a bug: let it surface as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// `f()` and `g()`, `g` on a thread of its own when `parallel` (and there is a second CPU).
pub fn both<A: Send, B: Send>(
    parallel: bool,
    f: impl FnOnce() -> A + Send,
    g: impl FnOnce() -> B + Send,
) -> (A, B) {
    let two = available() > 1;
    if !parallel || !two {
        return (f(), g());
    }
    std::thread::scope(|s| {
        let other = s.spawn(g);
        let a = f();
        match other.join() {
            Ok(b) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    /// The results come in the order of the items, on one thread or several.
    #[test]
    fn mapped_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let squares: Vec<u64> = items.iter().map(|&i| u64::from(i) * u64::from(i)).collect();
        for from in [0, 10, 2000] {
            let got = super::map_in_order(&items, from, |&i| u64::from(i) * u64::from(i));
            assert_eq!(got, squares);
        }
        assert!(super::map_in_order(&[] as &[u32], 0, |&i| i).is_empty());
        let few = super::map_in_order(&[7u32], 0, |&i| i + 1);
        assert_eq!(few, vec![8]);
    }

    /// Runs cover the items once each, in order, and what a run carries stays in it: each
    /// result is its item with the count of items its run had seen before it.
    #[test]
    fn runs_cover_the_items_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        for from in [0, 2000] {
            let got = super::runs_in_order(&items, from, |run| {
                run.iter().enumerate().map(|(k, &i)| (i, k)).collect()
            });
            let order: Vec<u32> = got.iter().map(|x| x.0).collect();
            assert_eq!(order, items);
            // A run starts where its count is 0: one run alone, or one per thread.
            let starts = got.iter().filter(|x| x.1 == 0).count();
            let threads = super::available().min(items.len());
            let runs = if from > items.len() { 1 } else { threads };
            assert_eq!(starts, runs, "from {from}");
            assert!(got.windows(2).all(|w| w[1].1 == 0 || w[1].1 == w[0].1 + 1));
        }
        assert!(super::runs_in_order(&[] as &[u32], 0, |r| r.to_vec()).is_empty());
    }

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
