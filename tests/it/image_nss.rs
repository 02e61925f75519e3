//! QA cn F6: the image's `/etc/nsswitch.conf` names the services glibc has built in alone
//! (`files`, `dns`): this machine's named `systemd`, `mdns4_minimal`, `nis`, modules the image
//! does not hold, one of which crashed procs's static build on its host.

use serde_json::Value;

use crate::util::*;

#[test]
fn privileged_the_images_name_service_switch_names_built_in_services_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    // audit-lookup resolves `localhost` through glibc: it reads the switch and `/etc/hosts`.
    let mut cmd = probe_fixture("audit-lookup", &["--warmup", "0", "--runs", "1"]);
    cmd.arg("--image").arg(dir.path());
    let r = run(&mut cmd);
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}); stderr:\n{}", r.stderr));
    let i = &artifact(&v, "static")["image"];
    let blob = crate::image_links::layer_blob(i);
    let inside = tool("tar", &["-xzOf", &blob, "etc/nsswitch.conf"]);
    // Each database of this machine's switch, with its built-in services (or `files`).
    let host = std::fs::read_to_string("/etc/nsswitch.conf").expect("the host's switch");
    let mut others: Vec<String> = Vec::new();
    for line in host
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default())
    {
        let Some((db, services)) = line.split_once(':') else {
            continue;
        };
        let named: Vec<&str> = services
            .split_whitespace()
            .filter(|s| !s.starts_with('['))
            .collect();
        let built_in: Vec<&str> = named
            .iter()
            .copied()
            .filter(|s| ["files", "dns"].contains(s))
            .collect();
        others.extend(
            named
                .iter()
                .filter(|s| !built_in.contains(s))
                .map(|s| s.to_string()),
        );
        let want = match built_in.is_empty() {
            true => "files".to_string(),
            false => built_in.join(" "),
        };
        let got = inside
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{}: ", db.trim())))
            .unwrap_or_else(|| panic!("no `{db}` in\n{inside}"));
        let got: Vec<&str> = got
            .split_whitespace()
            .filter(|s| !s.starts_with('['))
            .collect();
        assert_eq!(got.join(" "), want, "{inside}");
    }
    let warnings: Vec<String> = crate::image_checks::strings(&i["warnings"]);
    let said = warnings.iter().find(|w| w.contains("/etc/nsswitch.conf"));
    match others.first() {
        Some(first) => {
            let w = said.unwrap_or_else(|| panic!("{warnings:?}"));
            assert!(
                w.contains(&format!("this machine's without `{first}`")),
                "{w}"
            );
        }
        None => assert!(said.is_none(), "{warnings:?}"),
    }
    // It starts inside with that switch (`/etc/hosts` is the container runtime's to mount).
    assert_eq!(i["in_image"]["outcome"], "started", "{}", i["in_image"]);
}
