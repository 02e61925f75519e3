//! The startup probe on fixture programs whose behaviour is known: figures are checked against
//! what the programs report about themselves (their own /proc/self/status, their own
//! CLOCK_MONOTONIC timestamps) and against /proc afterwards (no process left behind).
//! Wide brackets only: no wall-clock upper bound anywhere.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

const MIB_KIB: u64 = 1024;

pub(crate) struct Probed {
    pub code: i32,
    pub stderr: String,
    pub report: Value,
}

impl Probed {
    /// The first artifact's probe object.
    pub fn probe(&self) -> &Value {
        &self.report["artifacts"][0]["probe"]
    }
}

/// Probe one binary of `probe-targets`, 3 counted runs and no warmup unless `args` say otherwise.
pub(crate) fn probe(bin: &str, args: &[&str]) -> Probed {
    let mut cmd = probe_fixture("probe-targets", &["--bin", bin]);
    for (flag, default) in [("--runs", "3"), ("--warmup", "0")] {
        if !args.contains(&flag) {
            cmd.args([flag, default]);
        }
    }
    cmd.args(args);
    let r = run(&mut cmd);
    let report = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}\nstderr:\n{}", r.stdout, r.stderr));
    Probed {
        code: r.code,
        stderr: r.stderr,
        report,
    }
}

pub(crate) fn report_file(dir: &tempfile::TempDir) -> (String, String) {
    let path = dir.path().join("report.txt");
    let env = format!("REPORT_FILE={}", path.display());
    (env, path.display().to_string())
}

/// The report file's lines.
pub(crate) fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `key=N` fields from the fixture's report lines, in order.
fn field(path: &str, key: &str) -> Vec<u64> {
    lines(path)
        .iter()
        .flat_map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|w| {
            w.strip_prefix(&format!("{key}="))
                .and_then(|v| v.parse().ok())
        })
        .collect()
}

/// Every pid the fixture's processes reported is gone: not running, not a zombie.
pub(crate) fn assert_none_left(path: &str, at_least: usize) {
    let pids = field(path, "pid");
    assert!(
        pids.len() >= at_least,
        "expected at least {at_least} pids, got {pids:?}"
    );
    let alive: Vec<u64> = pids
        .iter()
        .copied()
        .filter(|p| Path::new(&format!("/proc/{p}")).exists())
        .collect();
    assert!(alive.is_empty(), "processes left behind: {alive:?}");
}

fn f64_at(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for k in path {
        x = &x[*k];
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {v}"))
}

fn u64_at(v: &Value, path: &[&str]) -> u64 {
    f64_at(v, path) as u64
}

fn close(ours: u64, theirs: u64, share: f64, slack: u64) -> bool {
    ours.abs_diff(theirs) as f64 <= theirs as f64 * share + slack as f64
}

#[test]
fn exit_mode_reads_the_peak_before_the_process_is_reaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "exits",
        &["--probe-env", &env, "--probe-env", "TOUCH_MIB=64"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["ready"], "exit");
    assert_eq!(p["runs"], 3);
    assert_eq!(p["failures"], 0);
    // The program touched 64 MiB and freed it before exiting: its peak is above 64 MiB, its
    // RSS at exit far below. Both as the program saw them itself, within a small margin.
    // Touching 64 MiB takes milliseconds: the tracer is attached long before the exit.
    assert_eq!(p["memory_runs"], 3);
    let hwm = u64_at(p, &["memory_kib", "hwm"]);
    let rss = u64_at(p, &["memory_kib", "rss"]);
    assert!(hwm >= 64 * MIB_KIB, "peak {hwm} KiB");
    assert!(rss < 32 * MIB_KIB, "rss at exit {rss} KiB");
    let theirs_hwm = field(&path, "vmhwm_kib");
    let theirs_rss = field(&path, "vmrss_kib");
    // Each exit-mode run is made twice: untraced for the time, traced for the memory.
    assert_eq!(theirs_hwm.len(), 6);
    let mid = |mut v: Vec<u64>| {
        v.sort();
        v[v.len() / 2]
    };
    assert!(close(hwm, mid(theirs_hwm), 0.05, 1024), "hwm {hwm}");
    assert!(close(rss, mid(theirs_rss), 0.25, 1024), "rss {rss}");
    // Timing and the floor: real numbers, ordered, never zero.
    let st = &p["startup_ms"];
    for k in ["min", "median", "mean", "p90", "max"] {
        assert!(f64_at(st, &[k]) > 0.0, "{k}");
    }
    assert!(f64_at(st, &["min"]) <= f64_at(st, &["median"]));
    assert!(f64_at(st, &["median"]) <= f64_at(st, &["p90"]));
    assert!(f64_at(st, &["p90"]) <= f64_at(st, &["max"]));
    assert!(f64_at(p, &["spawn_floor_ms"]) > 0.0);
    assert!(
        p["spawn_floor_program"]
            .as_str()
            .is_some_and(|s| s.contains("_exit(0)"))
    );
    assert_eq!(p["samples"].as_array().map(Vec::len), Some(3));
}

#[test]
fn slow_server_time_and_memory_bracket_the_known_values() {
    // The URL form a user types first, read as the grammar's `http` (QA ca F3: it was the
    // path `//127.0.0.1:…` on the free port).
    let url = "http://127.0.0.1:{port}/";
    for ready in ["tcp", "line:^ready print_ns=", "http:/", url] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (env, path) = report_file(&dir);
        let r = probe(
            "slow-server",
            &[
                "--ready",
                ready,
                "--runs",
                "2",
                "--probe-env",
                &env,
                "--probe-env",
                "DELAY_MS=200",
                "--probe-env",
                "MEM_MIB=64",
            ],
        );
        assert_eq!(r.code, 0, "{ready}: {}", r.stderr);
        let p = r.probe();
        assert_eq!(p["runs"], 2, "{ready}");
        assert_eq!(p["memory_runs"], 2, "{ready}");
        if ready == url {
            assert_eq!(p["ready"], "http", "{p}");
        }
        assert!(f64_at(p, &["startup_ms", "min"]) >= 200.0, "{ready}: {p}");
        let rss = u64_at(p, &["memory_kib", "rss"]);
        assert!(rss >= 64 * MIB_KIB, "{ready}: rss {rss}");
        assert!(u64_at(p, &["memory_kib", "anon"]) >= 64 * MIB_KIB);
        assert!(u64_at(p, &["memory_kib", "pss"]) >= 64 * MIB_KIB);
        assert!(u64_at(p, &["memory_kib", "hwm"]) >= rss);
        // One process shares no page with another of its tree: its PSS is at most its RSS,
        // both read from one walk of its pages (QA bt F5: 4,972 against `VmRSS`'s 4,912).
        assert!(u64_at(p, &["memory_kib", "pss"]) <= rss, "{ready}: {p}");
        let mut theirs = field(&path, "vmrss_kib");
        theirs.sort();
        assert!(
            close(rss, theirs[theirs.len() / 2], 0.1, 1024),
            "{ready}: ours {rss}, the program's own {theirs:?}"
        );
        // Causality on one clock: we cannot have seen it ready before it had bound its port.
        let bound = field(&path, "bound_ns");
        for (s, b) in p["samples"].as_array().expect("samples").iter().zip(&bound) {
            let seen = u64_at(s, &["spawned_at_ns"]) + (f64_at(s, &["startup_ms"]) * 1e6) as u64;
            assert!(seen >= *b, "{ready}: ready at {seen} before bind at {b}");
        }
        assert!(f64_at(p, &["shutdown_ms", "median"]) >= 0.0);
    }
}

#[test]
fn compare_probes_both_builds_and_reports_ratios() {
    let v = json(&mut probe_fixture(
        "hello-server",
        &[
            "--compare",
            "--ready",
            "http:/#200",
            "--runs",
            "3",
            "--warmup",
            "1",
        ],
    ));
    let arts = v["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 2);
    for a in arts {
        assert_eq!(a["probe"]["runs"], 3, "{}", a["link_mode"]);
        assert_eq!(a["probe"]["warmup"], 1);
    }
    let c = &v["comparisons"][0];
    assert_eq!(c["name"], "hello-server");
    let metric = |name: &str| {
        c["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("no {name} in {c}"))
            .clone()
    };
    let (s, d) = if arts[0]["link_mode"] == "static" {
        (&arts[0], &arts[1])
    } else {
        (&arts[1], &arts[0])
    };
    let fs = metric("file_size");
    // Integers, as the artifacts' own sizes (QA dj F11: `4624928.0`).
    assert_eq!(fs["static"], s["binary"]["file_size"]);
    assert_eq!(fs["regular"], d["binary"]["file_size"]);
    assert!(fs["static"].is_u64(), "{fs}");
    let ratio = f64_at(&fs, &["static"]) / f64_at(&fs, &["regular"]);
    assert!((f64_at(&fs, &["ratio"]) - ratio).abs() < 1e-9);
    let sm = metric("startup_median");
    assert_eq!(sm["static"], s["probe"]["startup_ms"]["median"]);
    assert_eq!(sm["regular"], d["probe"]["startup_ms"]["median"]);
    // A server's stop compared too (QA ca F5).
    let stop = metric("shutdown_median");
    assert_eq!(stop["static"], s["probe"]["shutdown_ms"]["median"]);
    assert_eq!(stop["regular"], d["probe"]["shutdown_ms"]["median"]);
    for m in [
        "startup_p90",
        "rss_at_ready",
        "pss_at_ready",
        "stripped_size",
        "closure_size",
    ] {
        assert!(metric(m)["ratio"].as_f64().is_some(), "{m}");
    }
    assert!(c["static_glibc_floor"].is_null());
    assert!(
        c["regular_glibc_floor"]
            .as_str()
            .is_some_and(|f| f.starts_with("2."))
    );
    let t = |a: &Value| -> Vec<u64> {
        a["probe"]["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|s| u64_at(s, &["spawned_at_ns"]))
            .collect()
    };
    // Interleaved: each round runs both, the order turned each round (the first of a round
    // runs slower, QA t, B1).
    let (ts, td) = (t(s), t(d));
    assert!(ts.len() == td.len() && ts.len() >= 2, "{ts:?} {td:?}");
    for i in 0..ts.len() - 1 {
        assert!(
            ts[i].max(td[i]) < ts[i + 1].min(td[i + 1]),
            "round {i} before round {}",
            i + 1
        );
        assert_ne!(
            ts[i] < td[i],
            ts[i + 1] < td[i + 1],
            "the order did not turn after round {i}"
        );
    }
    // The Markdown carries the comparison, with a budget's verdict table too (QA w, F6: the
    // comparison went as soon as a check was worth a verdict).
    let mut report: cargo_aotcheck::report::Report =
        serde_json::from_value(v.clone()).expect("a report");
    use cargo_aotcheck::report::{Check, CheckId, Verdict};
    report.artifacts[0].checks.push(Check::worded(
        CheckId::BudgetFileSize,
        Verdict::Fail,
        "over".into(),
    ));
    let md = cargo_aotcheck::render::markdown::render(&report);
    assert!(md.contains("| Binary | Check | Verdict |"), "{md}");
    assert!(
        md.contains("### `hello-server`: static vs regular build"),
        "{md}"
    );
    let size = |x: f64| cargo_aotcheck::format::size(x as u64);
    let row = format!(
        "| file size | {} | {} | {:.2}× |",
        size(f64_at(&fs, &["static"])),
        size(f64_at(&fs, &["regular"])),
        ratio
    );
    assert!(md.contains(&row), "{row}\n{md}");
    let ms = cargo_aotcheck::format::ms(f64_at(&sm, &["static"]));
    assert!(md.contains(&format!("| startup median | {ms} | ")), "{md}");
    assert!(
        md.contains("medians of 3 static and 3 regular runs"),
        "{md}"
    );
    // Under the verdict table, each probed binary's median with its p90 and runs, and its
    // RSS, from the report's own figures (QA ae, 9: only the budget's median was there).
    let st = &s["probe"]["startup_ms"];
    let cell = format!(
        "| {} (p90 {}, {} runs) | ",
        cargo_aotcheck::format::ms(f64_at(st, &["median"])),
        cargo_aotcheck::format::ms(f64_at(st, &["p90"])),
        u64_at(st, &["count"])
    );
    assert!(md.contains("| Binary | Startup (median) | RSS |"), "{md}");
    assert!(md.contains(&cell), "{cell}\n{md}");
}

#[test]
fn human_report_shows_the_probe_and_the_comparison() {
    let r = run(&mut human_fixture(
        "hello-server",
        &[
            "--compare",
            "--ready",
            "tcp",
            "--runs",
            "2",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for needle in [
        "startup",
        "spawn floor",
        "memory",
        "static vs regular build",
        "startup median",
        "pss at ready",
        "closure size",
        "glibc floor",
    ] {
        assert!(r.stdout.contains(needle), "no `{needle}` in:\n{}", r.stdout);
    }
    // QA o: without the probe, no rows of unknowns and no "medians of no ... runs".
    let r = run(&mut human_fixture(
        "hello-server",
        &["--compare", "--no-probe"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let table = r
        .stdout
        .split("static vs regular build")
        .nth(1)
        .unwrap_or_else(|| panic!("no comparison in:\n{}", r.stdout));
    assert!(table.contains("closure size"), "{table}");
    assert!(
        table.contains("startup and memory: not measured (no probe in this run)"),
        "{table}"
    );
    for absent in [
        "startup median",
        "rss at ready",
        "pss at ready",
        "medians of no",
    ] {
        assert!(!table.contains(absent), "`{absent}` in:\n{table}");
    }
}

#[test]
fn wrong_http_status_and_never_ready_time_out_with_the_stderr_tail() {
    let r = probe(
        "never-ready",
        &["--ready", "tcp", "--probe-timeout", "300ms", "--runs", "2"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["runs"], 0);
    assert!(p["startup_ms"].is_null());
    assert!(p["unknown"]["startup_ms"].is_string());
    let f = &p["failed_runs"][0];
    assert_eq!(f["kind"], "timeout");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("300ms")));
    // Quoted without the colour's escape sequences, in the report and on the terminal (QA ae,
    // 1: bat's raw ESC bytes in the report).
    assert!(
        f["stderr_tail"]
            .as_str()
            .is_some_and(|t| t.starts_with("never-ready: starting")),
        "{f}"
    );
    assert!(r.stderr.contains("no successful run"), "{}", r.stderr);
    assert!(
        r.stderr.contains("its stderr says: never-ready: starting") && !r.stderr.contains('\u{1b}'),
        "{}",
        r.stderr
    );
    // The port it waited on is said (QA bd F3), and that nothing of the program listens.
    let m = str_of(f, "message");
    assert!(m.contains("; nothing listened on port "), "{m}");
    assert!(m.contains(" of 127.0.0.1 or [::1]"), "{m}");
    assert!(!m.contains("it listens on"), "{m}");

    // Listening on a port of its own, not the one given in `PORT`: that port is named.
    let own = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = own.local_addr().expect("addr").port();
    drop(own);
    let arg = format!("--probe-arg={port}");
    let r = probe(
        "never-ready",
        &[
            "--ready",
            "tcp",
            "--probe-timeout",
            "1s",
            "--runs",
            "1",
            "--warmup",
            "0",
        ]
        .into_iter()
        .chain(["--probe-arg=--listen-on", &arg])
        .collect::<Vec<_>>(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let m = str_of(&r.probe()["failed_runs"][0], "message").to_string();
    let given = m
        .split("nothing listened on port ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no port in {m}"));
    assert_ne!(given, port, "{m}");
    assert!(
        m.contains("(the free port it was given in `PORT`)")
            && m.contains(&format!(
                "it listens on port {port}: wait there (`--ready tcp:{port}`)"
            ))
            && m.contains("`--probe-env NAME={port}`"),
        "{m}"
    );

    let v = run(&mut probe_fixture(
        "hello-server",
        &[
            "--ready",
            "http:/#404",
            "--probe-timeout",
            "300ms",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(v.code, 2, "{}", v.stderr);
    let v: Value = serde_json::from_str(&v.stdout).expect("json");
    let m = v["artifacts"][0]["probe"]["failed_runs"][0]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(m.contains("last answer: HTTP 200"), "{m}");
    // QA cy F11: and what to do about it.
    assert!(m.contains("name it: `--ready http#200`"), "{m}");
}

#[test]
fn a_server_probed_in_exit_mode_is_given_up_after_one_timeout() {
    let r = probe("never-ready", &["--probe-timeout", "300ms", "--runs", "5"]);
    assert_eq!(r.code, 2);
    let p = r.probe();
    assert_eq!(p["failures"], 1, "no runs wasted after the first timeout");
    let g = p["gave_up"].as_str().expect("gave_up");
    assert!(g.contains("is it a server? pass --ready tcp"), "{g}");
    // QA dl F2: or a client that waits.
    assert!(
        g.contains("a client waiting on a peer that does not answer, or on input?"),
        "{g}"
    );
    assert!(r.stderr.contains("is it a server?"), "{}", r.stderr);
}

/// QA j, J13: `--probe-timeout 1ms` on a CLI said "is it a server? pass --ready tcp": under
/// 100 ms, the limit is what the message names first.
#[test]
fn a_very_short_timeout_says_to_raise_it() {
    let r = probe("never-ready", &["--probe-timeout", "1ms", "--runs", "5"]);
    assert_eq!(r.code, 2);
    let g = r.probe()["gave_up"].as_str().expect("gave_up").to_string();
    assert!(
        g.contains("still running after 1ms, a short limit: raise --probe-timeout"),
        "{g}"
    );
    // QA cy F9: so does a server's run that was not listening yet.
    let r = probe(
        "never-ready",
        &["--ready", "tcp", "--probe-timeout", "1ms", "--runs", "1"],
    );
    assert_eq!(r.code, 2);
    let m = str_of(&r.probe()["failed_runs"][0], "message").to_string();
    assert!(
        m.contains("after 1ms (a short limit: raise --probe-timeout)"),
        "{m}"
    );
}

#[test]
fn crashes_are_reported_with_their_signal() {
    for (mode, ready, sig) in [("abort", "tcp", "SIGABRT"), ("segv", "exit", "SIGSEGV")] {
        let r = probe("crasher", &["--ready", ready, "--probe-arg", mode]);
        // A crash in every run fails the verdict (QA cp F4: exit 2, "inconclusive").
        assert_eq!(r.code, 1, "{mode}: {}", r.stderr);
        let f = &r.probe()["failed_runs"][0];
        assert_eq!(f["kind"], "killed-by-signal", "{mode}");
        assert_eq!(f["signal"], sig);
        assert!(f["exit_code"].is_null());
        assert!(
            f["stderr_tail"]
                .as_str()
                .is_some_and(|t| t.contains("about to crash"))
        );
        // A crash is no matter of the run's directory or arguments (QA co F4).
        let message = str_of(f, "message");
        assert!(!message.contains("current directory"), "{message}");
        if ready == "exit" {
            assert!(
                message.ends_with(
                    "(a run that crashed is not timed; --hostile traces a static \
                                   build's crash to its stack)"
                ),
                "{message}"
            );
        }
    }
}

/// Each `exit`-mode run is made twice: the timed invocation is not traced (a traced program
/// runs slower), the memory one is. The interval we time holds the timed invocation's own
/// start, read by the program on the same clock.
#[test]
fn exit_mode_times_the_untraced_invocation_from_before_it_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "exits",
        &["--probe-env", &env, "--probe-env", "TOUCH_MIB=16"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tracers = field(&path, "tracer");
    let starts = field(&path, "start_ns");
    assert_eq!(tracers.len(), 6, "{:?}", lines(&path));
    assert_eq!(starts.len(), 6);
    // Round by round: first the timed invocation, then the traced one (TracerPid is ours).
    for pair in tracers.chunks(2) {
        assert_eq!(pair[0], 0, "the timed invocation was traced: {tracers:?}");
        assert_ne!(
            pair[1], 0,
            "the memory invocation was not traced: {tracers:?}"
        );
    }
    let samples = r.probe()["samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 3);
    for (i, s) in samples.iter().enumerate() {
        let spawned = u64_at(s, &["spawned_at_ns"]);
        let end = spawned + (f64_at(s, &["startup_ms"]) * 1e6) as u64;
        let own = starts[2 * i];
        assert!(
            spawned <= own && own <= end,
            "run {i}: the program began at {own}, outside the timed {spawned}..{end}"
        );
        // The memory invocation starts after the timed one has ended.
        assert!(
            starts[2 * i + 1] > end,
            "run {i}: the two invocations overlap"
        );
    }
}

#[test]
fn probe_arguments_and_environment_pass_verbatim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let marker = dir.path().join("injected");
    let injected = format!("$(touch {})", marker.display());
    let odd = format!("ODD=a b; '{injected}' \"q\" `id` {{port}}");
    let args = [
        "two words",
        "\"double\" 'single'",
        injected.as_str(),
        "; echo hi",
        "--port={port}",
        "",
    ];
    let mut cli = vec![
        "--probe-env",
        &env,
        "--probe-env",
        "ECHO=1",
        "--probe-env",
        &odd,
    ];
    for a in &args {
        cli.push("--probe-arg");
        cli.push(a);
    }
    let r = probe("exits", &cli);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A program that exits at once is still caught at its exit stop in every run (exec gate).
    assert_eq!(r.probe()["memory_runs"], 3);
    assert!(
        r.probe()["memory_kib"]["hwm"]
            .as_u64()
            .is_some_and(|h| h > 0)
    );
    let echoed: Vec<String> = lines(&path)
        .iter()
        .filter_map(|l| l.strip_prefix("echo\0").map(str::to_string))
        .collect();
    assert_eq!(
        echoed.len(),
        6,
        "two invocations per exit-mode run (time, memory)"
    );
    for e in &echoed {
        let got: Vec<&str> = e.split('\0').collect();
        assert_eq!(got.len(), args.len() + 1, "{got:?}");
        for (g, want) in got.iter().zip(&args[..4]) {
            assert_eq!(g, want);
        }
        // `{port}` is replaced by the port handed in PORT, a number.
        let port = got[4].strip_prefix("--port=").expect("port arg");
        assert!(port.parse::<u16>().is_ok(), "{port}");
        assert_eq!(got[5], "");
        let odd_value = got[6];
        assert!(odd_value.starts_with(&format!("a b; '{injected}' \"q\" `id` ")));
        assert!(!odd_value.contains("{port}"));
    }
    assert!(!marker.exists(), "a shell ran the command substitution");
}

/// QA bu F2: `delta A B` exits 1 when the files differ, and `--ready exit` failed every run
/// with no way out. `exit:1` times such runs; the default still fails them, and says how.
#[test]
fn an_exit_status_named_in_the_readiness_is_timed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let with = |ready: &str| {
        probe(
            "exits",
            &[
                "--ready",
                ready,
                "--probe-env",
                &env,
                "--probe-env",
                "EXIT_STATUS=1",
            ],
        )
    };
    let r = with("exit");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("exited with status 1 (a failing run is not timed")
            && r.stderr.contains(
                "; it ran with no arguments: give it those it starts with by --probe-arg \
                     (`--probe-arg --version` times a start that exits); if the program exits \
                     so when it works, pass --ready exit:1"
            ),
        "{}",
        r.stderr
    );
    // QA ci F6: a run that printed its usage gets no hint to time that status.
    let exits_2_saying = |stderr: &str| {
        let stderr = format!("STDERR={stderr}");
        let env = ["--probe-env", &env, "--probe-env", "EXIT_STATUS=2"];
        probe("exits", &[&env[..], &["--probe-env", &stderr]].concat())
    };
    let r = exits_2_saying("error: unexpected argument 'x' found\n\nUsage: exits [OPTIONS]");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let said = words(&r.stderr);
    assert!(!said.contains("--ready exit:2"), "{said}");
    assert!(!said.contains("it ran with no arguments"), "{said}");
    assert!(
        said.contains(
            "it printed its usage, so these arguments do not suit it: give the ones it starts \
             with by --probe-arg"
        ) && said.contains("its stderr says: error: unexpected argument 'x' found"),
        "{said}"
    );
    // QA ck F2: so does every failed run's message, which the report and the JSON give.
    let runs = r.probe()["failed_runs"].as_array().expect("failed runs");
    assert!(!runs.is_empty(), "{}", r.probe());
    for f in runs {
        let m = str_of(f, "message");
        assert!(
            m.contains("it printed its usage") && !m.contains("exit:2"),
            "{m}"
        );
    }
    // QA cw F4: a run given a path that is not there is told to check its arguments, not to
    // time the status it failed with.
    let r = probe(
        "exits",
        &[
            "--probe-env",
            &env,
            "--probe-env",
            "EXIT_STATUS=1",
            "--probe-env",
            "STDERR=Error: No such file or directory (os error 2)",
            "--probe-arg",
            "/nonexistent",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let said = words(&r.stderr);
    assert!(!said.contains("--ready exit:1"), "{said}");
    assert!(
        said.contains(
            "its stderr says a file or directory was not found: check the paths given by \
             --probe-arg"
        ),
        "{said}"
    );
    // QA cl F2: a help text whose usage line the kept tail lost (oha run bare) is one too,
    // and is summed up as a help text, not its last line.
    let r = exits_2_saying(
        "      --debug  Enable debug output\n  -h, --help  Print help\n  -V, --version  Print \
         version",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let said = words(&r.stderr);
    assert!(
        said.contains("it printed its usage")
            && said.contains("its stderr says: (its help text, whose usage line is cut off")
            && !said.contains("--ready exit:2")
            && !said.contains("says: -V"),
        "{said}"
    );
    for ready in ["exit:1", "exit:0,1", "exit:any"] {
        let _ = std::fs::remove_file(&path);
        let r = with(ready);
        assert_eq!(r.code, 0, "{ready}: {}", r.stderr);
        let p = r.probe();
        assert_eq!(p["ready"], ready, "{p}");
        assert_eq!(
            (p["runs"].as_u64(), p["failures"].as_u64()),
            (Some(3), Some(0))
        );
        // Caught at its exit stop, as any exit-mode run.
        assert_eq!(p["memory_runs"], 3, "{p}");
        // The program's own word: it ran each time (timed, and again traced for memory),
        // and exited 1.
        let exits = lines(&path).iter().filter(|l| *l == "exit 1").count();
        assert_eq!(exits, 6, "{ready}: {:?}", lines(&path));
        // Each counted run's status is recorded (QA bw F4).
        let samples = p["samples"].as_array().expect("samples");
        assert_eq!(samples.len(), 3, "{p}");
        assert!(samples.iter().all(|s| s["exit_code"] == 1), "{p}");
    }
    // Another status than the one named still fails.
    let r = with("exit:0,2");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&mut probe_fixture(
        "probe-targets",
        &["--bin", "exits", "--ready", "exit:x"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`exit:x`: expected exit statuses 0 to 255"),
        "{}",
        r.stderr
    );
}

/// QA cy F10, F6: what no run could get past is refused before the build, exit 2: a `PORT`
/// that is no port where the probe waits on the one it gives, a grace of zero.
#[test]
fn a_probe_no_run_could_pass_is_refused_before_the_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, said) in [
        (
            &["--ready", "tcp", "--probe-env", "PORT=abc"][..],
            "--probe-env PORT=abc: with --ready tcp the probe waits on the port the program is \
             given in PORT, and `abc` is not a port number (1-65535)",
        ),
        (
            &["--grace", "0s"][..],
            "a grace under 1ms (--grace, or `grace` in the configuration)",
        ),
        (
            &["--grace", "500us"][..],
            "a grace under 1ms (--grace, or `grace` in the configuration)",
        ),
    ] {
        let r = run(aotcheck()
            .args(["aotcheck", "--manifest-path"])
            .arg(fixture("hello-server").join("Cargo.toml"))
            .arg("--target-dir")
            .arg(dir.path())
            .args(args));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(words(&r.stderr).contains(said), "{}", r.stderr);
        assert!(!dir.path().join("static").exists(), "built: {}", r.stderr);
    }
}
