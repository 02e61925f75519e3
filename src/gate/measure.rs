//! What the gate reads from the startup probe: the one place that knows the probe's fields.
//!
//! The probe stage documents its JSON as `startup_ms: {min, median, mean, stddev, p90, max}`,
//! `memory_kib: {rss, hwm, anon, file, pss}` (KiB) and per-run `samples: [{warmup,
//! startup_ms, ...}]`. These accessors read that shape from the probe's own serialisation, so
//! they work whatever Rust types carry it, and return `None` (the check then says "not
//! measured") when a figure is absent or `null`.

use serde_json::Value;

use crate::report::Artifact;

fn probe_json(a: &Artifact) -> Option<Value> {
    a.probe.as_ref().and_then(|p| serde_json::to_value(p).ok())
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
        .filter(|x| x.is_finite())
}

/// The median time to ready, in milliseconds.
pub fn startup_median_ms(a: &Artifact) -> Option<f64> {
    number(&probe_json(a)?, &["startup_ms", "median"])
}

/// Every counted run's time to ready, in milliseconds (for confidence intervals): the
/// `samples` that are not warmup runs.
pub fn startup_samples_ms(a: &Artifact) -> Option<Vec<f64>> {
    samples(&probe_json(a)?)
}

fn samples(v: &Value) -> Option<Vec<f64>> {
    let xs: Vec<f64> = v
        .get("samples")?
        .as_array()?
        .iter()
        .filter(|s| s.get("warmup").and_then(Value::as_bool) != Some(true))
        .filter_map(|s| s.get("startup_ms").and_then(Value::as_f64))
        .filter(|x| x.is_finite())
        .collect();
    (!xs.is_empty()).then_some(xs)
}

/// Resident memory at ready, in bytes.
pub fn rss_bytes(a: &Artifact) -> Option<u64> {
    let kib = number(&probe_json(a)?, &["memory_kib", "rss"])?;
    (kib >= 0.0).then(|| (kib * 1024.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Probe;

    #[test]
    fn the_placeholder_probe_has_no_figures() {
        let mut a = crate::gate::budgets::tests::artifact(1000);
        assert_eq!(startup_median_ms(&a), None);
        a.probe = Some(Probe {
            ready: "exit".into(),
            runs: 3,
        });
        assert_eq!(startup_median_ms(&a), None);
        assert_eq!(startup_samples_ms(&a), None);
        assert_eq!(rss_bytes(&a), None);
    }

    #[test]
    fn figures_are_read_from_the_documented_shape() {
        let v = serde_json::json!({
            "startup_ms": {"median": 1.5, "p90": 2.0},
            "memory_kib": {"rss": 2048, "pss": null},
            "samples": [
                {"run": 1, "warmup": true, "startup_ms": 9.0},
                {"run": 2, "warmup": false, "startup_ms": 1.0},
                {"run": 3, "warmup": false, "startup_ms": 2.0}
            ]
        });
        assert_eq!(number(&v, &["startup_ms", "median"]), Some(1.5));
        assert_eq!(number(&v, &["memory_kib", "rss"]), Some(2048.0));
        assert_eq!(number(&v, &["memory_kib", "pss"]), None);
        assert_eq!(
            samples(&v),
            Some(vec![1.0, 2.0]),
            "warmup runs do not count"
        );
        assert_eq!(samples(&serde_json::json!({"samples": []})), None);
        let null = serde_json::json!({"startup_ms": null});
        assert_eq!(number(&null, &["startup_ms", "median"]), None);
    }
}
