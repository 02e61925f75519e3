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
            for l in f.stderr_last(crate::report::STDERR_LINES) {
                let line = crate::format::clip_end(l, STDERR_SHOWN);
                let _ = writeln!(s, "      {}", paint(c, DIM, &format!("stderr: {line}")));
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
    // As wide as the widest ratio, its interval included (QA al F6: `0.72× [0.63–0.78]` ran
    // past the heading's column).
    let w = rows
        .iter()
        .map(|m| m.ratio_text("?").chars().count())
        .fold(9, usize::max);
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
                "{:<16} {:>12} {:>12} {:>w$}",
                "", "static", "regular", "ratio"
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
        let ratio = m.ratio_text("?");
        let label = super::words::metric_label(r, cmp, &m.metric);
        let _ = writeln!(
            s,
            "  {label:<16} {:>12} {:>12} {ratio:>w$}",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ComparedMetric, Comparison, FailedRun};

    fn failed(run: u32, message: &str) -> FailedRun {
        FailedRun {
            run,
            warmup: false,
            kind: "timeout".into(),
            message: message.into(),
            exit_code: None,
            signal: None,
            core_dumped: false,
            stderr_tail: format!("error: {}", "x".repeat(120)),
            stdout_tail: String::new(),
        }
    }

    /// QA ap F3: with a warmup run among the failed, "failed runs 3 of 21" added the ready
    /// counted runs to every failure; the warning said "3 of 23". Both count the runs made.
    #[test]
    fn failed_runs_are_counted_among_every_run_made() {
        let sample = |run: u32| crate::report::Sample {
            run,
            warmup: run <= 3,
            spawned_at_ns: None,
            startup_ms: 30.0,
            shutdown_ms: None,
            memory_kib: crate::report::Memory::default(),
            processes: 1,
        };
        let failed_runs = vec![
            FailedRun {
                warmup: true,
                ..failed(2, "killed by SIGABRT")
            },
            failed(5, "killed by SIGABRT"),
            failed(6, "killed by SIGABRT"),
        ];
        let p = Probe {
            runs: 18,
            failures: 3,
            warmup: 3,
            requested_runs: 20,
            samples: (1..=23)
                .filter(|r| ![2, 5, 6].contains(r))
                .map(sample)
                .collect(),
            failed_runs,
            ..Probe::default()
        };
        let mut s = String::new();
        failures(&mut s, &p, false);
        assert!(
            s.contains("failed runs  3 of 23 (1 of them a warmup run)"),
            "{s}"
        );
    }

    /// QA am F3, F1: "failed runs 2 of 2" listed run 1 alone; every run is named with its
    /// message, filled within the width, and the figures say "no run got ready" in the one
    /// wording the failed runs' rows go with.
    #[test]
    fn every_failed_run_is_named_with_its_message() {
        let long = format!(
            "not ready (http/nope) after 1s; last answer: HTTP 404 {}",
            "y ".repeat(40)
        );
        let p = Probe {
            failures: 3,
            failed_runs: vec![failed(1, &long), failed(2, "timed out"), failed(3, &long)],
            unknown: [(
                "startup_ms".to_string(),
                crate::probe::NO_COUNTED_RUN.to_string(),
            )]
            .into(),
            ..Probe::default()
        };
        let mut s = String::new();
        failures(&mut s, &p, false);
        startup(&mut s, &p, false);
        assert!(s.contains("    runs 1, 3: not ready (http/nope)"), "{s}");
        assert!(s.contains("    run 2: timed out"), "{s}");
        assert!(
            s.contains("no run got ready (the failed runs below say why)"),
            "{s}"
        );
        assert!(
            s.lines()
                .all(|l| l.chars().count() <= super::super::fill::WIDTH),
            "{s}"
        );
        assert!(s.contains('…'), "the stderr line is cut: {s}");
        assert_eq!(
            runs_named(&[1, 2, 3, 4, 5, 6, 7]),
            "runs 1, 2, 3, 4, 5 and 2 more"
        );
    }

    /// QA al F5: a program that wants arguments exits 2 three times; "stopped after 3 failed
    /// runs" was the startup's, the memory's and the `gave up` row's text, and the stderr
    /// shown was clap's usage, not the error with its missing arguments.
    #[test]
    fn giving_up_is_said_once_and_the_stderr_shown_is_the_error() {
        let stopped = "stopped after 3 failed runs in a row, none ready".to_string();
        let mut run = failed(1, "exited with status 2");
        run.stderr_tail = "error: the following required arguments were not provided:\n  \
            --file <FILE>\n  <INPUT>...\n\nUsage: grex --file <FILE> <INPUT>...\n\n\
            For more information, try '--help'.\n"
            .into();
        let p = Probe {
            failures: 3,
            failed_runs: (1..=3)
                .map(|n| FailedRun {
                    run: n,
                    ..run.clone()
                })
                .collect(),
            gave_up: Some(stopped.clone()),
            unknown: [
                ("startup_ms".to_string(), stopped.clone()),
                ("memory_kib".to_string(), stopped.clone()),
            ]
            .into(),
            ..Probe::default()
        };
        let mut s = String::new();
        startup(&mut s, &p, false);
        memory(&mut s, &p, false);
        failures(&mut s, &p, false);
        gave_up(&mut s, &p, false);
        assert_eq!(s.matches(&stopped).count(), 1, "{s}");
        assert!(s.contains("  gave up      stopped after 3"), "{s}");
        assert_eq!(
            s.matches("no run got ready (the failed runs below say why)")
                .count(),
            2,
            "{s}"
        );
        let stderr: Vec<&str> = s.lines().filter(|l| l.contains("stderr: ")).collect();
        assert_eq!(
            stderr,
            [
                "      stderr: error: the following required arguments were not provided:",
                "      stderr: --file <FILE>",
                "      stderr: <INPUT>...",
            ],
            "{s}"
        );
    }

    /// QA al F6: `--compare`'s ratio with its interval ran past the `ratio` heading; the
    /// column is as wide as its widest cell, each right-aligned under the heading.
    #[test]
    fn a_ratio_with_its_interval_stays_in_its_column() {
        let metric = |metric: &str, unit: &str, v: [f64; 2], interval| ComparedMetric {
            metric: metric.into(),
            unit: unit.into(),
            static_value: Some(v[0]),
            regular: Some(v[1]),
            ratio: Some(v[0] / v[1]),
            ratio_interval: interval,
        };
        let cmp = Comparison {
            package: None,
            name: "grex".into(),
            static_path: "s".into(),
            regular_path: "r".into(),
            metrics: vec![
                metric("startup_median", "ms", [1.62, 2.26], Some([0.63, 0.78])),
                metric("file_size", "B", [4e6, 2e6], None),
            ],
            static_glibc_floor: None,
            regular_glibc_floor: Some("GLIBC_2.34".into()),
        };
        let st = Style::plain();
        let mut s = String::new();
        table(&mut s, (&Report::new(None), &cmp), &st, true);
        let ends: Vec<usize> = s
            .lines()
            .filter(|l| l.contains("ratio") || l.contains('×'))
            .map(|l| l.trim_end().chars().count())
            .collect();
        assert_eq!(ends.len(), 3, "{s}");
        assert!(ends.iter().all(|e| *e == ends[0]), "{s}");
        // QA ba F4: memory read as the program exits is said to be.
        let mut cmp = cmp;
        cmp.metrics
            .push(metric("rss_at_ready", "KiB", [5000.0, 6000.0], None));
        let mut r = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.path = "s".into();
        a.probe = Some(crate::report::Probe {
            ready: "exit".into(),
            ..crate::report::Probe::default()
        });
        r.artifacts.push(a);
        let mut s = String::new();
        table(&mut s, (&r, &cmp), &st, true);
        assert!(s.contains("rss at exit") && !s.contains("at ready"), "{s}");
        assert!(s.contains("0.72× [0.63–0.78]"), "{s}");
    }
}
