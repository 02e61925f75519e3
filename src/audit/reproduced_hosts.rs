//! What the `--hostile` runs show of a host-name lookup: whether they could have reached it,
//! and what the traced `nss-module` run opened of the name service.

use crate::report::Artifact;

/// A host-name lookup's finding whose runs had the program answer `--version` alone says, on
/// its own line, that no run likely reached the lookup (QA bs F5: "not reproduced: the crash
/// ... is another finding's" read as tested, and the warning was 60 lines below).
pub(super) fn untested_host_lookups(a: &mut Artifact, args: &[String]) {
    if a.hostile.is_empty() {
        return;
    }
    for f in a.findings.iter_mut().filter(|f| f.rule == "AOT004") {
        if f.looks_up_hosts() && !f.reproduced {
            f.evidence.push(format!(
                "not tested: the --hostile runs gave the program `{}` alone, which most \
                 programs answer before their work: no run likely looked a host name up \
                 (give --probe-arg the arguments it runs with)",
                args.join(" ")
            ));
        }
    }
}

/// A host-name lookup's finding says what the traced `nss-module` run opened of the name
/// service: that it looked a host name up there (and how the run went), or that it looked none
/// up with the arguments it was given, so the runs did not test it (QA ce F2: rustscan's `-a
/// 127.0.0.1` and `-a example.com` read alike).
pub(super) fn host_lookup_traced(a: &mut Artifact, args: &[String]) {
    use crate::report::HostileOutcome;
    let Some((run, opened)) = a
        .hostile
        .iter()
        .find_map(|r| r.nss_opened.as_ref().map(|o| (r, o)))
    else {
        return;
    };
    let names: Vec<String> = opened
        .iter()
        .take(10)
        .map(|p| {
            let lib = p.rsplit('/').next().filter(|n| n.starts_with("libnss_"));
            format!("`{}`", lib.unwrap_or(p))
        })
        .collect();
    let more = match opened.len().saturating_sub(names.len()) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let line = if crate::hostile::looked_up_hosts(opened) {
        let how = match run.outcome {
            HostileOutcome::Ok => "the run passed",
            HostileOutcome::Hung => "the run hung",
            _ => "the run failed",
        };
        format!(
            "looked up: run once more under `{}`, traced, the program opened {}{more}: it \
             looked a host name up there, and {how}",
            run.condition,
            names.join(", ")
        )
    } else {
        not_tested(&run.condition, opened, &names, &more, args)
    };
    // A lookup that passed with no module loaded was answered from `/etc/hosts`: what that
    // shows, unless the finding's "not reproduced" line says it already (QA cq F2: xh's
    // `localhost`, with another finding's crash beside it, read as a host lookup proved safe).
    let module = opened.iter().any(|p| {
        p.rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with("libnss_"))
    });
    let caveat = match (run.outcome, module) {
        (HostileOutcome::Ok, false) => hosts_caveat(&crate::hostile::missing_host_modules()),
        _ => String::new(),
    };
    for f in a.findings.iter_mut() {
        if f.rule == "AOT004" && f.looks_up_hosts() {
            let said = f.evidence.iter().any(|e| e.contains(HOSTS_FIRST));
            let caveat = if said { "" } else { caveat.as_str() };
            f.evidence.push(format!("{line}{caveat}"));
        }
    }
}

/// The line of a traced run that looked no host name up through glibc: what it opened
/// (`names` of `opened`, `more` beyond them) and how to test the lookup.
fn not_tested(
    condition: &str,
    opened: &[String],
    names: &[String],
    more: &str,
    args: &[String],
) -> String {
    // What it opened, it read itself (QA cg F4: "it opened `/etc/hosts` ... looked no
    // host name up" read as a contradiction).
    let others = crate::hostile::other_databases(opened);
    let read = match names.is_empty() {
        true => "it opened no file of the name service".to_string(),
        // Glibc's lookups of another database: a user's, a group's (QA cn F2).
        false if !others.is_empty() => format!(
            "it opened {}{more} for glibc's lookups in {}, not of a host name",
            names.join(", "),
            crate::format::quoted(&others)
        ),
        false => format!(
            "it read {}{more} itself, not through glibc (no `/etc/host.conf` or host module \
             opened, no `/etc/hosts` after `/etc/nsswitch.conf`): a resolver of its own, \
             likely",
            names.join(", ")
        ),
    };
    let with = match args.is_empty() {
        true => "with no arguments".to_string(),
        false => format!("with `{}`", args.join(" ")),
    };
    format!(
        "not tested: run once more under `{condition}`, traced, {with}, the program looked no \
         host name up through glibc ({read}), so --hostile did not test this lookup (give \
         --probe-arg the arguments with which it resolves a name through it)"
    )
}

/// How [`hosts_caveat`] begins.
pub(super) const HOSTS_FIRST: &str = "a host lookup loads an NSS module under it only for a name \
                           `/etc/hosts` does not have";

/// What a host lookup that behaved under `--hostile` shows, given the modules of its
/// `nsswitch.conf` this machine lacks: glibc answers from `/etc/hosts` first (`localhost`),
/// and loads a module only for another name, and only one that is installed.
pub(super) fn hosts_caveat(missing: &[&str]) -> String {
    let base = format!("; {HOSTS_FIRST}");
    let named = crate::hostile::HOST_MODULES;
    let installed: Vec<&str> = named
        .iter()
        .copied()
        .filter(|m| !missing.contains(m))
        .collect();
    let or = |names: &[&str]| {
        let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match q.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    match installed.len() {
        0 => format!(
            "{base}, and this machine has none of the modules the condition names ({}): \
             --hostile cannot test a host lookup here",
            crate::format::quoted(&named)
        ),
        n if n == named.len() => format!("{base}, through {}", or(&installed)),
        _ => format!(
            "{base}, through {} (of the modules the condition names, the {} installed here)",
            or(&installed),
            if installed.len() == 1 { "one" } else { "ones" }
        ),
    }
}
