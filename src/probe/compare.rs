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
        let Some(d) = report.artifacts.iter().find(|d| {
            d.link_mode == Some(LinkMode::Dynamic) && d.package == s.package && d.name == s.name
        }) else {
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
    let metrics = vec![
        metric("startup_median", "ms", startup(s, false), startup(d, false)),
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
            Some(s.binary.closure_size as f64),
            Some(d.binary.closure_size as f64),
        ),
    ];
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
    ComparedMetric {
        metric: name.into(),
        unit: unit.into(),
        static_value: s,
        regular: r,
        ratio: match (s, r) {
            (Some(s), Some(r)) if r > 0.0 => Some(s / r),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_needs_both_and_a_nonzero_regular() {
        assert_eq!(metric("x", "B", Some(2.0), Some(4.0)).ratio, Some(0.5));
        assert_eq!(metric("x", "B", None, Some(4.0)).ratio, None);
        assert_eq!(metric("x", "B", Some(1.0), Some(0.0)).ratio, None);
    }
}
