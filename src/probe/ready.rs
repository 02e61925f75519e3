//! Readiness checks that poll: a TCP connect, an HTTP/1.0 GET, to the port on 127.0.0.1 and,
//! refused there, on `[::1]` (QA bn F1/F2: miniserve told to listen on `::1` was "not ready"
//! on the host and "does not start" in its image, where it served). And the polling schedule.
//!
//! A refused connect on loopback costs a few microseconds, so polling can be frequent; it
//! never reads `/proc/net/tcp` (about 1 ms per read and ~4 ms of lag, see FIELD-NOTES).

use std::io::{Read, Write};
use std::net::{
    Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener, TcpStream,
};
use std::time::Duration;

const FIRST_INTERVAL: Duration = Duration::from_micros(100);
const LAST_INTERVAL: Duration = Duration::from_millis(1);

/// The pause before the next check, `elapsed` after spawn: 100 us at first, then 1% of the
/// time elapsed, up to 1 ms. Detection lag thus stays within ~1% of the startup time (and
/// under 1 ms) while a slow starter is not hammered with connects.
pub fn poll_interval(elapsed: Duration) -> Duration {
    (elapsed / 100).clamp(FIRST_INTERVAL, LAST_INTERVAL)
}

/// A port nobody listens on right now on either loopback address, from the kernel's
/// ephemeral range. Another process could take it before the program binds it; the run then
/// fails and says so.
pub fn free_port() -> std::io::Result<u16> {
    let mut last = None;
    for _ in 0..20 {
        let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
        let port = l.local_addr()?.port();
        // Free on `[::1]` too, or no IPv6 here at all.
        match TcpListener::bind(SocketAddrV6::new(Ipv6Addr::LOCALHOST, port, 0, 0)) {
            Ok(_) => return Ok(port),
            Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => return Ok(port),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no port free on both loopbacks")))
}

/// The loopback addresses a check connects to, in turn.
fn addrs(port: u16) -> [SocketAddr; 2] {
    [
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)),
        SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, port, 0, 0)),
    ]
}

/// A connection to `port` on the first loopback address that accepts one.
fn connect(port: u16) -> Option<(TcpStream, SocketAddr)> {
    addrs(port).into_iter().find_map(|a| {
        TcpStream::connect_timeout(&a, Duration::from_millis(500))
            .ok()
            .map(|s| (s, a))
    })
}

/// Something accepts connections on `port` of 127.0.0.1 or `[::1]`.
pub fn tcp(port: u16) -> bool {
    connect(port).is_some()
}

/// What one HTTP check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpCheck {
    /// Nothing listening yet (or the connection was dropped before an answer).
    NotListening,
    /// An answer with this status.
    Status(u16),
    /// Something answered that is not HTTP.
    NotHttp(String),
}

/// One `GET path HTTP/1.0` to `port` on loopback ([`connect`]); reads only the status line.
/// `wait` bounds the time spent waiting for the answer.
pub fn http(port: u16, path: &str, wait: Duration) -> HttpCheck {
    let Some((mut s, to)) = connect(port) else {
        return HttpCheck::NotListening;
    };
    let _ = s.set_nodelay(true);
    let wait = wait.max(Duration::from_millis(1));
    let _ = s.set_read_timeout(Some(wait));
    let _ = s.set_write_timeout(Some(wait));
    let request = format!("GET {path} HTTP/1.0\r\nHost: {to}\r\nConnection: close\r\n\r\n");
    if s.write_all(request.as_bytes()).is_err() {
        return HttpCheck::NotListening;
    }
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') && buf.len() < 4096 {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    if buf.is_empty() {
        return HttpCheck::NotListening;
    }
    parse_status_line(&buf)
}

pub fn parse_status_line(buf: &[u8]) -> HttpCheck {
    let line = String::from_utf8_lossy(buf);
    let line = line.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    match (
        parts.next(),
        parts.next().and_then(|c| c.parse::<u16>().ok()),
    ) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => HttpCheck::Status(code),
        _ => HttpCheck::NotHttp(line.chars().take(80).collect()),
    }
}

/// The status counts as ready: the one asked for, or any 2xx/3xx.
pub fn status_ok(code: u16, wanted: Option<u16>) -> bool {
    match wanted {
        Some(w) => code == w,
        None => (200..400).contains(&code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_backs_off_from_100us_to_1ms() {
        assert_eq!(poll_interval(Duration::ZERO), FIRST_INTERVAL);
        assert_eq!(poll_interval(Duration::from_millis(5)), FIRST_INTERVAL);
        assert_eq!(
            poll_interval(Duration::from_millis(50)),
            Duration::from_micros(500)
        );
        assert_eq!(poll_interval(Duration::from_secs(5)), LAST_INTERVAL);
    }

    #[test]
    fn status_lines() {
        assert_eq!(
            parse_status_line(b"HTTP/1.1 204 No Content\r\n"),
            HttpCheck::Status(204)
        );
        assert_eq!(
            parse_status_line(b"HTTP/1.0 503\r\n"),
            HttpCheck::Status(503)
        );
        assert!(matches!(
            parse_status_line(b"SSH-2.0-x\r\n"),
            HttpCheck::NotHttp(_)
        ));
        assert!(status_ok(301, None) && !status_ok(404, None));
        assert!(status_ok(404, Some(404)) && !status_ok(200, Some(404)));
    }

    /// A socket bound to a fresh port of 127.0.0.1 and not listening. It holds the port, so no
    /// other test's server can take it while it is checked (a port merely found free once was,
    /// in a few hundred runs).
    #[allow(unsafe_code)]
    fn bound_not_listening() -> (std::os::fd::OwnedFd, u16) {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a zeroed `sockaddr_in` of the right size; the fd is
        // checked before it is owned, and owned exactly once.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let fd = std::os::fd::OwnedFd::from_raw_fd(fd);
            let mut a: libc::sockaddr_in = std::mem::zeroed();
            a.sin_family = libc::AF_INET as libc::sa_family_t;
            a.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            let r = libc::bind(raw, (&raw const a).cast(), len);
            assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
            let mut got = len;
            let r = libc::getsockname(raw, (&raw mut a).cast(), &mut got);
            assert_eq!(r, 0, "getsockname: {}", std::io::Error::last_os_error());
            (fd, u16::from_be(a.sin_port))
        }
    }

    /// A server that listens on `[::1]` alone is seen by both checks (QA bn F2), and the
    /// request names it as its host.
    #[test]
    fn a_listener_on_ipv6_loopback_alone_is_ready() {
        let l = TcpListener::bind(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0))
            .unwrap_or_else(|e| panic!("this machine has no IPv6 loopback (`[::1]`: {e})"));
        let port = l.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut c, _) = l.accept().expect("accept");
            let mut got = [0u8; 512];
            let n = c.read(&mut got).expect("read");
            c.write_all(b"HTTP/1.0 204 No Content\r\n\r\n")
                .expect("write");
            String::from_utf8_lossy(&got[..n]).into_owned()
        });
        assert_eq!(
            http(port, "/x", Duration::from_secs(5)),
            HttpCheck::Status(204)
        );
        let request = server.join().expect("server");
        assert!(request.starts_with("GET /x HTTP/1.0\r\n"), "{request}");
        assert!(
            request.contains(&format!("Host: [::1]:{port}\r\n")),
            "{request}"
        );
    }

    /// The port found free is free on both loopbacks: either can be bound at once.
    #[test]
    fn a_free_port_is_free_on_both_loopbacks() {
        let port = free_port().expect("a free port");
        let _v4 = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).expect("v4");
        if let Err(e) = TcpListener::bind(SocketAddrV6::new(Ipv6Addr::LOCALHOST, port, 0, 0)) {
            assert_eq!(e.kind(), std::io::ErrorKind::AddrNotAvailable, "{e}");
        }
    }

    #[test]
    fn nothing_listens_on_a_fresh_port() {
        let (fd, p) = bound_not_listening();
        assert_ne!(p, 0);
        assert!(!tcp(p));
        assert_eq!(
            http(p, "/", Duration::from_millis(10)),
            HttpCheck::NotListening
        );
        drop(fd);
    }
}
