//! `cargo aotcheck advise` stopped part way: by an interrupt, or by a cargo killed from
//! outside, while `opt-level = "z"`'s build script stalls (fixture `advise-knobs`).

use serde_json::Value;

use crate::advise::{binary, variant};
use crate::util::*;

/// B7: an interrupted `advise` printed lines to paste for a combined variant it never built
/// (here `strip` is done and `opt-level = "z"` stalls in its build script); it says why there
/// are none. QA ad: and that it was not probed because of `--no-probe`, which it was not given.
#[test]
fn an_interrupted_advise_prints_no_lines_to_paste() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = stall_at_z(dir.path(), &["--color", "never"]);
    while stalled_at_z(dir.path()).is_empty() {
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
    // Interrupted before any probe: it was not `--no-probe` (QA ad said so).
    assert!(!stdout.contains("--no-probe"), "{stdout}");
}

/// QA ai F11, QA aj F1: a `cargo build` killed from outside (here cargo itself, SIGKILL, while
/// `opt-level = "z"`'s build script stalls) stops the run, says which signal, and is no `pass`:
/// exit 2, `inconclusive`, no lines to paste; the variant built before it (`strip`) was never
/// probed and says so. It read "failed (its diagnostics are above)" and the run went on.
#[test]
fn a_cargo_killed_from_outside_stops_advise_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = stall_at_z(dir.path(), &["--format", "json"]);
    let script = loop {
        if let Some(&pid) = stalled_at_z(dir.path()).first() {
            break pid;
        }
        assert!(child.try_wait().expect("try_wait").is_none(), "ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // The build script's parent is cargo (the one the tool started).
    let status = std::fs::read_to_string(format!("/proc/{script}/status")).expect("status");
    let cargo: i32 = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .and_then(|p| p.trim().parse().ok())
        .expect("PPid");
    let comm = std::fs::read_to_string(format!("/proc/{cargo}/comm")).expect("comm");
    assert_eq!(comm.trim(), "cargo");
    let kill = |pid: i32| {
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    };
    kill(cargo);
    let out = child.wait_with_output().expect("wait");
    kill(script);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`cargo build` of the static binary was killed by SIGKILL"),
        "{stderr}"
    );
    assert!(!stderr.contains("diagnostics are above"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"], "inconclusive", "{v}");
    assert_eq!(v["advice"]["interrupted"], true, "{v}");
    assert!(v["advice"]["snippet"].is_null(), "{v}");
    let strip = variant(binary(&v, "advise-knobs"), "strip=symbols");
    // QA aj F2: not `measured`, and no knobs said combined where no lines are given.
    assert_eq!(strip["status"], "not-probed", "{strip}");
    assert!(
        v["advice"]["combined_knobs"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{v}"
    );
    assert!(strip["startup_ms"].is_null(), "{strip}");
    assert_eq!(
        strip["error"], "built, not probed: the run was interrupted first",
        "{strip}"
    );
    let warned = v["warnings"].as_array().into_iter().flatten();
    assert!(
        warned
            .filter_map(Value::as_str)
            .any(|w| w.contains("built but not probed") && w.contains("strip=symbols")),
        "{}",
        v["warnings"]
    );
}

/// `advise` of fixture `advise-knobs` in target dir `dir`, with `args`, `strip` then
/// `opt-level = "z"`, whose build script stalls (`ADVISE_STALL`); started, its output piped.
/// QA ch F4: two knobs of one key (`lto`) count a combined variant in the progress (`n/4`), and
/// only the smaller of the two is kept: the combined build would be that knob's own again. The
/// run says it skips it and which knob is kept, and the kept one is the smaller file (`stat`).
#[test]
fn a_combined_variant_the_results_do_not_call_for_is_said_skipped() {
    let r = run(&mut crate::advise::advise_saying_status(
        "advise-knobs",
        &shared_target_dir(),
        &[
            "--knobs",
            "lto=thin,lto=fat",
            "--no-probe",
            "--color",
            "never",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("variant 3/4: "), "{}", r.stderr);
    assert!(!r.stderr.contains("variant 4/4"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let b = binary(&v, "advise-knobs");
    assert!(b["combined"].is_null(), "{b}");
    let size = |id: &str| crate::advise::len(str_of(variant(b, id), "path"));
    let kept = if size("lto=fat") < size("lto=thin") {
        "lto=fat"
    } else {
        "lto=thin"
    };
    let said = format!("Skipping the combined variant: only {kept} is kept");
    assert!(r.stderr.contains(&said), "{said}\n{}", r.stderr);
}

fn stall_at_z(dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    let mut cmd = aotcheck();
    cmd.args(["aotcheck", "advise", "--manifest-path"])
        .arg(fixture("advise-knobs").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir)
        .args(["--locked", "-q"])
        .args(args)
        .args(["--knobs", "strip=symbols,opt-level=z"])
        .env("ADVISE_STALL", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd.spawn().expect("spawn")
}

/// The build scripts of [`stall_at_z`]'s run in `dir` stalled at `opt-level = "z"`.
fn stalled_at_z(dir: &std::path::Path) -> Vec<i32> {
    pids_where(|exe, proc_dir| {
        exe.to_string_lossy().contains("build-script-build")
            && std::fs::read(proc_dir.join("environ")).is_ok_and(|env| {
                let env = String::from_utf8_lossy(&env);
                // This run's (OUT_DIR is under its target dir), not another test's.
                env.contains("ADVISE_STALL=1")
                    && env.contains("OPT_LEVEL=z")
                    && env.contains(&*dir.to_string_lossy())
            })
    })
}
