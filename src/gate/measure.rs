//! What the gate reads from the startup probe: the one place that knows the probe's fields.
//! Each accessor returns `None` (the check then says "not measured") when the figure is absent.

use crate::report::Artifact;

/// The median time to ready, in milliseconds.
pub fn startup_median_ms(a: &Artifact) -> Option<f64> {
    let median = a.probe.as_ref()?.startup_ms.as_ref()?.median;
    median.is_finite().then_some(median)
}

/// Every counted run's time to ready, in milliseconds (for confidence intervals): the samples
/// that are not warmup runs.
pub fn startup_samples_ms(a: &Artifact) -> Option<Vec<f64>> {
    let xs: Vec<f64> = a
        .probe
        .as_ref()?
        .samples
        .iter()
        .filter(|s| !s.warmup && s.startup_ms.is_finite())
        .map(|s| s.startup_ms)
        .collect();
    (!xs.is_empty()).then_some(xs)
}

/// Why `a` has no startup time: it was not probed, or no counted run of the probe got ready
/// (QA q: "(no probe)" read as `--no-probe` after a probe whose every run timed out).
pub fn why_no_startup(a: &Artifact) -> &'static str {
    match &a.probe {
        None => "no probe",
        Some(p) if p.runs == 0 => "no probe run got ready",
        Some(_) => "the probe gave no time",
    }
}

/// Why `a` has no resident memory figure (see [`why_no_startup`]), with the probe's own
/// reason when it gave one (QA co F7: the traced run that reads memory crashed, SIGSEGV, and
/// the budget said only that memory could not be read).
pub fn why_no_rss(a: &Artifact) -> String {
    match &a.probe {
        Some(p) if p.runs > 0 => {
            let said = ["memory_kib.rss", "memory_kib"]
                .iter()
                .find_map(|k| p.unknown.get(*k));
            match said {
                Some(why) => format!("the probe could not read its memory: {why}"),
                None => "the probe could not read its memory".into(),
            }
        }
        _ => why_no_startup(a).into(),
    }
}

/// Resident memory at ready, in bytes.
pub fn rss_bytes(a: &Artifact) -> Option<u64> {
    Some(a.probe.as_ref()?.memory_kib.rss? * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Memory, Probe, Sample};

    fn sample(run: u32, warmup: bool, ms: f64) -> Sample {
        Sample {
            run,
            warmup,
            spawned_at_ns: None,
            startup_ms: ms,
            shutdown_ms: None,
            memory_kib: Memory::default(),
            processes: 1,
            exit_code: None,
            cpu_wait_share: None,
        }
    }

    #[test]
    fn a_probe_without_figures_gives_none() {
        let mut a = crate::report::test_artifact(1000);
        assert_eq!(startup_median_ms(&a), None);
        a.probe = Some(Probe {
            ready: "exit".into(),
            ..Probe::default()
        });
        assert_eq!(startup_median_ms(&a), None);
        assert_eq!(startup_samples_ms(&a), None);
        assert_eq!(rss_bytes(&a), None);
        assert_eq!(why_no_startup(&a), "no probe run got ready");
        a.probe = None;
        assert_eq!(why_no_startup(&a), "no probe");
        assert_eq!(why_no_rss(&a), "no probe");
        // QA co F7: the probe's reason, when it gave one.
        a.probe = Some(Probe {
            runs: 3,
            ..Default::default()
        });
        let p = a.probe.as_mut().expect("probe");
        p.unknown.insert(
            "memory_kib".into(),
            "the traced run that reads memory failed: killed by SIGSEGV".into(),
        );
        assert_eq!(
            why_no_rss(&a),
            "the probe could not read its memory: the traced run that reads memory failed: \
             killed by SIGSEGV"
        );
    }

    #[test]
    fn counted_samples_and_rss_are_read() {
        let mut a = crate::report::test_artifact(1000);
        a.probe = Some(Probe {
            samples: vec![
                sample(1, true, 9.0),
                sample(2, false, 1.0),
                sample(3, false, 2.0),
            ],
            memory_kib: Memory {
                rss: Some(2048),
                ..Memory::default()
            },
            ..Probe::default()
        });
        assert_eq!(
            startup_samples_ms(&a),
            Some(vec![1.0, 2.0]),
            "warmup runs do not count"
        );
        assert_eq!(rss_bytes(&a), Some(2048 * 1024));
    }
}
