//! What this process may do to set up the conditions: root (`setpriv` and a mount
//! namespace), unprivileged user namespaces (`unshare --user`), or neither; and the uid and gid
//! that no passwd or group entry has.

use std::process::{Command, Stdio};

/// How we can set up an unknown uid (and a private `/etc/nsswitch.conf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Privilege {
    /// Running as root: `setpriv` and a mount namespace.
    Root { uid: u32, gid: u32 },
    /// Unprivileged user namespaces: `unshare --user`.
    UserNamespace { uid: u32, gid: u32 },
    /// Neither: only the environment can be changed.
    Neither(String),
}

/// Decide what this process may do. `CARGO_AOTCHECK_HOSTILE_PRIVILEGE=none` forces the
/// unprivileged path (to see what a user without either would get).
pub fn detect_privilege() -> Privilege {
    let (uid, gid) = unknown_ids();
    if std::env::var("CARGO_AOTCHECK_HOSTILE_PRIVILEGE").as_deref() == Ok("none") {
        return Privilege::Neither(
            "needs root or unprivileged user namespaces (forced off by \
             CARGO_AOTCHECK_HOSTILE_PRIVILEGE=none)"
                .into(),
        );
    }
    let has = |tool: &str| which::which(tool).is_ok();
    if effective_uid() == Some(0) && has("setpriv") && has("unshare") {
        return Privilege::Root { uid, gid };
    }
    if has("unshare") {
        let ok = Command::new("unshare")
            .args([
                "--user",
                &format!("--map-user={uid}"),
                &format!("--map-group={gid}"),
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Privilege::UserNamespace { uid, gid };
        }
    }
    Privilege::Neither("needs root or unprivileged user namespaces (util-linux `unshare`)".into())
}

fn effective_uid() -> Option<u32> {
    ids_of("self").map(|(_, _, effective)| effective)
}

/// Process `pid`'s name and its real and effective uid, from `/proc/PID/status`.
pub(super) fn ids_of(pid: &str) -> Option<(String, u32, u32)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name));
    let name = field("Name:")?.trim().to_string();
    let mut uids = field("Uid:")?.split_whitespace().map(str::parse::<u32>);
    Some((name, uids.next()?.ok()?, uids.next()?.ok()?))
}

/// The first id from 54321 up that neither `/etc/passwd` nor `/etc/group` knows.
fn unknown_ids() -> (u32, u32) {
    let ids = |file: &str| -> Vec<u32> {
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(':').nth(2)?.parse().ok())
            .collect()
    };
    let taken: Vec<u32> = ids("/etc/passwd")
        .into_iter()
        .chain(ids("/etc/group"))
        .collect();
    let id = (54321..u32::MAX)
        .find(|i| !taken.contains(i))
        .unwrap_or(54321);
    (id, id)
}

/// The words that run what follows them as `uid`:`gid`, with no supplementary groups (root).
pub(super) fn setpriv(uid: u32, gid: u32) -> Vec<String> {
    vec![
        "setpriv".into(),
        format!("--reuid={uid}"),
        format!("--regid={gid}"),
        "--clear-groups".into(),
        "--".into(),
    ]
}
