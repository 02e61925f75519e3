//! The warning that the machine was busy while the probe ran: its timings are inflated and
//! noisy. Read by the gate (a baseline's own is carried over) and by the renderers.

use crate::report::Report;

/// How the warning of a busy machine begins (see [`busy`]).
const BUSY: &str = "the machine was busy (load average ";
/// How the baseline's warning of one begins, carried into this run's ([`baseline_busy`]).
const BASELINE: &str = "in the baseline's run (";

/// A warning when the load average during the probe exceeded the CPU count.
pub(super) fn busy_warning(report: &mut Report, load_before: f64) {
    let load = load_before.max(load_average());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    if load <= cpus {
        return;
    }
    let line = format!("{BUSY}{load:.1} on {cpus} CPUs): timings are inflated and noisy");
    // One warning for the run, at its highest load, not one per group of binaries probed
    // (QA o: pueue's two binaries gave the same line twice).
    let shown = |w: &str| {
        w.strip_prefix(BUSY)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    match report.warnings.iter_mut().find(|w| busy(w, true)) {
        Some(w) if shown(w).is_some_and(|before| before >= load) => {}
        Some(w) => *w = line,
        None => report.warnings.push(line),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Several groups of binaries probed on a busy machine give one warning, at the highest
    /// load seen (QA o: the same line once per binary).
    #[test]
    fn a_busy_machine_is_said_once() {
        let mut r = Report::new(None);
        busy_warning(&mut r, 1000.0);
        busy_warning(&mut r, 1000.0);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(r.warnings[0].starts_with("the machine was busy (load average 1000.0 on "));
        busy_warning(&mut r, 2000.0);
        busy_warning(&mut r, 1500.0);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert!(
            r.warnings[0].contains("load average 2000.0 on "),
            "{:?}",
            r.warnings
        );
    }
}
