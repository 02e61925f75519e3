//! What a reader of a binary's probe figures must know, said beside them: noise, programs
//! that ignored SIGTERM or escaped its process group, a terminal UI timed without a terminal.

use super::Series;
use super::spawn::human_duration;
use crate::plan::ProbeSettings;
use crate::report::Stats;
use crate::stats;

/// The least gap between the fastest and the slowest shutdown that is worth a warning.
const SHUTDOWN_SPLIT_MS: f64 = 10.0;

/// What a reader of the figures must know: noise, programs that ignored SIGTERM or escaped.
pub(super) fn series_warnings(
    s: &Series,
    opts: &ProbeSettings,
    (startup, shutdown): (Option<&Stats>, Option<(&Stats, &[f64])>),
) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(st) = startup {
        let spread = stats::relative_spread(st);
        if spread > stats::NOISY_SPREAD {
            warnings.push(format!(
                "startup times vary widely (robust spread ±{:.0}% of the median): something \
                 else may compete for the CPU; compare medians, not means",
                spread * 100.0
            ));
        }
    }
    warnings.extend(shutdown.and_then(|(sd, values)| shutdown_split(sd, values)));
    if s.killed_after_grace > 0 {
        warnings.push(format!(
            "{} still running {} after SIGTERM (the program or processes it started) in {}: \
             killed with SIGKILL; shutdown times count only the runs whose whole tree exited \
             in time",
            crate::format::count(s.killed_processes as usize, "process", "processes"),
            human_duration(opts.grace),
            crate::format::count(s.killed_after_grace as usize, "run", "runs"),
        ));
    }
    // QA dc F5, dg F1: gitui and broot with `--ready exit:1` (the hint of an earlier version)
    // were timed and passed on a start that failed for want of a terminal.
    if s.no_tty > 0 {
        warnings.push(format!(
            "in {} of {} counted runs it exited with status {} and its stderr says it found no \
             terminal: the probe runs it without one, so these figures are of a terminal UI's \
             failed start, not of its start; give it arguments that make it work without one \
             (`--probe-arg --version`), or skip the probe (--no-probe)",
            s.no_tty,
            s.counted().count(),
            no_tty_statuses(s).join(" or ")
        ));
    }
    if s.leftovers > 0 {
        warnings.push(format!(
            "{} process(es) escaped the program's process group (e.g. with setsid) or outlived \
             it; the probe found and killed them",
            s.leftovers
        ));
    }
    if !s.survivors.is_empty() {
        warnings.push(format!(
            "processes that could not be stopped: {:?}",
            s.survivors
        ));
    }
    warnings
}

/// The exit statuses of the counted runs, each once, in order (`1`, or `1, 2`).
fn no_tty_statuses(s: &Series) -> Vec<String> {
    let mut codes: Vec<i32> = s
        .counted()
        .filter_map(|x| x.exit_code)
        .filter(|&c| c != 0)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes.iter().map(i32::to_string).collect()
}

/// QA an F1: actix stops in ~1 ms or ~300 ms, nothing between; the median of 20 runs, 166
/// ms, was no run's, and two runs of one binary read 6.92 ms and 173 ms with no word. Only a
/// spread of whole milliseconds: a program that stops in 0.2 ms varies by half of that on any
/// busy machine, which no reader needs told. And only when fewer than half of the runs
/// (`values`) are near the median, within a quarter of it: most runs near it, and a few slow
/// ones, is noise the min and max show (QA bk F8: mdbook's 1.29 ms median, most runs by it,
/// was said to be "close to no run's").
fn shutdown_split(sd: &Stats, values: &[f64]) -> Option<String> {
    let spread = stats::relative_spread(sd);
    if spread <= stats::NOISY_SPREAD || sd.max - sd.min < SHUTDOWN_SPLIT_MS {
        return None;
    }
    let near = values
        .iter()
        .filter(|&&v| (v - sd.median).abs() <= sd.median * 0.25)
        .count();
    (near * 2 < values.len()).then(|| {
        format!(
            "shutdown times vary widely (from {} to {}, {} of {} runs within 25% of the \
             median): the median may be close to no run's",
            crate::format::ms(sd.min),
            crate::format::ms(sd.max),
            near,
            values.len()
        )
    })
}
