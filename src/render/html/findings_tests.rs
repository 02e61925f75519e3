//! Tests of the page's findings.

use super::*;
use crate::report::Severity;

fn finding(rule: &str) -> Finding {
    Finding {
        rule: rule.into(),
        title: "t".into(),
        severity: Severity::Warning,
        krate: "k".into(),
        version: "1.0.0".into(),
        feature: None,
        path: vec!["app".into(), "k".into()],
        evidence: Vec::new(),
        allowed: false,
        reason: None,
        advice: "a".into(),
        reproduced: false,
        reproduce: None,
        reachable: None,
        chain: Vec::new(),
        new_since_baseline: false,
    }
}

/// A rule about a library (AOT005) has no function to reach: nothing is said of it; a rule
/// whose function the graph looks for says it could not tell.
#[test]
fn reachability_is_spoken_of_only_where_the_rule_has_a_function() {
    let mut s = String::new();
    reach(&mut s, &finding("AOT005"));
    assert_eq!(s, "");
    reach(&mut s, &finding("AOT004"));
    assert!(s.contains("Reachability not known"), "{s}");
    let mut s = String::new();
    let mut f = finding("AOT004");
    f.reachable = Some(false);
    reach(&mut s, &f);
    assert!(s.contains("Linked but unreachable"), "{s}");
    // QA cb F1: a crate whose code calls none of the functions, which others' code calls.
    let mut s = String::new();
    f.krate = "nix".into();
    f.evidence = vec![format!(
        "`getpwuid_r` is called by the code of dirs-sys, not of nix (the finding on \
         dirs-sys); {}nix's code, so the finding is one step less severe",
        crate::report::CALLED_BY_OTHERS
    )];
    reach(&mut s, &f);
    assert!(s.contains("Not called by nix's code"), "{s}");
    assert!(!s.contains("unreachable"), "{s}");
}

/// QA al F5: the probe's giving up was said as the note and again as each unknown figure's
/// reason; the figures it left unknown are named with it, once.
#[test]
fn giving_up_is_one_note_naming_the_figures_it_left_unknown() {
    let stopped = "stopped after 3 failed runs in a row, none ready".to_string();
    let p = Probe {
        gave_up: Some(stopped.clone()),
        unknown: [
            ("startup_ms".to_string(), stopped.clone()),
            ("memory_kib".to_string(), stopped.clone()),
            ("shutdown_ms".to_string(), "not measured".to_string()),
        ]
        .into(),
        ..Probe::default()
    };
    let mut s = String::new();
    notes(&mut s, &p);
    assert_eq!(s.matches(&stopped).count(), 1, "{s}");
    assert!(s.contains("<code>startup_ms</code>"), "{s}");
    assert!(s.contains("<code>memory_kib</code>"), "{s}");
    assert!(
        s.contains("<code>shutdown_ms</code> unknown: not measured"),
        "{s}"
    );
}

/// QA bw F6: memory read as the program exits is said so on the page, as in the terminal.
#[test]
fn memory_is_said_to_be_read_when_it_was() {
    let said = |ready: &str| {
        let mut a = crate::report::test_artifact(1000);
        a.probe = Some(Probe {
            ready: ready.into(),
            ..Probe::default()
        });
        let mut s = String::new();
        probe(&mut s, &a);
        s
    };
    for exit in ["exit", "exit:1", "exit:any"] {
        let s = said(exit);
        assert!(s.contains("<p>Memory at exit (median of"), "{s}");
        assert!(!s.contains("at ready"), "{s}");
    }
    assert!(said("tcp").contains("<p>Memory at ready (median of"));
}

/// QA be F4: the evidence's and the advice's backtick-quoted names are code on the page,
/// escaped; no backtick is left.
#[test]
fn evidence_and_advice_quote_names_as_code() {
    let mut f = finding("AOT004");
    f.evidence = vec!["static binary defines `getpwuid_r`, `a<b>`".into()];
    f.advice = "Take `HOME` from the environment.".into();
    let mut s = String::new();
    findings(&mut s, &[f]);
    assert!(
        s.contains(
            "<li>static binary defines <code>getpwuid_r</code>, <code>a&lt;b&gt;</code></li>"
        ),
        "{s}"
    );
    assert!(s.contains("Take <code>HOME</code> from"), "{s}");
    assert!(!s.contains('`'), "{s}");
}
