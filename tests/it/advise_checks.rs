//! `cargo aotcheck advise` regressions found by QA: refused flags, variants that never get
//! ready, an interrupt's verdict, the settings' real sources, the snippets' wording.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use serde_json::Value;

use crate::advise::{advise, binary, len, variant};
use crate::util::*;

/// B5: `advise --help` offered `--image` (and the symbol report's flags), which `advise`
/// refused with "build and probe options go after `advise`". What it refuses, it does not
/// offer, and the refusal names the flag.
#[test]
fn advise_help_does_not_offer_what_advise_refuses() {
    let help = run(aotcheck().args(["aotcheck", "advise", "--help"]));
    assert_eq!(help.code, 0);
    for (flag, args) in [
        ("--image", &["--image"][..]),
        ("--why", &["--why", "std"]),
        ("--filter", &["--filter", "std"]),
        ("--symbols", &["--symbols", "5"]),
        ("-n", &["-n", "5"]),
        ("--crates", &["--crates"]),
    ] {
        let offered = help
            .stdout
            .lines()
            .any(|l| l.trim_start().split([' ', ',']).next() == Some(flag));
        assert!(!offered, "advise --help offers {flag}:\n{}", help.stdout);
        let r = run(aotcheck().args(["aotcheck", "advise"]).args(args));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{flag} does not apply to `advise`")),
            "{flag}: {}",
            r.stderr
        );
    }
    // The main command still offers and takes them.
    let main = run(aotcheck().args(["aotcheck", "--help"]));
    assert!(main.stdout.contains("--image [<DIR>]"), "{}", main.stdout);
}

/// B6: under `panic = "abort"` a program that relies on `catch_unwind` aborts on every run. That
/// variant was `measured` with a blank start-up, no reason, and went into the combined variant
/// and its snippet. It is `not-ready` with the probe's reason and a warning, and the combined
/// variant (rebuilt without it) and the lines to paste leave it out. The run did its job: exit
/// 0, as for a variant that does not build.
#[test]
fn a_knob_whose_binary_never_gets_ready_is_said_and_left_out_of_combined() {
    let r = run(&mut advise(
        "advise-unwind",
        &shared_target_dir(),
        &[
            "--knobs",
            "panic=abort,strip,lto=fat",
            "--runs",
            "2",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let b = binary(&v, "advise-unwind");
    let abort = variant(b, "panic=abort");
    assert_eq!(str_of(abort, "status"), "not-ready", "{abort}");
    assert!(abort["startup_ms"].is_null(), "{abort}");
    assert!(str_of(abort, "error").contains("SIGABRT"), "{abort}");
    // Running it ourselves: the variant aborts, the base catches its panic and exits 0.
    let abort_run = Command::new(str_of(abort, "path")).output().expect("run");
    assert_eq!(abort_run.status.signal(), Some(6), "{abort_run:?}");
    assert_eq!(u64_of(abort, "file_size"), len(str_of(abort, "path")));
    let base_run = Command::new(str_of(&b["base"], "path"))
        .output()
        .expect("run");
    assert!(base_run.status.success(), "{base_run:?}");
    assert_eq!(str_of(&b["base"], "status"), "measured");
    assert!(b["base"]["startup_ms"].as_f64().is_some_and(|t| t > 0.0));
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("[panic=abort]") && w.contains("SIGABRT"))
    });
    assert!(warned, "{}", v["warnings"]);
    // Left out of the combined variant, which was built (and started) without it.
    let knobs = &v["advice"]["combined_knobs"];
    assert!(!knobs.to_string().contains("panic"), "{knobs}");
    let snippet = str_of(&v["advice"], "snippet");
    assert!(!snippet.contains("panic"), "{snippet}");
    if let Some(c) = b.get("combined") {
        assert_eq!(str_of(c, "status"), "measured", "{c}");
        assert!(!str_of(c, "knob").contains("panic"), "{c}");
        let c_run = Command::new(str_of(c, "path")).output().expect("run");
        assert!(c_run.status.success(), "{c_run:?}");
    }
    assert_eq!(v["verdict"], "pass");
}

/// B6: a server probed without `--ready` (here `exit`, with a short limit) never gets ready as
/// the profile builds it: nothing to compare with, so the run fails to do its job as the main
/// command does (exit 2, verdict `inconclusive`, the probe's reason), with the report.
#[test]
fn a_base_that_never_gets_ready_is_exit_2_and_inconclusive() {
    let r = run(&mut advise(
        "hello-server",
        &shared_target_dir(),
        &[
            "--knobs",
            "strip",
            "--ready",
            "exit",
            "--probe-timeout",
            "300ms",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no successful run for `hello-server`")
            && r.stderr.contains("is it a server?"),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("the report");
    assert_eq!(v["verdict"], "inconclusive");
    let base = &binary(&v, "hello-server")["base"];
    assert_eq!(str_of(base, "status"), "not-ready", "{base}");
    assert!(v["advice"]["snippet"].is_null());
}

/// B7: an interrupted `advise` printed lines to paste for a combined variant it never built
/// (here `strip` is done and `opt-level = "z"` stalls in its build script); it says why there
/// are none.
#[test]
fn an_interrupted_advise_prints_no_lines_to_paste() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = aotcheck();
    cmd.args(["aotcheck", "advise", "--manifest-path"])
        .arg(fixture("advise-knobs").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.path())
        .args(["--locked", "-q", "--color", "never", "--no-probe"])
        .args(["--knobs", "strip=symbols,opt-level=z"])
        .env("ADVISE_STALL", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let stalled = || {
        !pids_where(|exe, proc_dir| {
            exe.to_string_lossy().contains("build-script-build")
                && std::fs::read(proc_dir.join("environ")).is_ok_and(|env| {
                    let env = String::from_utf8_lossy(&env);
                    // This run's (OUT_DIR is under its target dir), not another test's.
                    env.contains("ADVISE_STALL=1")
                        && env.contains("OPT_LEVEL=z")
                        && env.contains(&*dir.path().to_string_lossy())
                })
        })
        .is_empty()
    };
    while !stalled() {
        assert!(child.try_wait().expect("try_wait").is_none(), "ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("kill");
    let out = child.wait_with_output().expect("wait");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The finished variant is there, with its saving; no lines to paste, and why.
    assert!(stdout.contains("strip = \"symbols\""), "{stdout}");
    assert!(!stdout.contains("paste into"), "{stdout}");
    assert!(!stdout.contains("\n  [profile.release]\n"), "{stdout}");
    assert!(
        stdout.contains("No lines to paste: the run was interrupted"),
        "{stdout}"
    );
}
