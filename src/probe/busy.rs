//! The warning that the machine was busy while the probe ran: its timings are inflated and
//! noisy. Read by the gate (a baseline's own is carried over) and by the renderers.

use crate::report::Report;

/// How the warning of a busy machine begins (see [`busy`]).
const BUSY: &str = "the machine was busy (load average ";
/// How the baseline's warning of one begins, carried into this run's ([`baseline_busy`]).
const BASELINE: &str = "in the baseline's run (";

/// The median share of its startup that a program waited for a CPU from which its timings
/// are taken as inflated. Measured on a 2-CPU VM: quiet, or beside two CPU-bound loops or a
/// build that did not slow it, a program's median share was 0-1%; miniserve slowed from 3.3
/// to 4.6-7.7 ms by builds read 13-21% (README, the probe's warnings).
pub const WAITED: f64 = 0.10;

/// A warning when the load average during the probe (`load_seen`, or now) exceeded the CPU
/// count, or a program waited for a CPU in [`WAITED`] of its startup or more (the load
/// average lags a minute behind a build that starts during the probe: QA cc F1); once a run
/// (see `probe_report`).
pub(super) fn busy_warning(report: &mut Report, load_seen: f64) {
    let load = load_seen.max(load_average());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if let Some(w) = warning(report, load, cpus) {
        report.warnings.push(w);
    }
}

/// The warning for `report`'s probe with the load average `load` on `cpus` CPUs, if busy.
fn warning(report: &Report, load: f64, cpus: f64) -> Option<String> {
    let most = report
        .artifacts
        .iter()
        .filter_map(|a| waited(a).map(|w| (a, w)))
        .max_by(|x, y| x.1.0.total_cmp(&y.1.0));
    let waits = most.map(|(a, (share, runs))| {
        format!(
            "; {} ({}) waited for a CPU in {:.0}% of its startup, the median of {runs} runs",
            a.name,
            a.link_mode.map_or("", |l| l.as_str()),
            share * 100.0
        )
    });
    (load > cpus || waits.is_some()).then(|| {
        format!(
            "{BUSY}{load:.1} on {cpus} CPUs{}): timings are inflated and noisy",
            waits.unwrap_or_default()
        )
    })
}

/// The median share of its startup that `a` waited for a CPU (`Sample::cpu_wait_share`) and
/// over how many runs, when it is [`WAITED`] or more: its startup figures are inflated by
/// other work on the machine.
pub fn waited(a: &crate::report::Artifact) -> Option<(f64, usize)> {
    let shares: Vec<f64> = a
        .probe
        .as_ref()?
        .samples
        .iter()
        .filter(|s| !s.warmup)
        .filter_map(|s| s.cpu_wait_share)
        .collect();
    let median = crate::stats::summarize(&shares)?.median;
    (median >= WAITED).then_some((median, shares.len()))
}

/// Whether `warning` is the probe's warning that the machine was busy: its timings are not to
/// be taken at their word. This run's own (`own`), or also the baseline's that the gate
/// carried over ([`baseline_busy`]).
pub fn busy(warning: &str, own: bool) -> bool {
    warning.starts_with(BUSY) || (!own && warning.starts_with(BASELINE) && warning.contains(BUSY))
}

/// The baseline's own warning of a busy machine (from `source`), as this run's warnings carry
/// it: `in the baseline's run (git:main (0123abcd)), the machine was busy ...`.
pub fn baseline_busy(source: &str, warning: &str) -> String {
    format!("{BASELINE}{source}), {warning}")
}

/// The 1-minute load average; 0 when unreadable (then no "busy" warning is given).
pub(super) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA cc F1: the load average (0.84) lagged behind a build that slowed miniserve 2.4x and
    /// no warning was given. A program's own wait for a CPU is said, with its share and runs;
    /// a program that hardly waited on a quiet machine gets no warning.
    #[test]
    fn a_program_that_waited_for_a_cpu_makes_the_machine_busy() {
        let probed = |share: f64| {
            let mut a = crate::report::test_artifact(1000);
            a.name = "miniserve".into();
            a.link_mode = Some(crate::report::LinkMode::Static);
            let mut samples = crate::report::test_samples(&[8.0, 8.3, 8.1, 8.2]);
            samples[0].warmup = true;
            samples[0].cpu_wait_share = Some(0.9);
            for s in &mut samples[1..] {
                s.cpu_wait_share = Some(share);
            }
            a.probe = Some(crate::report::Probe {
                samples,
                ..crate::report::Probe::default()
            });
            let mut r = Report::new(None);
            r.artifacts.push(a);
            r
        };
        let w = warning(&probed(0.21), 0.8, 2.0).expect("a warning");
        assert!(busy(&w, true), "{w}");
        assert_eq!(
            w,
            "the machine was busy (load average 0.8 on 2 CPUs; miniserve (static) waited \
             for a CPU in 21% of its startup, the median of 3 runs): timings are inflated and \
             noisy"
        );
        // Below a tenth (the warm-up's 90% not counted): only the load average warns.
        assert_eq!(warning(&probed(0.05), 0.8, 2.0), None);
        let w = warning(&probed(0.05), 2.4, 2.0).expect("a warning");
        assert_eq!(
            w,
            "the machine was busy (load average 2.4 on 2 CPUs): timings are inflated and noisy"
        );
    }
}
