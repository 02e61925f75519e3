//! The static build beside the regular one (`--compare`): the numbers the side-by-side table
//! shows, with their ratios, computed here so that renderers only lay them out.

use crate::report::{Artifact, ComparedMetric, Comparison, LinkMode, Report};

pub fn build(report: &Report) -> Vec<Comparison> {
    let mut out = Vec::new();
    for s in report
        .artifacts
        .iter()
        .filter(|a| a.link_mode == Some(LinkMode::Static))
    {
        let Some(d) = report.dynamic_of(s) else {
            continue;
        };
        out.push(compare(s, d));
    }
    out
}

fn compare(s: &Artifact, d: &Artifact) -> Comparison {
    let startup = |a: &Artifact, p90: bool| {
        a.probe
            .as_ref()
            .and_then(|p| p.startup_ms.as_ref())
            .map(|st| if p90 { st.p90 } else { st.median })
    };
    let rss = |a: &Artifact| {
        a.probe
            .as_ref()
            .and_then(|p| p.memory_kib.rss)
            .map(|v| v as f64)
    };
    let pss = |a: &Artifact| {
        a.probe
            .as_ref()
            .and_then(|p| p.memory_kib.pss)
            .map(|v| v as f64)
    };
    // Under load the ratio of two medians moves from run to run (QA ac, D4: 0.62× to 1.31× for
    // one pair of stylua binaries): its interval says how far to trust it.
    let mut median = metric("startup_median", "ms", startup(s, false), startup(d, false));
    median.ratio_interval =
        crate::stats::ratio_of_medians(&super::counted_ms(d), &super::counted_ms(s))
            .map(|i| [i.low, i.high]);
    let shutdown = |a: &Artifact| {
        a.probe
            .as_ref()
            .and_then(|p| p.shutdown_ms.as_ref())
            .map(|st| st.median)
    };
    let mut metrics = vec![
        median,
        metric("startup_p90", "ms", startup(s, true), startup(d, true)),
        metric("rss_at_ready", "KiB", rss(s), rss(d)),
        metric("pss_at_ready", "KiB", pss(s), pss(d)),
        metric(
            "file_size",
            "B",
            Some(s.binary.file_size as f64),
            Some(d.binary.file_size as f64),
        ),
        metric(
            "stripped_size",
            "B",
            s.binary.stripped_size.map(|v| v as f64),
            d.binary.stripped_size.map(|v| v as f64),
        ),
        metric(
            "closure_size",
            "B",
            s.binary.closure_size.map(|v| v as f64),
            d.binary.closure_size.map(|v| v as f64),
        ),
    ];
    // A server's stop, where either build was stopped (QA ca F5: each side read 303 ms, the
    // table had no row); a program that exits by itself has none.
    if shutdown(s).is_some() || shutdown(d).is_some() {
        metrics.insert(4, metric("shutdown_median", "ms", shutdown(s), shutdown(d)));
    }
    Comparison {
        package: s.package.clone(),
        name: s.name.clone(),
        static_path: s.path.clone(),
        regular_path: d.path.clone(),
        metrics,
        static_glibc_floor: s.binary.glibc_floor.as_ref().map(|g| g.version.clone()),
        regular_glibc_floor: d.binary.glibc_floor.as_ref().map(|g| g.version.clone()),
    }
}

fn metric(name: &str, unit: &str, s: Option<f64>, r: Option<f64>) -> ComparedMetric {
    ComparedMetric::new(name, unit, s, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A static and a regular build of one binary, probed: each run's startup in `ms`.
    fn pair(st: &[f64], reg: &[f64]) -> Report {
        let build = |link: LinkMode, samples: &[f64]| {
            let mut a = crate::report::test_artifact(1000);
            a.link_mode = Some(link);
            a.probe = Some(crate::report::Probe {
                runs: samples.len() as u32,
                startup_ms: crate::stats::summarize(samples),
                samples: crate::report::test_samples(samples),
                ..crate::report::Probe::default()
            });
            a
        };
        let mut r = Report::new(None);
        r.artifacts = vec![build(LinkMode::Static, st), build(LinkMode::Dynamic, reg)];
        r.artifacts[1].path = "/t/dynamic/app".into();
        r
    }

    /// QA ac, D4: the startup ratio carries its 95% interval, which holds the ratio; runs
    /// that cannot tell the builds apart give one that holds 1, and the note says so.
    #[test]
    fn the_startup_ratio_has_its_interval() {
        let slow = [2.0, 2.1, 1.9, 2.05, 1.95, 2.0, 2.02, 1.98];
        let fast = [1.0, 1.05, 0.95, 1.02, 0.98, 1.0, 1.01, 0.99];
        let r = pair(&slow, &fast);
        let c = &build(&r)[0];
        let m = &c.metrics[0];
        let (ratio, [lo, hi]) = (m.ratio.expect("ratio"), m.ratio_interval.expect("interval"));
        assert!(lo <= ratio && ratio <= hi && lo > 1.5, "{lo} {ratio} {hi}");
        let (_, note) = crate::render::words::compared_note(&r, c);
        assert!(note.ends_with("the startup ratio's 95% interval"), "{note}");
        // QA bk F4: on a busy machine a difference the interval shows is no proof.
        let mut busy = r.clone();
        busy.warnings.push(
            "the machine was busy (load average 3.5 on 2 CPUs): timings are inflated and noisy"
                .into(),
        );
        let (_, note) = crate::render::words::compared_note(&busy, c);
        assert!(
            note.contains("which does not hold 1, but the machine was busy")
                && note.ends_with("before reading a difference"),
            "{note}"
        );
        let r = pair(&fast, &[1.01, 0.97, 1.03, 0.99, 1.0, 1.02, 0.98, 1.0]);
        let c = &build(&r)[0];
        let [lo, hi] = c.metrics[0].ratio_interval.expect("interval");
        assert!(lo <= 1.0 && 1.0 <= hi, "{lo} {hi}");
        let (_, note) = crate::render::words::compared_note(&r, c);
        assert!(
            note.contains("which holds 1: these runs do not tell"),
            "{note}"
        );
        assert!(
            c.metrics[0].ratio_text("?").contains("× ["),
            "{:?}",
            c.metrics[0]
        );
        // Too few runs for an interval: none, and the ratio alone.
        let c = &build(&pair(&slow[..3], &fast[..3]))[0];
        assert_eq!(c.metrics[0].ratio_interval, None);
    }

    #[test]
    fn ratio_needs_both_and_a_nonzero_regular() {
        assert_eq!(metric("x", "B", Some(2.0), Some(4.0)).ratio, Some(0.5));
        assert_eq!(metric("x", "B", None, Some(4.0)).ratio, None);
        assert_eq!(metric("x", "B", Some(1.0), Some(0.0)).ratio, None);
    }
}
