//! Tests of the hostile stage's judging.

use super::*;
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::report::HostileRun;
use std::path::Path;

fn r(exit: Option<i32>, signal: Option<i32>, timed_out: bool) -> RunResult {
    RunResult {
        exit_code: exit,
        signal,
        timed_out,
        stderr_tail: String::new(),
        survivors: Vec::new(),
        answered: None,
    }
}

/// QA au F1: a plain run that crashed is not only a matter of arguments: a static
/// build's crash may be its own NSS lookup; one that exited with a status is. With the
/// dynamic build's plain run at hand, the detail says which it was.
#[test]
fn a_crashed_plain_run_says_the_crash_may_be_the_hazard() {
    let spec = ProbeSettings::default();
    let segv = r(None, Some(11), false);
    let crashed = plain::not_judged(&spec, &segv, None);
    assert!(crashed.contains("check --probe-arg"), "{crashed}");
    assert!(
        crashed.contains("NSS lookup of its own (AOT004)"),
        "{crashed}"
    );
    let exited = plain::not_judged(&spec, &r(Some(2), None, false), None);
    assert!(!exited.contains("AOT004"), "{exited}");
    // The dynamic build crashed alike: the program's crash, its arguments to check.
    let alike = plain::not_judged(&spec, &segv, Some(&segv));
    assert!(alike.contains("and so did its dynamic build"), "{alike}");
    assert!(alike.contains("check --probe-arg"), "{alike}");
    assert!(!alike.contains("AOT004"), "{alike}");
    // It did not: the crash is the `plain` run's, no word of arguments.
    let fine = plain::not_judged(&spec, &segv, Some(&r(Some(0), None, false)));
    assert!(fine.contains("see the `plain` run"), "{fine}");
    assert!(!fine.contains("--probe-arg"), "{fine}");
}

/// The static build's plain crash is a run of its own only when its dynamic build did not
/// end by the same signal; that run is a static hazard, to be located and pinned.
#[test]
fn a_static_only_plain_crash_is_a_run_of_its_own() {
    let plain = super::conditions::plain(Path::new("/bin/x"), &ProbeSettings::default());
    let segv = r(None, Some(11), false);
    let ok = r(Some(0), None, false);
    let run = plain::static_crash(&segv, Some(&ok), &plain, &Ready::EXIT).expect("a plain crash");
    assert_eq!(run.condition, "plain");
    assert_eq!(run.outcome, HostileOutcome::Crashed);
    assert_eq!(run.signal.as_deref(), Some("SIGSEGV"));
    assert_eq!(run.dynamic_outcome, Some(HostileOutcome::Ok));
    assert!(run.static_hazard());
    assert_eq!(Condition::named("plain"), Some(Condition::Plain));
    // The dynamic build exits 1 where the static one crashed: still the static build's.
    let failed = plain::static_crash(&segv, Some(&r(Some(1), None, false)), &plain, &Ready::EXIT)
        .expect("a plain crash");
    assert_eq!(failed.dynamic_outcome, Some(HostileOutcome::Crashed));
    assert!(failed.static_hazard());
    // Not when the dynamic build crashed alike, when there is none, or when the static
    // build did not crash.
    assert!(plain::static_crash(&segv, Some(&segv), &plain, &Ready::EXIT).is_none());
    assert!(plain::static_crash(&segv, None, &plain, &Ready::EXIT).is_none());
    assert!(
        plain::static_crash(&r(Some(2), None, false), Some(&ok), &plain, &Ready::EXIT).is_none()
    );
    assert!(plain::static_crash(&r(None, None, true), Some(&ok), &plain, &Ready::EXIT).is_none());
}

#[test]
fn outcomes_are_judged_against_the_plain_run() {
    let plain = r(Some(0), None, false);
    assert_eq!(
        judge(&r(Some(0), None, false), &plain, &Ready::EXIT),
        HostileOutcome::Ok
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &plain, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(Some(1), None, false), &plain, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(None, None, true), &plain, &Ready::EXIT),
        HostileOutcome::Hung
    );
    // A plain run that never finished (a server waited for with `exit` readiness): a
    // timeout under the condition is not judged, a crash still is one.
    let never = r(None, None, true);
    assert_eq!(
        judge(&r(None, None, true), &never, &Ready::EXIT),
        HostileOutcome::Skipped
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &never, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    // A program that fails the same way plainly is not made worse by the condition, nor
    // shown to survive it: it never got ready (QA s). Failing otherwise is a crash.
    let failing = r(Some(3), None, false);
    assert_eq!(
        judge(&r(Some(3), None, false), &failing, &Ready::EXIT),
        HostileOutcome::Skipped
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &failing, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    // Ready under another readiness than `exit`: stopped there, no status.
    let ready = r(None, None, false);
    assert_eq!(
        judge(&r(None, None, false), &ready, &Ready::EXIT),
        HostileOutcome::Ok
    );
    assert_eq!(
        judge(&r(Some(1), None, false), &ready, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    assert_eq!(signal_name(11), "SIGSEGV");
    assert_eq!(signal_name(64), "signal 64");
}

/// QA bw F2: with `--ready exit:1` (xh exits 1 when the connection is refused) a plain run
/// that exits 1 got ready, and so did a condition's; a status outside the readiness's is a
/// failure, and any status is none under `exit:any`, whose runs fail by a signal alone.
#[test]
fn the_statuses_the_readiness_accepts_are_ready() {
    let one = Ready::parse("exit:1").expect("readiness");
    let plain = r(Some(1), None, false);
    assert_eq!(
        judge(&r(Some(1), None, false), &plain, &one),
        HostileOutcome::Ok
    );
    assert_eq!(
        judge(&r(Some(2), None, false), &plain, &one),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(Some(1), None, false), &plain, &Ready::EXIT),
        HostileOutcome::Skipped
    );
    let some = Ready::parse("exit:0,1").expect("readiness");
    assert_eq!(
        judge(&r(Some(0), None, false), &plain, &some),
        HostileOutcome::Ok
    );
    let any = Ready::parse("exit:any").expect("readiness");
    assert_eq!(
        judge(&r(Some(7), None, false), &plain, &any),
        HostileOutcome::Ok
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &plain, &any),
        HostileOutcome::Crashed
    );
    // A dynamic build that exits 1 where the static crashed: it got ready.
    let segv = r(None, Some(11), false);
    let inv = super::conditions::plain(Path::new("/bin/x"), &ProbeSettings::default());
    let run = plain::static_crash(&segv, Some(&plain), &inv, &one).expect("a crash");
    assert_eq!(run.dynamic_outcome, Some(HostileOutcome::Ok));
}

/// A program that aborts plainly (`std::process::abort()`) aborts under every condition:
/// no crash the condition made (it was 5 "crashes" and an AOT004 error), and not judged
/// (it never got ready). Another signal than the plain run's still is one.
#[test]
fn a_signal_the_plain_run_has_too_is_no_crash() {
    let aborts = r(None, Some(6), false);
    assert_eq!(
        judge(&r(None, Some(6), false), &aborts, &Ready::EXIT),
        HostileOutcome::Skipped
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &aborts, &Ready::EXIT),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(Some(0), None, false), &aborts, &Ready::EXIT),
        HostileOutcome::Crashed
    );
}

/// QA bh F7: xh's plain run never got ready, so three conditions were not judged, and two
/// crashed where the plain run did not, which failed the verdict. The warning counts both, so
/// it does not read as if nothing counted.
#[test]
fn the_unjudged_warning_counts_the_runs_that_were_judged_too() {
    use crate::report::{HostileOutcome, HostileRun};
    let run = |condition: &str, outcome: HostileOutcome, detail: Option<&str>| HostileRun {
        signal: (outcome == HostileOutcome::Crashed).then(|| "SIGSEGV".into()),
        dynamic_outcome: (outcome == HostileOutcome::Crashed).then_some(HostileOutcome::Ok),
        detail: detail.map(str::to_string),
        ..HostileRun::new(condition, "", outcome)
    };
    let ended = format!(
        "{}exit) either: it exited with status 5",
        plain::PLAIN_ENDED
    );
    let mut a = crate::report::test_artifact(1000);
    a.name = "xh".into();
    let skipped = HostileOutcome::Skipped;
    a.hostile = vec![
        run("no-home", skipped, Some(&ended)),
        run("unknown-uid", skipped, Some(&ended)),
        run("nss-module", skipped, Some(&ended)),
        run("no-home+unknown-uid", HostileOutcome::Crashed, None),
        run("all", HostileOutcome::Crashed, None),
    ];
    let mut report = Report::new(None);
    report.artifacts.push(a);
    warn_unjudged(&mut report);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let w = &report.warnings[0];
    assert!(w.contains("ended as the plain run did"), "{w}");
    assert!(
        w.ends_with(
            "(xh: 3 of 5 hostile runs; the other 2 crashed (SIGSEGV) where the dynamic build \
             did not, and count)"
        ),
        "{w}"
    );
}

/// QA bm F2: `btm --version` passed all five conditions and tested no lookup; a warning says
/// so. Not with the arguments the program runs with, nor when a condition failed.
#[test]
fn conditions_passed_with_version_alone_may_have_tested_nothing() {
    let ok = |condition: &str| -> HostileRun {
        serde_json::from_value(serde_json::json!({
            "condition": condition, "description": "", "outcome": "ok", "signal": null,
            "exit_code": 0, "dynamic_outcome": null, "reproduce": null, "detail": null
        }))
        .expect("run")
    };
    let runs: Vec<HostileRun> = ["no-home", "unknown-uid", "all"].map(ok).into();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let w = plain::answered_early("btm", &args(&["--version"]), &runs).expect("a warning");
    assert!(
        w.starts_with("btm: every --hostile condition passed with `--version`, which most"),
        "{w}"
    );
    assert_eq!(
        plain::answered_early("btm", &args(&["--basic"]), &runs),
        None
    );
    assert_eq!(plain::answered_early("btm", &[], &runs), None);
    // QA bq F3: some crashed (a user lookup made before the answer), the others passed: the
    // work's lookups were still not reached.
    let mut failed = runs.clone();
    failed[1].outcome = HostileOutcome::Crashed;
    let w = plain::answered_early("xh", &args(&["-V"]), &failed).expect("a warning");
    assert!(
        w.contains("likely not reached, neither in the 2 conditions that passed nor in those"),
        "{w}"
    );
    for r in &mut failed {
        r.outcome = HostileOutcome::Crashed;
    }
    assert_eq!(plain::answered_early("btm", &args(&["-V"]), &failed), None);
}
