//! `--hostile`: a static glibc binary that asks the passwd database crashes under HOME unset and
//! an unknown uid, its dynamic build does not, and the reproduce command crashes the same way.

use std::process::Command;

use cargo_aotcheck::hostile::{Privilege, detect_privilege};

use crate::util::*;

fn nsswitch_digest() -> String {
    tool("sha256sum", &["/etc/nsswitch.conf"])
}

fn runs_of(v: &serde_json::Value, name: &str) -> Vec<serde_json::Value> {
    let a = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["name"] == name && a["link_mode"] == "static")
        .unwrap_or_else(|| panic!("no static {name} in {v}"));
    a["hostile"].as_array().expect("hostile").clone()
}

fn run_named<'a>(runs: &'a [serde_json::Value], condition: &str) -> &'a serde_json::Value {
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
fn require_privilege() {
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
    // Each condition alone is harmless: HOME answers, or root is in /etc/passwd.
    assert_eq!(run_named(&runs, "unknown-uid")["outcome"], "ok");

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
    assert_eq!(runs.len(), 5);
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
    for c in ["unknown-uid", "nss-module", "no-home+unknown-uid", "all"] {
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

/// A reproduced crash fails the gate unless its finding is allowed with a reason.
#[test]
fn privileged_an_allowed_reproduced_crash_passes_the_gate() {
    require_privilege();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(
        &file,
        "allow = [{ rule = \"AOT004\", reason = \"HOME is always set in our image\" }]\n",
    )
    .expect("write");
    let r = run(check_fixture(
        "home-dir",
        &["--hostile", "--bin", "home-dir", "--config-file"],
    )
    .arg(&file));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = &v["artifacts"][0]["findings"][0];
    assert_eq!(f["rule"], "AOT004");
    assert_eq!(f["reproduced"], true);
    assert_eq!(f["allowed"], true);
    assert_eq!(f["reason"], "HOME is always set in our image");
}

/// `hostile = true` in a config turns the runs on; `--no-hostile` turns them off again.
#[test]
fn no_hostile_overrides_the_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    std::fs::write(&file, "hostile = true\n").expect("write");
    let on = json(check_fixture("home-dir", &["--bin", "hello", "--config-file"]).arg(&file));
    assert_eq!(runs_of(&on, "hello").len(), 5, "{on}");
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
    let a = artifact(&v, "static");
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

/// Processes whose command line has `token` as one of its words, found by a scan of /proc
/// (command lines only: the executable link of a process in another user namespace may not be
/// readable).
fn with_token(token: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|w| w == token.as_bytes()))
        })
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .collect()
}

/// Stop what a failed test left behind, then fail with `what`.
fn none_left(token: &str, what: &str) {
    let left = with_token(token);
    for &pid in &left {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(left.is_empty(), "{what}: {left:?} still running");
}

fn unique_token() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("escaped-{}-{t}", std::process::id())
}

/// A hostile run whose program leaves processes behind outside its group (`setsid`), holding
/// stderr open, neither hangs the run (ten minutes here: the run waited for them, and Ctrl-C
/// could not stop it) nor survives it: they were left running after the tool exited. One
/// keeps the run's environment, one starts with an empty one; after the tool exits, a /proc
/// scan finds neither, and the run's stderr was read to its end.
#[test]
fn privileged_a_process_that_escapes_a_hostile_run_does_not_hang_it_or_survive_it() {
    require_privilege();
    let token = unique_token();
    let started = std::time::Instant::now();
    // The hostile runs take the probe's arguments (`--no-probe` refuses `--probe-arg`).
    let r = run(probe_fixture(
        "home-dir",
        &[
            "--hostile",
            "--bin",
            "needs-home",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--probe-arg",
            "escape",
            "--probe-arg",
        ],
    )
    .arg(&token));
    none_left(
        &token,
        "a process escaped from a hostile run survived the tool",
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(600),
        "the run waited for the escaped process"
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let no_home = run_named(&runs_of(&v, "needs-home"), "no-home").clone();
    assert_eq!(no_home["outcome"], "crashed", "{no_home}");
    assert!(
        str_of(&no_home, "detail").contains("needs-home: HOME is not set"),
        "stderr was not read to its end: {no_home}"
    );
}

/// Stopping what a run left behind touches nothing else of the process that runs it: called
/// in a process with other children (as this test suite is, with other tests' runs of the
/// tool), those live on. Stopping every descendant made other tests' runs end "interrupted"
/// (SIGTERM reached them).
#[test]
fn privileged_a_hostile_run_stops_only_its_own_processes() {
    require_privilege();
    let r = run(&mut check_fixture("home-dir", &["--bin", "needs-home"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let path = std::path::PathBuf::from(str_of(artifact(&v, "static"), "path"));
    let token = unique_token();
    let mut bystander = Command::new("sleep").arg("600").spawn().expect("sleep");
    let spec = cargo_aotcheck::plan::ProbeSettings {
        args: vec!["escape".into(), token.clone()],
        ..Default::default()
    };
    let scratch = tempfile::tempdir().expect("tempdir");
    let runs = cargo_aotcheck::hostile::run_all(
        &path,
        &mut || None,
        &spec,
        &detect_privilege(),
        scratch.path(),
    );
    let alive = bystander.try_wait().expect("try_wait").is_none();
    let _ = bystander.kill();
    let _ = bystander.wait();
    none_left(&token, "a process escaped from a hostile run survived it");
    assert!(alive, "a process that was not the run's was stopped");
    let runs = runs.expect("hostile runs");
    assert_eq!(runs[0].condition, "no-home");
    assert_eq!(
        runs[0].outcome,
        cargo_aotcheck::report::HostileOutcome::Crashed
    );
}

/// A program whose own stderr reads like the wrapper's (`sh: oops`, `mount: ...`,
/// `setpriv: ...`) and that then fails is `crashed`, not `skipped` as if the condition could
/// not be set up: the wrapper is checked in a run of its own before the program runs.
#[test]
fn privileged_a_program_that_says_sh_and_fails_is_crashed_not_skipped() {
    require_privilege();
    let r = run(&mut check_fixture(
        "home-dir",
        &["--hostile", "--bin", "says-sh"],
    ));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let runs = runs_of(&v, "says-sh");
    for c in ["no-home", "no-home+unknown-uid", "all"] {
        let run = run_named(&runs, c);
        assert_eq!(run["outcome"], "crashed", "{run}");
        assert_eq!(run["exit_code"], 2, "{run}");
        assert!(str_of(run, "detail").contains("sh: oops"), "{run}");
    }
    assert_eq!(run_named(&runs, "unknown-uid")["outcome"], "ok");
}

/// A condition whose wrapper cannot reach the program (a binary in a directory the unknown
/// uid may not enter) is `skipped`, with the wrapper's reason, not a crash of the program.
#[test]
fn privileged_a_condition_that_cannot_reach_the_program_is_skipped() {
    require_privilege();
    if !matches!(detect_privilege(), Privilege::Root { .. }) {
        // Under a user namespace the unknown uid is ourselves: it may enter our directory.
        return;
    }
    let r = run(&mut check_fixture("home-dir", &["--bin", "hello"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let dir = tempfile::tempdir().expect("tempdir");
    let private = dir.path().join("private");
    std::fs::create_dir(&private).expect("mkdir");
    let hello = private.join("hello");
    std::fs::copy(str_of(artifact(&v, "static"), "path"), &hello).expect("copy");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let scratch = tempfile::tempdir().expect("tempdir");
    let runs = cargo_aotcheck::hostile::run_all(
        &hello,
        &mut || None,
        &cargo_aotcheck::plan::ProbeSettings::default(),
        &detect_privilege(),
        scratch.path(),
    )
    .expect("hostile runs");
    use cargo_aotcheck::report::HostileOutcome;
    let of = |c: &str| runs.iter().find(|r| r.condition == c).expect("run");
    assert_eq!(of("no-home").outcome, HostileOutcome::Ok);
    assert_eq!(
        of("nss-module").outcome,
        HostileOutcome::Ok,
        "root may enter"
    );
    for c in ["unknown-uid", "no-home+unknown-uid", "all"] {
        let run = of(c);
        assert_eq!(run.outcome, HostileOutcome::Skipped, "{run:?}");
        let detail = run.detail.as_deref().unwrap_or_default();
        assert!(
            detail.contains("could not be set up") && detail.contains("cannot execute"),
            "{run:?}"
        );
    }
}

/// `--hostile --no-probe` on a server: its plain run never exits, and a condition that timed
/// out too was called `ok` under every condition, which meant nothing. Now each such run is
/// not judged (`skipped`, saying to set `--ready`) with a warning; with `--ready tcp` (allowed
/// with `--no-probe` when `--hostile` is given) the runs wait until it listens and are `ok`.
#[test]
fn privileged_a_server_under_hostile_no_probe_is_not_called_ok() {
    require_privilege();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aotcheck.toml");
    // Port 0: any free port, so that parallel tests cannot collide on 8080.
    std::fs::write(&file, "probe_env = { PORT = \"0\" }\n").expect("write");
    let v = json(
        check_fixture(
            "hello-server",
            &["--hostile", "--probe-timeout", "1s", "--config-file"],
        )
        .arg(&file),
    );
    let runs = runs_of(&v, "hello-server");
    assert_eq!(runs.len(), 5);
    for r in &runs {
        assert_eq!(r["outcome"], "skipped", "{r}");
        let detail = str_of(r, "detail");
        assert!(
            detail.starts_with("not judged") && detail.contains("--ready"),
            "{r}"
        );
    }
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("hello-server") && w.contains("--ready"))
    });
    assert!(warned, "{}", v["warnings"]);

    let v = json(&mut check_fixture(
        "hello-server",
        &["--hostile", "--ready", "tcp", "--probe-timeout", "5s"],
    ));
    let runs = runs_of(&v, "hello-server");
    assert!(runs.iter().all(|r| r["outcome"] == "ok"), "{runs:?}");
    assert!(
        !v["warnings"].to_string().contains("not judged"),
        "{}",
        v["warnings"]
    );
}
