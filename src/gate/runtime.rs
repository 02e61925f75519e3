//! Startup and memory against the baseline: only when both runs were probed.
//!
//! Memory fails over `memory_fail` and at least `memory_fail_min` (over the fraction alone it
//! warns). Startup is noisy: it fails only when the 95% bootstrap interval of the ratio of
//! medians, from both runs' samples, lies entirely above `1 + startup_fail`; a change the noise
//! could explain is `inconclusive`, never a failure.

use super::measure;
use crate::format::{limit_ratio, ms, percent, signed_size, size};
use crate::plan::Thresholds;
use crate::report::{Artifact, Check, CheckId, Report, Unit, Verdict, WITHIN_THE_NOISE};
use crate::stats;

/// What an inconclusive startup check ends with: more runs could tell (not of one binary
/// against itself, `probed.rs`).
pub(super) const MORE_RUNS: &str = "; more runs would decide";

/// What one run says about its startup.
#[derive(Debug, Clone, Default)]
pub struct Timing {
    pub median: Option<f64>,
    pub samples: Option<Vec<f64>>,
    /// Why there is no median (see `measure::why_no_startup`).
    pub why_none: &'static str,
}

impl Timing {
    fn of(a: &Artifact) -> Self {
        let samples = measure::startup_samples_ms(a);
        let median =
            measure::startup_median_ms(a).or_else(|| samples.as_deref().and_then(stats::median));
        Timing {
            median,
            samples,
            why_none: measure::why_no_startup(a),
        }
    }
}

/// The startup check, and whether it is faster beyond the noise (worth a new baseline).
pub fn startup(b: &Artifact, a: &Artifact, th: &Thresholds) -> Option<(Check, bool)> {
    judged_startup(&Timing::of(b), &Timing::of(a), th)
}

pub fn startup_check(b: &Timing, a: &Timing, th: &Thresholds) -> Option<Check> {
    judged_startup(b, a, th).map(|(c, _)| c)
}

/// [`startup_check`], and whether the 95% interval of the ratio lies entirely below 1: a
/// median that moved within the noise is no gain to keep.
fn judged_startup(b: &Timing, a: &Timing, th: &Thresholds) -> Option<(Check, bool)> {
    let (mb, ma) = (b.median, a.median);
    let mut c = Check::new(
        CheckId::BaselineStartup,
        Unit::Ms,
        Verdict::Inconclusive,
        String::new(),
    );
    (c.value, c.baseline) = (ma, mb);
    let (mb, ma) = match (mb, ma) {
        (None, None) => return None,
        (Some(x), Some(y)) if x > 0.0 => (x, y),
        (Some(_), Some(_)) => {
            c.message = "the baseline's startup median is zero: no ratio".into();
            return Some((c, false));
        }
        (None, Some(_)) => {
            c.message = format!("not measured in the baseline ({})", b.why_none);
            return Some((c, false));
        }
        (Some(_), None) => {
            c.message = format!("not measured in this run ({})", a.why_none);
            return Some((c, false));
        }
    };
    let ratio = ma / mb;
    c.delta = Some(ma - mb);
    c.change = Some(ratio - 1.0);
    let limit = 1.0 + th.startup_fail;
    // The times as the rest of the report writes them (QA l: `20.254 → 20.920 ms`).
    let head = format!(
        "median startup {} → {} ({})",
        ms(mb),
        ms(ma),
        percent(ratio - 1.0)
    );
    let interval = match (&b.samples, &a.samples) {
        (Some(x), Some(y)) => stats::ratio_of_medians(x, y),
        _ => None,
    };
    c.interval = interval.map(|i| [i.low, i.high]);
    c.baseline_samples = b.samples.clone().unwrap_or_default();
    (c.verdict, c.message) = startup_verdict(&head, ratio, limit, interval);
    let faster = c.verdict == Verdict::Pass && interval.is_some_and(|i| i.high < 1.0);
    Some((c, faster))
}

/// The verdict on a startup ratio against its limit (`head` says the medians), from the 95%
/// interval of the ratio where both sides have enough runs.
fn startup_verdict(
    head: &str,
    ratio: f64,
    limit: f64,
    interval: Option<stats::RatioInterval>,
) -> (Verdict, String) {
    let shown = limit_ratio(limit);
    match interval {
        Some(i) if i.low > limit => (
            Verdict::Fail,
            format!(
                "{head}: slower beyond the noise (95% interval of the ratio {:.2}..{:.2}, \
                 above {shown})",
                i.low, i.high
            ),
        ),
        Some(i) if i.high < 1.0 => (
            Verdict::Pass,
            format!("{head}: faster (95% interval {:.2}..{:.2})", i.low, i.high),
        ),
        Some(i) if ratio > limit || i.high > limit => (
            Verdict::Inconclusive,
            format!(
                "{head}: the 95% interval of the ratio {:.2}..{:.2} straddles {shown}: \
                 {WITHIN_THE_NOISE}{MORE_RUNS}",
                i.low, i.high
            ),
        ),
        // Slower beyond the noise, but less than the threshold allows: not noise (QA cu: a
        // real 2-8% slowdown read "within the noise").
        Some(i) if i.low > 1.0 => (
            Verdict::Pass,
            format!(
                "{head}: slower (95% interval {:.2}..{:.2}), under the {shown} that fails",
                i.low, i.high
            ),
        ),
        Some(i) => (
            Verdict::Pass,
            format!(
                "{head}: within the noise (95% interval {:.2}..{:.2})",
                i.low, i.high
            ),
        ),
        None if ratio > limit => (
            Verdict::Inconclusive,
            format!("{head}: too few runs on one side to tell a change from noise"),
        ),
        None => (Verdict::Pass, head.to_string()),
    }
}

/// The baseline's warnings that its machine was busy while it was probed, worded for this run
/// (`in the baseline's run (git:main (0123abcd)), the machine was busy ...`), where this run
/// compares startup with it: half of that comparison is the baseline's figures, measured apart
/// from this run's (`--baseline-ref` minutes earlier, a file maybe months). Only its own: what
/// it carried of its own baseline is no figure of this comparison.
pub fn busy_baseline(current: &Report, base: &Report, source: &str) -> Vec<String> {
    let compared = current
        .artifacts
        .iter()
        .flat_map(|a| &a.checks)
        .any(|c| c.id == CheckId::BaselineStartup && c.value.is_some() && c.baseline.is_some());
    base.warnings
        .iter()
        .filter(|w| compared && crate::probe::busy(w, true))
        .map(|w| crate::probe::baseline_busy(source, w))
        .collect()
}

/// Startup figures of two runs apart (a baseline file's own), either measured on a busy
/// machine: a slowdown beyond the noise of each run's own samples may be the change of the
/// load between the runs (QA aq F2: +32% "beyond the noise" between two busy runs, where the
/// same binary read 2.8 to 6.1 ms from run to run). Such a failure is inconclusive, and says
/// why and what would decide.
pub fn busy_apart(current: &mut Report, base: &Report) {
    let now = current.warnings.iter().any(|w| crate::probe::busy(w, true));
    let then = base.warnings.iter().any(|w| crate::probe::busy(w, true));
    let when = match (now, then) {
        (false, false) => return,
        (true, true) => "in both runs",
        (true, false) => "in this run",
        (false, true) => "in the baseline's run",
    };
    for c in current
        .artifacts
        .iter_mut()
        .flat_map(|a| &mut a.checks)
        .filter(|c| c.id == CheckId::BaselineStartup && c.verdict == Verdict::Fail)
    {
        c.verdict = Verdict::Inconclusive;
        c.message.push_str(&format!(
            "; but the machine was busy {when}, and figures of two runs apart cannot tell the \
             program's slowdown from a change of the load: inconclusive (a baseline whose \
             binaries were kept on this machine, or --baseline-ref, probes both in one run)"
        ));
    }
}

/// Where an RSS change is, when both runs measured it: anonymous memory (heap, stacks) or
/// file-backed pages (the binary's own and its libraries', shared and evictable). A larger
/// binary grows the second with no more memory allocated (QA k: +320 KiB, all file-backed).
fn split(b: &Artifact, a: &Artifact) -> String {
    let mem = |x: &Artifact| x.probe.as_ref().map(|p| p.memory_kib);
    let (Some(m0), Some(m1)) = (mem(b), mem(a)) else {
        return String::new();
    };
    let delta = |f: fn(&crate::report::Memory) -> Option<u64>| {
        Some((i128::from(f(&m1)?) - i128::from(f(&m0)?)) * 1024)
    };
    // Each figure is a median of its own over the runs: the parts need not sum to the RSS's
    // change, and say so where they do not (QA cz F9: -2 KiB as +0 B and +0 B).
    let rss = delta(|m| m.rss);
    match (delta(|m| m.anon), delta(|m| m.file)) {
        (Some(anon), Some(file)) => format!(
            "; anonymous {}, file-backed {}{}",
            signed_size(anon),
            signed_size(file),
            match rss.is_some_and(|r| r != anon + file) {
                true => ", each a median of its own",
                false => "",
            }
        ),
        _ => String::new(),
    }
}

/// The RSS check, and whether it shrank as much as would fail it the other way (over
/// `memory_fail` and `memory_fail_min`): less is noise, not a gain to keep.
pub fn memory(b: &Artifact, a: &Artifact, th: &Thresholds) -> Option<(Check, bool)> {
    let (x, y) = (measure::rss_bytes(b), measure::rss_bytes(a));
    let mut c = Check::new(
        CheckId::BaselineRss,
        Unit::Bytes,
        Verdict::Inconclusive,
        String::new(),
    );
    (c.value, c.baseline) = (y.map(|y| y as f64), x.map(|x| x as f64));
    let (x, y) = match (x, y) {
        (None, None) => return None,
        (Some(x), Some(y)) => (x, y),
        (None, Some(_)) => {
            c.message = format!(
                "RSS not measured in the baseline ({})",
                measure::why_no_rss(b)
            );
            return Some((c, false));
        }
        (Some(_), None) => {
            c.message = format!("RSS not measured in this run ({})", measure::why_no_rss(a));
            return Some((c, false));
        }
    };
    let delta = i128::from(y) - i128::from(x);
    c.delta = Some(delta as f64);
    if x == 0 {
        // No process is ready with nothing resident: a hand-edited or broken baseline. No
        // ratio to judge by, as for a zero startup median; never "+0.0%".
        c.message = format!(
            "{} 0 B → {} ({}): the baseline's RSS is zero, no ratio; save a new baseline",
            crate::report::Probe::rss_words(a.probe.as_ref()),
            size(y),
            signed_size(delta)
        );
        return Some((c, false));
    }
    let change = delta as f64 / x as f64;
    c.change = Some(change);
    let over = delta > 0 && change > th.memory_fail;
    c.verdict = if over && delta >= i128::from(th.memory_fail_min) {
        Verdict::Fail
    } else if over {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    c.message = format!(
        "{} {} → {} ({}, {}{})",
        crate::report::Probe::rss_words(a.probe.as_ref()),
        size(x),
        size(y),
        signed_size(delta),
        percent(change),
        split(b, a)
    );
    let shrank = -change > th.memory_fail && -delta >= i128::from(th.memory_fail_min);
    Some((c, shrank))
}

#[cfg(test)]
#[path = "runtime_tests.rs"]
mod tests;
