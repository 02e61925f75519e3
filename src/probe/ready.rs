//! Readiness checks that poll: a TCP connect, an HTTP/1.0 GET. And the polling schedule.
//!
//! A refused connect on loopback costs a few microseconds, so polling can be frequent; it
//! never reads `/proc/net/tcp` (about 1 ms per read and ~4 ms of lag, see FIELD-NOTES).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::time::Duration;

const FIRST_INTERVAL: Duration = Duration::from_micros(100);
const LAST_INTERVAL: Duration = Duration::from_millis(1);

/// The pause before the next check, `elapsed` after spawn: 100 us at first, then 1% of the
/// time elapsed, up to 1 ms. Detection lag thus stays within ~1% of the startup time (and
/// under 1 ms) while a slow starter is not hammered with connects.
pub fn poll_interval(elapsed: Duration) -> Duration {
    (elapsed / 100).clamp(FIRST_INTERVAL, LAST_INTERVAL)
}

/// A port nobody listens on right now, from the kernel's ephemeral range. Another process
/// could take it before the program binds it; the run then fails and says so.
pub fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
    Ok(l.local_addr()?.port())
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

/// `Ok(true)`: something accepts connections on 127.0.0.1:`port`.
pub fn tcp(port: u16) -> bool {
    TcpStream::connect_timeout(&addr(port), Duration::from_millis(500)).is_ok()
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

/// One `GET path HTTP/1.0` to 127.0.0.1:`port`; reads only the status line. `wait` bounds the
/// time spent waiting for the answer.
pub fn http(port: u16, path: &str, wait: Duration) -> HttpCheck {
    let Ok(mut s) = TcpStream::connect_timeout(&addr(port), Duration::from_millis(500)) else {
        return HttpCheck::NotListening;
    };
    let _ = s.set_nodelay(true);
    let wait = wait.max(Duration::from_millis(1));
    let _ = s.set_read_timeout(Some(wait));
    let _ = s.set_write_timeout(Some(wait));
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
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
