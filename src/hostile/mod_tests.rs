//! Tests of the hostile stage's judging.

use super::*;

fn r(exit: Option<i32>, signal: Option<i32>, timed_out: bool) -> RunResult {
    RunResult {
        exit_code: exit,
        signal,
        timed_out,
        stderr_tail: String::new(),
        survivors: Vec::new(),
    }
}

/// QA au F1: a plain run that crashed is not only a matter of arguments: a static
/// build's crash may be its own NSS lookup; one that exited with a status is.
#[test]
fn a_crashed_plain_run_says_the_crash_may_be_the_hazard() {
    let spec = ProbeSettings::default();
    let crashed = not_judged(&spec, &r(None, Some(11), false));
    assert!(crashed.contains("check --probe-arg"), "{crashed}");
    assert!(
        crashed.contains("NSS lookup of its own (AOT004)"),
        "{crashed}"
    );
    let exited = not_judged(&spec, &r(Some(2), None, false));
    assert!(!exited.contains("AOT004"), "{exited}");
}

#[test]
fn outcomes_are_judged_against_the_plain_run() {
    let plain = r(Some(0), None, false);
    assert_eq!(judge(&r(Some(0), None, false), &plain), HostileOutcome::Ok);
    assert_eq!(
        judge(&r(None, Some(11), false), &plain),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(Some(1), None, false), &plain),
        HostileOutcome::Crashed
    );
    assert_eq!(judge(&r(None, None, true), &plain), HostileOutcome::Hung);
    // A plain run that never finished (a server waited for with `exit` readiness): a
    // timeout under the condition is not judged, a crash still is one.
    let never = r(None, None, true);
    assert_eq!(judge(&r(None, None, true), &never), HostileOutcome::Skipped);
    assert_eq!(
        judge(&r(None, Some(11), false), &never),
        HostileOutcome::Crashed
    );
    // A program that fails the same way plainly is not made worse by the condition, nor
    // shown to survive it: it never got ready (QA s). Failing otherwise is a crash.
    let failing = r(Some(3), None, false);
    assert_eq!(
        judge(&r(Some(3), None, false), &failing),
        HostileOutcome::Skipped
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &failing),
        HostileOutcome::Crashed
    );
    // Ready under another readiness than `exit`: stopped there, no status.
    let ready = r(None, None, false);
    assert_eq!(judge(&r(None, None, false), &ready), HostileOutcome::Ok);
    assert_eq!(
        judge(&r(Some(1), None, false), &ready),
        HostileOutcome::Crashed
    );
    assert_eq!(signal_name(11), "SIGSEGV");
    assert_eq!(signal_name(64), "signal 64");
}

/// A program that aborts plainly (`std::process::abort()`) aborts under every condition:
/// no crash the condition made (it was 5 "crashes" and an AOT004 error), and not judged
/// (it never got ready). Another signal than the plain run's still is one.
#[test]
fn a_signal_the_plain_run_has_too_is_no_crash() {
    let aborts = r(None, Some(6), false);
    assert_eq!(
        judge(&r(None, Some(6), false), &aborts),
        HostileOutcome::Skipped
    );
    assert_eq!(
        judge(&r(None, Some(11), false), &aborts),
        HostileOutcome::Crashed
    );
    assert_eq!(
        judge(&r(Some(0), None, false), &aborts),
        HostileOutcome::Crashed
    );
}
