//! `--hostile`: a static glibc binary that asks the passwd database crashes under HOME unset and
//! an unknown uid, its dynamic build does not, and the reproduce command crashes the same way.

use std::process::Command;

use cargo_aotcheck::hostile::{Privilege, detect_privilege};

use crate::util::*;

fn nsswitch_digest() -> String {
    tool("sha256sum", &["/etc/nsswitch.conf"])
}

pub(crate) fn runs_of(v: &serde_json::Value, name: &str) -> Vec<serde_json::Value> {
    let a = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["name"] == name && a["link_mode"] == "static")
        .unwrap_or_else(|| panic!("no static {name} in {v}"));
    a["hostile"].as_array().expect("hostile").clone()
}

pub(crate) fn run_named<'a>(
    runs: &'a [serde_json::Value],
    condition: &str,
) -> &'a serde_json::Value {
    runs.iter()
        .find(|r| r["condition"] == condition)
        .unwrap_or_else(|| panic!("no {condition} run in {runs:?}"))
}

/// Processes whose executable is `path` (none may be left behind).
fn running(path: &str) -> usize {
    pids_where(|exe, _| exe.to_str() == Some(path)).len()
}

/// Tests that reproduce a crash need root or unprivileged user namespaces (CI runs as root).
/// Without either they fail and say so: a silent pass would hide that nothing was exercised.
/// On such a machine, deselect them with `cargo test -- --skip privileged_`.
pub(crate) fn require_privilege() {
    if let Privilege::Neither(why) = detect_privilege() {
        panic!(
            "this test {why}; on a machine without either, deselect it with \
             `cargo test -- --skip privileged_`"
        );
    }
}

#[test]
fn privileged_home_dir_crashes_static_only_and_the_command_reproduces_it() {
    require_privilege();
    let before = nsswitch_digest();
    let r = run(&mut check_fixture(
        "home-dir",
        &["--hostile", "--bin", "home-dir"],
    ));
    assert_eq!(nsswitch_digest(), before, "/etc/nsswitch.conf changed");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let runs = runs_of(&v, "home-dir");
    assert_eq!(run_named(&runs, "no-home")["outcome"], "ok");

    assert_eq!(r.code, 1, "a reproduced crash fails the gate\n{}", r.stderr);
    let crash = run_named(&runs, "no-home+unknown-uid");
    assert_eq!(crash["outcome"], "crashed", "{crash}");
    assert_eq!(crash["signal"], "SIGSEGV");
    assert_eq!(crash["dynamic_outcome"], "ok", "the dynamic build survives");
    assert_eq!(crash["static_hazard"], true, "{crash}");
    // Each condition alone is harmless: HOME answers, or root is in /etc/passwd.
    assert_eq!(run_named(&runs, "unknown-uid")["outcome"], "ok");
    assert_eq!(run_named(&runs, "unknown-uid")["static_hazard"], false);

    let finding = v["artifacts"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "AOT004")
        .expect("an AOT004 finding");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["reproduced"], true);
    assert_eq!(finding["reproduce"], crash["reproduce"]);

    let cmd = str_of(crash, "reproduce");
    let status = Command::new("sh").args(["-c", cmd]).status().expect("sh");
    assert_eq!(
        status.code(),
        Some(128 + 11),
        "`{cmd}` should die of SIGSEGV"
    );

    let path = v["artifacts"][0]["path"].as_str().expect("path");
    assert_eq!(running(path), 0, "a hostile run left a process behind");
}

#[test]
fn hello_world_survives_every_condition() {
    let before = nsswitch_digest();
    let v = json(&mut check_fixture(
        "home-dir",
        &["--hostile", "--bin", "hello"],
    ));
    assert_eq!(nsswitch_digest(), before);
    let runs = runs_of(&v, "hello");
    assert_eq!(runs.len(), 6);
    let ok = |r: &serde_json::Value| r["outcome"] == "ok" || r["outcome"] == "skipped";
    assert!(runs.iter().all(ok), "{runs:?}");
    if !matches!(detect_privilege(), Privilege::Neither(_)) {
        assert!(runs.iter().all(|r| r["outcome"] == "ok"), "{runs:?}");
    }
}

#[test]
fn without_privilege_the_uid_conditions_are_skipped_and_say_why() {
    let r = run(
        check_fixture("home-dir", &["--hostile", "--bin", "home-dir"])
            .env("CARGO_AOTCHECK_HOSTILE_PRIVILEGE", "none"),
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let runs = runs_of(&v, "home-dir");
    // Nothing reproduced: the finding is the audit's suspicion alone.
    let f = &v["artifacts"][0]["findings"][0];
    assert_eq!(f["rule"], "AOT004");
    assert_eq!(f["reproduced"], false);
    assert_eq!(run_named(&runs, "no-home")["outcome"], "ok");
    for c in [
        "unknown-uid",
        "nss-module",
        "foreign-process",
        "no-home+unknown-uid",
        "all",
    ] {
        let r = run_named(&runs, c);
        assert_eq!(r["outcome"], "skipped", "{r}");
        assert!(str_of(r, "detail").contains("needs root or unprivileged user namespaces"));
    }
}

/// The unprivileged path (a user namespace mapping an unknown uid) reproduces the crash too;
/// exercised directly through the library so it runs even when the suite runs as root.
#[test]
fn privileged_user_namespace_path_reproduces_the_crash() {
    // The audit already finds AOT004 (std's getpwuid_r) in this binary: exit 1 is expected.
    let r = run(&mut check_fixture("home-dir", &["--bin", "home-dir"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let path = std::path::PathBuf::from(v["artifacts"][0]["path"].as_str().expect("path"));
    let userns_works = Command::new("unshare")
        .args(["--user", "--map-user=54321", "--map-group=54321", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        userns_works,
        "this test needs unprivileged user namespaces (`unshare --user`); on a machine \
         without, deselect it with `cargo test -- --skip privileged_`"
    );
    let spec = cargo_aotcheck::plan::ProbeSettings::default();
    let scratch = tempfile::tempdir().expect("tempdir");
    let privilege = Privilege::UserNamespace {
        uid: 54321,
        gid: 54321,
    };
    let runs =
        cargo_aotcheck::hostile::run_all(&path, &mut || None, &spec, &privilege, scratch.path())
            .expect("hostile runs");
    let crash = runs
        .iter()
        .find(|r| r.condition == "no-home+unknown-uid")
        .expect("combined run");
    assert_eq!(
        crash.outcome,
        cargo_aotcheck::report::HostileOutcome::Crashed,
        "{crash:?}"
    );
    assert!(
        crash
            .reproduce
            .as_deref()
            .is_some_and(|c| c.contains("unshare --user"))
    );
}

/// Ctrl-C during hostile runs stops the program under test and ends the run with exit 2.
#[test]
fn interrupt_stops_the_program_under_test() {
    let child = check_fixture("home-dir", &["--hostile", "--bin", "sleeper"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let sleepers = || pids_where(|exe, _| exe.ends_with("release/sleeper"));
    // Once the program under test runs (the build comes first), press Ctrl-C.
    interrupt_when(child, || !sleepers().is_empty());
    assert!(
        sleepers().is_empty(),
        "the program under test was left running"
    );
}

/// Ctrl-C while the dynamic build a crash asked for is being built: exit 2 and no report (QA
/// bg F7: a full report came out, the crash untraced and pinned on every finding). The
/// fixture's static build crashes with no condition (an unknown uid), and nothing was built
/// for comparison beforehand (no `--compare`, a target dir of its own).
#[test]
fn interrupt_during_the_dynamic_build_for_a_crash_writes_no_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = aotcheck()
        .args(["aotcheck", "--manifest-path"])
        .arg(fixture("hostile-plain-crash").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.path())
        .args([
            "--locked",
            "-q",
            "--format",
            "json",
            "--no-probe",
            "--hostile",
        ])
        .args(["--probe-arg", "4242"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let dynamic = dir.path().join("dynamic");
    let stdout = interrupt_when(child, || dynamic.exists());
    assert_eq!(stdout, "", "a report was written");
}

/// `--hostile` of home-dir's binary, which crashes without HOME as an unknown uid, with the
/// configuration file `config`.
fn crashing_with(config: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(&file, config).expect("write");
    let mut cmd = check_fixture(
        "home-dir",
        &["--hostile", "--bin", "home-dir", "--config-file"],
    );
    run(cmd.arg(&file))
}

/// A reproduced crash fails the gate unless its finding is allowed with a reason.
#[test]
fn privileged_an_allowed_reproduced_crash_passes_the_gate() {
    require_privilege();
    let r = crashing_with(
        "allow = [{ rule = \"AOT004\", reason = \"HOME is always set in our image\" }]\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = &v["artifacts"][0]["findings"][0];
    assert_eq!(f["rule"], "AOT004");
    assert_eq!(f["reproduced"], true);
    assert_eq!(f["allowed"], true);
    assert_eq!(f["reason"], "HOME is always set in our image");
}

/// QA df F2: a configured severity below error does not soften a reproduced crash (exit 1,
/// severity error), and the finding says that the configuration's severity was raised.
#[test]
fn privileged_a_softened_severity_is_said_to_be_raised_by_a_reproduced_crash() {
    require_privilege();
    let r = crashing_with("severity = { AOT004 = \"warning\" }\n");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = &v["artifacts"][0]["findings"][0];
    assert_eq!(
        (&f["rule"], &f["reproduced"]),
        (&"AOT004".into(), &true.into())
    );
    assert_eq!(f["severity"], "error", "{f}");
    let said = "the configuration's severity `warning` of AOT004 is raised to error: the crash \
                was reproduced (only an `allow` with a reason waives it)";
    assert!(f["evidence"].to_string().contains(said), "{f}");
}

/// `hostile = true` in a config turns the runs on; `--no-hostile` turns them off again.
#[test]
fn no_hostile_overrides_the_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(&file, "hostile = true\n").expect("write");
    let on = json(check_fixture("home-dir", &["--bin", "hello", "--config-file"]).arg(&file));
    assert_eq!(runs_of(&on, "hello").len(), 6, "{on}");
    let off = json(
        check_fixture(
            "home-dir",
            &["--bin", "hello", "--no-hostile", "--config-file"],
        )
        .arg(&file),
    );
    assert!(runs_of(&off, "hello").is_empty(), "{off}");
}

/// Two workspace packages each with a binary named `tool` (cargo copies both to one file):
/// each artifact is its own program, and each static build is compared under hostile
/// conditions with its own package's dynamic build, whether built for the purpose or by
/// `--compare`.
#[test]
fn privileged_same_named_binaries_of_two_packages_keep_their_own_twin() {
    require_privilege();
    for extra in [&[][..], &["--compare"]] {
        let mut args = vec!["--workspace", "--hostile"];
        args.extend(extra);
        let r = run(&mut check_fixture("twin-names", &args));
        // alpha's reproduced crash fails the gate.
        assert_eq!(r.code, 1, "{extra:?}: {}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        let of = |package: &str| {
            v["artifacts"]
                .as_array()
                .expect("artifacts")
                .iter()
                .find(|a| a["package"] == package && a["link_mode"] == "static")
                .unwrap_or_else(|| panic!("no static {package} in {v}"))
                .clone()
        };
        let (alpha, beta) = (of("alpha"), of("beta"));
        assert_eq!(
            (&alpha["name"], &beta["name"]),
            (&"tool".into(), &"tool".into())
        );
        // Each path is that package's program: it says its name when run.
        for (a, package) in [(&alpha, "alpha"), (&beta, "beta")] {
            let out = Command::new(str_of(a, "path"))
                .env("HOME", "/tmp")
                .output()
                .expect("run the binary");
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                said.starts_with(package),
                "{extra:?}: {package} ran {said:?}"
            );
        }
        let alpha_runs = alpha["hostile"].as_array().expect("runs").clone();
        let crash = run_named(&alpha_runs, "no-home+unknown-uid");
        assert_eq!(crash["outcome"], "crashed", "{extra:?}: {crash}");
        assert_eq!(
            crash["dynamic_outcome"], "ok",
            "{extra:?}: alpha's own dynamic build survives (beta's would exit 3): {crash}"
        );
        let beta_runs = beta["hostile"].as_array().expect("runs").clone();
        let refused = run_named(&beta_runs, "no-home");
        assert_eq!(refused["exit_code"], 3, "{extra:?}: {refused}");
        assert_eq!(
            refused["dynamic_outcome"], "crashed",
            "{extra:?}: beta's own dynamic build refuses too (alpha's would not): {refused}"
        );
    }
}

/// A program that needs `HOME` fails under `no-home` in its dynamic build too: the condition
/// shows, the static linkage is not to blame. No AOT004 error is made up for a binary with no
/// NSS lookup (nm: no `getpw*`/`getaddrinfo` in it), and the gate passes.
#[test]
fn privileged_a_failure_the_dynamic_build_shares_is_no_aot004() {
    require_privilege();
    let r = run(&mut check_fixture(
        "home-dir",
        &["--hostile", "--bin", "needs-home"],
    ));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let runs = runs_of(&v, "needs-home");
    let no_home = run_named(&runs, "no-home");
    assert_eq!(no_home["outcome"], "crashed", "{no_home}");
    assert_eq!(no_home["exit_code"], 1);
    assert_eq!(no_home["dynamic_outcome"], "crashed", "{no_home}");
    // Both builds exit 1: the program's own answer, no static hazard (QA ba F1).
    assert_eq!(no_home["static_hazard"], false, "{no_home}");
    let a = artifact(&v, "static");
    // The dynamic build's exit status, as a run of it by hand without HOME gives it; worded
    // as the static one's (QA l: "dynamic build: crashed" beside "failed (exit status 1)").
    let dynamic = str_of(a, "path").replace("/static/", "/dynamic/");
    let by_hand = Command::new(&dynamic)
        .env_remove("HOME")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .status()
        .expect("the dynamic build");
    assert_eq!(
        no_home["dynamic_exit_code"],
        by_hand.code().expect("a code")
    );
    let human = run(&mut human_fixture(
        "home-dir",
        &["--hostile", "--bin", "needs-home", "--no-probe"],
    ));
    assert!(
        human
            .stdout
            .contains("failed (exit status 1); dynamic build: failed (exit status 1)"),
        "{}",
        human.stdout
    );
    let nm = tool("nm", &[a["path"].as_str().expect("path")]);
    assert!(
        !nm.lines()
            .any(|l| l.ends_with(" getpwuid_r") || l.ends_with(" getaddrinfo")),
        "the fixture has an NSS lookup after all"
    );
    let findings = a["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["rule"] != "AOT004"),
        "{findings:?}"
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// QA j, J12: `--link dynamic --hostile` ran no hostile run and said nothing; the silence read
/// as "no hazard". A warning says that `--hostile` runs static binaries only.
#[test]
fn hostile_with_only_a_dynamic_build_says_it_ran_nothing() {
    let v = json(&mut check_fixture(
        "hello-server",
        &["--link", "dynamic", "--hostile"],
    ));
    assert!(
        v["artifacts"][0]["hostile"]
            .as_array()
            .is_none_or(|r| r.is_empty())
    );
    // Word for word: the line once carried the indentation of its source in its middle.
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            == Some(
                "--hostile runs static binaries only, and this run built none (--link dynamic): \
             no hostile run of hello-server",
            )
    });
    assert!(warned, "{}", v["warnings"]);
}
