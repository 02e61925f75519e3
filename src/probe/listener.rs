//! Whose socket listens on a port: a `tcp`/`http` check only knows that *something* accepted
//! its connect. A program that fails to bind because another process holds the port would
//! otherwise be "ready" at once. So the port must be free before the spawn, and once the check
//! succeeds, the listening socket (its inode in `/proc/net/tcp` and `tcp6`) must be one of the
//! sockets the program's process tree holds (`/proc/PID/fd`).
//!
//! `/proc/net/tcp` costs about 1 ms a read (FIELD-NOTES): it is read once per run, after the
//! moment of readiness was taken, never while polling.

use std::collections::HashSet;

/// What the sockets listening on a port were found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listener {
    /// One of them is held by a process of the given tree; `loopback_only`: every socket of
    /// the tree on the port is bound to a loopback address (`127.0.0.1`, `::1`), so nothing
    /// from outside the machine, or a container, reaches it.
    Ours { loopback_only: bool },
    /// None of them is: held by these processes (pid and command name; empty when they could
    /// not be told, e.g. another user's processes).
    Other(Vec<(i32, String)>),
    /// No listening socket on the port was found (it closed again, or the tables could not
    /// be read): nothing to hold against the program.
    Unknown,
}

/// `Listener` for `port` on loopback against the processes `tree`, from one read of the tables.
pub fn whose(port: u16, tree: &[i32]) -> Listener {
    let on_port: Vec<(String, u16, u64)> = listen_table()
        .into_iter()
        .filter(|(_, p, _)| *p == port)
        .collect();
    let listening: HashSet<u64> = on_port
        .iter()
        .filter(|(addr, _, _)| reachable(addr))
        .map(|l| l.2)
        .collect();
    if listening.is_empty() {
        return Listener::Unknown;
    }
    let ours: HashSet<u64> = tree.iter().flat_map(|&pid| socket_inodes(pid)).collect();
    if !listening.iter().any(|i| ours.contains(i)) {
        return Listener::Other(holders(&listening));
    }
    // Every socket of ours on the port, whatever its address (a second one on `::1`).
    Listener::Ours {
        loopback_only: on_port
            .iter()
            .filter(|(_, _, inode)| ours.contains(inode))
            .all(|(addr, _, _)| is_loopback(addr)),
    }
}

/// Whether a local address as `/proc/net/tcp{,6}` prints it is a loopback one: `127.x.y.z`
/// (the last byte printed is the first of the address), `::1`, or `::ffff:127.x.y.z`.
fn is_loopback(addr: &str) -> bool {
    let a = addr.to_ascii_uppercase();
    match a.len() {
        8 => a.ends_with("7F"),
        32 => {
            a == "00000000000000000000000001000000"
                || (a.starts_with("0000000000000000FFFF0000") && a.ends_with("7F"))
        }
        _ => false,
    }
}

/// Who listens on `port` of loopback, in words (`pid 10987 (python3)`), for a port found
/// taken before a run.
pub fn holder_of(port: u16) -> String {
    match whose(port, &[]) {
        Listener::Other(h) => describe(&h),
        _ => held_anywhere(port).unwrap_or_else(|| "another process".into()),
    }
}

/// Who listens on `port` on any address of this machine (a bind of `0.0.0.0` fails on it, QA
/// cz F2: a holder on `192.0.2.2` made miniserve's start inside its image fail), in words;
/// `None` when nothing does.
pub fn held_anywhere(port: u16) -> Option<String> {
    let inodes: HashSet<u64> = listen_table()
        .into_iter()
        .filter(|(_, p, _)| *p == port)
        .map(|(_, _, inode)| inode)
        .collect();
    (!inodes.is_empty()).then(|| describe(&holders(&inodes)))
}

/// `pid 1234 (python3)` for each holder, or what to say when none could be named.
pub fn describe(holders: &[(i32, String)]) -> String {
    if holders.is_empty() {
        // Root sees every process: one not found is gone (QA cy F3).
        return match nix::unistd::geteuid().is_root() {
            true => "a process that could not be found (gone since the check)".into(),
            false => "a process this user cannot see (another user's, or gone since)".into(),
        };
    }
    holders
        .iter()
        .map(|(pid, name)| format!("pid {pid} ({name})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every LISTEN line of `/proc/net/tcp` and `tcp6` (see [`listen_lines`]).
fn listen_table() -> Vec<(String, u16, u64)> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .flat_map(|text| listen_lines(&text))
        .collect()
}

/// Local addresses (as `/proc/net/tcp{,6}` print them) that the checks' connect to 127.0.0.1
/// or, refused there, to `[::1]` reaches.
const REACHABLE: [&str; 5] = [
    "0100007F",
    "00000000",
    "00000000000000000000000000000000",
    "0000000000000000FFFF00000100007F",
    "00000000000000000000000001000000",
];

fn reachable(addr: &str) -> bool {
    REACHABLE.iter().any(|r| r.eq_ignore_ascii_case(addr))
}

/// The TCP ports that processes `tree` listen on, from `/proc/net/tcp` and `tcp6`, sorted:
/// said when a `tcp`/`http` check waited on another port in vain (QA bd F3: miniserve
/// listened on 8080, the probe waited on the free port it gave in `PORT`).
pub fn ports_of(tree: &[i32]) -> Vec<u16> {
    let ours: HashSet<u64> = tree.iter().flat_map(|&pid| socket_inodes(pid)).collect();
    let mut ports: Vec<u16> = listen_table()
        .into_iter()
        .filter(|(_, _, inode)| ours.contains(inode))
        .map(|(_, port, _)| port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Every LISTEN (`0A`) line of a `/proc/net/tcp{,6}` text: its local address (as printed),
/// port and socket inode.
fn listen_lines(text: &str) -> Vec<(String, u16, u64)> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (addr, p) = f.get(1)?.split_once(':')?;
            (f.get(3) == Some(&"0A")).then_some(())?;
            Some((
                addr.to_string(),
                u16::from_str_radix(p, 16).ok()?,
                f.get(9)?.parse().ok()?,
            ))
        })
        .collect()
}

/// The inodes of the sockets `pid` has open (`socket:[N]` links in `/proc/PID/fd`).
pub fn socket_inodes(pid: i32) -> Vec<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            l.to_str()?
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect()
}

/// The processes that hold one of `inodes`, found by walking `/proc` (slow; only on failure).
fn holders(inodes: &HashSet<u64>) -> Vec<(i32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let me = std::process::id() as i32;
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && socket_inodes(pid).iter().any(|i| inodes.contains(i)))
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map_or_else(|_| "?".into(), |c| c.trim().to_string());
            (pid, name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
    use std::os::unix::fs::MetadataExt;

    use super::*;

    /// The inodes of the sockets in state LISTEN on `port` that a connect to 127.0.0.1 can
    /// reach: bound to 127.0.0.1 or to any address, IPv4 or (dual-stack) IPv6.
    fn listening_inodes(port: u16) -> HashSet<u64> {
        listen_table()
            .into_iter()
            .filter(|(addr, p, _)| *p == port && reachable(addr))
            .map(|l| l.2)
            .collect()
    }

    /// The inodes of the LISTEN (`0A`) lines on `port` bound to an address in `REACHABLE`.
    fn parse_listening(text: &str, port: u16) -> Vec<u64> {
        listen_lines(text)
            .into_iter()
            .filter(|(addr, p, _)| *p == port && reachable(addr))
            .map(|l| l.2)
            .collect()
    }

    /// Every LISTEN (`0A`) line of a `/proc/net/tcp{,6}` text: its port and socket inode.
    fn listening_ports(text: &str) -> Vec<(u16, u64)> {
        listen_lines(text)
            .into_iter()
            .map(|(_, port, inode)| (port, inode))
            .collect()
    }

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:4A27 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:4A27 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
   2: 0A000005:4A27 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
   3: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0
";

    /// A server on `[::1]` alone is its own and listens on loopback alone (QA bn F1: the check
    /// now connects there too).
    #[test]
    fn a_listener_on_ipv6_loopback_is_ours_and_loopback_only() {
        use std::net::{Ipv6Addr, SocketAddrV6};
        let l = TcpListener::bind(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0))
            .unwrap_or_else(|e| panic!("this machine has no IPv6 loopback (`[::1]`: {e})"));
        let port = l.local_addr().expect("addr").port();
        let me = std::process::id() as i32;
        assert_eq!(
            whose(port, &[me]),
            Listener::Ours {
                loopback_only: true
            }
        );
    }

    #[test]
    fn only_listening_sockets_reachable_on_loopback_count() {
        // 0x4A27 = 18983: the established connection and the one on 10.0.0.5 are not it.
        assert_eq!(parse_listening(TCP, 18983), vec![111]);
        assert_eq!(parse_listening(TCP, 8080), vec![444]);
        assert!(parse_listening(TCP, 80).is_empty());
    }

    /// Our own listener, against the kernel's own view: its fd's inode (`fstat`).
    #[test]
    fn a_listener_of_ours_is_found_and_told_from_another_tree() {
        let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = l.local_addr().expect("addr").port();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        let ino = std::fs::metadata(format!("/proc/self/fd/{fd}"))
            .expect("fd")
            .ino();
        assert!(listening_inodes(port).contains(&ino));
        let me = std::process::id() as i32;
        assert_eq!(
            whose(port, &[me]),
            Listener::Ours {
                loopback_only: true
            }
        );
        // pid 1 holds no socket of ours; we are left out of the holders (the prober). A child
        // another test forks holds a copy until it execs (close-on-exec): wait it out.
        let mut other = whose(port, &[1]);
        for _ in 0..500 {
            if other == Listener::Other(Vec::new()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            other = whose(port, &[1]);
        }
        assert_eq!(other, Listener::Other(Vec::new()));
        drop(l);
        // A child that another test of this process forks holds a copy of the socket until
        // it execs (close-on-exec): wait for that copy to go, as the kernel drops the socket
        // only then (CI saw it still listening under load). Not a timing bound of ours.
        for _ in 0..500 {
            if !listening_inodes(port).contains(&ino) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Gone: another process of the machine (a probe of another test, handed the port
        // just freed) may listen there now, but it is not ours.
        assert!(!listening_inodes(port).contains(&ino));
        assert!(!matches!(whose(port, &[me]), Listener::Ours { .. }));
    }

    /// QA bk F1: a server listening on loopback alone (mdbook's default `localhost`) is told
    /// from one on every address, against a socket of our own bound each way.
    #[test]
    fn a_listener_on_loopback_alone_is_told_from_one_on_every_address() {
        let me = std::process::id() as i32;
        let lo = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = lo.local_addr().expect("addr").port();
        assert_eq!(
            whose(port, &[me]),
            Listener::Ours {
                loopback_only: true
            }
        );
        let any = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).expect("bind");
        let port = any.local_addr().expect("addr").port();
        assert_eq!(
            whose(port, &[me]),
            Listener::Ours {
                loopback_only: false
            }
        );
        for (addr, lo) in [
            ("0100007F", true),
            ("0500007F", true),
            ("00000000", false),
            ("0500000A", false),
            ("00000000000000000000000001000000", true),
            ("0000000000000000FFFF00000100007F", true),
            ("00000000000000000000000000000000", false),
        ] {
            assert_eq!(is_loopback(addr), lo, "{addr}");
        }
    }

    #[test]
    fn every_listening_port_is_read_with_its_inode() {
        // Bound to any address, to 127.0.0.1 or to another: each is a port the program holds.
        assert_eq!(
            listening_ports(TCP),
            [(0x4A27, 111), (0x4A27, 333), (8080, 444)]
        );
    }
}
