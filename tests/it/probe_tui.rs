//! Programs whose start the probe cannot time as they run for a user: a terminal UI timed with
//! `--ready exit:1` (QA dc F5, dg F1: gitui's and broot's failed starts without a terminal were
//! timed and passed with no word), checked against the program run by hand without a
//! controlling terminal (`setsid`, stdin `/dev/null`); and one whose first run changes the next.

use std::process::{Command, Stdio};

use crate::probe::probe;
use crate::util::*;

#[test]
fn a_terminal_ui_timed_at_its_failing_status_is_said_to_have_found_no_terminal() {
    let r = probe("tui", &["--ready", "exit:1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = r.probe();
    let runs = p["runs"].as_u64().expect("runs");
    assert_eq!(runs, 3, "{p}");
    let warned = p["warnings"].to_string();
    assert!(
        warned.contains(&format!(
            "in {runs} of {runs} counted runs it exited with status 1 and its stderr says it \
             found no terminal: the probe runs it without one, so these figures are of a \
             terminal UI's failed start"
        )),
        "{warned}"
    );
    // By hand, without a controlling terminal: status 1 and ENXIO, as the warning says.
    let path = str_of(artifact(&r.report, "static"), "path").to_string();
    let out = Command::new("setsid")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run setsid");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(os error 6)"), "{stderr}");
    // A run that exits 0 says nothing of it: `--version`-like starts are what it asks for.
    let r = probe("exits", &["--ready", "exit:any"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.probe()["warnings"]
            .to_string()
            .contains("found no terminal"),
        "{}",
        r.probe()
    );
}

/// QA dg F3: a program whose first run changed what the next ones do (broot's first start,
/// given a fresh HOME, installed its shell function; every run after it failed) is said to
/// have changed after that run, with a scratch HOME to see what it wrote.
#[test]
fn runs_that_all_fail_after_the_first_ones_got_ready_are_said_to_follow_a_change() {
    let home = tempfile::tempdir().expect("tempdir");
    let env = format!("HOME={}", home.path().display());
    let r = probe("first-run", &["--runs", "4", "--probe-env", &env]);
    // What the program left: the marker of its first run (the reason the next ones failed).
    assert!(home.path().join(".first-run-done").is_file());
    let warned = crate::util::words(&r.report["warnings"].to_string());
    assert!(
        warned.contains(
            "3 of 4 runs failed (first: run 2, exited with status 1 (a failing run is not timed"
        ) && warned.contains(
            "every run up to run 1 got ready and every run after it failed: the program behaved \
             otherwise after its first runs"
        ),
        "{warned}"
    );
    // The figures rest on that one run.
    assert_eq!(r.probe()["runs"], 1, "{}", r.probe());
}

/// QA dh F9: the same program timed at its later runs' status (`--ready exit:1`): its first
/// run, which set it up and exited 0, failed, and was told to pass `--ready exit:0`, which
/// every later run would fail. The warning says the first runs were otherwise.
#[test]
fn a_first_run_that_failed_before_the_rest_got_ready_is_said_to_be_otherwise() {
    let home = tempfile::tempdir().expect("tempdir");
    let env = format!("HOME={}", home.path().display());
    let r = probe(
        "first-run",
        &["--runs", "4", "--ready", "exit:1", "--probe-env", &env],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.probe()["runs"], 3, "{}", r.probe());
    let warned = crate::util::words(&r.report["warnings"].to_string());
    assert!(
        warned.contains(
            "every run up to run 1 failed and every run after it got ready: the program behaved \
             otherwise in its first runs"
        ),
        "{warned}"
    );
}
