//! The gate's terminal lines: filling, cutting, what is listed without `-v`.

use super::*;

/// QA am F1, F4: the verdict line and its bullets are filled (bullets of 238 columns), and
/// a `--hostile` that judged nothing is said in them.
#[test]
fn the_verdict_and_its_bullets_are_filled() {
    let run: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "no-home", "description": "", "outcome": "skipped", "signal": null,
        "exit_code": null, "dynamic_outcome": null, "reproduce": null,
        "detail": format!("not judged: {}", "word ".repeat(40))
    }))
    .expect("run");
    let mut report = Report::new(None);
    let mut a = crate::report::test_artifact(1000);
    a.hostile = vec![run];
    report.artifacts.push(a);
    report.verdict = Verdict::Inconclusive;
    let mut s = String::new();
    let st = Style::plain();
    footer(&mut s, &report, &st);
    assert!(
        s.contains("verdict inconclusive: 1 binary with no --hostile condition"),
        "{s}"
    );
    assert!(
        s.contains("  - ") && s.contains("--hostile judged none of its 1 condition"),
        "{s}"
    );
    assert!(s.lines().count() > 3, "{s}");
    assert!(
        s.lines()
            .all(|l| l.chars().count() <= super::super::fill::WIDTH),
        "{s}"
    );
}

/// QA bb F2: a reference's cut took its arrow, or the callee it names; each end is cut
/// apart, the arrow and the callee's retained bytes kept.
#[test]
fn a_references_ends_are_cut_apart() {
    use crate::report::{CheckId, NewEntry};
    let mut c = Check::worded(
        CheckId::BaselineCrate("std".into()),
        Verdict::Pass,
        "crate std grew by 505 B (+0.01%) to 4.37 MiB".into(),
    );
    c.delta = Some(505.0);
    c.new_entries = vec![
        NewEntry {
            from: "watchexec::main".into(),
            to: "<str as std::net::socket_addr::ToSocketAddrs>::to_socket_addrs".into(),
            retained: Some(677),
        },
        NewEntry {
            from: "<watchexec::error::critical::CriticalError as core::error::Error>::source"
                .into(),
            to: "<&T as core::fmt::Debug>::fmt".into(),
            retained: None,
        },
    ];
    c.entry_points = c.new_entries.iter().map(|e| e.from.clone()).collect();
    crate::gate::entry_points::end_message_with_entry_points(&mut c);
    // QA bo F3: without `-v` a line names the first ones and counts the others.
    let brief = entry_points_cut(&c, 60, 1);
    assert_eq!(brief.matches(" → ").count(), 1, "{brief}");
    assert!(brief.ends_with(" (+1 more, -v lists them)"), "{brief}");
    let cut = entry_points_cut(&c, 60, usize::MAX);
    assert!(
        cut.contains("watchexec::main → <str as std::") && cut.contains("to_socket_addrs"),
        "{cut}"
    );
    // Filled under a lead, each line within the width.
    let mut s = String::new();
    fill(&mut s, &" ".repeat(40), &cut);
    assert!(
        s.lines()
            .all(|l| l.chars().count() <= super::super::fill::WIDTH),
        "{s}"
    );
    assert!(cut.contains("(retains 677 B)"), "{cut}");
    assert!(cut.contains(" → <&T as core::fmt::Debug>::fmt"), "{cut}");
    assert_eq!(cut.matches(" → ").count(), 2, "{cut}");
}

/// QA ao F2: a grown crate's new entry points were written whole, one of 145 columns;
/// each is cut in the middle to the room under the message, its ends kept.
#[test]
fn a_checks_entry_points_are_cut_to_the_width() {
    use crate::report::CheckId;
    let long = format!(
        "std::sys::helpers::small_c_string::run_with_cstr_allocating::<{}LookupHost>",
        "std::sys::net::connection::socket::".repeat(2)
    );
    let names = vec![long.clone(), "app::main".to_string()];
    let mut c = Check::worded(
        CheckId::BaselineCrate("[libc]".into()),
        Verdict::Warn,
        "crate [libc] grew by 34.3 KiB (+3.6%) to 991 KiB: over 1%".into(),
    );
    c.delta = Some(35_123.0);
    let (lead, shown, more) = crate::gate::entry_points::named(&names);
    c.message.push_str(&format!(
        "{lead}{}{}",
        shown.join(", "),
        crate::gate::entry_points::more(more)
    ));
    c.entry_points = names;
    let mut a = crate::report::test_artifact(1000);
    a.checks.push(c);
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    assert!(
        s.lines()
            .all(|l| l.chars().count() <= super::super::fill::WIDTH),
        "{s}"
    );
    assert!(s.contains("std::sys::helpers::small_c_string::"), "{s}");
    assert!(s.contains("…") && s.contains("LookupHost>,"), "{s}");
    assert!(s.contains("app::main"), "{s}");
    assert!(!s.contains(&long), "{s}");
}

/// QA an F6: a crate's alert failed a change that took 1.23 MiB off the file, which the
/// terminal did not say (a passing check is listed only with `-v`); the file's size
/// against the baseline is always listed, other passing checks counted.
#[test]
fn the_file_size_against_the_baseline_is_always_listed() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    a.checks = vec![
        Check::worded(
            CheckId::BaselineCrate("actix_server".into()),
            Verdict::Fail,
            "crate actix_server grew by 23.9 KiB (+36.1%) to 90.0 KiB".into(),
        ),
        Check::worded(
            CheckId::BaselineFileSize,
            Verdict::Pass,
            "file size shrank by 1.23 MiB (-15.0%) to 6.97 MiB".into(),
        ),
        Check::worded(
            CheckId::BaselineCrate("brotli".into()),
            Verdict::Pass,
            "crate brotli unchanged (847 KiB)".into(),
        ),
    ];
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    assert!(s.contains("file size shrank by 1.23 MiB (-15.0%)"), "{s}");
    assert!(!s.contains("brotli"), "{s}");
    assert!(s.contains("1 more within thresholds"), "{s}");
}

/// QA bh F9: one feature brought 36 new crates, 36 failing rows; the five largest are
/// listed and the rest are one line with their bytes and names, after the other failures;
/// `-v` lists each.
#[test]
fn a_dozen_new_crates_are_one_line() {
    let a = super::super::fold::test_new_crates(12);
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    for listed in ["dep12", "dep11", "dep10", "dep09", "dep08"] {
        assert!(s.contains(&format!("crate {listed} is new")), "{s}");
    }
    assert!(!s.contains("crate dep07 is new"), "{s}");
    let line = s
        .lines()
        .find(|l| l.contains("7 more new crates"))
        .expect("folded line");
    assert!(line.starts_with("    FAIL  7 more new crates"), "{s}");
    // 1 + 2 + ... + 7 KiB.
    assert!(s.contains("28.0 KiB in all"), "{s}");
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("largest first: dep07, dep06, dep05, dep04, dep03, dep02, dep01 (-v"),
        "{s}"
    );
    assert!(s.contains("each at least size_fail_min"), "{s}");
    assert!(s.contains("(-v lists each)"), "{s}");
    let file = s.find("file size grew").expect("file size");
    assert!(file < s.find("7 more new crates").expect("folded"), "{s}");
    let mut v = String::new();
    checks(
        &mut v,
        &a,
        &Style {
            verbose: true,
            ..Style::plain()
        },
    );
    assert!(
        v.contains("crate dep01 is new") && !v.contains("more new crates"),
        "{v}"
    );
}

/// QA bl F2: a crate that left the binary is listed without `-v`, the largest three;
/// one that shrank and stayed is counted.
#[test]
fn crates_that_left_the_binary_are_listed() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    for (name, was, now) in [
        ("image_webp", 190_000.0, 0.0),
        ("tiny", 10.0, 0.0),
        ("image", 150_000.0, 118_000.0),
        ("a", 5000.0, 0.0),
        ("b", 6000.0, 0.0),
    ] {
        let mut c = Check::worded(
            CheckId::BaselineCrate(name.into()),
            Verdict::Pass,
            if now == 0.0 {
                format!("crate {name} is gone (was {was} B)")
            } else {
                format!("crate {name} shrank to {now} B")
            },
        );
        c.value = Some(now);
        c.baseline = Some(was);
        c.delta = Some(now - was);
        a.checks.push(c);
    }
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    let listed: Vec<&str> = ["image_webp", "tiny", "image", "a", "b"]
        .into_iter()
        .filter(|n| s.contains(&format!("crate {n} ")))
        .collect();
    assert_eq!(listed, ["image_webp", "a", "b"], "{s}");
    // QA dg F4: what the counted line holds of the crates' news is said in it.
    assert!(
        words(&s).contains(
            "2 more within thresholds (-v lists all): 1 more crate gone, tiny (10 B); 1 crate \
             shrank, the most image (-31.3 KiB)"
        ),
        "{s}"
    );
}

/// QA dr F4: mdbook without two features lost 38 crates, and the counted line named every
/// one, 978 columns wide. It names the largest eight, says how many more, and is filled.
#[test]
fn many_crates_gone_are_named_in_part_on_filled_lines() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    for i in 0..40u32 {
        let name = format!("dependency_number_{i:02}");
        let mut c = Check::worded(
            CheckId::BaselineCrate(name.clone()),
            Verdict::Pass,
            format!("crate {name} is gone"),
        );
        c.value = Some(0.0);
        c.baseline = Some(f64::from(500 + i));
        c.delta = c.baseline.map(|b| -b);
        a.checks.push(c);
    }
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    assert!(
        s.lines()
            .all(|l| l.chars().count() <= crate::render::fill::WIDTH),
        "{s}"
    );
    let w = words(&s);
    assert!(
        w.contains("37 more crates gone, dependency_number_36 (536 B), dependency_number_35"),
        "{s}"
    );
    assert!(
        w.contains("dependency_number_29 (529 B) and 29 more"),
        "{s}"
    );
    assert!(!w.contains("dependency_number_28"), "{s}");
}

/// The terminal's lines as one line of words (its filling aside).
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// QA bb F1: passing crates that grew with new references into them are listed without
/// `-v`, the three most grown; one that grew with none, or an unchanged one, is counted.
#[test]
fn passing_crates_that_pulled_code_in_are_listed() {
    use crate::report::CheckId;
    let mut a = crate::report::test_artifact(1000);
    for (name, delta, entries) in [
        ("small", 10.0, true),
        ("big", 900.0, true),
        ("quiet", 5000.0, false),
        ("mid", 300.0, true),
        ("tiny", 1.0, true),
    ] {
        let mut c = Check::worded(
            CheckId::BaselineCrate(name.into()),
            Verdict::Pass,
            format!("crate {name} grew by {delta} B"),
        );
        c.delta = Some(delta);
        if entries {
            c.entry_points = vec![format!("app::calls_{name}")];
        }
        a.checks.push(c);
    }
    let mut s = String::new();
    checks(&mut s, &a, &Style::plain());
    let listed: Vec<&str> = ["small", "big", "quiet", "mid", "tiny"]
        .into_iter()
        .filter(|n| s.contains(&format!("crate {n} grew")))
        .collect();
    assert_eq!(listed, ["small", "big", "mid"], "{s}");
    assert!(s.contains("2 more within thresholds"), "{s}");
}

/// QA cn F1: a static build that crashed in some probe runs, where its dynamic build in the
/// same rounds did not, fails the gate and says so; a run that only exited early does not.
#[test]
fn a_crash_in_some_probe_runs_fails_and_says_the_dynamic_build_did_not() {
    let probed = |link, runs, failed: &[(&str, Option<&str>)]| {
        let mut a = crate::report::test_artifact(1000);
        a.link_mode = Some(link);
        let mut p = crate::report::Probe {
            runs,
            ..Default::default()
        };
        let sample = serde_json::json!({"run": 1, "warmup": false, "spawned_at_ns": null,
            "startup_ms": 1.0, "shutdown_ms": null, "memory_kib": {}, "processes": 1});
        p.samples = vec![serde_json::from_value(sample).expect("sample"); runs as usize];
        for (i, (message, signal)) in failed.iter().enumerate() {
            p.failed_runs.push(crate::report::FailedRun {
                run: 2 + i as u32,
                warmup: false,
                kind: "exit-status".into(),
                message: format!("{message} {}", crate::probe::FAILED_RUN_NOTE),
                exit_code: None,
                signal: signal.map(str::to_string),
                core_dumped: false,
                stderr_tail: String::new(),
                stdout_tail: String::new(),
            });
        }
        a.probe = Some(p);
        a
    };
    use crate::report::LinkMode::{Dynamic, Static};
    let mut r = Report::new(None);
    let segv = ("killed by SIGSEGV", Some("SIGSEGV"));
    r.artifacts = vec![probed(Static, 3, &[segv]), probed(Dynamic, 4, &[])];
    assert_eq!(crate::gate::verdict(&r), Verdict::Fail);
    let lines: Vec<String> = crate::render::reasons::reasons(&r)
        .iter()
        .map(crate::render::reasons::Reason::line)
        .collect();
    assert_eq!(
        lines,
        [
            "crashed in 1 of 4 probe runs (first: run 2, killed by SIGSEGV); its dynamic build, \
          probed in the same rounds, crashed in none of its 4 runs: the static build alone \
          crashes (AOT004 and --hostile tell whether glibc's static linkage is the cause)"
        ]
    );
    // Killed from outside (a timeout's SIGKILL) or an exit status: no crash.
    let kill = ("killed by SIGKILL", Some("SIGKILL"));
    let exit = ("exited with status 5", None);
    r.artifacts = vec![probed(Static, 3, &[kill, exit]), probed(Dynamic, 4, &[])];
    assert_eq!(crate::gate::verdict(&r), Verdict::Pass);
    assert!(crate::render::reasons::reasons(&r).is_empty());
}

/// QA cm F7: the verdict's line of a `--hostile` crash says that the dynamic build failed too
/// (bat: SIGSEGV static, exit status 101 dynamic), which the finding's advice said alone.
#[test]
fn a_hostile_crash_says_when_the_dynamic_build_failed_too() {
    let run: crate::report::HostileRun = serde_json::from_value(serde_json::json!({
        "condition": "no-home+unknown-uid", "description": "no HOME, an unknown uid",
        "outcome": "crashed", "signal": "SIGSEGV", "exit_code": null,
        "dynamic_outcome": "crashed", "dynamic_signal": null, "dynamic_exit_code": 101,
        "stderr_tail": "", "static_only": true
    }))
    .expect("run");
    let mut a = crate::report::test_artifact(1000);
    a.hostile = vec![run];
    let mut r = Report::new(None);
    r.artifacts = vec![a];
    let all = crate::render::reasons::reasons(&r);
    let short = all.iter().map(crate::render::reasons::Reason::short);
    assert_eq!(
        short.collect::<Vec<_>>(),
        [
            "crashed (SIGSEGV) under --hostile `no-home+unknown-uid` (dynamic build: failed (exit \
          status 101))"
        ]
    );
}

/// QA cn F8: the findings gone since the baseline are said in the terminal, the Markdown and
/// the page, under a failing verdict too.
#[test]
fn the_findings_gone_since_the_baseline_are_said() {
    let mut r = Report::new(None);
    r.artifacts = vec![crate::report::test_artifact(1000)];
    r.baseline = Some(crate::report::BaselineSummary {
        gone_findings: vec![crate::report::GoneFinding {
            binary: "procs (static)".into(),
            rule: "AOT004".into(),
            krate: "std".into(),
            severity: "error".into(),
        }],
        ..Default::default()
    });
    r.verdict = Verdict::Fail;
    let md = crate::render::markdown::render(&r);
    assert!(
        // QA di F6: the rule and the crate as code spans, as elsewhere in the comment.
        md.contains(
            "Findings gone since the baseline:\n\n- procs (static): `AOT004` on `std` (error)"
        ),
        "{md}"
    );
    let human = crate::render::human::render(&r, &Style::plain());
    assert!(
        human.contains("gone since the baseline:\n  - procs (static): AOT004 on std (error)"),
        "{human}"
    );
    let page = crate::render::html::render(&r);
    assert!(
        page.contains("<li>procs (static): AOT004 on std (error)</li>"),
        "{page}"
    );
}

/// QA co F8: the page's startup caption counts the warmup runs that got ready, as its points
/// show them, and says how many of the failed runs were warmup: "9 runs + 3 warmup, 12
/// failed" added up to 24 of the 23 runs made.
#[test]
fn the_startup_caption_adds_up() {
    let sample = |run: u32, warmup: bool| -> crate::report::Sample {
        serde_json::from_value(serde_json::json!({"run": run, "warmup": warmup,
            "spawned_at_ns": null, "startup_ms": 1.0, "shutdown_ms": null, "memory_kib": {},
            "processes": 1}))
        .expect("sample")
    };
    let failed = |run: u32, warmup: bool| -> crate::report::FailedRun {
        serde_json::from_value(serde_json::json!({"run": run, "warmup": warmup,
            "kind": "killed-by-signal", "message": "killed by SIGSEGV", "exit_code": null,
            "signal": "SIGSEGV", "core_dumped": false, "stderr_tail": "", "stdout_tail": ""}))
        .expect("failed run")
    };
    let mut a = crate::report::test_artifact(1000);
    let mut p = crate::report::Probe {
        runs: 2,
        warmup: 2,
        failures: 2,
        ready: "exit".into(),
        ..Default::default()
    };
    p.samples = vec![sample(1, true), sample(3, false), sample(4, false)];
    p.failed_runs = vec![failed(2, true), failed(5, false)];
    a.probe = Some(p);
    let mut r = Report::new(None);
    r.artifacts = vec![a];
    let page = crate::render::html::render(&r);
    assert!(
        page.contains(": 2 runs + 1 warmup got ready, 2 failed (1 of them warmup)"),
        "{page}"
    );
}
