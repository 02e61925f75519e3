//! The startup probe and the static-vs-regular comparison in the terminal report.

use std::fmt::Write as _;

use super::Style;
use super::fill::labelled as row;
use crate::format::{ms, size};
use crate::output::{BAD, DIM, HEADER, WARN, paint};
use crate::report::{Artifact, Comparison, Memory, Probe, Report};

pub(super) fn kib(v: u64) -> String {
    size(v.saturating_mul(1024))
}

fn unknown<'a>(p: &'a Probe, key: &str) -> &'a str {
    let why = p.unknown.get(key).map_or("unknown", String::as_str);
    said_below(p, why).unwrap_or(why)
}

/// With no run ready, a figure's reason is a failed run's own message, which the failed runs'
/// rows show: said once, there (a port taken by another process was the same sentence four
/// times, QA i).
fn said_below(p: &Probe, why: &str) -> Option<&'static str> {
    (p.runs == 0 && p.failed_runs.iter().any(|f| f.message == why))
        .then_some("no run got ready (the failed runs below say why)")
}

/// The probe's rows for one artifact (nothing when it was not probed).
pub fn artifact(s: &mut String, a: &Artifact, st: &Style) {
    let Some(p) = &a.probe else { return };
    let c = st.color;
    startup(s, p, c);
    memory(s, p, c);
    shutdown(s, p, c);
    failures(s, p, c);
    if let Some(g) = &p.gave_up {
        let g = match said_below(p, g) {
            Some(_) => "for the reason above",
            None => g,
        };
        row(s, c, "gave up", &paint(c, BAD, g));
    }
    for w in &p.warnings {
        let _ = writeln!(s, "  {}: {w}", paint(c, WARN, "warning"));
    }
}

/// Time to ready over the counted runs, and the spawn floor.
fn startup(s: &mut String, p: &Probe, c: bool) {
    match &p.startup_ms {
        Some(t) => {
            let mut v = format!(
                "median {} · p90 {} · min {} · max {} ({}, ready: {})",
                ms(t.median),
                ms(t.p90),
                ms(t.min),
                ms(t.max),
                crate::format::count(p.runs as usize, "run", "runs"),
                p.ready
            );
            if !t.outliers.is_empty() {
                let n = crate::format::count(t.outliers.len(), "outlier", "outliers");
                let _ = write!(v, "; {n}");
            }
            row(s, c, "startup", &v);
        }
        None => row(
            s,
            c,
            "startup",
            &paint(c, BAD, &format!("unknown: {}", unknown(p, "startup_ms"))),
        ),
    }
    match p.spawn_floor_ms {
        Some(f) => row(
            s,
            c,
            "spawn floor",
            &format!(
                "{} {}",
                ms(f),
                paint(
                    c,
                    DIM,
                    "(a static program that only calls _exit, timed the same way)"
                )
            ),
        ),
        None => row(s, c, "spawn floor", unknown(p, "spawn_floor_ms")),
    }
}

fn shutdown(s: &mut String, p: &Probe, c: bool) {
    if let Some(sd) = &p.shutdown_ms {
        let mut v = format!("median {} after SIGTERM", ms(sd.median));
        if p.killed_after_grace > 0 {
            let _ = write!(v, "; {} runs needed SIGKILL", p.killed_after_grace);
        }
        row(s, c, "shutdown", &v);
    } else if p.killed_after_grace > 0 {
        row(
            s,
            c,
            "shutdown",
            &paint(
                c,
                WARN,
                &format!(
                    "the program or a process it started ignored SIGTERM: killed after the {:.0} ms \
                     grace period",
                    p.grace_ms
                ),
            ),
        );
    }
}

/// Runs that did not get to ready, each distinct message once with the end of its stderr.
fn failures(s: &mut String, p: &Probe, c: bool) {
    let attempted = p.runs + p.failures;
    if p.failures > 0 {
        row(
            s,
            c,
            "failed runs",
            &paint(c, BAD, &format!("{} of {attempted}", p.failures)),
        );
        let mut seen: Vec<&str> = Vec::new();
        for f in &p.failed_runs {
            if seen.contains(&f.message.as_str()) {
                continue;
            }
            seen.push(&f.message);
            let _ = writeln!(s, "    run {}: {}", f.run, f.message);
            let tail: Vec<&str> = f
                .stderr_tail
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            for l in &tail[tail.len().saturating_sub(3)..] {
                let line: String = l.chars().take(90).collect();
                let _ = writeln!(s, "      {}", paint(c, DIM, &format!("stderr: {line}")));
            }
        }
    }
}

fn memory(s: &mut String, p: &Probe, c: bool) {
    let m: &Memory = &p.memory_kib;
    let Some(rss) = m.rss else {
        row(s, c, "memory", unknown(p, "memory_kib"));
        return;
    };
    let part = |label: &str, v: Option<u64>| match v {
        Some(v) => format!("{label} {}", kib(v)),
        None => format!("{label} ?"),
    };
    let when = super::words::memory_moment(p);
    row(
        s,
        c,
        "memory",
        &format!(
            "RSS {} · PSS {} · peak {} ({when})",
            kib(rss),
            m.pss.map_or("?".into(), kib),
            m.hwm.map_or("?".into(), kib)
        ),
    );
    row(
        s,
        c,
        "",
        &paint(
            c,
            DIM,
            &format!(
                "{} · {}",
                part("anonymous", m.anon),
                part("file-backed", m.file)
            ),
        ),
    );
}

/// The side-by-side table of `--compare`.
pub fn comparisons(s: &mut String, r: &Report, st: &Style) {
    for cmp in &r.comparisons {
        s.push('\n');
        let (probed, note) = super::words::compared_note(r, cmp);
        table(s, cmp, st, probed);
        super::fill::fill_painted(s, "  ", &note, st.color, DIM);
    }
}

/// The table of one comparison; the probe's rows (in `ms` and `KiB`) only when `probed`.
fn table(s: &mut String, cmp: &Comparison, st: &Style, probed: bool) {
    let c = st.color;
    let _ = writeln!(
        s,
        "{}",
        paint(c, HEADER, &format!("{}: static vs regular build", cmp.name))
    );
    let _ = writeln!(
        s,
        "  {}",
        paint(
            c,
            DIM,
            &format!(
                "{:<16} {:>12} {:>12} {:>9}",
                "", "static", "regular", "ratio"
            )
        )
    );
    for m in super::words::compared_rows(cmp, probed) {
        let fmt = |v: Option<f64>| match (v, m.unit.as_str()) {
            (None, _) => "?".to_string(),
            (Some(v), "ms") => ms(v),
            (Some(v), "KiB") => kib(v.round() as u64),
            (Some(v), _) => size(v.round() as u64),
        };
        let ratio = m.ratio_text("?");
        let label = m.metric.replace('_', " ");
        let _ = writeln!(
            s,
            "  {label:<16} {:>12} {:>12} {ratio:>9}",
            fmt(m.static_value),
            fmt(m.regular)
        );
    }
    let floor = |v: &Option<String>| v.as_deref().map_or("none".into(), crate::format::glibc);
    let _ = writeln!(
        s,
        "  {:<16} {:>12} {:>12}",
        "glibc floor",
        floor(&cmp.static_glibc_floor),
        floor(&cmp.regular_glibc_floor)
    );
}
