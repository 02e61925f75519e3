//! The `foreign-process` condition's other process: one of a uid and gid that the passwd and
//! group databases lack, running beside the program for the length of its run, as on a host
//! that runs containers. A program that names the owners of the processes it reads from
//! `/proc` (`btm`'s `read_proc` calls `getpwuid` for each) looks that uid up, which a static
//! glibc answers by loading the `nsswitch.conf`'s modules beyond `files` (QA bm F1: static
//! `btm` crashed in `_nss_systemd_getpwuid_r` with such a process there; no other condition
//! made it look another uid up).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the process started by the reproduce command may live: the command stops it
/// after the program, and this ends it should the command be cut short.
const BY_HAND_SECONDS: u32 = 60;

/// How long the process the tool starts may live: [`Beside`] stops it after the run.
const RUN_SECONDS: u32 = 3600;

/// Runs under `foreign-process` at most, until one fails: a program may exit before it looks
/// the other process's owner up (QA bp F1: static `btm` crashed in 9 of 72 runs by hand, as
/// its collector thread raced its exit, and one run a condition was `ok` every time).
pub const TRIES: u32 = 5;

/// `run` again while `again` says so of the last run, `tries` runs at most: the last run, and
/// how many were made.
pub fn repeat<T>(tries: u32, mut run: impl FnMut() -> T, again: impl Fn(&T) -> bool) -> (T, u32) {
    let mut last = run();
    let mut made = 1;
    while made < tries && again(&last) {
        last = run();
        made += 1;
    }
    (last, made)
}

/// What a `foreign-process` run's detail says of the runs made, before `detail` (its own).
pub fn runs_said(made: u32, failed: bool, detail: Option<String>) -> Option<String> {
    let runs = match (failed, made) {
        (false, _) => format!("ok in each of {made} runs"),
        (true, 1) => return detail,
        (true, _) => format!("in run {made} of up to {TRIES}; the runs before it were ok"),
    };
    Some(match detail {
        Some(d) => format!("{runs}\n{d}"),
        None => runs,
    })
}

/// The running process; stopped when dropped.
pub struct Beside {
    child: Child,
}

impl Drop for Beside {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The words that start the process as `uid`:`gid` (`setpriv`, as root), running `sleep`.
fn words(uid: u32, gid: u32, seconds: u32) -> Vec<String> {
    let mut w = super::privilege::setpriv(uid, gid);
    w.extend(["sleep".into(), seconds.to_string()]);
    w
}

/// Start the process and wait until `/proc` shows it as `sleep` under `uid` (`setpriv` has
/// changed its ids and run it), so that the program finds it from its first instruction.
pub fn start(uid: u32, gid: u32) -> Result<Beside, String> {
    let w = words(uid, gid, RUN_SECONDS);
    let child = Command::new(&w[0])
        .args(&w[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start `setpriv`: {e}"))?;
    let mut beside = Beside { child };
    let pid = beside.child.id();
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if let Ok(Some(status)) = beside.child.try_wait() {
            return Err(format!(
                "the process of uid {uid} ended at once (`setpriv`: {status})"
            ));
        }
        if runs_as(pid, uid) {
            return Ok(beside);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the process did not run as uid {uid} within 2 s of its start"
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Whether process `pid` is `sleep` with real and effective uid `uid`, by `/proc`.
fn runs_as(pid: u32, uid: u32) -> bool {
    super::privilege::ids_of(&pid.to_string())
        .is_some_and(|(name, real, effective)| name == "sleep" && real == uid && effective == uid)
}

/// The reproduce command `command` with the same process started in the background before
/// it (and a moment for `setpriv` to run it), stopped after it, the command's status kept (QA
/// bp F5: each use left a `sleep` of the unknown uid behind for a minute).
pub fn shown(uid: u32, gid: u32, command: &str) -> String {
    format!(
        "{} & s=$!; sleep 0.2; {command}; r=$?; kill $s 2>/dev/null; (exit $r)",
        words(uid, gid, BY_HAND_SECONDS).join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against `/proc` read by hand: the process runs as the uid asked for, is there while
    /// the guard lives and gone once it is dropped. Needs root (`setpriv` changing ids; CI
    /// runs as root): without it, it fails and says how to deselect it.
    #[test]
    fn privileged_the_process_runs_as_the_unknown_uid_and_ends_with_the_guard() {
        assert!(
            matches!(
                super::super::detect_privilege(),
                super::super::Privilege::Root { .. }
            ),
            "this test needs root; deselect it with `cargo test -- --skip privileged_`"
        );
        let beside = start(54329, 54329).expect("started");
        let pid = beside.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
        assert!(status.contains("\nUid:\t54329\t54329\t"), "{status}");
        assert!(status.contains("\nGid:\t54329\t54329\t"), "{status}");
        drop(beside);
        // Reaped: no entry (not even a zombie's).
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }

    /// Runs again while they end well, and stops at the first that does not, or at `tries`.
    #[test]
    fn runs_are_made_until_one_fails_at_most_tries() {
        let mut codes = [0, 0, 139, 0].into_iter();
        let again = |c: &i32| *c == 0;
        assert_eq!(repeat(TRIES, || codes.next().unwrap_or(0), again), (139, 3));
        assert_eq!(repeat(TRIES, || 0, again), (0, TRIES));
        assert_eq!(repeat(1, || 0, again), (0, 1));
        assert_eq!(
            runs_said(5, false, None).as_deref(),
            Some("ok in each of 5 runs")
        );
        assert_eq!(runs_said(1, true, Some("x".into())).as_deref(), Some("x"));
        assert_eq!(
            runs_said(3, true, Some("x".into())).as_deref(),
            Some("in run 3 of up to 5; the runs before it were ok\nx")
        );
    }

    /// Run by `sh`: the program's status is the command's, and the process is gone after.
    #[test]
    fn the_shown_command_starts_the_same_process_in_the_background() {
        let cmd = shown(54321, 54322, "true");
        assert_eq!(
            cmd,
            "setpriv --reuid=54321 --regid=54322 --clear-groups -- sleep 60 & s=$!; sleep 0.2; \
             true; r=$?; kill $s 2>/dev/null; (exit $r)"
        );
        let with = |program: &str| {
            let c = format!("sleep 60 & s=$!; {program}; r=$?; kill $s 2>/dev/null; (exit $r)");
            let out = std::process::Command::new("sh")
                .args([
                    "-c",
                    // A killed child is a zombie until `sh` reaps it, which it does while
                    // it waits for a command in the foreground: poll, 2 s at most.
                    &format!(
                        "{c}; echo \"$?\"; for i in $(seq 20); do kill -0 $s 2>/dev/null \
                         || break; sleep 0.1; done; kill -0 $s 2>/dev/null || echo gone"
                    ),
                ])
                .output()
                .expect("sh");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        assert_eq!(with("sh -c 'exit 3'"), "3\ngone\n");
        assert_eq!(with("true"), "0\ngone\n");
    }
}
