//! std's finding names every crate whose code makes std call a C function it lists, not only
//! those of the function its chain runs to (fixture `audit-std-for`, `--features fetch`).

use super::native::finding;
use super::*;

/// QA ci F1: tealdeer's chain ran to `getpwuid_r` (std's `home_dir`), and ureq's resolver,
/// which makes std call `getaddrinfo`, went unnamed. host-fetch resolves a host through std's
/// `ToSocketAddrs`: it is named with the function it leads to, and the tool's own chain to
/// `getaddrinfo` passes its function, each step a reference objdump shows.
#[test]
fn a_crate_that_makes_std_look_a_host_up_is_named_beside_the_chain() {
    let v = audit(
        "audit-std-for",
        &["--features", "fetch"],
        1,
        "static",
        &[Expect {
            rule: "AOT004",
            severity: "error",
            krate: "std",
            path: &["audit-std-for", "std"],
            evidence: &[
                "↳ dir-walker v0.1.0 (audit-std-for → dir-walker): `dir_walker::global_ignore`",
                "↳ host-fetch v0.1.0 (audit-std-for → host-fetch): `host_fetch::resolve` (to \
                 `getaddrinfo`)",
            ],
        }],
    );
    let a = artifact(&v, "static");
    let defined = finding(a, "crate", "std")["evidence"].to_string();
    assert!(defined.contains("`getaddrinfo`"), "{defined}");
    let r = json(&mut check_fixture(
        "audit-std-for",
        &[
            "--features",
            "fetch",
            "--why",
            "^getaddrinfo$",
            "--warn-only",
        ],
    ));
    let why = &artifact(&r, "static")["binary"]["why"];
    let steps = crate::why::steps(&why["chains"][0]);
    assert!(
        steps.iter().any(|s| s.0 == "host_fetch::resolve"),
        "{steps:?}"
    );
    crate::why::check_pairs(str_of(artifact(&r, "static"), "path"), &steps);
}
