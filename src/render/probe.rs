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
/// The plain "no counted run" is said so too where failed runs are listed (QA am F3: two
/// wordings of one state).
/// So is the probe's giving up after failed runs (QA al F5: "stopped after 3 failed runs in a
/// row" was the startup's, the memory's and the `gave up` row's text).
fn said_below(p: &Probe, why: &str) -> Option<&'static str> {
    let listed = p.failed_runs.iter().any(|f| f.message == why)
        || (!p.failed_runs.is_empty()
            && (why == crate::probe::NO_COUNTED_RUN || p.gave_up.as_deref() == Some(why)));
    (p.runs == 0 && listed).then_some("no run got ready (the failed runs below say why)")
}

/// The probe's rows for one artifact (nothing when it was not probed).
pub fn artifact(s: &mut String, a: &Artifact, st: &Style) {
    let Some(p) = &a.probe else { return };
    let c = st.color;
    startup(s, p, c);
    memory(s, p, c);
    shutdown(s, p, c);
    failures(s, p, c);
    gave_up(s, p, c);
    for w in &p.warnings {
        super::fill::fill(s, &format!("  {}: ", paint(c, WARN, "warning")), w);
    }
}

/// Why the probe stopped early: a failed run's own message is its row's, said above; giving up
/// after several failed runs is this row's.
fn gave_up(s: &mut String, p: &Probe, c: bool) {
    let Some(g) = &p.gave_up else { return };
    let g = match p.failed_runs.iter().any(|f| f.message == *g) && p.runs == 0 {
        true => "for the reason above",
        false => g,
    };
    row(s, c, "gave up", &paint(c, BAD, g));
}

/// The readiness as the startup line says it: in a code span when it has a space, so that
/// filling the line does not break it there (QA bd F4: `line:Bound` / `to`).
fn ready_shown(ready: &str) -> String {
    if ready.contains(' ') {
        format!("`{ready}`")
    } else {
        ready.to_string()
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
                ready_shown(&p.ready)
            );
            if !t.outliers.is_empty() {
                let n = crate::format::count(t.outliers.len(), "outlier", "outliers");
                let _ = write!(v, "; {n}");
            }
            row(s, c, "startup", &v);
            if let Some(statuses) = super::words::exit_statuses(p) {
                row(s, c, "exited", &statuses);
            }
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
        // With its range and runs, as the startup's (QA an F1: a bare median).
        let mut v = format!(
            "median {} · min {} · max {} after SIGTERM ({})",
            ms(sd.median),
            ms(sd.min),
            ms(sd.max),
            crate::format::count(sd.count as usize, "run", "runs")
        );
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
                    "the program or a process it started had not exited {:.0} ms after SIGTERM, \
                     the grace period: killed in {} (one that stops gracefully slower needs a \
                     longer --grace)",
                    p.grace_ms,
                    crate::format::count(p.killed_after_grace as usize, "run", "runs")
                ),
            ),
        );
    }
}

/// Runs that did not get to ready, each distinct message once with the end of its stderr.
fn failures(s: &mut String, p: &Probe, c: bool) {
    if p.failures > 0 {
        // Of the runs made, warmup ones included, as the warning counts them.
        let warmup = p.failed_runs.iter().filter(|f| f.warmup).count();
        let among = match (warmup, p.failed_runs.len()) {
            (0, _) => String::new(),
            (1, 1) => " (a warmup run)".into(),
            (1, _) => " (1 of them a warmup run)".into(),
            (n, m) if n == m => " (all warmup runs)".into(),
            (n, _) => format!(" ({n} of them warmup runs)"),
        };
        row(
            s,
            c,
            "failed runs",
            &paint(c, BAD, &format!("{} of {}{among}", p.failures, p.made())),
        );
        // Each distinct message once, with every run that failed so (QA am F3: "2 of 2" listed
        // run 1 alone).
        let mut seen: Vec<(&str, Vec<u32>)> = Vec::new();
        for f in &p.failed_runs {
            match seen.iter_mut().find(|(m, _)| *m == f.message) {
                Some((_, runs)) => runs.push(f.run),
                None => seen.push((&f.message, vec![f.run])),
            }
        }
        for (message, runs) in &seen {
            let Some(f) = p.failed_runs.iter().find(|f| f.message == *message) else {
                continue;
            };
            super::fill::fill(s, &format!("    {}: ", runs_named(runs)), message);
            // The lines that say what went wrong, not a parser's usage after its error (QA al
            // F5: clap's missing arguments were left out for `Usage:` and its help hint).
            // With nothing on stderr, what it printed on stdout (QA bd F3: miniserve's "Bound
            // to [::]:8080" was in the JSON alone).
            let err = f.stderr_last(crate::report::STDERR_LINES);
            let (stream, lines) = match err.is_empty() {
                true => (
                    "stdout",
                    crate::report::telling_lines(&f.stdout_tail, crate::report::STDERR_LINES),
                ),
                false => ("stderr", err),
            };
            for l in lines {
                let line = crate::format::clip_end(l, STDERR_SHOWN);
                let _ = writeln!(s, "      {}", paint(c, DIM, &format!("{stream}: {line}")));
            }
        }
    }
}

/// The columns of a failed run's stderr line shown after `      stderr: `, within the width.
const STDERR_SHOWN: usize = super::fill::WIDTH - 14;

/// The runs listed before the rest is counted.
const RUNS_NAMED: usize = 5;

/// `run 2`, `runs 1, 2`, `runs 1, 2, 3, 4, 5 and 3 more`.
fn runs_named(runs: &[u32]) -> String {
    match runs {
        [one] => format!("run {one}"),
        _ => {
            let shown: Vec<String> = runs.iter().take(RUNS_NAMED).map(u32::to_string).collect();
            let more = runs.len().saturating_sub(RUNS_NAMED);
            match more {
                0 => format!("runs {}", shown.join(", ")),
                n => format!("runs {} and {n} more", shown.join(", ")),
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
        table(s, (r, cmp), st, probed);
        super::fill::fill_painted(s, "  ", &note, st.color, DIM);
    }
}

/// The table of one comparison; the probe's rows (in `ms` and `KiB`) only when `probed`.
fn table(s: &mut String, (r, cmp): (&Report, &Comparison), st: &Style, probed: bool) {
    let c = st.color;
    let rows: Vec<_> = super::words::compared_rows(cmp, probed).collect();
    // The ratio under its heading and its 95% interval in a column of its own (QA al F6: the
    // interval ran past the heading; QA ce F7: then the ratio slid out from under it, one
    // space after the regular build's figure).
    let ratio_only = |m: &crate::report::ComparedMetric| match m.ratio {
        Some(r) => format!("{r:.2}×"),
        None => "?".into(),
    };
    let interval = |m: &crate::report::ComparedMetric| {
        m.ratio_interval
            .filter(|_| m.ratio.is_some())
            .map_or_else(String::new, |[lo, hi]| format!("[{lo:.2}–{hi:.2}]"))
    };
    let w = rows
        .iter()
        .map(|m| ratio_only(m).chars().count())
        .fold(9, usize::max);
    let any_interval = rows.iter().any(|m| !interval(m).is_empty());
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
                "{:<16} {:>12} {:>12} {:>w$}{}",
                "",
                "static",
                "regular",
                "ratio",
                if any_interval { "  95% interval" } else { "" }
            )
        )
    );
    for m in rows {
        let fmt = |v: Option<f64>| match (v, m.unit.as_str()) {
            (None, _) => "?".to_string(),
            (Some(v), "ms") => ms(v),
            (Some(v), "KiB") => kib(v.round() as u64),
            (Some(v), _) => size(v.round() as u64),
        };
        let ratio = ratio_only(m);
        let label = super::words::metric_label(r, cmp, &m.metric);
        let line = format!(
            "  {label:<16} {:>12} {:>12} {ratio:>w$}  {}",
            fmt(m.static_value),
            fmt(m.regular),
            interval(m)
        );
        let _ = writeln!(s, "{}", line.trim_end());
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

#[cfg(test)]
#[path = "probe_tests.rs"]
mod tests;
