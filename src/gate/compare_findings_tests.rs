//! Tests of how a comparison with a baseline marks the audit's findings.

use super::*;

/// QA ao F9: a change that brought a new error finding (AOT004 on std, a `ToSocketAddrs`
/// lookup) failed the run as the baseline's finding did, with nothing to tell the new one: a
/// finding whose rule and crate the baseline's binary has not is marked new.
#[test]
fn a_finding_the_baseline_has_not_is_new() {
    let finding = |krate: &str| -> crate::report::Finding {
        serde_json::from_value(serde_json::json!({
            "rule": "AOT004", "title": "glibc NSS lookups", "severity": "error",
            "crate": krate, "version": "1.0.0", "path": ["app", krate], "evidence": [],
            "allowed": false, "reason": null, "advice": "a"
        }))
        .expect("finding")
    };
    let mut base = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.findings = vec![finding("whoami")];
    base.artifacts.push(a);
    let mut cur = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.findings = vec![finding("whoami"), finding("std")];
    cur.artifacts.push(a);
    compare(&mut cur, &base, "b.json", &|_| Thresholds::default());
    let new: Vec<(&str, bool)> = cur.artifacts[0]
        .findings
        .iter()
        .map(|f| (f.krate.as_str(), f.new_since_baseline))
        .collect();
    assert_eq!(new, [("whoami", false), ("std", true)]);
    assert!(
        cur.baseline
            .as_ref()
            .is_some_and(|b| b.gone_findings.is_empty())
    );
    // QA cn F8: the other way round, the finding on std is gone, and said so.
    let mut back = Report::new(None);
    back.artifacts.push(base.artifacts[0].clone());
    compare(&mut back, &cur, "b.json", &|_| Thresholds::default());
    let label = artifact_label(&back.artifacts[0]);
    let gone = back.baseline.as_ref().map(|b| {
        let words: Vec<String> = b.gone_findings.iter().map(|g| g.to_string()).collect();
        (words, b.gone_findings[0].krate.clone())
    });
    assert_eq!(
        gone,
        Some((
            vec![format!("{label}: AOT004 on std (error)")],
            "std".into()
        ))
    );

    // In JSON only where true; a baseline file without the field reads as not new.
    let json = serde_json::to_value(&cur.artifacts[0].findings).expect("json");
    assert_eq!(json[1]["new_since_baseline"], true);
    assert!(json[0].get("new_since_baseline").is_none(), "{json}");
}

/// QA ar F2: an allowed finding whose static binary defines a function the baseline's did not
/// (nix's `getpwnam_r` on uzers's finding) says so; one with the same functions says nothing.
#[test]
fn a_finding_with_a_new_function_says_so() {
    let finding = |defines: &str, allowed: bool| -> crate::report::Finding {
        serde_json::from_value(serde_json::json!({
            "rule": "AOT004", "title": "glibc NSS lookups", "severity": "error",
            "crate": "uzers", "version": "0.12.2", "path": ["procs", "uzers"],
            "evidence": [format!("{}{defines}", crate::report::DEFINES)],
            "allowed": allowed, "reason": null, "advice": "a"
        }))
        .expect("finding")
    };
    let run = |before: &str, now: &str| {
        let mut base = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.findings = vec![finding(before, true)];
        base.artifacts.push(a);
        let mut cur = Report::new(None);
        let mut a = crate::report::test_artifact(1000);
        a.findings = vec![finding(now, true)];
        cur.artifacts.push(a);
        compare(&mut cur, &base, "b.json", &|_| Thresholds::default());
        cur.artifacts[0].findings[0].evidence.clone()
    };
    let said = run("`getpwuid_r`", "`getpwnam_r`, `getpwuid_r` (glibc 2.36)");
    assert_eq!(
        said[1],
        "new since the baseline: `getpwnam_r` (the `allow` of this finding covers them too)"
    );
    assert_eq!(run("`getpwuid_r`", "`getpwuid_r`").len(), 1);
}
