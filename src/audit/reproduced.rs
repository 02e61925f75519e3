//! What the `--hostile` runs add to the audit: a crash the static build alone suffers where
//! glibc loads NSS modules makes an AOT004 error with its evidence and the command that
//! reproduces it; runs that all behaved are said beside each AOT004 finding.

use super::findings::new_finding;
use super::{apply_policy, crash, rules};
use crate::plan::{AuditPolicy, Plan};
use crate::report::{Artifact, Finding, Report};
use hosts::{host_lookup_traced, hosts_caveat, untested_host_lookups};

#[path = "reproduced_hosts.rs"]
mod hosts;

/// Advice when a hostile run reproduced a crash: what removes the cause.
const REPRODUCED_ADVICE: &str = "The static glibc binary crashed where glibc loads NSS modules. \
    Build for musl if its target is installed (musl loads no NSS modules), or ship the dynamic \
    build. Setting HOME avoids `home_dir`-style lookups of the user's own entry; it does not \
    help a lookup of another uid or name (a file's owner, a process's user) or of a \
    host: avoid those, or read `/etc/passwd` and `/etc/group` yourself.";

/// Advice when the dynamic build failed under the crash's condition too (QA ce F1: rustscan
/// panics without a home directory; musl or the dynamic build would not have run either).
const BOTH_FAIL_ADVICE: &str = "Both builds fail under this condition: the dynamic build as \
    the evidence says; the static glibc binary crashes instead, where glibc loads NSS modules \
    (built for musl or shipped dynamic, it would fail as the dynamic build does, not crash). \
    Neither makes the program run under it: give it what it looks up where it runs (HOME \
    set, for its own home directory; a user entry for its uid), or make it go on without (a \
    missing home directory handled, not a panic).";

/// After the hostile stage: where a hostile run crashed (or hung) a static binary, its AOT004
/// findings become errors that were reproduced, with the command to do it again; one is added
/// if the audit had none. A crash whose stack shows whose code was running is pinned on those
/// findings alone (see `crash.rs`); the others say it is another finding's.
pub fn record_reproduced(plan: &Plan, report: &mut Report) {
    for a in &mut report.artifacts {
        if let Some(bin) = plan.bin_of(a) {
            reproduced(a, &bin.audit, &bin.target.version);
            other_ids(a);
            if crate::hostile::only_answered_early(&bin.start.args) {
                untested_host_lookups(a, &bin.start.args);
            } else {
                host_lookup_traced(a, &bin.start.args);
            }
            // The crash's advice begins with musl too (QA co F1).
            super::nss_advice::say_musl(a);
        }
    }
}

/// The lookups by id that a uid or gid the databases lack may crash in a static build.
const BY_ID: [&str; 4] = ["getpwuid", "getpwuid_r", "getgrgid", "getgrgid_r"];

/// An AOT004 finding that looks users or groups up by id, not reproduced where the unknown uid
/// ran: that condition makes the program's own uid unknown, not the ids it looks up for
/// others (QA df F1: eza crashes on a file whose owner `/etc/passwd` lacks, as any user, and
/// `unknown-uid` of `eza -l /`, whose files root owns, was `ok` without a word of it).
fn other_ids(a: &mut Artifact) {
    use crate::report::HostileOutcome;
    let ran = a
        .hostile
        .iter()
        .any(|r| r.condition.contains("unknown-uid") && r.outcome != HostileOutcome::Skipped);
    if !ran {
        return;
    }
    // A crate known to look up its own user alone, and only set-uid (libgit2), takes no id
    // from outside (QA dh F1: libgit2-sys's finding said both).
    let setuid_only = |k: &str| {
        super::nss_advice::SETUID_ONLY
            .iter()
            .any(|c| crate::format::same_crate(c, k))
    };
    for f in a
        .findings
        .iter_mut()
        .filter(|f| f.rule == "AOT004" && !f.reproduced && !setuid_only(&f.krate))
    {
        let by_id: Vec<String> = f
            .defined()
            .into_iter()
            .filter(|n| BY_ID.contains(&n.as_str()))
            .collect();
        if by_id.is_empty() {
            continue;
        }
        let looks = if by_id.len() == 1 { "looks" } else { "look" };
        f.evidence.push(format!(
            "`unknown-uid` makes the program's own uid unknown; {} {looks} up any id, such as \
             a file's owner, and an id the databases lack takes the lookup past `files` to the \
             other services /etc/nsswitch.conf names, which a static build loads with \
             dlopen: a path owned by a uid that /etc/passwd lacks, given to the program \
             (`--probe-arg`) in a run of its own, tries that",
            crate::format::quoted(&by_id)
        ));
    }
}

/// Why `f` does not take run `r`'s crash, pinned on other findings at `hits`' frames. Where
/// the stack runs a function `f` lists too, the crash is no proof that `f`'s own way to it is
/// safe (QA ci F4: tealdeer's crash in `getpwuid_r`, pinned on etcetera's `Xdg::new`, said
/// std's finding's stack showed "none of std's lookups" above `std::env::home_dir`, and with
/// etcetera bypassed `tldr::try_main`'s own call crashed the same way).
fn another_findings(
    f: &Finding,
    r: &crate::report::HostileRun,
    hits: &[(usize, String)],
) -> String {
    // Each frame once (QA cr F7: "(`username::module`, `username::module`)").
    let mut frames: Vec<&str> = Vec::new();
    for (_, frame) in hits {
        if !frames.contains(&frame.as_str()) {
            frames.push(frame);
        }
    }
    let stack = crash::shown(&r.crash_stack, None);
    let function = f.defined().into_iter().find(|n| {
        r.crash_stack
            .iter()
            .any(|frame| crash::is_function(frame, n))
    });
    let setuid_only = super::nss_advice::SETUID_ONLY
        .iter()
        .any(|k| crate::format::same_crate(k, &f.krate));
    match function {
        // It reads `HOME` and looks no user up where the program is not set-uid: no run of
        // `--hostile` is, and no change of other code makes its lookup run.
        Some(function) if setuid_only => format!(
            "not reproduced: the crash under `{}` is another finding's ({}); {} calls \
             `{function}` only in a set-uid program, which no run was ({stack})",
            r.condition,
            crate::format::quoted(&frames),
            f.krate
        ),
        Some(function) => format!(
            "not reproduced: the crash under `{}` is another finding's, whose code is nearer it \
             ({}); it crashed in `{function}`, which this finding's own way reaches too: once \
             that code is changed, the same condition may crash there ({stack})",
            r.condition,
            crate::format::quoted(&frames)
        ),
        None => format!(
            "not reproduced: the crash under `{}` is another finding's ({}); its stack shows \
             none of {}'s lookups ({stack})",
            r.condition,
            crate::format::quoted(&frames),
            f.krate
        ),
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
    let (pins, listing) = {
        let findings: Vec<&Finding> = aot004.iter().map(|&k| &a.findings[k]).collect();
        pins_of(&failed, &findings)
    };
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
                        f.evidence.push(another_findings(f, r, hits));
                        continue;
                    }
                },
            };
            let mut line = reproduced_evidence(r);
            line.push_str(&where_it_crashed(r, frame, listing.as_ref(), aot004.len()));
            evidence.push(line);
            reproduce = reproduce.or_else(|| r.reproduce.clone());
        }
        if evidence.is_empty() {
            continue;
        }
        // An allowance still holds; a severity override does not soften a real crash.
        apply_policy(f, policy);
        evidence.extend(raised(f));
        f.severity = crate::report::Severity::Error;
        f.reproduced = true;
        f.reproduce = reproduce;
        f.evidence.extend(evidence);
        f.advice = if failed.iter().all(|r| r.both_fail()) {
            BOTH_FAIL_ADVICE
        } else {
            REPRODUCED_ADVICE
        }
        .to_string();
    }
}

/// The line of a finding whose configured severity a reproduced crash raises to error (QA df
/// F2: `AOT004 = "warning"` was shown as an error without a word).
fn raised(f: &Finding) -> Option<String> {
    (f.severity != crate::report::Severity::Error).then(|| {
        format!(
            "the configuration's severity `{}` of {} is raised to error: the crash was \
             reproduced (only an `allow` with a reason waives it)",
            f.severity.as_str(),
            f.rule
        )
    })
}

/// Per failed run, the findings it is pinned on, each with the frame that is its.
type Pins = Vec<Option<Vec<(usize, String)>>>;

/// Per failed run, a function of its stack and the findings that list it.
type Listings = Vec<Option<(String, Vec<usize>)>>;

/// Per failed run, the findings it is pinned on (each with the frame that is theirs), or
/// `None`: every finding's; and per failed run no finding's code is on, the function its
/// stack shows that only some findings list, with those findings.
fn pins_of(failed: &[&crate::report::HostileRun], findings: &[&Finding]) -> (Pins, Listings) {
    let pins: Pins = failed
        .iter()
        .map(|r| {
            crash::pinned(r, findings)
                .map(|hits| hits.into_iter().map(|(k, f)| (k, f.to_string())).collect())
        })
        .collect();
    let listing = failed
        .iter()
        .zip(&pins)
        .map(|(r, pin)| {
            pin.is_none()
                .then(|| crash::by_function(r, findings))
                .flatten()
        })
        .collect();
    (pins, listing)
}

/// What the line of a reproduced crash `r` adds of where it crashed: the frame of the
/// finding's code on its stack; else, with `findings` AOT004 findings (more than one), why it
/// counts for each, or for those that list the C library's function on it (`listing`).
fn where_it_crashed(
    r: &crate::report::HostileRun,
    frame: Option<&str>,
    listing: Option<&(String, Vec<usize>)>,
    findings: usize,
) -> String {
    let several = findings > 1;
    if let Some(frame) = frame {
        return format!(
            "; the crash stack runs `{frame}`: {}",
            crash::shown(&r.crash_stack, Some(frame))
        );
    }
    if let Some(why) = r.crash_site_unknown.as_ref().filter(|_| several) {
        return format!(
            "; where it crashed is unknown ({why}), so it counts for each of the {findings} \
             AOT004 findings"
        );
    }
    if !several || r.crash_stack.is_empty() {
        return String::new();
    }
    // Said, not silently every finding's (QA ax F1: lsd's crash in `get_output`, which holds
    // uzers's inlined lookups, was pinned on dirs-sys's and libgit2-sys's findings too, with
    // no word of why).
    let each = match listing {
        Some((function, hits)) if hits.len() == 1 => {
            format!("for the one that lists `{function}`, the C library's function on it")
        }
        Some((function, hits)) => format!(
            "for each of the {} that list `{function}`, the C library's function on it",
            hits.len()
        ),
        None => "for each of them".to_string(),
    };
    format!(
        "; its stack ({}) shows the code of none of the {findings} AOT004 findings, so it \
         counts {each}",
        crash::shown(&r.crash_stack, None)
    )
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
    let untested = same_failure(&a.hostile);
    let line = match (ok.is_empty(), untested) {
        (true, None) => return,
        (true, Some(u)) => format!("not tested: {u}"),
        (false, u) => format!(
            "not reproduced: the program got ready under --hostile {} ({}); the lookup may \
             not run at start-up, or not with these arguments{}",
            crate::format::count(ok.len(), "condition", "conditions"),
            ok.join(", "),
            u.map(|u| format!("; {u}")).unwrap_or_default()
        ),
    };
    let hosts = hosts_caveat(&crate::hostile::missing_host_modules());
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        match f.looks_up_hosts() {
            true => f.evidence.push(format!("{line}{hosts}")),
            false => f.evidence.push(line.clone()),
        }
    }
}

/// The conditions under which both builds failed the same way: they did not get as far as
/// the lookup, or did not show it (QA bk F2: mdbook, as the unknown uid, could not replace the
/// output an earlier run as root had made, in 3 of the 5 conditions, which the finding's "not
/// reproduced" did not tell). A run denied a path says so, and what to do.
fn same_failure(runs: &[crate::report::HostileRun]) -> Option<String> {
    use crate::report::HostileOutcome;
    let same: Vec<&crate::report::HostileRun> = runs
        .iter()
        .filter(|r| matches!(r.outcome, HostileOutcome::Crashed | HostileOutcome::Hung))
        .filter(|r| r.dynamic_outcome.is_some() && !r.static_hazard())
        .collect();
    if same.is_empty() {
        return None;
    }
    let names: Vec<&str> = same.iter().map(|r| r.condition.as_str()).collect();
    let denied = same.iter().any(|r| {
        r.detail
            .as_deref()
            .is_some_and(|d| d.contains("Permission denied") || d.contains("os error 13"))
    });
    let why = if denied {
        " (denied a path, `Permission denied`: as the unknown uid the program may not change \
         what a run as this user made, such as its output directory; let any user write \
         there, or point the program at a place under /tmp, to test it)"
    } else {
        ""
    };
    Some(format!(
        "under {} ({}) both builds failed the same way{why}, so {} did not test it",
        crate::format::count(names.len(), "condition", "conditions"),
        names.join(", "),
        if names.len() == 1 { "it" } else { "they" }
    ))
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
    // What it said, in its words (a panic's message).
    let said = match dynamic_said(r) {
        Some(s) if r.both_fail() => format!(": `{s}`"),
        _ => String::new(),
    };
    format!(
        "{}{how} under `{}` ({}){dynamic}{said}",
        crate::report::REPRODUCED,
        r.condition,
        r.description
    )
}

/// What the dynamic build's failed run said, in one line: a Rust panic's place and message
/// (`panicked at src/input.rs:324:9: Could not infer config file path.`), else the last
/// line of its stderr that is no `note:`; `None` when it said nothing.
fn dynamic_said(r: &crate::report::HostileRun) -> Option<String> {
    let d = r.dynamic_detail.as_deref()?;
    if d.starts_with(crate::report::NOTHING_ON_STDERR) {
        return None;
    }
    let lines: Vec<&str> = d.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let said = match lines.iter().position(|l| l.contains("panicked at ")) {
        Some(i) => {
            let at = &lines[i][lines[i].find("panicked at ")?..];
            match lines.get(i + 1).filter(|l| !l.starts_with("note:")) {
                Some(message) => format!("{} {message}", at.trim_end()),
                None => at.to_string(),
            }
        }
        None => lines
            .iter()
            .rev()
            .find(|l| !l.starts_with("note:"))?
            .to_string(),
    };
    Some(crate::format::clip_end(&said, 200))
}

#[cfg(test)]
#[path = "reproduced_tests.rs"]
mod tests;
