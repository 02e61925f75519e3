//! Tests of the startup, memory and size charts.
use super::*;
use crate::report::{Check, CheckId, Verdict, test_samples};

/// The startup chart of `a` as its static build.
fn drawn(a: &crate::report::Artifact) -> String {
    let b = Build {
        artifact: a,
        label: "static".into(),
        class: "b0",
        index: 0,
    };
    let mut s = String::new();
    startup(&mut s, std::slice::from_ref(&b));
    s
}

/// QA cu F6: the baseline's runs that a `baseline.startup` verdict compares with are a
/// strip of their own under the build's, with their median.
#[test]
fn the_baseline_s_runs_are_a_strip_of_their_own() {
    let mut a = crate::report::test_artifact(1000);
    a.probe = Some(Probe {
        runs: 2,
        samples: test_samples(&[7.0, 7.5]),
        ready: "exit".into(),
        ..Probe::default()
    });
    let mut c = Check::worded(CheckId::BaselineStartup, Verdict::Fail, String::new());
    (c.value, c.baseline) = (Some(7.25), Some(3.2));
    c.baseline_samples = vec![3.1, 3.2, 3.3];
    a.checks.push(c);
    let s = drawn(&a);
    let base = s
        .split("<g class=\"samples base\"")
        .nth(1)
        .expect("a strip of the baseline's runs");
    let base = base.split("</g>").next().unwrap_or_default();
    assert_eq!(base.matches("<circle").count(), 3, "{base}");
    assert!(s.contains(">static (base)</text>"), "{s}");
    assert!(s.contains("<title>median 3.20 ms</title>"), "{s}");
    assert!(s.contains("the baseline's 3 counted runs"), "{s}");
}

/// QA dr F6: one warmup run of 14 ms set the axis to 15 ms, and the forty counted runs of
/// about 1.1 ms were a few pixels. The counted runs set the scale; the slow warmup run is
/// drawn at the axis's end and says it is past it.
#[test]
fn a_slow_warmup_run_does_not_stretch_the_startup_axis() {
    let mut a = crate::report::test_artifact(1000);
    let ms: Vec<f64> = std::iter::once(14.0)
        .chain((1..=40).map(|i| 1.0 + f64::from(i % 5) * 0.05))
        .collect();
    let mut samples = test_samples(&ms);
    samples[0].warmup = true;
    a.probe = Some(Probe {
        runs: 40,
        samples,
        ready: "exit".into(),
        ..Probe::default()
    });
    let s = drawn(&a);
    // The axis's last tick is under 2 ms (ticks of 0.25 or 0.5 ms), not 15.
    assert!(!s.contains(">15 ms<") && !s.contains(">14 ms<"), "{s}");
    assert!(s.contains(">1 ms<"), "{s}");
    let warm = s
        .split("<circle class=\"sample warm beyond\"")
        .nth(1)
        .expect("the warmup run past the axis");
    assert!(
        warm.contains("run 1 (warmup): 14.0 ms, past the axis"),
        "{warm}"
    );
    // At the plot's right end, where no counted run is.
    let cx = |c: &str| -> f64 {
        c.split("cx=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("cx")
    };
    let counted: Vec<f64> = s
        .split("<circle class=\"sample\"")
        .skip(1)
        .map(cx)
        .collect();
    assert_eq!(counted.len(), 40);
    assert!(
        counted.iter().all(|&c| c < cx(warm)),
        "{counted:?} {}",
        cx(warm)
    );
    assert!(
        s.contains("(hollow: warmup, a warmup run slower than the axis at its end)"),
        "{s}"
    );
}
