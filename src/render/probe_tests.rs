//! Unit tests of the probe's terminal report.

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
        exit_code: None,
        cpu_wait_share: None,
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
    // Each ratio ends under the end of its heading (QA ce F7: with its interval it slid out
    // from under it), and the interval is under its own heading.
    let column = |l: &str, what: &str| l.find(what).map(|i| l[..i].chars().count());
    let head = s.lines().find(|l| l.contains("ratio")).unwrap_or_default();
    let ratio_end = column(head, "ratio").map(|i| i + "ratio".len());
    let ends: Vec<Option<usize>> = s
        .lines()
        .filter(|l| l.contains('×'))
        .map(|l| column(l, "×").map(|i| i + 1))
        .collect();
    assert_eq!(ends.len(), 2, "{s}");
    assert!(ends.iter().all(|e| *e == ratio_end), "{s}");
    let interval = s
        .lines()
        .find(|l| l.contains("[0.63–0.78]"))
        .unwrap_or_default();
    assert_eq!(
        column(interval, "[0.63"),
        column(head, "95% interval"),
        "{s}"
    );
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
    assert!(s.contains("0.72×  [0.63–0.78]"), "{s}");
}

/// QA bd F3: a server that said where it listens on stdout alone; the terminal showed no
/// output at all. With stderr empty, stdout's last lines are shown, named so.
#[test]
fn stdout_is_shown_when_stderr_says_nothing() {
    let quiet = FailedRun {
        stderr_tail: String::new(),
        stdout_tail: "Starting server\nBound to [::]:8080, 0.0.0.0:8080\n".into(),
        ..failed(1, "not ready (tcp) after 1s")
    };
    let p = Probe {
        failures: 1,
        requested_runs: 1,
        failed_runs: vec![quiet.clone()],
        ..Probe::default()
    };
    let mut s = String::new();
    failures(&mut s, &p, false);
    assert!(
        s.contains("stdout: Bound to [::]:8080, 0.0.0.0:8080"),
        "{s}"
    );
    // Stderr, when it has lines, is what is shown.
    let p = Probe {
        failed_runs: vec![failed(1, "not ready (tcp) after 1s")],
        ..p
    };
    let mut s = String::new();
    failures(&mut s, &p, false);
    assert!(
        s.contains("stderr: error: ") && !s.contains("stdout:"),
        "{s}"
    );
}

/// QA bd F4: `--ready 'line:Bound to'` was broken across two lines at its space.
#[test]
fn a_line_readiness_with_a_space_is_never_broken() {
    let t = crate::report::Stats {
        count: 10,
        median: 2.14,
        mean: 2.2,
        stddev: None,
        p90: 2.48,
        min: 1.76,
        max: 2.62,
        mad: 0.1,
        outliers: Vec::new(),
    };
    for pad in 0..40 {
        let p = Probe {
            runs: 10,
            startup_ms: Some(t.clone()),
            ready: format!("line:{}Bound to", "x".repeat(pad)),
            ..Probe::default()
        };
        let mut s = String::new();
        startup(&mut s, &p, false);
        let joined: Vec<&str> = s.lines().map(str::trim).collect();
        assert!(
            joined
                .iter()
                .any(|l| l.contains(&format!("`line:{}Bound to`", "x".repeat(pad)))),
            "{s}"
        );
    }
}

/// QA bw F4: under a readiness that accepts other statuses than 0, the statuses the counted
/// runs exited with are said below the start-up line (a warm-up's is not counted); under
/// plain `exit`, where every run exited 0, nothing is.
#[test]
fn the_statuses_an_exit_readiness_accepted_are_said() {
    let sample = |run: u32, code: i32| crate::report::Sample {
        run,
        warmup: run == 1,
        spawned_at_ns: None,
        startup_ms: 2.0,
        shutdown_ms: None,
        memory_kib: crate::report::Memory::default(),
        processes: 1,
        exit_code: Some(code),
        cpu_wait_share: None,
    };
    let p = |ready: &str| Probe {
        ready: ready.into(),
        runs: 3,
        samples: vec![sample(1, 7), sample(2, 1), sample(3, 0), sample(4, 1)],
        startup_ms: crate::stats::summarize(&[2.0, 2.0, 2.0]),
        ..Probe::default()
    };
    let mut s = String::new();
    startup(&mut s, &p("exit:any"), false);
    assert!(
        s.contains("  exited       with status 0 in 1, 1 in 2 of 3 runs\n"),
        "{s}"
    );
    let mut s = String::new();
    startup(&mut s, &p("exit"), false);
    assert!(!s.contains("exited"), "{s}");
}

/// QA cy F4: miniserve exits by itself 302 ms after SIGTERM; with a 100 ms grace it was said
/// to have "ignored SIGTERM". It had not exited within the grace, which is what is known.
#[test]
fn a_run_killed_after_the_grace_is_not_said_to_ignore_sigterm() {
    let p = Probe {
        grace_ms: 100.0,
        killed_after_grace: 6,
        ..Probe::default()
    };
    let mut s = String::new();
    shutdown(&mut s, &p, false);
    let said = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!said.contains("ignored"), "{said}");
    assert!(
        said.contains(
            "had not exited 100 ms after SIGTERM, the grace period: killed in 6 runs (one \
             that stops gracefully slower needs a longer --grace)"
        ),
        "{said}"
    );
}

/// QA cy F5: under `tcp`, memory is read at the first accepted connect, which the line says.
#[test]
fn memory_under_tcp_says_when_it_was_read() {
    let with = |ready: &str| {
        let p = Probe {
            ready: ready.into(),
            runs: 3,
            memory_kib: crate::report::Memory {
                rss: Some(5_440),
                ..Default::default()
            },
            ..Probe::default()
        };
        let mut s = String::new();
        memory(&mut s, &p, false);
        s
    };
    let tcp = with("tcp");
    assert!(
        tcp.contains("(at ready: its first accepted connect)"),
        "{tcp}"
    );
    let http = with("http/health");
    assert!(http.contains("(at ready)"), "{http}");
}
