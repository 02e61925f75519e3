//! The probe's series: its warnings.

use super::*;

/// QA an F1: actix stops in ~1 ms or ~300 ms (its samples, from the report's JSON); the
/// median of such runs is close to no run's, and a warning says so with the range. Steady
/// shutdowns get none.
#[test]
fn shutdown_times_that_split_are_said_to() {
    let opts = ProbeSettings::default();
    let series = |shutdowns: &[f64]| {
        let mut s = Series::new("app (static)".into(), PathBuf::from("app"));
        s.samples = shutdowns
            .iter()
            .enumerate()
            .map(|(i, &sd)| Sample {
                run: i as u32 + 1,
                warmup: false,
                spawned_at_ns: None,
                startup_ms: 4.0,
                shutdown_ms: Some(sd),
                memory_kib: Memory::default(),
                processes: 1,
                exit_code: None,
                cpu_wait_share: None,
            })
            .collect();
        finish(s, &opts)
    };
    let split = [
        5.4, 0.8, 303.1, 1.9, 5.0, 1.0, 302.3, 302.9, 30.9, 301.6, 16.5, 303.8, 302.2, 305.4, 3.0,
        3.5, 0.8, 0.8, 0.9, 302.8,
    ];
    let p = series(&split);
    let w: Vec<&String> = p
        .warnings
        .iter()
        .filter(|w| w.starts_with("shutdown times vary widely"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", p.warnings);
    assert!(w[0].contains("from 0.80 ms to 305 ms"), "{}", w[0]);
    assert!(
        w[0].contains("0 of 20 runs within 25% of the median"),
        "{}",
        w[0]
    );
    // Steady, or widely spread in relative terms but within a few milliseconds.
    // QA bk F8: most runs by the median, a few slow ones (a busy machine): no warning.
    let busy = [
        1.29, 1.02, 1.3, 1.8, 1.25, 1.6, 0.9, 1.29, 13.3, 1.1, 1.35, 2.2, 1.29, 1.0,
    ];
    assert!(
        !series(&busy)
            .warnings
            .iter()
            .any(|w| w.starts_with("shutdown")),
        "{:?}",
        series(&busy).warnings
    );
    for steady in [
        [1.0, 1.1, 0.9, 1.0, 1.05, 0.95],
        [0.1, 0.4, 0.2, 0.9, 0.15, 0.5],
    ] {
        let p = series(&steady);
        assert!(
            !p.warnings.iter().any(|w| w.starts_with("shutdown")),
            "{:?}",
            p.warnings
        );
    }
}
