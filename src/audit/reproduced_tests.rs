//! Tests of what the `--hostile` runs add to the audit.
use super::*;

/// QA bs F5: xh's host-name finding, its runs given `--version` alone, says on its own
/// lines that no run likely looked a host name up; a user lookup's finding does not.
#[test]
fn a_host_lookup_not_reached_with_version_alone_is_said_untested() {
    let rule = rules::find("AOT004").expect("rule");
    let mut a = crate::report::test_artifact(1000);
    for (krate, function) in [("std", "getaddrinfo"), ("dirs-sys", "getpwuid_r")] {
        let mut f = new_finding(rule, krate, "1.0.0", vec!["xh".into(), krate.into()]);
        f.evidence
            .push(format!("{}`{function}`", crate::report::DEFINES));
        a.findings.push(f);
    }
    a.hostile = vec![
        serde_json::from_value(serde_json::json!({
            "condition": "no-home", "description": "", "outcome": "ok", "signal": null,
            "exit_code": 0, "dynamic_outcome": null, "reproduce": null, "detail": null
        }))
        .expect("run"),
    ];
    untested_host_lookups(&mut a, &["--version".to_string()]);
    let last = |k: usize| a.findings[k].evidence.last().cloned().unwrap_or_default();
    assert!(
        last(0).starts_with("not tested: the --hostile runs gave the program `--version`"),
        "{}",
        last(0)
    );
    assert!(!last(1).starts_with("not tested"), "{}", last(1));
}

/// QA bj F2: a host lookup that behaved under `--hostile` says that glibc answers from
/// `/etc/hosts` first, and, where the machine lacks the modules the condition names, that
/// the runs could not test a host lookup at all.
/// QA bk F2: under 3 of mdbook's 5 conditions both builds failed the same way (denied its
/// own output as the unknown uid); "not reproduced" said nothing of them.
#[test]
fn conditions_both_builds_failed_are_said_untested() {
    let run = |condition: &str, outcome: &str, dynamic: Option<&str>, detail: &str| {
        serde_json::from_value::<crate::report::HostileRun>(serde_json::json!({
            "condition": condition, "description": "", "outcome": outcome,
            "signal": null, "exit_code": if outcome == "ok" { 0 } else { 101 },
            "dynamic_outcome": dynamic, "dynamic_exit_code": 101, "reproduce": null,
            "detail": detail
        }))
        .expect("run")
    };
    let denied = "Caused by: failed to remove `/b/book/toc.html`\n\
                  Caused by: Permission denied (os error 13)";
    let rule = rules::find("AOT004").expect("rule");
    let mut a = crate::report::test_artifact(1000);
    a.findings.push(new_finding(
        rule,
        "std",
        "1.0.0",
        vec!["app".into(), "std".into()],
    ));
    a.hostile = vec![
        run("no-home", "ok", None, ""),
        run("unknown-uid", "crashed", Some("crashed"), denied),
        run("all", "crashed", Some("crashed"), denied),
    ];
    not_reproduced(&mut a);
    let said = a.findings[0].evidence.last().cloned().unwrap_or_default();
    assert!(
        said.starts_with("not reproduced: the program got ready under --hostile 1 condition"),
        "{said}"
    );
    assert!(
        said.contains(
            "; under 2 conditions (unknown-uid, all) both builds failed the same way \
             (denied a path, `Permission denied`"
        ) && said.ends_with("so they did not test it"),
        "{said}"
    );
    // None got ready: not tested, not "not reproduced".
    a.findings[0].evidence.clear();
    a.hostile.remove(0);
    a.hostile[1].detail = Some("exit 3".into());
    a.hostile[0].detail = Some("exit 3".into());
    not_reproduced(&mut a);
    let said = a.findings[0].evidence.last().cloned().unwrap_or_default();
    assert_eq!(
        said,
        "not tested: under 2 conditions (unknown-uid, all) both builds failed the same way, \
         so they did not test it"
    );
}

#[test]
fn a_host_lookup_that_behaved_says_what_the_runs_could_test() {
    let all = hosts_caveat(&[]);
    assert!(
        all.contains("only for a name `/etc/hosts` does not have"),
        "{all}"
    );
    assert!(
        all.ends_with("through `myhostname`, `resolve`, `mdns4_minimal` or `mdns_minimal`"),
        "{all}"
    );
    // QA bk F5: a machine with `mdns4_minimal` alone can test a host lookup.
    let one = hosts_caveat(&["myhostname", "resolve", "mdns_minimal"]);
    assert!(
        one.ends_with(
            "through `mdns4_minimal` (of the modules the condition names, the one installed \
             here)"
        ),
        "{one}"
    );
    let none = hosts_caveat(&crate::hostile::HOST_MODULES);
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

    // QA cq F2: traced, it read `/etc/hosts` and loaded no module: the line says what that
    // shows, once (not again beside "not reproduced"), and not when a module was loaded.
    let caveat = hosts_caveat(&crate::hostile::missing_host_modules());
    let traced = |a: &mut crate::report::Artifact, opened: &[&str]| {
        a.hostile[0].nss_opened = Some(opened.iter().map(|p| p.to_string()).collect());
        host_lookup_traced(a, &[]);
        a.findings[0].evidence.last().cloned().unwrap_or_default()
    };
    let files = ["/etc/nsswitch.conf", "/etc/host.conf", "/etc/hosts"];
    let mut fresh = a.clone();
    fresh.findings[0]
        .evidence
        .retain(|e| !e.contains(hosts::HOSTS_FIRST));
    let line = traced(&mut fresh.clone(), &files);
    assert!(
        line.ends_with(&format!("and the run passed{caveat}")) && line.starts_with("looked up"),
        "{line}"
    );
    let line = traced(&mut a, &files);
    assert!(line.ends_with("and the run passed"), "{line}");
    let mdns = "/lib/x86_64-linux-gnu/libnss_mdns4_minimal.so.2";
    let line = traced(&mut fresh, &[files[0], files[1], files[2], mdns]);
    assert!(line.ends_with("and the run passed"), "{line}");
}

/// QA ce F1: rustscan crashed (SIGSEGV) without a home directory where its dynamic build
/// panicked "Could not infer config file path." and aborted: both fail, and musl or the
/// dynamic build, the advice's remedies, would not run either. The evidence quotes the
/// dynamic build's panic, and the advice says neither build runs; a dynamic build that
/// survives keeps the static build's advice.
#[test]
fn a_crash_the_dynamic_build_fails_beside_says_both_fail() {
    let rule = rules::find("AOT004").expect("rule");
    let run = |dynamic: &str, detail: Option<&str>| -> crate::report::HostileRun {
        serde_json::from_value(serde_json::json!({
            "condition": "no-home+unknown-uid", "description": "HOME unset, unknown uid",
            "outcome": "crashed", "signal": "SIGSEGV", "exit_code": null,
            "dynamic_outcome": dynamic, "dynamic_signal": "SIGABRT",
            "reproduce": "env -u HOME ./rustscan", "detail": null, "static_hazard": true,
            "dynamic_detail": detail,
        }))
        .expect("run")
    };
    let panic = "thread 'main' panicked at src/input.rs:324:9:\nCould not infer config file \
                 path.\nnote: run with `RUST_BACKTRACE=1` environment variable to display a \
                 backtrace\n";
    let judged = |r: crate::report::HostileRun| {
        let mut a = crate::report::test_artifact(1000);
        let f = new_finding(
            rule,
            "dirs-sys",
            "0.5.0",
            vec!["rustscan".into(), "dirs-sys".into()],
        );
        a.findings.push(f);
        a.hostile = vec![r];
        reproduced(&mut a, &AuditPolicy::default(), "2.4.1");
        a.findings.remove(0)
    };
    let f = judged(run("crashed", Some(panic)));
    assert!(f.reproduced, "{f:?}");
    let said = f.evidence.last().cloned().unwrap_or_default();
    assert!(
        said.ends_with(
            "; the dynamic build fails otherwise (SIGABRT): `panicked at src/input.rs:324:9: \
             Could not infer config file path.`"
        ),
        "{said}"
    );
    assert!(
        f.advice
            .starts_with("Both builds fail under this condition"),
        "{}",
        f.advice
    );
    assert!(f.advice.contains("HOME set"), "{}", f.advice);
    let f = judged(run("ok", None));
    assert!(
        f.advice.starts_with("The static glibc binary crashed"),
        "{}",
        f.advice
    );
    assert!(
        f.evidence
            .last()
            .is_some_and(|e| e.ends_with("the dynamic build survives it"))
    );
}

/// QA ci F4: tealdeer's crash in `getpwuid_r` is pinned on etcetera's `Xdg::new`, nearer it
/// than std's finding's caller `tldr::try_main`. std's finding said its stack showed "none of
/// std's lookups" above `std::env::home_dir`; it says the crash ran a function it lists too,
/// which its own way reaches, and may crash there once etcetera's code is changed.
#[test]
fn a_crash_pinned_on_another_finding_in_a_function_this_one_lists_says_so() {
    let rule = rules::find("AOT004").expect("rule");
    let mut a = crate::report::test_artifact(1000);
    for (krate, caller, functions) in [
        ("std", "tldr::try_main", "`getaddrinfo`, `getpwuid_r`"),
        (
            "etcetera",
            "etcetera::app_strategy::xdg::Xdg::new",
            "`getpwuid_r`",
        ),
        ("openssl-sys", "openssl_sys::lookup", "`gethostbyname`"),
        ("libgit2-sys", "get_passwd_home", "`getpwuid_r`"),
    ] {
        let mut f = new_finding(rule, krate, "1.0.0", vec!["tealdeer".into(), krate.into()]);
        f.evidence
            .push(format!("{}{functions}", crate::report::DEFINES));
        f.reachable = Some(true);
        f.chain = [
            ("tldr::main", "tldr"),
            (caller, krate),
            ("__new_getpwuid_r", "[libc]"),
        ]
        .iter()
        .map(|(symbol, k)| {
            crate::report::Step::named(symbol, Some(k), crate::report::RefKind::Call)
        })
        .collect();
        a.findings.push(f);
    }
    let mut run: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "no-home+unknown-uid", "description": "HOME unset, unknown uid",
        "outcome": "crashed", "signal": "SIGSEGV", "exit_code": null,
        "dynamic_outcome": "ok", "reproduce": "env -u HOME ./tldr", "detail": null,
        "static_hazard": true
    }))
    .expect("run");
    run.crash_stack = [
        "[libnss_systemd.so.2]",
        "__new_getpwuid_r",
        "std::env::home_dir",
        "etcetera::app_strategy::xdg::Xdg::new",
        "tldr::try_main",
        "tldr::main",
    ]
    .map(String::from)
    .to_vec();
    a.hostile = vec![run];
    reproduced(&mut a, &AuditPolicy::default(), "1.9.1");
    let last = |k: usize| a.findings[k].evidence.last().cloned().unwrap_or_default();
    assert!(a.findings[1].reproduced, "{:?}", a.findings[1]);
    assert!(!a.findings[0].reproduced);
    assert!(
        last(0).starts_with(
            "not reproduced: the crash under `no-home+unknown-uid` is another finding's, whose \
             code is nearer it (`etcetera::app_strategy::xdg::Xdg::new`); it crashed in \
             `getpwuid_r`, which this finding's own way reaches too: once that code is \
             changed, the same condition may crash there"
        ),
        "{}",
        last(0)
    );
    assert!(!last(0).contains("none of std's lookups"), "{}", last(0));
    // A finding that lists no function the stack runs keeps the plain line.
    assert!(
        last(2).contains("its stack shows none of openssl-sys's lookups"),
        "{}",
        last(2)
    );
    // QA cm F2: libgit2 looks the user up in a set-uid program alone: no change of other code
    // makes this run crash there.
    assert!(
        last(3).contains(
            "; libgit2-sys calls `getpwuid_r` only in a set-uid program, which no run was"
        ),
        "{}",
        last(3)
    );
}

/// QA cr F7: two findings pinned at one frame (nix's and whoami's inlined lookups in
/// starship's `username::module`) named it twice.
#[test]
fn a_frame_two_findings_were_pinned_at_is_named_once() {
    let rule = rules::find("AOT004").expect("rule");
    let f = new_finding(rule, "dirs-sys", "1.0.0", vec!["starship".into()]);
    let mut r: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "unknown-uid", "description": "", "outcome": "crashed",
        "signal": "SIGSEGV", "exit_code": null, "dynamic_outcome": "ok", "reproduce": null,
        "detail": null
    }))
    .expect("run");
    r.crash_stack = vec!["starship::modules::username::module".into()];
    let frame = "starship::modules::username::module".to_string();
    let said = another_findings(&f, &r, &[(0, frame.clone()), (1, frame)]);
    // Once in the list, once in the stack shown.
    assert_eq!(said.matches("username::module").count(), 2, "{said}");
    assert!(
        said.contains("another finding's (`starship::modules::username::module`)"),
        "{said}"
    );
}

/// QA df F1: eza's lookups of file owners by uid, `unknown-uid` of `eza -l /` ok: the finding
/// that looks ids up says what the condition tried and how to try the others; a host lookup's
/// does not, nor any where the unknown uid did not run (skipped) or the crash was reproduced.
#[test]
fn a_lookup_by_id_not_reproduced_says_how_to_try_other_ids() {
    let rule = rules::find("AOT004").expect("rule");
    let run = |outcome: &str| -> crate::report::HostileRun {
        serde_json::from_value(serde_json::json!({
            "condition": "unknown-uid", "description": "", "outcome": outcome, "signal": null,
            "exit_code": 0, "dynamic_outcome": null, "reproduce": null, "detail": null
        }))
        .expect("run")
    };
    let mut a = crate::report::test_artifact(1000);
    for (krate, function) in [("uzers", "getpwuid_r"), ("std", "getaddrinfo")] {
        let mut f = new_finding(rule, krate, "1.0.0", vec!["eza".into(), krate.into()]);
        f.evidence.push(format!(
            "{}`{function}`, `getpwnam_r`",
            crate::report::DEFINES
        ));
        a.findings.push(f);
    }
    a.hostile = vec![run("skipped")];
    other_ids(&mut a);
    let said = |a: &Artifact, k: usize| a.findings[k].evidence.join("\n");
    assert!(
        !said(&a, 0).contains("`unknown-uid` makes"),
        "{}",
        said(&a, 0)
    );
    a.hostile = vec![run("ok")];
    other_ids(&mut a);
    assert!(
        said(&a, 0).contains(
            "`unknown-uid` makes the program's own uid unknown; `getpwuid_r` looks up any id, \
             such as a file's owner"
        ) && said(&a, 0).ends_with("(`--probe-arg`) in a run of its own, tries that"),
        "{}",
        said(&a, 0)
    );
    assert!(
        !said(&a, 1).contains("`unknown-uid` makes"),
        "{}",
        said(&a, 1)
    );
    let mut b = a.clone();
    b.findings[0].evidence.truncate(1);
    b.findings[0].reproduced = true;
    other_ids(&mut b);
    assert_eq!(b.findings[0].evidence.len(), 1, "{}", said(&b, 0));
    // QA dh F3: two functions look up.
    let mut c = a.clone();
    c.findings[0].evidence = vec![format!(
        "{}`getpwuid_r`, `getgrgid_r`",
        crate::report::DEFINES
    )];
    other_ids(&mut c);
    assert!(
        said(&c, 0).contains("`getpwuid_r`, `getgrgid_r` look up any id"),
        "{}",
        said(&c, 0)
    );
    // QA dh F1: libgit2 looks up its own user alone, set-uid: no such note on its finding.
    b.findings[0].reproduced = false;
    b.findings[0].krate = "libgit2-sys".into();
    other_ids(&mut b);
    assert_eq!(b.findings[0].evidence.len(), 1, "{}", said(&b, 0));
}
