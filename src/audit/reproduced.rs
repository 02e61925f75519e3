//! What the `--hostile` runs add to the audit: a crash the static build alone suffers where
//! glibc loads NSS modules makes an AOT004 error with its evidence and the command that
//! reproduces it; runs that all behaved are said beside each AOT004 finding.

use super::findings::new_finding;
use super::{apply_policy, crash, rules};
use crate::plan::{AuditPolicy, Plan};
use crate::report::{Artifact, Finding, Report};

/// Advice when a hostile run reproduced a crash: what removes the cause.
const REPRODUCED_ADVICE: &str = "The static glibc binary crashed where glibc loads NSS modules. \
    Build for musl if its target is installed (musl loads no NSS modules), or ship the dynamic \
    build. Setting HOME avoids `home_dir`-style lookups of the user's own entry; it does not \
    help a lookup of another uid or name (a file's owner, a process's user) or of a \
    host: avoid those, or read `/etc/passwd` and `/etc/group` yourself.";

/// After the hostile stage: where a hostile run crashed (or hung) a static binary, its AOT004
/// findings become errors that were reproduced, with the command to do it again; one is added
/// if the audit had none. A crash whose stack shows whose code was running is pinned on those
/// findings alone (see `crash.rs`); the others say it is another finding's.
pub fn record_reproduced(plan: &Plan, report: &mut Report) {
    for a in &mut report.artifacts {
        if let Some(bin) = plan.bin_of(a) {
            reproduced(a, &bin.audit, &bin.target.version);
        }
    }
}

pub(super) fn reproduced(a: &mut Artifact, policy: &AuditPolicy, package_version: &str) {
    // Only what the static linkage is to blame for: a failure the dynamic build shares
    // under the same condition is the program's own (it needs `HOME`), no NSS hazard.
    let failed: Vec<&crate::report::HostileRun> =
        a.hostile.iter().filter(|r| r.static_hazard()).collect();
    if failed.is_empty() {
        not_reproduced(a);
        return;
    }
    let package = a.package.clone().unwrap_or_else(|| a.name.clone());
    if !a.findings.iter().any(|f| f.rule == "AOT004")
        && let Some(rule) = rules::find("AOT004")
    {
        a.findings.push(new_finding(
            rule,
            &package,
            package_version,
            vec![package.clone()],
        ));
    }
    let aot004: Vec<usize> = (0..a.findings.len())
        .filter(|&k| a.findings[k].rule == "AOT004")
        .collect();
    // Per failed run, the findings it is pinned on (with the frame that is theirs), or
    // `None`: every finding's.
    let pins: Vec<Option<Vec<(usize, String)>>> = {
        let findings: Vec<&Finding> = aot004.iter().map(|&k| &a.findings[k]).collect();
        failed
            .iter()
            .map(|r| {
                crash::pinned(r, &findings)
                    .map(|hits| hits.into_iter().map(|(k, f)| (k, f.to_string())).collect())
            })
            .collect()
    };
    // Per failed run no finding's code is on, the function its stack shows that only some
    // findings list, with those findings.
    let listing: Vec<Option<(String, Vec<usize>)>> = {
        let findings: Vec<&Finding> = aot004.iter().map(|&k| &a.findings[k]).collect();
        failed
            .iter()
            .zip(&pins)
            .map(|(r, pin)| {
                pin.is_none()
                    .then(|| crash::by_function(r, &findings))
                    .flatten()
            })
            .collect()
    };
    let several = aot004.len() > 1;
    for (n, &k) in aot004.iter().enumerate() {
        let f = &mut a.findings[k];
        let mut evidence = Vec::new();
        let mut reproduce = None;
        for ((r, pin), listing) in failed.iter().zip(&pins).zip(&listing) {
            if let Some((function, hits)) = listing
                && !hits.contains(&n)
            {
                f.evidence.push(format!(
                    "not reproduced: the crash under `{}` is in `{function}`, which this \
                     finding does not list ({})",
                    r.condition,
                    crash::shown(&r.crash_stack, None)
                ));
                continue;
            }
            let frame = match pin {
                None => None,
                Some(hits) => match hits.iter().find(|(i, _)| *i == n) {
                    Some((_, frame)) => Some(frame.as_str()),
                    None => {
                        f.evidence.push(format!(
                            "not reproduced: the crash under `{}` is another finding's; its \
                             stack shows none of {}'s lookups ({})",
                            r.condition,
                            f.krate,
                            crash::shown(&r.crash_stack, None)
                        ));
                        continue;
                    }
                },
            };
            let mut line = reproduced_evidence(r);
            if let Some(frame) = frame {
                line.push_str(&format!(
                    "; the crash stack runs `{frame}`: {}",
                    crash::shown(&r.crash_stack, Some(frame))
                ));
            } else if let Some(why) = r.crash_site_unknown.as_ref().filter(|_| several) {
                line.push_str(&format!(
                    "; where it crashed is unknown ({why}), so it counts for each of the {} \
                     AOT004 findings",
                    aot004.len()
                ));
            } else if several && !r.crash_stack.is_empty() {
                // Said, not silently every finding's (QA ax F1: lsd's crash in `get_output`,
                // which holds uzers's inlined lookups, was pinned on dirs-sys's and
                // libgit2-sys's findings too, with no word of why).
                let each = match listing {
                    Some((function, hits)) if hits.len() == 1 => format!(
                        "for the one that lists `{function}`, the C library's function on it"
                    ),
                    Some((function, hits)) => format!(
                        "for each of the {} that list `{function}`, the C library's function on \
                         it",
                        hits.len()
                    ),
                    None => "for each of them".to_string(),
                };
                line.push_str(&format!(
                    "; its stack ({}) shows the code of none of the {} AOT004 findings, so it \
                     counts {each}",
                    crash::shown(&r.crash_stack, None),
                    aot004.len()
                ));
            }
            evidence.push(line);
            reproduce = reproduce.or_else(|| r.reproduce.clone());
        }
        if evidence.is_empty() {
            continue;
        }
        // An allowance still holds; a severity override does not soften a real crash.
        apply_policy(f, policy);
        f.severity = crate::report::Severity::Error;
        f.reproduced = true;
        f.reproduce = reproduce;
        f.evidence.extend(evidence);
        f.advice = REPRODUCED_ADVICE.to_string();
    }
}

/// Each AOT004 finding of a binary that behaved under every `--hostile` condition that ran
/// says so: the gate still fails on a reachable lookup, but its reader sees the runs' evidence
/// beside it (QA y: mini-redis binds `127.0.0.1:{port}`, which never looks a name up).
fn not_reproduced(a: &mut Artifact) {
    let ok: Vec<&str> = a
        .hostile
        .iter()
        .filter(|r| r.outcome == crate::report::HostileOutcome::Ok)
        .map(|r| r.condition.as_str())
        .collect();
    if ok.is_empty() {
        return;
    }
    let line = format!(
        "not reproduced: the program got ready under --hostile {} ({}); the lookup may not \
         run at start-up, or not with these arguments",
        crate::format::count(ok.len(), "condition", "conditions"),
        ok.join(", ")
    );
    let hosts = hosts_caveat(&crate::hostile::missing_host_modules());
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        let host_lookup = f
            .defined()
            .iter()
            .any(|n| n.starts_with("getaddrinfo") || n.starts_with("gethostby"));
        match host_lookup {
            true => f.evidence.push(format!("{line}{hosts}")),
            false => f.evidence.push(line.clone()),
        }
    }
}

/// What a host lookup that behaved under `--hostile` shows, given the modules of its
/// `nsswitch.conf` this machine lacks: glibc answers from `/etc/hosts` first (`localhost`),
/// and loads a module only for another name, and only one that is installed.
fn hosts_caveat(missing: &[&str]) -> String {
    let base = "; a host lookup loads an NSS module under it only for a name `/etc/hosts` does \
                not have";
    match missing {
        [] => format!("{base}, through `myhostname` or `resolve`"),
        [one] => format!(
            "{base}, through `{}` (`{one}` is not installed here)",
            other(one)
        ),
        _ => format!(
            "{base}, and this machine has neither module the condition names (`myhostname`, \
             `resolve`): --hostile cannot test a host lookup here"
        ),
    }
}

/// The other of the two host modules.
fn other(module: &str) -> &'static str {
    if module == "myhostname" {
        "resolve"
    } else {
        "myhostname"
    }
}

/// `reproduced: crashed with SIGSEGV under `no-home` (...); the dynamic build survives it`.
fn reproduced_evidence(r: &crate::report::HostileRun) -> String {
    use crate::report::HostileOutcome;
    let how = match (&r.signal, r.exit_code, r.outcome) {
        (_, _, HostileOutcome::Hung) => "hung".to_string(),
        (Some(sig), _, _) => format!("crashed with {sig}"),
        (None, Some(code), _) => format!("exited with status {code}"),
        _ => "crashed".to_string(),
    };
    let dynamic = match (r.dynamic_outcome, &r.dynamic_signal) {
        (Some(HostileOutcome::Ok), _) => "; the dynamic build survives it".to_string(),
        // Only a different failure than the static build's reaches here (`static_hazard`).
        (Some(HostileOutcome::Hung), _) => "; the dynamic build hangs instead".to_string(),
        (Some(HostileOutcome::Crashed), Some(sig)) => {
            format!("; the dynamic build fails otherwise ({sig})")
        }
        (Some(HostileOutcome::Crashed), None) => match r.dynamic_exit_code {
            Some(code) => format!("; the dynamic build fails otherwise (exit status {code})"),
            None => "; the dynamic build fails otherwise (an exit status, no signal)".to_string(),
        },
        _ => String::new(),
    };
    format!(
        "{}{how} under `{}` ({}){dynamic}",
        crate::report::REPRODUCED,
        r.condition,
        r.description
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA bj F2: a host lookup that behaved under `--hostile` says that glibc answers from
    /// `/etc/hosts` first, and, where the machine lacks the modules the condition names, that
    /// the runs could not test a host lookup at all.
    #[test]
    fn a_host_lookup_that_behaved_says_what_the_runs_could_test() {
        let all = hosts_caveat(&[]);
        assert!(
            all.contains("only for a name `/etc/hosts` does not have"),
            "{all}"
        );
        assert!(all.ends_with("through `myhostname` or `resolve`"), "{all}");
        let one = hosts_caveat(&["resolve"]);
        assert!(
            one.ends_with("through `myhostname` (`resolve` is not installed here)"),
            "{one}"
        );
        let none = hosts_caveat(&["myhostname", "resolve"]);
        assert!(
            none.ends_with("--hostile cannot test a host lookup here"),
            "{none}"
        );

        // On a finding that lists a host lookup, not on one that lists user lookups only.
        let rule = rules::find("AOT004").expect("rule");
        let mut a = crate::report::test_artifact(1000);
        for (krate, defines) in [("std", "`getaddrinfo`"), ("dirs-sys", "`getpwuid_r`")] {
            let mut f = new_finding(rule, krate, "1.0.0", vec!["app".into(), krate.into()]);
            f.evidence
                .push(format!("{}{defines}", crate::report::DEFINES));
            a.findings.push(f);
        }
        let run: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
            "condition": "nss-module", "description": "", "outcome": "ok", "signal": null,
            "exit_code": 0, "dynamic_outcome": null, "reproduce": null, "detail": null
        }))
        .expect("run");
        a.hostile = vec![run];
        not_reproduced(&mut a);
        let last = |i: usize| a.findings[i].evidence.last().cloned().unwrap_or_default();
        assert!(last(0).starts_with("not reproduced: "), "{}", last(0));
        assert!(last(0).ends_with(&hosts_caveat(&crate::hostile::missing_host_modules())));
        assert!(!last(1).contains("/etc/hosts"), "{}", last(1));
    }
}
