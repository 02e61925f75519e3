//! The binaries at a glance, where no check is worth a verdict table: linkage and sizes, and
//! what the startup probe measured (the median over its counted runs, and the RSS at ready or
//! at exit).

use std::fmt::Write as _;

use super::binary_label;
use crate::format::{ms, size};
use crate::report::{Artifact, Report};

pub(super) fn render(s: &mut String, report: &Report) {
    if report.artifacts.is_empty() {
        return;
    }
    let probed = report.artifacts.iter().any(|a| a.probe.is_some());
    let _ = write!(s, "| Binary | Linkage | File | Stripped | Closure |");
    if probed {
        let _ = write!(s, " Startup (median) | RSS |");
    }
    let _ = writeln!(
        s,
        "\n|---|---|--:|--:|--:|{}",
        if probed { "--:|--:|" } else { "" }
    );
    for a in &report.artifacts {
        let b = &a.binary;
        let _ = write!(
            s,
            "| {} | {} | {} | {} | {} |",
            binary_label(a),
            b.linkage.as_str(),
            size(b.file_size),
            b.stripped_size.map_or_else(|| "–".into(), size),
            size(b.closure_size)
        );
        if probed {
            let (startup, rss) = probe_cells(a);
            let _ = write!(s, " {startup} | {rss} |");
        }
        s.push('\n');
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
