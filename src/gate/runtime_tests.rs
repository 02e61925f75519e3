//! Tests of `runtime.rs`.

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
    // QA cz F9: parts that do not sum to the change say why.
    let (c, _) = memory(
        &with(2900, Some(380), Some(2520)),
        &with(2898, Some(380), Some(2520)),
        &Thresholds::default(),
    )
    .expect("measured");
    assert!(
        c.message
            .contains("anonymous +0 B, file-backed +0 B, each a median of its own"),
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
