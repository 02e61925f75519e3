//! Regressions from QA pass f on the startup probe: a port someone else holds, a child that
//! ignores SIGTERM, daemons of `exit` mode's second invocation, runs that fail now and then,
//! `--probe-env PORT`, a ready line without a newline. Each fixture (`hostile MODE` of
//! `probe-targets`) reports what it did itself; the figures are checked against that, against
//! the program run on its own, and against /proc.

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::probe::{Probed, assert_none_left, lines, probe, report_file};
use crate::probe_misbehaving::hostile;
use crate::util::{probe_fixture, run, words};

/// `key=N` values of the report file, in order.
fn values(path: &str, key: &str) -> Vec<u64> {
    let prefix = format!("{key}=");
    lines(path)
        .iter()
        .flat_map(|l| {
            l.split(' ')
                .filter_map(|w| w.strip_prefix(&prefix)?.parse().ok())
                .collect::<Vec<u64>>()
        })
        .collect()
}

fn failed_messages(p: &Value) -> Vec<String> {
    p["failed_runs"]
        .as_array()
        .expect("failed_runs")
        .iter()
        .map(|f| format!("{}: {}", f["kind"], f["message"]))
        .collect()
}

fn loopback_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

#[test]
fn tcp_port_held_by_another_process_is_no_false_ready() {
    let (_held, port) = loopback_listener();
    let ready = format!("tcp:{port}");
    let r = probe(
        "hostile",
        &["--ready", &ready, "--probe-arg", "serve", "--runs", "3"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["runs"], 0, "{p}");
    assert_eq!(p["failed_runs"][0]["kind"], "port-taken", "{p}");
    let me = format!("pid {}", std::process::id());
    let msg = p["failed_runs"][0]["message"].as_str().expect("message");
    assert!(
        msg.contains(&format!("port {port} on loopback")) && msg.contains(&me),
        "{msg}"
    );
    // Given up at once: nothing was spawned (the port stays taken).
    assert_eq!(p["failures"], 1, "{p}");
    assert!(
        r.stderr
            .contains(&format!("port {port} on loopback is taken")),
        "{}",
        r.stderr
    );
    // QA i: the terminal says the reason on the failed run's row and in the verdict's list,
    // not also as the startup's, the memory's and the "gave up" row's.
    let human = crate::util::run(&mut crate::util::human_fixture(
        "probe-targets",
        &[
            "--bin",
            "hostile",
            "--ready",
            &ready,
            "--probe-arg",
            "serve",
            "--runs",
            "3",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(human.code, 2, "{}", human.stderr);
    assert_eq!(
        human.stdout.matches("on loopback is taken").count(),
        2,
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("no run got ready (the failed runs below say why)")
    );

    // Independent: the program on its own, with the port held, cannot listen and exits 1.
    let program = r.report["artifacts"][0]["path"].as_str().expect("path");
    let out = std::process::Command::new(program)
        .arg("serve")
        .env("PORT", port.to_string())
        .output()
        .expect("run the fixture");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Address already in use"), "{stderr}");
}

/// The port is free when the run starts; another process (this test) takes it before the
/// program binds. The check's connect then reaches our listener: not the program's socket.
#[test]
fn tcp_port_taken_during_the_run_is_not_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let go = dir.path().join("go");
    let wait = format!("WAIT_FILE={}", go.display());
    let (probe_listener, port) = loopback_listener();
    drop(probe_listener);
    let ready = format!("tcp:{port}");
    let mut cmd = probe_fixture("probe-targets", &["--bin", "hostile"]);
    cmd.args(["--ready", &ready, "--runs", "1", "--warmup", "0"])
        .args(["--probe-timeout", "20s", "--probe-arg", "bind-when-told"])
        .args(["--probe-env", &env, "--probe-env", &wait])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn cargo-aotcheck");
    // The program has started (the port was checked free before that): take the port.
    let t0 = Instant::now();
    while values(&path, "pid").is_empty() && t0.elapsed() < Duration::from_secs(300) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let _thief =
        TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).expect("take the port");
    std::fs::write(&go, "").expect("go file");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let p = &v["artifacts"][0]["probe"];
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(p["runs"], 0, "{p}");
    assert_eq!(p["failed_runs"][0]["kind"], "port-taken", "{p}");
    let msg = p["failed_runs"][0]["message"].as_str().expect("message");
    assert!(msg.contains("not the program's"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    // Independent: the program itself could not listen (it said so on its stderr).
    let tail = p["failed_runs"][0]["stderr_tail"].as_str().unwrap_or("");
    assert!(tail.contains("Address already in use"), "{tail}");
    assert_none_left(&path, 1);
}

#[test]
fn probe_env_port_is_the_port_the_tcp_check_waits_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let (l, port) = loopback_listener();
    drop(l);
    let user_port = format!("PORT={port}");
    let r = probe(
        "hostile",
        &[
            "--ready",
            "tcp",
            "--runs",
            "2",
            "--probe-timeout",
            "20s",
            "--probe-arg",
            "serve",
            "--probe-env",
            &env,
            "--probe-env",
            &user_port,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.probe()["runs"], 2);
    // The program bound the user's port, every run.
    assert_eq!(values(&path, "port"), vec![u64::from(port); 2]);

    let r = run(probe_fixture("probe-targets", &["--bin", "hostile"]).args([
        "--ready",
        "tcp",
        "--probe-arg",
        "serve",
        "--probe-env",
        "PORT=http",
    ]));
    // Refused before the build (QA cy F10), not an error of every run.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`http` is not a port number"),
        "{}",
        r.stderr
    );
}

#[test]
fn child_that_ignores_sigterm_is_reported_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    // `hostile` gives a 300 ms grace period.
    let grace_ms = 300;
    let (r, path) = hostile("child-ignores-term", &dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    // The child's own record: it was alive well into the grace period after each ready.
    let alive = values(&path, "alive");
    for s in p["samples"].as_array().expect("samples") {
        let ready = s["spawned_at_ns"].as_u64().expect("spawned_at_ns")
            + (s["startup_ms"].as_f64().expect("startup") * 1e6) as u64;
        let last = alive
            .iter()
            .filter(|&&t| t >= ready && t < ready + 60_000_000_000)
            .max()
            .copied()
            .unwrap_or(0);
        assert!(
            last >= ready + grace_ms / 2 * 1_000_000,
            "the child did not outlive half the grace period: ready {ready}, last alive {last}"
        );
        // So this run's shutdown cannot be a figure for the whole tree.
        assert!(s["shutdown_ms"].is_null(), "{s}");
    }
    assert_eq!(p["killed_after_grace"], 2, "{p}");
    assert!(p["shutdown_ms"].is_null(), "{p}");
    let warned = p["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("processes it started") && w.contains("SIGKILL"))
    });
    assert!(warned, "{p}");
    assert_none_left(&path, 4);
}

#[test]
fn exit_mode_counts_the_daemons_of_both_invocations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "hostile",
        &[
            "--runs",
            "2",
            "--warmup",
            "1",
            "--probe-arg",
            "daemons-exit",
            "--probe-env",
            &env,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let daemons = lines(&path)
        .iter()
        .filter(|l| l.ends_with(" daemon"))
        .count();
    // 3 runs, each made twice (timed and traced), 2 daemons each.
    assert_eq!(daemons, 12);
    assert_eq!(
        r.probe()["leftover_processes_killed"],
        daemons,
        "{}",
        r.probe()
    );
    assert_none_left(&path, 18);
}

/// 4 runs of the hostile program in `mode` (with `extra` arguments), ready on TCP: the probe
/// and the program's own count of its (static build's) starts, and the report's warnings.
fn every_other(mode: &str, extra: &[&str]) -> (Probed, String, Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("count");
    let counter_env = format!("COUNTER_FILE={}", counter.display());
    let mut args = vec!["--ready", "tcp", "--runs", "4", "--probe-timeout", "20s"];
    args.extend(["--probe-arg", mode, "--probe-env", &counter_env]);
    args.extend(extra);
    let r = probe("hostile", &args);
    let starts = std::fs::read_to_string(&counter).expect("counter");
    let warnings = r.report["warnings"].as_array().expect("warnings").iter();
    let warnings = warnings
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (r, starts.trim().to_string(), warnings)
}

#[test]
fn some_failed_runs_give_a_run_warning() {
    let (r, starts, warnings) = every_other("fail-every-other", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The program's own count of its starts: 4, of which the 2nd and 4th failed.
    assert_eq!(starts, "4");
    let p = r.probe();
    assert_eq!(
        (p["runs"].as_u64(), p["failures"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("2 of 4 runs failed") && w.contains("exited with status 5")),
        "{warnings:?}"
    );
}

/// QA cn F1: procs's static build crashed in 10 of 23 probe runs (an NSS module loaded for a
/// process of an unknown uid), its dynamic build in none of the same rounds, and the gate
/// passed with a warning. A crash in some runs fails it, and the warning gives the crash
/// without the hint at the run's directory and arguments.
#[test]
fn a_static_build_that_crashes_in_some_runs_fails_the_gate() {
    let (r, starts, warnings) = every_other("crash-static-every-other", &["--compare"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.report["verdict"], "fail");
    // Why, in the JSON too (QA co F2): the checks all pass.
    let reasons = r.report["verdict_reasons"]
        .as_array()
        .expect("verdict_reasons");
    assert!(
        reasons.iter().any(|x| x["what"] == "probe"
            && x["verdict"] == "fail"
            && x["binary"].as_str().is_some_and(|b| b.contains("static"))
            && x["reason"]
                .as_str()
                .is_some_and(|w| w.starts_with("crashed in 2 of 4 probe runs"))),
        "{reasons:?}"
    );
    // The static build's own count of its starts: 4, the 2nd and 4th crashed.
    assert_eq!(starts, "4");
    let static_probe = &crate::util::artifact(&r.report, "static")["probe"];
    assert_eq!(static_probe["failures"], 2, "{static_probe}");
    assert_eq!(static_probe["failed_runs"][0]["signal"], "SIGSEGV");
    let dynamic = &crate::util::artifact(&r.report, "dynamic")["probe"];
    assert_eq!(dynamic["failures"], 0, "{dynamic}");
    assert!(
        warnings.iter().any(|w| w
            .contains("`hostile` (static): 2 of 4 runs failed (first: run 2, killed by SIGSEGV")
            && !w.contains("current directory")),
        "{warnings:?}"
    );
}

#[test]
fn ready_line_without_newline_counts_when_the_program_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    // The program exits, but the sleeper it started keeps stdout open: no end of file.
    let r = probe(
        "hostile",
        &[
            "--ready",
            "line:^tail-ready$",
            "--runs",
            "2",
            "--probe-timeout",
            "20s",
            "--probe-arg",
            "tail-then-exit",
            "--probe-env",
            &env,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["runs"], 2, "{}", failed_messages(p).join("\n"));
    // Ready no earlier than the program's own record of its write.
    let printed = values(&path, "printed");
    for (s, &at) in p["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .zip(&printed)
    {
        let ready = s["spawned_at_ns"].as_u64().expect("spawned_at_ns") as f64
            + s["startup_ms"].as_f64().expect("startup") * 1e6;
        assert!(ready >= at as f64, "ready {ready} before the write at {at}");
    }
    assert_none_left(&path, 4);

    // Still running with the unterminated line: a timeout, and the message says why.
    let r = probe(
        "hostile",
        &[
            "--ready",
            "line:^tail-ready$",
            "--runs",
            "1",
            "--probe-timeout",
            "1s",
            "--probe-arg",
            "tail-and-wait",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let msg = r.probe()["failed_runs"][0]["message"]
        .as_str()
        .expect("message");
    assert!(msg.contains("matching line that has no newline"), "{msg}");
}

/// The startup row says "1 outlier", "2 outliers" (it said "1 outliers").
#[test]
fn one_outlier_is_singular_in_the_human_startup_row() {
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    for (n, want) in [(1, "; 1 outlier\n"), (2, "; 2 outliers\n")] {
        let mut r = crate::html::hand::hand_built();
        for a in &mut r.artifacts {
            if let Some(st) = a.probe.as_mut().and_then(|p| p.startup_ms.as_mut()) {
                st.outliers = vec![9.0; n];
            }
        }
        let text = cargo_aotcheck::render::human::render(&r, &style);
        // The row and the lines it goes on to (filled to 100 columns, under its value).
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with("startup"))
            .expect("a startup row");
        let more = lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with(&" ".repeat(15)));
        let row: Vec<&str> = std::iter::once(lines[at]).chain(more.copied()).collect();
        assert!(row.iter().all(|l| l.chars().count() <= 100), "{text}");
        let row = words(&row.join(" "));
        assert!(format!("{row}\n").ends_with(want), "{row}");
    }
}

/// A program that exits right after its ready line leaves its child (in its process group,
/// ignoring SIGTERM) running: that child outlived it, and counts as a leftover killed, as
/// README says, beside the run killed after the grace period (QA k: it counted 0).
#[test]
fn a_child_left_by_a_program_that_exited_once_ready_is_a_leftover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "hostile",
        &[
            "--ready",
            "line:hostile: ready",
            "--runs",
            "8",
            "--warmup",
            "0",
            "--grace",
            "300ms",
            "--probe-arg",
            "ready-then-exit",
            "--probe-env",
            &env,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    // Each run's child, unless the prober stopped the run before its program was gone (it
    // exits right after its line, while the prober reads its memory): most runs count it,
    // and under load some do not (once in about 90 runs of 4, none did). Every run's child
    // ignored SIGTERM and was killed after the grace period, whichever came first.
    let left = p["leftover_processes_killed"].as_u64().expect("count");
    assert!((1..=8).contains(&left), "{p}");
    assert_eq!(p["killed_after_grace"], 8, "{p}");
    assert_none_left(&path, 16);
}

/// QA bn F2: a server listening on `[::1]` alone (miniserve `-i ::1`) was "not ready" in every
/// run: the checks connected to 127.0.0.1 only. Both checks now reach it, and `/proc/net/tcp6`
/// shows the server's socket on `::1` (the run is counted, not refused as another's port).
#[test]
fn a_server_on_ipv6_loopback_alone_gets_ready() {
    // Not skipped where IPv6 is off: the test would then prove nothing, and says so.
    if let Err(e) = std::net::TcpListener::bind("[::1]:0") {
        panic!("this machine has no IPv6 loopback (`[::1]`: {e}); the test needs one");
    }
    for ready in ["tcp", "http"] {
        let r = crate::util::run(&mut probe_fixture(
            "hello-server",
            &[
                "--ready",
                ready,
                "--probe-env",
                "HELLO_ADDR=::1",
                "--runs",
                "2",
                "--warmup",
                "0",
            ],
        ));
        assert_eq!(r.code, 0, "{ready}: {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        let p = &v["artifacts"][0]["probe"];
        assert_eq!(p["runs"], 2, "{ready}: {p}");
        assert!(
            p["failed_runs"].as_array().is_none_or(Vec::is_empty),
            "{ready}: {p}"
        );
    }
}

/// QA bn F8: the probe, often the longest step (a server that takes 0.3 s to stop, 23 runs per
/// binary), had no status line when stderr is not a terminal (no progress bar is drawn then):
/// one line says which binaries, how many runs and which readiness.
#[test]
fn the_probe_says_what_it_is_about_to_do() {
    let r = crate::util::run(
        crate::util::fixture_saying_status(
            "hello-server",
            &["--format", "json", "--compare", "--ready", "tcp"],
        )
        .args(["--runs", "2", "--warmup", "1"]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("Probing "))
        .unwrap_or_else(|| panic!("no `Probing` line in:\n{}", r.stderr));
    assert!(
        line.ends_with(": 2 runs after 1 warm-up each, ready: tcp"),
        "{line}"
    );
    for name in ["hello-server (static)", "hello-server (dynamic)"] {
        assert!(line.contains(name), "{line}");
    }
}

/// QA cz F1: a server that listened, took the probe's connect and exited 1 was counted ready
/// (its socket gone when it was looked for), with a shutdown time though no SIGTERM was sent.
/// It exited before it was ready: each run fails so, with its status and stderr.
#[test]
fn a_server_that_exits_right_after_its_first_connect_is_not_ready() {
    let r = probe(
        "hostile",
        &["--ready", "tcp", "--probe-arg", "die-after-connect"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["runs"], 0, "{p}");
    let f = &p["failed_runs"][0];
    assert_eq!(f["kind"], "exited-before-ready", "{f}");
    assert_eq!(f["exit_code"], 1, "{f}");
    assert!(
        f["stderr_tail"]
            .as_str()
            .is_some_and(|t| t.contains("cannot go on after listening")),
        "{f}"
    );
}
