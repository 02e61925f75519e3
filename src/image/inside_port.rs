//! Why the image's start inside cannot be made on this machine, for its port: taken here, or
//! privileged on the network the run inside shares.

use crate::plan::{ImageUser, ProbeSettings};

/// Why the image cannot be started on this machine: its fixed port is taken here, and the run
/// inside shares the host's network.
pub(super) fn taken(probe: &ProbeSettings) -> Option<String> {
    let taken = |p: &u16| listening(*p) || crate::probe::held_anywhere(*p).is_some();
    let p = probe.ready.fixed_port().filter(taken)?;
    // Its holder named, as the host probe's is (QA cy F12); on any address (QA cz F2).
    Some(format!(
        "port {p} is taken on this machine ({}), and the run inside shares its network: its \
         bind would fail there, or a start inside could not be told from the holder (free the \
         port, or set another `image.port`)",
        crate::probe::holder_of(p)
    ))
}

/// Why a start inside would fail here and not under `docker run`: the image's port is
/// privileged on this machine (below `ip_unprivileged_port_start`), where the run inside shares
/// the host's network from a user namespace, so not even its root may bind it, while Docker
/// (20.10 on) lets a container bind any port (QA dd F1: static-web-server on port 80 as
/// `nonroot` was an AOT011 error, blamed on `PORT`).
pub(super) fn privileged_port(probe: &ProbeSettings, user: &ImageUser) -> Option<String> {
    let port = probe.ready.fixed_port()?;
    let start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(1024);
    privileged(port, start, user)
}

/// [`privileged_port`] with the machine's first unprivileged port given.
pub(super) fn privileged(port: u16, start: u16, user: &ImageUser) -> Option<String> {
    if port >= start {
        return None;
    }
    let who = format!("{} (uid {})", user.name, user.uid);
    let elsewhere = match user.uid {
        0 => "Docker and podman let a container's root bind it",
        _ => {
            "Docker lets a container bind any port; Kubernetes without the \
             `net.ipv4.ip_unprivileged_port_start` sysctl and rootless podman do not let a \
             user other than root"
        }
    };
    Some(format!(
        "the image runs as {who} and listens on port {port}, which is privileged on this \
         machine (ports below {start}), and the run inside shares its network from a user \
         namespace, where not even root may bind it: its bind would fail here. {elsewhere}: a \
         port of {start} or above (`image.port` and the program's own setting) starts anywhere"
    ))
}

/// Something accepts TCP connections on 127.0.0.1:`port`.
fn listening(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200)).is_ok()
}
