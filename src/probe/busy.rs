//! The warning that the machine was busy while the probe ran: its timings are inflated and
//! noisy. Read by the gate (a baseline's own is carried over) and by the renderers.

use crate::report::Report;

/// How the warning of a busy machine begins (see [`busy`]).
const BUSY: &str = "the machine was busy (load average ";
/// How the baseline's warning of one begins, carried into this run's ([`baseline_busy`]).
const BASELINE: &str = "in the baseline's run (";

/// A warning when the load average during the probe (`load_seen`, or now) exceeded the CPU
/// count; once a run (see `probe_report`).
pub(super) fn busy_warning(report: &mut Report, load_seen: f64) {
    let load = load_seen.max(load_average());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if load > cpus {
        report.warnings.push(format!(
            "{BUSY}{load:.1} on {cpus} CPUs): timings are inflated and noisy"
        ));
    }
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
