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
    let shown = limit_ratio(limit);
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
    (c.verdict, c.message) = match interval {
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
                 {WITHIN_THE_NOISE}; more runs would decide",
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
        None => (Verdict::Pass, head),
    };
    let faster = c.verdict == Verdict::Pass && interval.is_some_and(|i| i.high < 1.0);
    Some((c, faster))
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
    match (delta(|m| m.anon), delta(|m| m.file)) {
        (Some(anon), Some(file)) => format!(
            "; anonymous {}, file-backed {}",
            signed_size(anon),
            signed_size(file)
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
mod tests {
    use super::*;

    fn timing(center: f64, spread: f64, n: usize) -> Timing {
        // A fixed, evenly spread sample: no randomness, no clock.
        let samples: Vec<f64> = (0..n)
            .map(|i| center + spread * (i as f64 / (n - 1) as f64 - 0.5))
            .collect();
        Timing {
            median: stats::median(&samples),
            samples: Some(samples),
            why_none: "",
        }
    }

    fn verdict(b: &Timing, a: &Timing) -> Verdict {
        startup_check(b, a, &Thresholds::default())
            .expect("measured")
            .verdict
    }

    /// QA aq F2: a startup failure against a file's figures, either run on a busy machine, is
    /// inconclusive and says why; on a quiet machine, or another check, it stands.
    #[test]
    fn a_slowdown_between_two_runs_apart_on_a_busy_machine_is_inconclusive() {
        let busy = "the machine was busy (load average 2.4 on 2 CPUs): timings are inflated \
                    and noisy";
        let failing = |id: CheckId| Check::new(id, Unit::Ms, Verdict::Fail, "slower".into());
        let run = |warnings: &[&str]| {
            let mut a = crate::report::test_artifact(1000);
            a.checks = vec![
                failing(CheckId::BaselineStartup),
                failing(CheckId::BaselineFileSize),
            ];
            Report {
                artifacts: vec![a],
                warnings: warnings.iter().map(|w| w.to_string()).collect(),
                ..Report::new(None)
            }
        };
        let verdicts = |r: &Report| r.artifacts[0].checks.iter().map(|c| c.verdict).collect();
        for (now, then, when) in [
            (true, true, "in both runs"),
            (true, false, "in this run"),
            (false, true, "in the baseline's run"),
        ] {
            let (one, none): (&[&str], &[&str]) = (&[busy], &[]);
            let mut current = run(if now { one } else { none });
            let base = run(if then { one } else { none });
            busy_apart(&mut current, &base);
            let v: Vec<Verdict> = verdicts(&current);
            assert_eq!(v, [Verdict::Inconclusive, Verdict::Fail], "{when}");
            let m = &current.artifacts[0].checks[0].message;
            assert!(m.contains(&format!("the machine was busy {when}")), "{m}");
        }
        let mut quiet = run(&[]);
        busy_apart(&mut quiet, &run(&[]));
        let v: Vec<Verdict> = verdicts(&quiet);
        assert_eq!(v, [Verdict::Fail, Verdict::Fail]);
    }

    #[test]
    fn startup_fails_only_beyond_the_noise() {
        // 1.0 ms → 1.5 ms with tight samples: a real regression.
        assert_eq!(
            verdict(&timing(1.0, 0.05, 30), &timing(1.5, 0.05, 30)),
            Verdict::Fail
        );
        // Unchanged: pass.
        assert_eq!(
            verdict(&timing(1.0, 0.05, 30), &timing(1.0, 0.05, 30)),
            Verdict::Pass
        );
        // 15% slower at the median, but the runs spread over ±100%: inconclusive, not fail,
        // and said to be within the noise (the verdict's reasons count it so: QA cu F1).
        let th = Thresholds::default();
        let (c, _) =
            judged_startup(&timing(1.0, 2.0, 8), &timing(1.15, 2.0, 8), &th).expect("measured");
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!(c.message.contains(WITHIN_THE_NOISE), "{}", c.message);
        // The interval the verdict rests on, as the message writes it (QA cu F6).
        let [lo, hi] = c.interval.expect("an interval");
        assert!(
            c.message.contains(&format!("{lo:.2}..{hi:.2}")),
            "{}",
            c.message
        );
        // A slowdown beyond the noise and under the threshold passes, said as a slowdown.
        let (slow, _) =
            judged_startup(&timing(1.0, 0.02, 30), &timing(1.05, 0.02, 30), &th).expect("measured");
        assert_eq!(slow.verdict, Verdict::Pass);
        let [lo, _] = slow.interval.expect("an interval");
        let said = &slow.message;
        assert!(lo > 1.0, "{said}");
        assert!(said.contains("slower (95% interval"), "{said}");
        assert!(said.ends_with("under the 1.10 that fails"), "{said}");
        // The baseline's samples it was drawn from.
        assert_eq!(Some(c.baseline_samples), timing(1.0, 2.0, 8).samples);
        // Medians only (no samples): a slowdown cannot be told from noise.
        let only = |m: f64| Timing {
            median: Some(m),
            samples: None,
            why_none: "",
        };
        assert_eq!(verdict(&only(1.0), &only(2.0)), Verdict::Inconclusive);
        assert_eq!(verdict(&only(1.0), &only(1.05)), Verdict::Pass);
        // The times as the report writes them (QA l: `20.254 → 20.920 ms`).
        let (c, _) = judged_startup(&only(20.254), &only(20.92), &th).expect("measured");
        assert_eq!(c.message, "median startup 20.3 ms → 20.9 ms (+3.3%)");
        // Faster is a pass.
        assert_eq!(
            verdict(&timing(2.0, 0.05, 30), &timing(1.0, 0.05, 30)),
            Verdict::Pass
        );
    }

    /// The QA's failing run hinted "something shrank" for a median 23% lower within the noise.
    #[test]
    fn only_a_startup_faster_beyond_the_noise_is_a_gain() {
        let th = Thresholds::default();
        let judged = |b: &Timing, a: &Timing| judged_startup(b, a, &th).expect("measured");
        let (c, faster) = judged(&timing(1.26, 2.0, 5), &timing(0.97, 2.0, 5));
        assert_eq!((c.verdict, faster), (Verdict::Pass, false), "{}", c.message);
        let (c, faster) = judged(&timing(2.0, 0.05, 30), &timing(1.0, 0.05, 30));
        assert_eq!((c.verdict, faster), (Verdict::Pass, true), "{}", c.message);
        let only = |m: f64| Timing {
            median: Some(m),
            samples: None,
            why_none: "",
        };
        assert!(!judged(&only(2.0), &only(1.0)).1);
        // Not measured in this run: why, as the probe says (QA q: not "no probe" after a
        // probe whose runs all failed).
        let none = Timing {
            median: None,
            samples: None,
            why_none: "no probe run got ready",
        };
        let (c, _) = judged(&only(2.0), &none);
        assert_eq!(
            c.message,
            "not measured in this run (no probe run got ready)"
        );
    }

    /// QA bug 5: a baseline RSS of 0 let any growth pass as "+0.0%".
    #[test]
    fn a_zero_baseline_rss_is_inconclusive_not_a_pass() {
        let with_rss = |kib: u64| {
            let mut a = crate::report::test_artifact(1000);
            a.probe = Some(crate::report::Probe {
                memory_kib: crate::report::Memory {
                    rss: Some(kib),
                    ..Default::default()
                },
                ..Default::default()
            });
            a
        };
        let (c, shrank) =
            memory(&with_rss(0), &with_rss(1116), &Thresholds::default()).expect("measured");
        assert_eq!(c.verdict, Verdict::Inconclusive, "{}", c.message);
        assert!(!shrank);
        assert_eq!(c.change, None);
        assert_eq!(c.delta, Some(1116.0 * 1024.0));
        assert!(!c.message.contains('%'), "{}", c.message);
        assert!(c.message.contains("no ratio"), "{}", c.message);
    }

    /// QA k: +11% RSS, all of it file-backed pages of a larger binary; the message says so.
    #[test]
    fn an_rss_change_says_how_much_is_anonymous_and_how_much_file_backed() {
        let with = |rss: u64, anon: Option<u64>, file: Option<u64>| {
            let mut a = crate::report::test_artifact(1000);
            a.probe = Some(crate::report::Probe {
                memory_kib: crate::report::Memory {
                    rss: Some(rss),
                    anon,
                    file,
                    ..Default::default()
                },
                ..Default::default()
            });
            a
        };
        let (c, _) = memory(
            &with(2900, Some(380), Some(2520)),
            &with(3220, Some(380), Some(2840)),
            &Thresholds::default(),
        )
        .expect("measured");
        assert_eq!(c.verdict, Verdict::Fail, "{}", c.message);
        assert!(
            c.message
                .ends_with("; anonymous +0 B, file-backed +320 KiB)"),
            "{}",
            c.message
        );
        // Without the split on one side, nothing is made up.
        let (c, _) = memory(
            &with(2900, None, None),
            &with(3220, Some(380), Some(2840)),
            &Thresholds::default(),
        )
        .expect("measured");
        assert!(!c.message.contains("anonymous"), "{}", c.message);
    }

    #[test]
    fn unmeasured_startup_is_inconclusive_or_absent() {
        let none = Timing::default();
        assert!(startup_check(&none, &none, &Thresholds::default()).is_none());
        let c = startup_check(&none, &timing(1.0, 0.1, 10), &Thresholds::default())
            .expect("one side measured");
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!(c.message.contains("baseline"), "{}", c.message);
    }
}
