//! `--hostile`: a crash is pinned on the AOT004 findings whose code is on the crashing stack,
//! not on every AOT004 finding of the binary (QA h, B6: eza crashed in `dirs::config_dir`, and
//! uzers, whose lookups never ran, was marked reproduced too). The fixture's alpha looks up the
//! user, then beta the group; under an unknown uid the static build dies in alpha's lookup.
//! The crash stack is checked against gdb's backtrace of the same command (when gdb is
//! installed) and against nm.

use std::process::Command;

use serde_json::Value;

use crate::hostile::{require_privilege, runs_of};
use crate::util::*;

/// `name` as we print it: without a legacy Rust hash (`::h0123456789abcdef`) or the crate
/// disambiguator of a v0 name as gdb shows it (`std[e28293b1aa0f68bd]::rt::…`).
fn unhashed(name: &str) -> String {
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    };
    regex::Regex::new(r"\[[0-9a-f]{16}\]")
        .expect("regex")
        .replace_all(name, "")
        .into_owned()
}

/// The report of the fixture built with `profile`, under `--hostile` (exit 1: the crash).
fn report(profile: &str) -> Value {
    let r = run(&mut check_fixture(
        "hostile-crash-site",
        &["--hostile", "--profile", profile],
    ));
    assert_eq!(r.code, 1, "a reproduced crash fails the gate\n{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON report")
}

fn finding<'a>(v: &'a Value, krate: &str) -> &'a Value {
    artifact(v, "static")["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004" && f["crate"] == krate)
        .unwrap_or_else(|| panic!("no AOT004 finding on {krate} in {v}"))
}

fn stack(run: &Value) -> Vec<String> {
    run["crash_stack"]
        .as_array()
        .unwrap_or_else(|| panic!("no crash_stack in {run}"))
        .iter()
        .map(|f| f.as_str().expect("a frame").to_string())
        .collect()
}

/// Only alpha's finding is reproduced; beta's says the crash ran none of its code. Every run
/// that crashed has a crash stack naming alpha's function, never beta's.
fn check_pinned(v: &Value) -> Vec<Value> {
    let alpha = finding(v, "alpha");
    let beta = finding(v, "beta");
    assert_eq!(alpha["reproduced"], true, "{alpha}");
    assert_eq!(beta["reproduced"], false, "{beta}");
    assert!(beta["reproduce"].is_null(), "{beta}");
    let said = beta["evidence"].as_array().expect("evidence");
    assert!(
        said.iter().any(|e| e
            .as_str()
            .is_some_and(|e| e.starts_with("not reproduced: the crash under"))),
        "{beta}"
    );
    let crashed: Vec<Value> = runs_of(v, "hostile-crash-site")
        .into_iter()
        .filter(|r| r["outcome"] == "crashed")
        .collect();
    assert!(!crashed.is_empty(), "nothing crashed: {v}");
    for r in &crashed {
        assert_eq!(r["signal"], "SIGSEGV", "{r}");
        let s = stack(r);
        assert!(s.iter().any(|f| f == "alpha::user_known"), "{s:?}");
        assert!(!s.iter().any(|f| f.starts_with("beta::")), "{s:?}");
    }
    assert_eq!(alpha["reproduce"], crashed[0]["reproduce"]);
    crashed
}

/// gdb's backtrace of the crash's own reproduce command, past `main` to `_start`: the
/// functions of the binary (not those of a shared library it loaded), innermost first.
fn gdb_backtrace(reproduce: &str, binary: &str) -> Option<Vec<String>> {
    if which::which("gdb").is_err() {
        return None;
    }
    let gdb = format!(
        "gdb -batch -nx -ex 'set backtrace past-main on' -ex 'set backtrace past-entry on' \
         -ex run -ex bt --args {binary}"
    );
    let cmd = reproduce.replacen(binary, &gdb, 1);
    let out = Command::new("sh").args(["-c", &cmd]).output().expect("sh");
    let text = String::from_utf8_lossy(&out.stdout);
    // `#3  0x00007ffff7effe1d in alpha::user_known::h66868f9c202e3ba2 ()`; a frame in a
    // shared library, `#0  0x... in _nss_systemd_is_blocked () from /lib/.../libnss_systemd.so.2`,
    // as ours name it: `[libnss_systemd.so.2] _nss_systemd_is_blocked`.
    let frames: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let name = l
                .split(" in ")
                .nth(1)
                .or_else(|| l.split_whitespace().nth(1))?;
            let name = unhashed(name.split(" (").next()?);
            Some(match l.split(") from ").nth(1) {
                Some(file) => {
                    let base = file.rsplit('/').next().unwrap_or(file);
                    match name.as_str() {
                        "??" => format!("[{base}]"),
                        _ => format!("[{base}] {name}"),
                    }
                }
                None => name,
            })
        })
        .collect();
    assert!(
        !frames.is_empty(),
        "gdb gave no backtrace for `{cmd}`:\n{text}"
    );
    Some(frames)
}

#[test]
fn privileged_a_crash_is_pinned_on_the_crate_whose_code_crashed() {
    require_privilege();
    let v = report("release");
    let crashed = check_pinned(&v);
    let binary = str_of(artifact(&v, "static"), "path");
    let ours = stack(&crashed[0]);

    // The terminal and Markdown show where it crashed, under the run.
    let human = run(&mut human_fixture(
        "hostile-crash-site",
        &["--no-probe", "--hostile"],
    ));
    // Filled to 100 columns (QA ai, F4: 209), its lines after the first under the first's text.
    let lines: Vec<&str> = human.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("crashed in: "));
    let site: Vec<&str> = at.map_or_else(Vec::new, |at| {
        std::iter::once(lines[at])
            .chain(
                lines[at + 1..]
                    .iter()
                    .copied()
                    .take_while(|l| l.starts_with(&" ".repeat(18))),
            )
            .collect()
    });
    assert!(
        site.join(" ").contains("alpha::user_known")
            && site.iter().all(|l| l.chars().count() <= 100),
        "{}",
        human.stdout
    );
    let markdown = run(&mut human_fixture(
        "hostile-crash-site",
        &["--no-probe", "--hostile", "--format", "markdown"],
    ));
    assert!(
        markdown
            .stdout
            .contains("Crashed in (innermost first): `[libnss_"),
        "{}",
        markdown.stdout
    );

    // nm: every function named is one of the binary's, and alpha's is a function of its code.
    let nm = tool("nm", &["-C", "--defined-only", binary]);
    let mut functions: std::collections::HashMap<String, Vec<String>> = Default::default();
    for l in nm.lines() {
        let mut w = l.splitn(3, ' ');
        let (Some(at), Some(kind), Some(name)) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        if matches!(kind, "t" | "T" | "W" | "i") {
            functions
                .entry(unhashed(name))
                .or_default()
                .push(at.to_string());
        }
    }
    for f in ours.iter().filter(|f| !f.starts_with('[')) {
        assert!(functions.contains_key(f), "{f} is no function of {binary}");
    }

    // gdb (which unwinds by the call frame information too): the same frames, one for one,
    // down to `_start`, those in the NSS module named by its exported functions as gdb names
    // them (QA ah, F1); no stale return address is among ours. A frame's name in the binary
    // may be another alias of the same address (`__new_getpwuid_r` for gdb's `getpwuid_r`).
    let Some(gdb) = gdb_backtrace(str_of(&crashed[0], "reproduce"), binary) else {
        return;
    };
    assert!(gdb.iter().any(|f| f == "alpha::user_known"), "{gdb:?}");
    assert!(
        gdb.iter()
            .any(|f| f.starts_with("[libnss_") && f.contains("] _nss_")),
        "{gdb:?}"
    );
    assert_eq!(ours.len(), gdb.len(), "ours {ours:?}, gdb {gdb:?}");
    for (o, g) in ours.iter().zip(&gdb) {
        let at = |name: &str| functions.get(name).cloned().unwrap_or_default();
        assert!(
            o == g || at(o).iter().any(|a| at(g).contains(a)),
            "ours {o} is not gdb's {g} (nor its alias): ours {ours:?}, gdb {gdb:?}"
        );
    }
    assert_eq!(gdb.last().map(String::as_str), Some("_start"), "{gdb:?}");
}

/// A stripped build (`strip = true`) is named from its analysis link, and pinned the same way.
#[test]
fn privileged_a_stripped_build_s_crash_is_pinned_through_its_analysis_link() {
    require_privilege();
    let v = report("stripped");
    let binary = str_of(artifact(&v, "static"), "path");
    assert!(
        !tool("readelf", &["-SW", binary]).contains(" .symtab "),
        "{binary} is not stripped"
    );
    check_pinned(&v);
}

/// QA au F1: `eza -l` of a file whose owner the passwd file lacks crashed in `getpwuid_r`
/// with no condition set, and every condition was "not judged" with advice to check the
/// arguments. The fixture names the owner of the uid it is given; 4242 is in no passwd file,
/// and glibc asks `systemd` next (Debian's nsswitch.conf): the static build crashes loading
/// it, the dynamic build says "no such user" (both checked by hand here first). The crash is
/// reported as the `plain` run, located, and reproduces the package's AOT004 finding.
#[test]
fn a_static_only_crash_with_no_condition_is_a_run_of_its_own() {
    use std::os::unix::process::ExitStatusExt;
    let args = ["--hostile", "--compare", "--probe-arg", "4242"];
    let r = run(&mut check_fixture("hostile-plain-crash", &args));
    assert_eq!(r.code, 1, "the crash fails the gate\n{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    // QA ba F2: the advice quoted one of our QA passes ("QA ax F1") to the user.
    assert!(!r.stdout.contains("QA "), "{}", r.stdout);
    let static_bin = str_of(artifact(&v, "static"), "path");
    let dynamic_bin = str_of(artifact(&v, "dynamic"), "path");
    let by_hand = |bin: &str| Command::new(bin).arg("4242").output().expect("run");
    let s = by_hand(static_bin);
    assert_eq!(
        s.status.signal(),
        Some(11),
        "this machine's static glibc does not crash looking up an unknown uid (no NSS module \
         beyond `files` in /etc/nsswitch.conf?): {:?}",
        s.status
    );
    let d = by_hand(dynamic_bin);
    assert!(d.status.success(), "{:?}", d.status);
    assert_eq!(String::from_utf8_lossy(&d.stdout), "4242: no such user\n");

    let runs = runs_of(&v, "hostile-plain-crash");
    assert_eq!(runs[0]["condition"], "plain", "{runs:?}");
    let plain = &runs[0];
    assert_eq!(plain["outcome"], "crashed", "{plain}");
    assert_eq!(plain["signal"], "SIGSEGV", "{plain}");
    assert_eq!(plain["dynamic_outcome"], "ok", "{plain}");
    assert_eq!(
        str_of(plain, "reproduce"),
        format!("{static_bin} 4242"),
        "{plain}"
    );
    let at = stack(plain);
    assert!(
        at.iter().any(|f| f == "hostile_plain_crash::main"),
        "{at:?}"
    );
    assert!(at[0].starts_with("[libnss_"), "{at:?}");
    let f = finding(&v, "hostile-plain-crash");
    assert_eq!(f["reproduced"], true, "{f}");
    // The conditions that ran are not judged, and say where the crash is: not "check the
    // arguments", nor the warning that says so.
    for c in runs.iter().skip(1) {
        let said = c["detail"].as_str().unwrap_or_default();
        if c["reproduce"].is_string() {
            assert!(said.contains("see the `plain` run"), "{c}");
            assert!(!said.contains("--probe-arg"), "{c}");
        }
    }
    let warnings = v["warnings"].to_string();
    assert!(!warnings.contains("never got ready"), "{warnings}");

    // The probe (with `--compare`): the static build fails alone, a verdict on it (exit 1,
    // QA ax F5: it was exit 2, "the tool could not do its job"), said in the verdict's lines
    // without the hint that other programs need other arguments.
    let p = run(&mut human_fixture(
        "hostile-plain-crash",
        &["--compare", "--probe-arg", "4242", "--runs", "2"],
    ));
    assert_eq!(p.code, 1, "{}\n{}", p.stdout, p.stderr);
    let said = p.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains(
            "its dynamic build got ready with the same arguments: the static build alone fails"
        ),
        "{}",
        p.stdout
    );
    assert!(said.contains("verdict fail"), "{}", p.stdout);
    assert!(
        !p.stderr
            .contains("the probe's arguments go to every binary"),
        "{}",
        p.stderr
    );
    assert!(!p.stderr.contains("error:"), "{}", p.stderr);
}
