//! Whether the `nss-module` run looked a host name up: that condition runs once more under
//! the file-open tracer (`image/tracer.rs`, this executable), and the name-service files and
//! modules the program opened after its `exec` are kept (QA ce F2: rustscan given `-a
//! 127.0.0.1` looks no name up, given `example.com` it loads two mDNS modules; `nss-module ok`
//! read the same for both).

use std::ffi::OsString;
use std::path::Path;

use super::conditions::{self, Condition, Invocation, Scratch};
use super::crash::Site;
use super::run::run_invocation;
use crate::image::tracer::{Record, TRACER_ARG};
use crate::report::HostileRun;

/// The name-service files a lookup opens: the switch, the hosts and resolver files, the user
/// and group files, and the modules.
pub fn is_nss_file(path: &str) -> bool {
    const FILES: &[&str] = &[
        "/etc/nsswitch.conf",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/host.conf",
        "/etc/gai.conf",
        "/etc/passwd",
        "/etc/group",
    ];
    FILES.contains(&path)
        || Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("libnss_"))
}

/// Whether `opened` shows glibc's host-name lookup: a module of the `hosts` line
/// (`libnss_mdns4_minimal.so.2`, not `libnss_systemd`, a user lookup's), `/etc/host.conf`
/// (read by glibc's `files` backend), or the switch file with `/etc/hosts`. Not `/etc/hosts`
/// or `/etc/resolv.conf` alone: a resolver written in Rust reads them too (rustscan's
/// hickory-resolver does, with no glibc lookup).
pub fn looked_up_hosts(opened: &[String]) -> bool {
    const MODULES: &[&str] = &[
        "libnss_myhostname",
        "libnss_resolve",
        "libnss_mdns",
        "libnss_dns",
    ];
    let has = |f: &str| opened.iter().any(|p| p == f);
    let module = opened.iter().any(|p| {
        Path::new(p)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| MODULES.iter().any(|m| n.starts_with(m)))
    });
    module || has("/etc/host.conf") || (has("/etc/nsswitch.conf") && has("/etc/hosts"))
}

/// The name-service databases other than `hosts` whose files `opened` holds (`/etc/passwd`:
/// `passwd`), in the order of [`DATABASES`]: glibc's lookups of users, groups, services...
/// (QA cn F2: procs's `getpwuid_r` opened `/etc/nsswitch.conf` and `/etc/passwd`, and was said
/// to resolve host names itself).
pub fn other_databases(opened: &[String]) -> Vec<&'static str> {
    DATABASES
        .iter()
        .filter(|(file, _)| opened.iter().any(|p| p == file))
        .map(|(_, db)| *db)
        .collect()
}

/// The files of glibc's `files` backend, with their database.
const DATABASES: [(&str, &str); 7] = [
    ("/etc/passwd", "passwd"),
    ("/etc/group", "group"),
    ("/etc/shadow", "shadow"),
    ("/etc/services", "services"),
    ("/etc/protocols", "protocols"),
    ("/etc/networks", "networks"),
    ("/etc/ethers", "ethers"),
];

/// Trace the `nss-module` run in `runs` once more and keep what it opened of the name
/// service in `nss_opened`; nothing when there is no such run that was made (skipped), or the
/// tracer could not run (the condition is then not said either way).
pub fn trace_nss_module(runs: &mut [HostileRun], site: &Site) {
    let name = Condition::NssModule.name();
    let Some(run) = runs
        .iter_mut()
        .find(|r| r.condition == name && r.outcome != crate::report::HostileOutcome::Skipped)
    else {
        return;
    };
    if crate::image::tracer::supported().is_err() || crate::interrupt::requested() {
        return;
    }
    let Ok(scratch) = Scratch::new(site.scratch_dir) else {
        return;
    };
    let Ok(inv) = conditions::invocation(
        Condition::NssModule,
        site.binary,
        site.spec,
        site.privilege,
        &scratch,
    ) else {
        return;
    };
    run.nss_opened = traced(&inv, site);
}

/// Run `inv` under the file-open tracer: the name-service files opened after `site.binary`
/// was started, each once, in order; `None` when the tracer wrote nothing.
fn traced(inv: &Invocation, site: &Site) -> Option<Vec<String>> {
    let me = std::env::current_exe().ok()?;
    let out = tempfile::Builder::new()
        .prefix("nss-opens.")
        .suffix(".jsonl")
        .tempfile_in(site.scratch_dir)
        .ok()?;
    let lead: Vec<OsString> = vec![TRACER_ARG.into(), out.path().into()];
    let _ = run_invocation(&inv.under(&me, lead), site.spec);
    let text = std::fs::read_to_string(out.path()).ok()?;
    let records: Vec<Record> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    if records.is_empty() {
        return None;
    }
    let binary = site.binary.display().to_string();
    let after = crate::image::trace::after_exec(&records, &binary);
    let opened = crate::image::trace::opened(after, &binary);
    Some(opened.into_iter().filter(|p| is_nss_file(p)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_lookup_is_told_from_a_user_lookup_by_what_it_opened() {
        let v = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mdns = "/lib/x86_64-linux-gnu/libnss_mdns4_minimal.so.2";
        assert!(looked_up_hosts(&v(&["/etc/nsswitch.conf", mdns])));
        assert!(looked_up_hosts(&v(&["/etc/nsswitch.conf", "/etc/hosts"])));
        assert!(looked_up_hosts(&v(&["/etc/host.conf", "/etc/hosts"])));
        // rustscan given `-a 127.0.0.1`: hickory-resolver reads these itself, glibc none.
        assert!(!looked_up_hosts(&v(&["/etc/resolv.conf", "/etc/hosts"])));
        let user = v(&[
            "/etc/nsswitch.conf",
            "/etc/passwd",
            "/lib/libnss_systemd.so.2",
        ]);
        assert!(!looked_up_hosts(&user));
        assert!(is_nss_file(mdns) && is_nss_file("/etc/passwd"));
        assert!(!is_nss_file("/etc/ld.so.cache") && !is_nss_file("/lib/libc.so.6"));
    }
}
