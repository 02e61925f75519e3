//! Unit tests of the words the renderers share.

use super::*;
use crate::render::hostile_words::crash_site;

fn finding(rule: &str, reproduced: bool) -> Finding {
    Finding {
        rule: rule.into(),
        title: String::new(),
        severity: Severity::Error,
        krate: "app".into(),
        version: "0.1.0".into(),
        feature: None,
        path: Vec::new(),
        evidence: Vec::new(),
        allowed: false,
        reason: None,
        advice: String::new(),
        reproduced,
        reproduce: None,
        reachable: None,
        chain: Vec::new(),
        new_since_baseline: false,
    }
}

/// AOT011 is reproduced by the start inside the image, not by `--hostile` (the label said
/// "a crash reproduced by --hostile" for an image that lacked an environment variable).
#[test]
fn a_finding_says_what_reproduced_it() {
    assert_eq!(
        finding_label(&finding("AOT004", true)),
        "error: app v0.1.0, a crash reproduced by --hostile"
    );
    assert_eq!(
        finding_label(&finding("AOT011", true)),
        "error: app v0.1.0, which did not start in its own image"
    );
    assert_eq!(
        finding_label(&finding("AOT011", false)),
        "error: app v0.1.0"
    );
    // Under its title, the start inside the image is said once (QA aq F3).
    let mut f = finding("AOT011", true);
    f.title = "does not start in its image".into();
    let a = crate::report::test_artifact(1000);
    let r = Reason::Finding {
        artifact: &a,
        finding: &f,
    };
    assert_eq!(
        r.line(),
        "AOT011 does not start in its image: error: app v0.1.0"
    );
}

/// The first five frames of a crash stack, innermost first; none without a stack.
#[test]
fn a_crash_site_shows_the_innermost_frames() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "crashed",
        "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok",
        "reproduce": null, "detail": null
    }))
    .expect("run");
    assert_eq!(crash_site(&r), None);
    r.crash_site_unknown = Some("it did not crash again".into());
    assert_eq!(
        crash_site(&r).as_deref(),
        Some("unknown: it did not crash again")
    );
    r.crash_stack = [
        "[libnss_systemd.so.2]",
        "getpwuid_r",
        "alpha::f",
        "app::main",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        crash_site(&r).as_deref(),
        Some("[libnss_systemd.so.2] ← getpwuid_r ← alpha::f ← app::main")
    );
    r.crash_stack.extend(["a", "b"].map(String::from));
    assert_eq!(
        crash_site(&r).as_deref(),
        Some("[libnss_systemd.so.2] ← getpwuid_r ← alpha::f ← app::main ← a ← …")
    );
}

/// QA ae, 4: bat's static build crashed (SIGSEGV) where its dynamic build exited 101 with a
/// panic; "differently: the static linkage is the cause of this one" read as if the dynamic
/// build had worked. Each way the two can differ is said as it is.
#[test]
fn a_dynamic_build_that_fails_too_is_said_to() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "no-home+unknown-uid", "description": "", "outcome": "crashed",
        "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "crashed",
        "dynamic_exit_code": 101, "reproduce": null, "detail": null
    }))
    .expect("run");
    assert_eq!(
        hostile_outcome(&r),
        "crashed (SIGSEGV); dynamic build: failed (exit status 101) too, without a signal: the \
         static linkage turns it into a crash"
    );
    let mut terminal = String::new();
    crate::render::hostile::render(&mut terminal, &[r.clone()], false);
    // Filled to 100 columns: the words as one line.
    let words = terminal.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("(exit status 101) too, without a signal: the static linkage"),
        "{terminal}"
    );
    assert!(
        terminal.lines().all(|l| l.chars().count() <= 100),
        "{terminal}"
    );
    (r.dynamic_signal, r.dynamic_exit_code) = (Some("SIGABRT".into()), None);
    assert!(
        hostile_outcome(&r)
            .ends_with(", by another signal: the static linkage changes how it crashes"),
        "{}",
        hostile_outcome(&r)
    );
    // The same signal in both: the program's own answer, nothing said of the linkage.
    r.dynamic_signal = Some("SIGSEGV".into());
    assert_eq!(
        hostile_outcome(&r),
        "crashed (SIGSEGV); dynamic build: crashed (SIGSEGV); not counted, the dynamic build \
         fails the same way"
    );
}

/// QA aw F2: btm's static build crashed under `all` where its dynamic build exited 1, as its
/// own plain run did (so not judged, `skipped`): it read "dynamic build: skipped, differently".
/// How the dynamic build ended is said, and that the static linkage made a crash of it.
#[test]
fn a_dynamic_build_that_failed_as_its_plain_run_did_says_how() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "all", "description": "", "outcome": "crashed",
        "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "skipped",
        "dynamic_exit_code": 1, "reproduce": null, "detail": null
    }))
    .expect("run");
    assert_eq!(
        hostile_outcome(&r),
        "crashed (SIGSEGV); dynamic build: failed (exit status 1), as its plain run did: the \
         static linkage turns its failure into a crash"
    );
    (r.dynamic_signal, r.dynamic_exit_code) = (Some("SIGABRT".into()), None);
    assert!(
        hostile_outcome(&r).contains("dynamic build: crashed (SIGABRT), as its plain run did"),
        "{}",
        hostile_outcome(&r)
    );
    assert!(
        !hostile_outcome(&r).contains("skipped"),
        "{}",
        hostile_outcome(&r)
    );
}

/// A run that ended with an exit status (tealdeer's "permission denied", exit 1) failed;
/// one that ended with a signal crashed (QA j: both read "crashed").
#[test]
fn a_run_with_an_exit_status_failed_one_with_a_signal_crashed() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "crashed",
        "signal": null, "exit_code": 1, "dynamic_outcome": "ok",
        "reproduce": null, "detail": null
    }))
    .expect("run");
    assert_eq!(
        hostile_outcome(&r),
        "failed (exit status 1); dynamic build: ok: the static linkage is the cause"
    );
    r.signal = Some("SIGSEGV".into());
    r.exit_code = None;
    assert!(hostile_outcome(&r).starts_with("crashed (SIGSEGV)"));
    let mut terminal = String::new();
    crate::render::hostile::render(&mut terminal, &[r.clone()], false);
    assert!(terminal.contains("crashed (SIGSEGV)"), "{terminal}");
    (r.signal, r.exit_code) = (None, Some(1));
    let mut terminal = String::new();
    crate::render::hostile::render(&mut terminal, &[r], false);
    assert!(terminal.contains("failed (exit status 1)"), "{terminal}");
}

/// The dynamic build's run is worded as the static one's (QA l: "failed (exit status
/// 101); dynamic build: crashed" for the same exit).
#[test]
fn the_dynamic_builds_run_is_worded_as_the_static_ones() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "crashed",
        "signal": null, "exit_code": 101, "dynamic_outcome": "crashed",
        "dynamic_exit_code": 101, "reproduce": null, "detail": null
    }))
    .expect("run");
    assert_eq!(
        hostile_outcome(&r),
        "failed (exit status 101); dynamic build: failed (exit status 101); not counted, \
         the dynamic build fails the same way"
    );
    (r.signal, r.exit_code) = (Some("SIGSEGV".into()), None);
    (r.dynamic_signal, r.dynamic_exit_code) = (Some("SIGABRT".into()), None);
    assert!(
        hostile_outcome(&r)
            .starts_with("crashed (SIGSEGV); dynamic build: crashed (SIGABRT), by another signal"),
        "{}",
        hostile_outcome(&r)
    );
    // A report written before the field: the outcome's word.
    r.dynamic_signal = None;
    assert!(
        hostile_outcome(&r).contains("dynamic build: crashed,"),
        "{}",
        hostile_outcome(&r)
    );
}

/// `--why [no symbol]` matched the row's stretches of bytes, `[unknown]` its symbols of no
/// crate: said so, not "matching symbols" (they matched no name).
#[test]
fn the_crate_tables_rows_are_said_to_be_rows() {
    let mut w: Why = serde_json::from_value(serde_json::json!({
        "pattern": "[no symbol]", "matched": "row", "chains": [], "more": 12
    }))
    .expect("why");
    assert_eq!(
        why_head(&w, "`[no symbol]`"),
        "`[no symbol]` is a row of the crate table: 12 stretches of bytes without a \
         symbol, the nearest to a root first."
    );
    (w.pattern, w.more) = ("[unknown]".into(), 1);
    assert_eq!(
        why_head(&w, "[unknown]"),
        "[unknown] is a row of the crate table: 1 symbol of no known crate, the nearest \
         to a root first."
    );
}

/// QA af, F3: tealdeer's hostile run ended "Permission denied" and then a backtrace; the
/// terminal showed the backtrace's last three frames (`5: <unknown>`).
#[test]
fn a_hostile_runs_detail_shows_the_error_not_the_backtrace() {
    let r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "crashed",
        "signal": null, "exit_code": 1, "dynamic_outcome": "ok", "reproduce": null,
        "detail": "Error: Could not read config file contents: Permission denied (os error \
                   13)\n\nStack backtrace:\n   5: <unknown>\n   6: <unknown>\n   7: <unknown>\n"
    }))
    .expect("run");
    let mut terminal = String::new();
    crate::render::hostile::render(&mut terminal, &[r], false);
    assert!(
        terminal.contains("| Error: Could not read config file contents: Permission denied"),
        "{terminal}"
    );
    assert!(!terminal.contains("<unknown>"), "{terminal}");
    // Said to be its own output (QA bf F6: root's "Permission denied" read as the cause).
    assert!(
        terminal.contains("      its stderr, before it ended:\n      | Error: Could not"),
        "{terminal}"
    );
}

/// QA ag, F4: just's `similar` had 29 symbols referred to from outside it, 19 names among
/// them (instantiations of one generic function each count); a count by name read 23. The
/// names are said when fewer.
#[test]
fn a_crates_entry_symbols_say_how_many_names_they_have() {
    let of = |n: u64, names: u64| {
        let w: Why = serde_json::from_value(serde_json::json!({
            "pattern": "similar", "matched": "crate", "entry_points": n,
            "entry_names": names, "chains": [], "more": 0
        }))
        .expect("why");
        why_head(&w, "similar")
    };
    assert_eq!(
        of(29, 19),
        "similar is a crate; 29 of its symbols (19 names: each instantiation of a generic \
         function counts) are referred to from outside it."
    );
    assert_eq!(
        of(2, 2),
        "similar is a crate; 2 of its symbols are referred to from outside it."
    );
    assert_eq!(
        of(2, 1),
        "similar is a crate; 2 of its symbols (1 name: each instantiation of a generic \
         function counts) are referred to from outside it."
    );
    // With thousands, as every count (QA ar F9).
    assert_eq!(
        of(1994, 1160),
        "similar is a crate; 1,994 of its symbols (1,160 names: each instantiation of a \
         generic function counts) are referred to from outside it."
    );
}

/// QA am F4: a `--hostile` that judged none of its conditions is a reason of its own, with the
/// first condition's reason; one condition judged, and it is none.
#[test]
fn hostile_runs_all_skipped_are_a_reason() {
    let skipped = |condition: &str| -> HostileRun {
        serde_json::from_value(serde_json::json!({
            "condition": condition, "description": "", "outcome": "skipped",
            "signal": null, "exit_code": null, "dynamic_outcome": null, "reproduce": null,
            "detail": "not judged: the plain run did not exit within 1s either"
        }))
        .expect("run")
    };
    let mut report = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.hostile = vec![skipped("no-home"), skipped("unknown-uid")];
    report.artifacts.push(a);
    let all = reasons(&report);
    let lines: Vec<String> = all.iter().map(Reason::line).collect();
    assert_eq!(
        lines,
        [
            "--hostile judged none of its 2 conditions: not judged: the plain run did not exit \
          within 1s either"
        ]
    );
    assert_eq!(all[0].verdict(), Verdict::Inconclusive);
    assert_eq!(
        counts(&report, &all),
        ["1 binary with no --hostile condition judged"]
    );
    report.artifacts[0].hostile[0].outcome = HostileOutcome::Ok;
    assert!(reasons(&report).is_empty());
}

/// QA aw F6: the verdict's lines went AOT001, AOT004, AOT001 where the findings' section
/// groups them by rule; they follow the rule too.
#[test]
fn the_verdicts_findings_go_by_rule() {
    let mut r = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.findings = vec![
        finding("AOT001", false),
        finding("AOT004", false),
        finding("AOT001", false),
    ];
    r.artifacts.push(a);
    let rules: Vec<String> = reasons(&r)
        .iter()
        .filter_map(|x| match x {
            Reason::Finding { finding, .. } => Some(finding.rule.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rules, ["AOT001", "AOT001", "AOT004"]);
}

/// QA bd F2: a server that answered 403 until the timeout, under a condition and as its
/// dynamic build, was said to hang; it did not.
#[test]
fn a_run_that_answered_otherwise_is_not_ready_not_hung() {
    let mut r: HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "hung",
        "signal": null, "exit_code": null, "dynamic_outcome": "hung", "reproduce": null,
        "detail": null, "answered": "HTTP 403", "dynamic_answered": "HTTP 403"
    }))
    .expect("run");
    assert_eq!(
        crate::render::hostile_words::hostile_outcome(&r),
        "not ready (it answered HTTP 403 until the timeout); dynamic build: not ready (it \
         answered HTTP 403 until the timeout); not counted, the dynamic build fails the same way"
    );
    r.answered = None;
    r.dynamic_answered = None;
    assert!(
        crate::render::hostile_words::hostile_outcome(&r).starts_with("hung; dynamic build: hung")
    );
}

/// QA bl F5: a baseline refused for error findings names only `--warn-only`; it says how to
/// waive each rule and crate with `allow`, once per pair.
#[test]
fn a_refusal_for_error_findings_says_how_to_allow_them() {
    let mut r = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    let mut gix = finding("AOT004", false);
    gix.krate = "gix".into();
    a.findings = vec![finding("AOT004", false), gix.clone(), gix];
    r.artifacts.push(a);
    assert_eq!(
        allow_hint(&r),
        "; findings known and accepted are waived one by one, the gate kept on the rest, by \
         `allow = [{ rule = \"AOT004\", crate = \"app\", reason = \"...\" }, { rule = \
         \"AOT004\", crate = \"gix\", reason = \"...\" }]` in [package.metadata.aotcheck]"
    );
    r.artifacts[0].findings.clear();
    assert_eq!(allow_hint(&r), "");
}

/// QA bm F6: the verdict's list says which error finding is new since the baseline.
#[test]
fn a_finding_new_since_the_baseline_says_so_in_the_verdict() {
    let mut r = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    let mut new = finding("AOT004", false);
    new.krate = "whoami".into();
    new.new_since_baseline = true;
    a.findings = vec![finding("AOT004", false), new];
    r.artifacts.push(a);
    let lines: Vec<String> = reasons(&r).iter().map(Reason::short).collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.ends_with(", new since the baseline"))
            .count(),
        1,
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("whoami") && l.ends_with("baseline"))
    );
}

/// QA cd F2: a budget the run could not measure (the image's size without `--image`) left the
/// verdict inconclusive with no reason said; the count names it.
#[test]
fn an_inconclusive_verdict_names_the_checks_not_measured() {
    use crate::report::{Check, CheckId};
    let mut a = crate::report::test_artifact(1000);
    a.checks.push(Check::worded(
        CheckId::BudgetImageSize,
        Verdict::Inconclusive,
        "not measured (no image: run with --image)".into(),
    ));
    let mut report = Report::new(None);
    report.artifacts = vec![a];
    report.verdict = Verdict::Inconclusive;
    let all = reasons(&report);
    assert_eq!(
        counts(&report, &all),
        ["1 check not measured (budget.image_size)"]
    );
    // QA cu F1: a startup compared within the noise is measured; one undecided for another
    // reason says so too.
    let mut noisy = report.clone();
    let measured = |id, message: String| {
        let mut c = Check::worded(id, Verdict::Inconclusive, message);
        c.value = Some(1.46);
        c
    };
    noisy.artifacts[0].checks.extend([
        measured(
            CheckId::BaselineStartup,
            format!(
                "the interval straddles 1.10: {}",
                crate::report::WITHIN_THE_NOISE
            ),
        ),
        measured(
            CheckId::BudgetStartup,
            "slower beyond the noise; but the machine was busy".into(),
        ),
    ]);
    assert_eq!(
        counts(&noisy, &reasons(&noisy)),
        [
            "1 check not measured (budget.image_size)",
            "1 check within the noise (baseline.startup)",
            "1 check undecided (budget.startup)",
        ]
    );
    // Under a failing verdict the failures say why; the unmeasured are not counted there.
    let mut failed = report.clone();
    failed.verdict = Verdict::Fail;
    assert!(counts(&failed, &reasons(&failed)).is_empty());
}
