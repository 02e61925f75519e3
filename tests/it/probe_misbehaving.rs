//! The startup probe against programs that misbehave on purpose (the `hostile` binary of
//! `probe-targets`): they ignore SIGTERM, flood their output, escape into new sessions, close
//! stdout or die before ready. Checked against the pids they report: none is left behind.

use crate::probe::{Probed, assert_none_left, probe, report_file};
use crate::util::{interrupt_with, pids_where, probe_fixture};

/// Run `hostile MODE` under a tcp probe with a short grace; returns the report and the pid file.
pub(crate) fn hostile(mode: &str, dir: &tempfile::TempDir, extra: &[&str]) -> (Probed, String) {
    let (env, path) = report_file(dir);
    let mut args = vec![
        "--ready",
        "tcp",
        "--runs",
        "2",
        "--grace",
        "300ms",
        "--probe-timeout",
        "20s",
        "--probe-arg",
        mode,
        "--probe-env",
        &env,
    ];
    args.extend_from_slice(extra);
    (probe("hostile", &args), path)
}

#[test]
fn hostile_ignores_sigterm_and_is_killed_after_the_grace_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, path) = hostile("ignore-term", &dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    assert_eq!(p["killed_after_grace"], 2);
    assert!(p["shutdown_ms"].is_null());
    assert!(p["unknown"]["shutdown_ms"].is_string());
    assert!(
        p["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains("SIGKILL")))
    );
    assert_none_left(&path, 2);
}

#[test]
fn hostile_floods_stdout_and_stderr_without_stalling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, path) = hostile("flood", &dir, &["--probe-env", "FLOOD_MIB=24"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.probe()["runs"], 2);
    assert_none_left(&path, 2);
}

#[test]
fn hostile_process_trees_in_new_sessions_are_all_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, path) = hostile("tree", &dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    // root, 2 sleepers, 2 spawners (one exited), 2 grandchildren: 6 alive at ready.
    for s in p["samples"].as_array().expect("samples") {
        assert_eq!(s["processes"], 6, "{s}");
    }
    // Outside the group: the setsid sleeper, a spawner and its grandchild, the orphan.
    assert_eq!(p["leftover_processes_killed"], 8);
    assert_none_left(&path, 14);

    let dir = tempfile::tempdir().expect("tempdir");
    let (r, path) = hostile("grandchild", &dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.probe()["leftover_processes_killed"], 4);
    assert_none_left(&path, 6);
}

#[test]
fn hostile_closed_stdout_still_probes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, path) = hostile("close-stdout", &dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.probe()["runs"], 2);
    assert_none_left(&path, 2);
}

#[test]
fn hostile_deaths_before_ready_are_reported() {
    for (mode, kind, code, sig, said) in [
        (
            "die-signal",
            "killed-by-signal",
            None,
            Some("SIGKILL"),
            "killing myself",
        ),
        (
            "exit0",
            "exited-before-ready",
            Some(0),
            None,
            "nothing to serve",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (r, path) = hostile(mode, &dir, &[]);
        assert_eq!(r.code, 2, "{mode}: {}", r.stderr);
        let f = &r.probe()["failed_runs"][0];
        assert_eq!(f["kind"], kind, "{mode}");
        assert_eq!(f["exit_code"].as_i64(), code, "{mode}");
        assert_eq!(f["signal"].as_str(), sig, "{mode}");
        assert!(
            f["stderr_tail"].as_str().is_some_and(|t| t.contains(said)),
            "{mode}: {f}"
        );
        assert_none_left(&path, 2);
    }
}

/// Under `--ready line:…` the readiness check is what sees the program close its output: the
/// tails it then received are the failure's (they were dropped, so an exit before ready showed
/// no stderr; QA k: bottom without a terminal).
#[test]
fn a_line_probe_keeps_the_tails_of_a_program_that_exits_before_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (env, path) = report_file(&dir);
    let r = probe(
        "hostile",
        &[
            "--ready",
            "line:never printed",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--probe-arg",
            "exit0",
            "--probe-env",
            &env,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let f = &r.probe()["failed_runs"][0];
    assert_eq!(f["kind"], "exited-before-ready", "{f}");
    assert!(
        f["stderr_tail"]
            .as_str()
            .is_some_and(|t| t.contains("nothing to serve")),
        "{f}"
    );
    assert_none_left(&path, 1);
}

/// QA ac, D3: git-cliff's `-r DIR` went to its other binaries too, which failed; the error was
/// honest but said nothing of what to do. When one binary got ready and another did not, the
/// error says how to give each its own arguments; when none got ready (the test below), the
/// arguments are not the difference, and nothing more is said.
#[test]
fn one_binary_ready_and_one_not_hints_at_arguments_for_each() {
    let p = probe(
        "crasher",
        &[
            "--bin",
            "exits",
            "--ready",
            "exit",
            "--probe-arg",
            "status",
            "--runs",
            "1",
        ],
    );
    assert_eq!(p.code, 2, "{}", p.stderr);
    let ready: Vec<(&str, u64)> = p.report["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or(""),
                a["probe"]["runs"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        ready.contains(&("exits", 1)) && ready.contains(&("crasher", 0)),
        "{ready:?}"
    );
    assert!(
        p.stderr.contains(
            "hint: the probe's arguments go to every binary it probes: `--bin NAME` probes one"
        ),
        "{}",
        p.stderr
    );
}

/// When several binaries never get ready (a `--compare` of a failing program: static and
/// dynamic), the error gives each its own line under one heading, instead of one line joined
/// with `;`. Each line names the binary, its link mode and the exit status the report records.
#[test]
fn several_binaries_that_never_get_ready_get_a_line_each() {
    let p = probe(
        "crasher",
        &[
            "--compare",
            "--ready",
            "exit",
            "--probe-arg",
            "status",
            "--runs",
            "1",
        ],
    );
    assert_eq!(p.code, 2, "{}", p.stderr);
    let modes: Vec<&str> = p.report["artifacts"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["link_mode"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(modes.len(), 2, "{modes:?}");
    let lines: Vec<&str> = p.stderr.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.contains("no successful run for 2 binaries:"))
        .unwrap_or_else(|| panic!("no heading in:\n{}", p.stderr));
    assert!(
        !p.stderr.contains("hint: the probe's arguments"),
        "{}",
        p.stderr
    );
    for (k, mode) in modes.iter().enumerate() {
        let line = lines.get(head + 1 + k).copied().unwrap_or("");
        assert!(
            line.starts_with(&format!("  `crasher` ({mode}): ")) && line.contains("status 3"),
            "line {k}: {line}\n{}",
            p.stderr
        );
    }
    // The static-vs-regular table says why it has no startup or memory rows (QA ac, D3: rows
    // of `?` under "medians of 0 static and 0 regular runs").
    let report: cargo_aotcheck::report::Report =
        serde_json::from_value(p.report.clone()).expect("a report");
    let style = cargo_aotcheck::render::Style {
        color: false,
        verbose: false,
        all_crates: false,
    };
    let text = cargo_aotcheck::render::human::render(&report, &style);
    let table = text
        .split("static vs regular build")
        .nth(1)
        .unwrap_or_else(|| panic!("no comparison in:\n{text}"));
    assert!(
        table.contains("startup and memory: not measured, no run of either build got ready"),
        "{table}"
    );
    assert!(
        !table.contains("startup median") && !table.contains(" ? "),
        "{table}"
    );
}

/// `timeout(1)` signals the process and then its group, and a CI runner may send SIGINT and
/// SIGTERM together: one request to stop, delivered twice at once. The run still stops as
/// an interrupted one (exit 2, "interrupted", the program stopped), not at once with exit 130
/// as for a second Ctrl-C. Two different signals are never merged by the kernel, so both
/// arrive; see `interrupt::tests` for the window itself.
#[test]
fn a_stop_request_delivered_twice_at_once_is_one_request() {
    use nix::sys::signal::Signal::{SIGINT, SIGTERM};
    interrupt_a_program_that_never_gets_ready("tcp", &[SIGINT, SIGTERM]);
}

/// Ctrl-C while the probe waits for a program stops that program at once, in every mode: it
/// waited out the run's whole timeout, then said "no successful run" instead of
/// "interrupted". An `exit`-mode program sits in a process group of its own, which the
/// terminal's SIGINT does not reach.
#[test]
fn ctrl_c_stops_a_program_the_probe_waits_for() {
    use nix::sys::signal::Signal::SIGINT;
    interrupt_a_program_that_never_gets_ready("exit", &[SIGINT]);
    interrupt_a_program_that_never_gets_ready("line:^never$", &[SIGINT]);
}

/// Probe `never-ready` with `ready` and a 600 s timeout, send `signals` once it runs, and check
/// the run ends as an interrupted one (exit 2, "interrupted") with the program gone, before
/// that timeout (no bound on how long it takes short of it: the old code waited it out).
fn interrupt_a_program_that_never_gets_ready(ready: &str, signals: &[nix::sys::signal::Signal]) {
    let child = probe_fixture(
        "probe-targets",
        &[
            "--bin",
            "never-ready",
            "--ready",
            ready,
            "--probe-timeout",
            "600s",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("spawn");
    let tool = child.id().to_string();
    // Its own program, not another test's: the never-ready process whose parent is this tool.
    let program = move || {
        pids_where(|exe, dir| {
            exe.ends_with("never-ready")
                && std::fs::read_to_string(dir.join("stat")).is_ok_and(|s| {
                    s.rsplit(')')
                        .next()
                        .and_then(|r| r.split_whitespace().nth(1))
                        == Some(tool.as_str())
                })
        })
    };
    let running = program.clone();
    let started = std::time::Instant::now();
    interrupt_with(child, move || !running().is_empty(), signals);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(600),
        "the probe waited out the timeout"
    );
    assert!(program().is_empty(), "the probed program was left running");
}

/// QA x, F3: a static binary that needs a shared library and has no interpreter (AOT012)
/// crashes whatever its arguments; the probe's error said only "killed by SIGSEGV" and
/// pointed at `--probe-arg`. It names what the binary needs, as readelf lists it.
#[test]
fn a_binary_that_cannot_start_says_why_not_its_arguments() {
    let r = crate::util::run(&mut probe_fixture(
        "static-needs-so",
        &["--runs", "1", "--warmup", "0"],
    ));
    // It crashes in every run: a fail (QA cp F4), whose reason says why.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("a report");
    let a = crate::util::artifact(&v, "static");
    let needed = crate::util::readelf_needed(crate::util::str_of(a, "path"));
    assert_eq!(needed.len(), 1, "{needed:?}");
    let said = format!(
        "it needs 1 shared library ({}) and has no interpreter to load it, so it cannot start \
         (AOT012)",
        needed[0]
    );
    let reasons = v["verdict_reasons"].to_string();
    assert!(reasons.contains(&said), "{reasons}");
    assert!(!reasons.contains("--probe-arg"), "{reasons}");
    assert!(!r.stderr.contains("--probe-arg"), "{}", r.stderr);
}

/// QA cp F4: a binary that crashed in every probe run exited 2, "inconclusive", as a run that
/// could not do its job, where a crash in some runs failed the verdict. A crash in every run is
/// a `fail` (exit code 1) too, said in the verdict's lines and `verdict_reasons`; the baseline
/// is not saved, and no error asks for other arguments. The signal is the one the binary dies
/// of when run by hand.
#[test]
fn a_crash_in_every_probe_run_fails_the_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base.json");
    let base_arg = base.to_str().expect("utf-8");
    let args = ["--ready", "exit", "--probe-arg", "segv", "--runs", "2"];
    let mut with_baseline = args.to_vec();
    with_baseline.extend(["--save-baseline", base_arg]);
    let p = probe("crasher", &with_baseline);
    assert_eq!(p.code, 1, "{}", p.stderr);
    assert!(!p.stderr.contains("error:"), "{}", p.stderr);
    assert!(!base.exists(), "a failing run saved its baseline");
    assert!(
        p.stderr
            .contains("the run fails (1 binary that crashed in probe runs;"),
        "{}",
        p.stderr
    );
    assert_eq!(p.report["verdict"], "fail");
    let reasons = p.report["verdict_reasons"].as_array().expect("reasons");
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let reason = reasons[0]["reason"].as_str().expect("reason");
    assert_eq!(reasons[0]["what"], "probe");
    assert_eq!(reasons[0]["verdict"], "fail");
    assert!(
        reason.starts_with(
            "crashed in 2 of 2 probe runs, none got ready (first: run 1, killed by SIGSEGV"
        ),
        "{reason}"
    );
    // The signal, by hand.
    let path = p.report["artifacts"][0]["path"].as_str().expect("path");
    let status = std::process::Command::new(path)
        .arg("segv")
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the crasher");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGSEGV), "{status:?}");

    let r = crate::util::run(&mut crate::util::human_fixture(
        "probe-targets",
        &[&["--bin", "crasher"], &args[..]].concat(),
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let said = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("verdict fail: 1 binary that crashed in probe runs - crasher"),
        "{}",
        r.stdout
    );
    assert!(said.contains("none got ready"), "{}", r.stdout);
}
