//! `--hostile`: what a run leaves behind is stopped (and nothing else), a wrapper's failure is
//! told from the program's, and a run is judged only against a plain run that finished.

use std::process::Command;

use cargo_aotcheck::hostile::{Privilege, detect_privilege};

use crate::hostile::{require_privilege, run_named, runs_of};
use crate::util::*;

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
/// scan finds neither. Runs waited for to their exit (the run's stderr is then read to its
/// end) and runs waited for with `--ready` alike.
#[test]
fn privileged_a_process_that_escapes_a_hostile_run_does_not_hang_it_or_survive_it() {
    require_privilege();
    for ready in [None, Some("line:never printed")] {
        let token = unique_token();
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("aotcheck.toml");
        std::fs::write(
            &file,
            format!("probe_args = [\"escape\", \"{token}\"]\nprobe_timeout = \"5s\"\n"),
        )
        .expect("write");
        let mut cmd = check_fixture("home-dir", &["--hostile", "--bin", "needs-home"]);
        if let Some(ready) = ready {
            cmd.args(["--ready", ready]);
        }
        let started = std::time::Instant::now();
        let r = run(cmd.arg("--config-file").arg(&file));
        none_left(
            &token,
            &format!("{ready:?}: a process escaped from a hostile run survived the tool"),
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(600),
            "the run waited for the escaped process"
        );
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
        let no_home = run_named(&runs_of(&v, "needs-home"), "no-home").clone();
        assert_eq!(no_home["outcome"], "crashed", "{ready:?}: {no_home}");
        if ready.is_none() {
            assert!(
                str_of(&no_home, "detail").contains("needs-home: HOME is not set"),
                "stderr was not read to its end: {no_home}"
            );
        }
    }
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
    for c in ["nss-module", "foreign-process"] {
        assert_eq!(of(c).outcome, HostileOutcome::Ok, "{c}: root may enter");
    }
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

/// `--hostile --no-probe` on a server: `--no-probe` ignored the config's `ready = "tcp"`
/// and refused `--ready`, so the runs waited for an exit that never came, and a condition that
/// timed out as the plain run did was `ok` under every condition, which meant nothing. Now
/// such a run is not judged (`skipped`, saying to set `--ready`) with a warning; with `--ready
/// tcp` (allowed with `--no-probe` when `--hostile` is given), or the config's `ready`, the
/// runs wait until it listens and are `ok`.
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
            &[
                "--hostile",
                "--ready",
                "exit",
                "--probe-timeout",
                "1s",
                "--config-file",
            ],
        )
        .arg(&file),
    );
    let runs = runs_of(&v, "hello-server");
    assert_eq!(runs.len(), 6);
    for r in &runs {
        assert_eq!(r["outcome"], "skipped", "{r}");
        let detail = str_of(r, "detail");
        assert!(
            detail.starts_with("not judged: the plain run did not exit within 1s either")
                && detail.contains("set --ready"),
            "{r}"
        );
    }
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("hello-server") && w.contains("--ready"))
    });
    assert!(warned, "{}", v["warnings"]);
    // QA am F4: nothing judged is no pass (and no exit code 2: `json` took exit 0).
    assert_eq!(v["verdict"], "inconclusive", "{}", v["verdict"]);

    for ready in [&["--ready", "tcp"][..], &[]] {
        let mut args = vec!["--hostile", "--probe-timeout", "5s"];
        args.extend(ready);
        let v = json(&mut check_fixture("hello-server", &args));
        let runs = runs_of(&v, "hello-server");
        assert_eq!(runs.len(), 6);
        assert!(
            runs.iter().all(|r| r["outcome"] == "ok"),
            "{ready:?}: {runs:?}"
        );
        assert!(
            !v["warnings"].to_string().contains("not judged"),
            "{}",
            v["warnings"]
        );
        assert_eq!(v["verdict"], "pass", "{ready:?}");
        // Six `ok`s of a binary with no lookup to make are said to be so (QA ca F4), which nm
        // confirms of its analysis link: no user, group or host lookup is defined.
        assert!(
            v["warnings"].to_string().contains(
                "hello-server: every --hostile condition passed, and the static binary defines \
                 none of the NSS functions they aim at"
            ),
            "{}",
            v["warnings"]
        );
        let a = v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .find(|a| a["link_mode"] == "static")
            .expect("static");
        // The binary's own symbols, or its analysis link's where it is stripped.
        let symbols = a["binary"]["coverage"]["symbols_from"]
            .as_str()
            .unwrap_or_else(|| str_of(a, "path"));
        let nm = tool("nm", &["--defined-only", symbols]);
        for f in [
            "getpwuid_r",
            "getpwnam_r",
            "getgrgid_r",
            "getaddrinfo",
            "gethostbyname_r",
        ] {
            assert!(
                !nm.lines().any(|l| l.ends_with(&format!(" {f}"))),
                "{f} in {symbols}"
            );
        }
    }
}

/// QA j, J9: a server whose static build crashes under a condition (std's `home_dir` through
/// NSS) while its dynamic build runs on until the timeout, as its plain run does: the dynamic
/// build's outcome was `skipped` ("dynamic build: skipped, differently: the static linkage is
/// the cause"), as if it had not run. It hung, and the static linkage is the cause.
#[test]
fn privileged_a_dynamic_build_that_runs_on_as_its_plain_run_hung() {
    require_privilege();
    let r = run(&mut check_fixture(
        "hostile-home-server",
        &["--hostile", "--probe-timeout", "2s"],
    ));
    // The static build's crash is the static linkage's: the gate fails.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let runs = runs_of(&v, "hostile-home-server");
    let crashed: Vec<&serde_json::Value> = runs
        .iter()
        .filter(|r| r["outcome"] == "crashed" && r["signal"].is_string())
        .collect();
    assert!(!crashed.is_empty(), "no static crash: {runs:?}");
    for r in &crashed {
        assert_eq!(r["dynamic_outcome"], "hung", "{r}");
    }
    assert!(
        runs.iter().all(|r| r["dynamic_outcome"] != "skipped"),
        "{runs:?}"
    );
}

/// QA l: the reproduce command of every condition kept `{port}` (and had no `PORT`), so run
/// by hand it failed on its own ("invalid port value"), not on the condition. The program
/// here exits 0 only when its argument is the port `PORT` gives it: every condition's run is
/// `ok`, and so is its command run by hand.
#[test]
fn privileged_a_hostile_reproduce_command_has_the_port_written_in() {
    require_privilege();
    let r = run(&mut check_fixture(
        "probe-targets",
        &[
            "--bin",
            "hostile",
            "--hostile",
            "--probe-arg",
            "port-arg",
            "--probe-arg",
            "{port}",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let runs = runs_of(&v, "hostile");
    let ok: Vec<&serde_json::Value> = runs.iter().filter(|r| r["outcome"] == "ok").collect();
    assert!(ok.len() >= 3, "{runs:?}");
    for run in ok {
        let cmd = str_of(run, "reproduce");
        assert!(!cmd.contains("{port}") && cmd.contains("PORT="), "{cmd}");
        let out = Command::new("sh").args(["-c", cmd]).output().expect("sh");
        assert_eq!(out.status.code(), Some(0), "{cmd}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("hostile: port "),
            "{out:?}"
        );
    }
}

/// QA s, F2: a server that ends before it is ready (miniserve refused its arguments) ends the
/// same way under every condition; each was called `ok`, which nothing showed. Here
/// hello-server cannot listen (the test holds its port): every condition is `skipped`, "not
/// judged", with the plain run's end and its last line, and a warning says why.
#[test]
fn privileged_a_server_that_never_gets_ready_is_not_judged() {
    require_privilege();
    let held = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = held.local_addr().expect("addr").port();
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let ready = format!("tcp:{}", free.local_addr().expect("addr").port());
    drop(free);
    let env = format!("PORT={port}");
    let v = json(&mut check_fixture(
        "hello-server",
        &[
            "--hostile",
            "--ready",
            &ready,
            "--probe-env",
            &env,
            "--probe-timeout",
            "5s",
        ],
    ));
    let runs = runs_of(&v, "hello-server");
    assert_eq!(runs.len(), 6);
    let said = format!("cannot listen on 127.0.0.1:{port}");
    for r in &runs {
        assert_eq!(r["outcome"], "skipped", "{r}");
        let detail = str_of(r, "detail");
        assert!(
            detail.starts_with("not judged: the plain run did not get ready (tcp:")
                && detail.contains("either: it exited with status 1: ")
                && detail.contains(&said),
            "{r}"
        );
    }
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str().is_some_and(|w| {
            w.contains("hello-server: 6 of 6 hostile runs")
                && w.contains("ended as the plain run did")
        })
    });
    assert!(warned, "{}", v["warnings"]);
    drop(held);
}

/// QA u, F4: a server that crashes answering its readiness request (a lookup per request, as
/// sfz's listing does) got a reproduce command that only started it: run by hand it waited,
/// and never crashed. The command now sends the request once the server listens (`curl`), and
/// by hand it crashes as the run did.
#[test]
fn privileged_a_crash_answering_the_readiness_request_is_reproduced_by_its_command() {
    require_privilege();
    let r = run(&mut check_fixture("hostile-on-request", &["--hostile"]));
    assert_eq!(r.code, 1, "a reproduced crash fails the gate\n{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let runs = runs_of(&v, "hostile-on-request");
    let crash = run_named(&runs, "no-home+unknown-uid");
    assert_eq!(crash["outcome"], "crashed", "{crash}");
    assert_eq!(crash["dynamic_outcome"], "ok", "{crash}");
    let cmd = str_of(crash, "reproduce");
    assert!(
        cmd.contains("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:"),
        "{cmd}"
    );
    let out = Command::new("timeout")
        .args(["60", "sh", "-c", cmd])
        .output()
        .expect("timeout sh");
    assert_eq!(out.status.code(), Some(128 + 11), "`{cmd}`: {out:?}");
    // No answer: it crashed answering (QA bd F2: the status is said).
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "HTTP 000\n",
        "{out:?}"
    );
    // It got to listen first: the crash came with the request.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("listening on "),
        "{out:?}"
    );
}

/// QA u, F2: a server that crashes before it is ready and writes nothing: the Markdown
/// report's "Its stderr" block held the tool's own words ("killed by SIGSEGV before it was
/// ready"), which no program printed. The detail now says that stderr was empty, and the
/// Markdown report gives the rest as how the run ended.
#[test]
fn privileged_a_run_that_wrote_nothing_has_no_stderr_said_for_it() {
    require_privilege();
    let args = ["--hostile", "--probe-arg", "at-start"];
    let r = run(&mut check_fixture("hostile-on-request", &args));
    assert_eq!(r.code, 1, "a reproduced crash fails the gate\n{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let runs = runs_of(&v, "hostile-on-request");
    let crash = run_named(&runs, "no-home+unknown-uid");
    assert_eq!(crash["outcome"], "crashed", "{crash}");
    let detail = str_of(crash, "detail");
    assert!(
        detail.starts_with("nothing on stderr; killed by SIGSEGV before it was ready"),
        "{detail}"
    );
    // By hand, the program writes nothing either (the shell's own words aside).
    let cmd = str_of(crash, "reproduce");
    let out = Command::new("timeout")
        .args(["60", "sh", "-c", cmd])
        .output()
        .expect("timeout sh");
    assert_eq!(out.status.code(), Some(128 + 11), "`{cmd}`: {out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.lines().all(|l| l.contains("Segmentation fault")),
        "{out:?}"
    );
    let mut md = human_fixture("hostile-on-request", &args);
    let md = run(md.args(["--format", "markdown"]));
    assert_eq!(md.code, 1, "{}", md.stderr);
    assert!(
        md.stdout.contains(
            "It wrote nothing to stderr. How the run ended:\n\n```text\nkilled by SIGSEGV \
             before it was ready"
        ),
        "{}",
        md.stdout
    );
    assert!(!md.stdout.contains("Its stderr"), "{}", md.stdout);
}

/// QA bw F2: with `--ready exit:1` (xh exits 1 when the connection is refused), a plain run
/// that exits 1 got ready, and so did each condition's: every condition is judged, none is
/// "not judged: the plain run did not get ready (exit:1) ... exited with status 1". The
/// program's own record says it ran and exited 1 under each.
#[test]
fn privileged_an_exit_status_the_readiness_accepts_is_judged_under_each_condition() {
    require_privilege();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("runs");
    let report = format!("REPORT_FILE={}", file.display());
    let v = json(&mut check_fixture(
        "probe-targets",
        &[
            "--bin",
            "exits",
            "--hostile",
            "--ready",
            "exit:1",
            "--probe-env",
            "EXIT_STATUS=1",
            "--probe-env",
            &report,
        ],
    ));
    let runs = runs_of(&v, "exits");
    assert_eq!(runs.len(), 6, "{runs:?}");
    for r in &runs {
        let detail = r["detail"].as_str().unwrap_or_default();
        assert!(!detail.contains("did not get ready"), "{r}");
    }
    for name in ["no-home", "unknown-uid", "nss-module"] {
        let r = run_named(&runs, name);
        assert_eq!(r["outcome"], "ok", "{r}");
        assert_eq!(r["exit_code"], 1, "{r}");
    }
    let said = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        said.lines().filter(|l| *l == "exit 1").count() >= 4,
        "{said}"
    );
}
