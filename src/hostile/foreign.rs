//! The `foreign-process` condition's other process: one of a uid and gid that the passwd and
//! group databases lack, running beside the program for the length of its run, as on a host
//! that runs containers. A program that names the owners of the processes it reads from
//! `/proc` (`btm`'s `read_proc` calls `getpwuid` for each) looks that uid up, which a static
//! glibc answers by loading the `nsswitch.conf`'s modules beyond `files` (QA bm F1: static
//! `btm` crashed in `_nss_systemd_getpwuid_r` with such a process there; no other condition
//! made it look another uid up).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the process started by hand (the reproduce command) lives: it ends by itself.
const BY_HAND_SECONDS: u32 = 60;

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
    let w = words(uid, gid, 3600);
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
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let ids: Vec<&str> = field("Uid:").map_or(Vec::new(), |u| u.split_whitespace().collect());
    field("Name:") == Some("sleep")
        && ids.len() >= 2
        && ids[..2].iter().all(|i| *i == uid.to_string())
}

/// What the reproduce command puts in front of the program's: the same process started in
/// the background (ending by itself), and a moment for `setpriv` to run it.
pub fn shown(uid: u32, gid: u32) -> String {
    format!(
        "{} & sleep 0.2; ",
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

    #[test]
    fn the_shown_command_starts_the_same_process_in_the_background() {
        assert_eq!(
            shown(54321, 54322),
            "setpriv --reuid=54321 --regid=54322 --clear-groups -- sleep 60 & sleep 0.2; "
        );
    }
}
