//! The binaries at a glance, where no check is worth a verdict table: linkage and sizes, and
//! what the startup probe measured (the median over its counted runs, and the RSS at ready or
//! at exit); under a verdict table, the probe's figures alone. And `--compare`'s
//! static-vs-regular figures, always.

use std::fmt::Write as _;

use super::{binary_label, code, escape};
use crate::format::{ms, size};
use crate::render::words;
use crate::report::{Artifact, Report};

/// `--compare`'s table for each binary, as the terminal and the page show it: a CI job that
/// asked for the comparison posts it (QA w, F6: it went as soon as a budget existed).
pub(super) fn comparisons(s: &mut String, report: &Report) {
    for cmp in &report.comparisons {
        let (probed, note) = words::compared_note(report, cmp);
        let _ = writeln!(s, "### {}: static vs regular build\n", code(&cmp.name));
        let _ = writeln!(s, "| Figure | Static | Regular | Ratio |");
        let _ = writeln!(s, "|---|--:|--:|--:|");
        for m in words::compared_rows(cmp, probed) {
            let fig = |v: Option<f64>| match (v, m.unit.as_str()) {
                (None, _) => "–".to_string(),
                (Some(v), "ms") => ms(v),
                (Some(v), "KiB") => size(v.round() as u64 * 1024),
                (Some(v), _) => size(v.round() as u64),
            };
            let ratio = m.ratio_text("–");
            let _ = writeln!(
                s,
                "| {} | {} | {} | {ratio} |",
                words::metric_label(report, cmp, &m.metric),
                fig(m.static_value),
                fig(m.regular)
            );
        }
        let floor = |v: &Option<String>| {
            v.as_deref()
                .map_or("none".into(), |v| escape(&crate::format::glibc(v)))
        };
        let _ = writeln!(
            s,
            "| glibc floor | {} | {} | – |\n",
            floor(&cmp.static_glibc_floor),
            floor(&cmp.regular_glibc_floor)
        );
        let _ = writeln!(s, "{}.\n", escape(&note));
    }
}

pub(super) fn render(s: &mut String, report: &Report) {
    if report.artifacts.is_empty() {
        return;
    }
    let probed = report.artifacts.iter().any(|a| a.probe.is_some());
    // Files of more than one format or machine say which each is, as the terminal's overview
    // does (QA do F10).
    let kinds: Vec<String> = report
        .artifacts
        .iter()
        .map(|a| crate::render::facts::kind(&a.binary))
        .collect();
    let mixed = kinds.iter().any(|k| *k != kinds[0]);
    let _ = write!(
        s,
        "| Binary |{} Linkage | File | Stripped | Closure |",
        if mixed { " Kind |" } else { "" }
    );
    if probed {
        let _ = write!(s, " Startup (median) | RSS |");
    }
    let _ = writeln!(
        s,
        "\n|---|{}---|--:|--:|--:|{}",
        if mixed { "---|" } else { "" },
        if probed { "--:|--:|" } else { "" }
    );
    for (a, kind) in report.artifacts.iter().zip(&kinds) {
        let b = &a.binary;
        let kind = match mixed {
            true => format!(" {} |", escape(kind)),
            false => String::new(),
        };
        let _ = write!(
            s,
            "| {} |{kind} {} | {} | {} | {} |",
            binary_label(a),
            b.linkage.as_str(),
            size(b.file_size),
            b.stripped_size.map_or_else(|| "–".into(), size),
            b.closure_size.map_or_else(|| "–".into(), size)
        );
        if probed {
            let (startup, rss) = probe_cells(a);
            let _ = write!(s, " {startup} | {rss} |");
        }
        s.push('\n');
    }
    s.push('\n');
}

/// What the startup probe measured, per probed binary, under a verdict table (whose budget and
/// baseline rows give only the median): median, p90 and runs, and the RSS (QA ae, 9: a
/// reviewer cannot judge a startup figure without its run count). Nothing when no binary was
/// probed.
pub(super) fn probed(s: &mut String, report: &Report) {
    let probed: Vec<&Artifact> = report
        .artifacts
        .iter()
        .filter(|a| a.probe.is_some())
        .collect();
    if probed.is_empty() {
        return;
    }
    let _ = writeln!(s, "| Binary | Startup (median) | RSS |\n|---|--:|--:|");
    for a in probed {
        let (startup, rss) = probe_cells(a);
        let _ = writeln!(s, "| {} | {startup} | {rss} |", binary_label(a));
    }
    s.push('\n');
}

/// The startup cell (median, p90 and the number of runs) and the RSS cell; `–` where the probe
/// did not run or read no memory, "not ready" where no run got ready.
fn probe_cells(a: &Artifact) -> (String, String) {
    let Some(p) = &a.probe else {
        return ("–".into(), "–".into());
    };
    let startup = p.startup_ms.as_ref().map_or_else(
        || "not ready".to_string(),
        |st| {
            format!(
                "{} (p90 {}, {} run{})",
                ms(st.median),
                ms(st.p90),
                st.count,
                if st.count == 1 { "" } else { "s" }
            )
        },
    );
    let when = crate::render::words::memory_moment(p);
    let rss = p
        .memory_kib
        .rss
        .map_or_else(|| "–".into(), |kib| format!("{} {when}", size(kib * 1024)));
    (startup, rss)
}
