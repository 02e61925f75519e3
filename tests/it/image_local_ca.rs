//! QA dl F1: a program that opens the CA bundle alone (as openssl-probe's users, xh among
//! them, do) got an image whose bundle lacked this machine's own CAs, with no word of it:
//! each local CA file whose certificate left the bundle is named as left out
//! (`local-ca-in-bundle`), once, not with its hash link too (QA do F6).

use std::collections::BTreeSet;

use crate::util::*;

const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[test]
fn privileged_a_bundle_read_alone_names_the_local_cas_taken_out_of_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = probe_fixture("image-ca", &["--warmup", "0"]);
    cmd.arg("--image")
        .arg(dir.path())
        .args(["--runs", "1", "--probe-arg", "bundle-only"]);
    let v = json(&mut cmd);
    let i = &artifact(&v, "static")["image"];
    // This machine's CA files that are not the distribution's (not links into
    // `/usr/share/ca-certificates`) and whose certificate the bundle holds.
    let host = std::fs::read_to_string(BUNDLE).expect("bundle");
    let expected: BTreeSet<String> = std::fs::read_dir("/etc/ssl/certs")
        .expect("/etc/ssl/certs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_str() != Some(BUNDLE) && p.is_file())
        .filter(|p| {
            std::fs::canonicalize(p).is_ok_and(|r| !r.starts_with("/usr/share/ca-certificates"))
        })
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                let t = t.trim();
                t.contains("BEGIN CERTIFICATE") && host.contains(t)
            })
        })
        .filter_map(|p| p.to_str().map(str::to_string))
        .collect();
    // Less the hash links to another of them: each CA is named once (QA do F6).
    let expected: BTreeSet<String> = expected
        .difference(&ca_hash_links(&expected))
        .cloned()
        .collect();
    let named: BTreeSet<String> = i["not_in_image"]
        .as_array()
        .expect("not_in_image")
        .iter()
        .filter(|e| e["why"] == "local-ca-in-bundle")
        .map(|e| str_of(e, "path").to_string())
        .collect();
    assert_eq!(named, expected, "{}", i["not_in_image"]);
}
