//! An image that holds no CA certificates for a binary that reads the system's at run time:
//! the start inside proves only that it starts (QA ay F1: xh's image "started" with
//! `--version`, and any request from it then failed with "No CA certificates were loaded from
//! the system"). The bundle is copied in when the probe's run opens it; when it did not, this
//! says so.

use crate::report::{Artifact, ImageFile, Report};

/// Crates (as symbols name them) that read the system's CA certificates when the program
/// makes a TLS connection, not before.
const READS_SYSTEM_CAS: &[&str] = &[
    "rustls_native_certs",
    "rustls_platform_verifier",
    "openssl_probe",
    "native_tls",
];

/// Crates (as symbols name them) of CA roots compiled into the program.
const BUILT_IN_ROOTS: &[&str] = &["webpki_roots", "webpki_root_certs"];

/// The crates of [`BUILT_IN_ROOTS`] the build compiled (its `crate_inputs`): their data has
/// no symbol of its own, merged into the constants of the crates that use it.
pub fn compiled_roots(report: &Report) -> Vec<String> {
    report.build.as_ref().map_or_else(Vec::new, |b| {
        b.crate_inputs
            .keys()
            .filter(|k| {
                BUILT_IN_ROOTS
                    .iter()
                    .any(|r| crate::format::same_crate(k, r))
            })
            .cloned()
            .collect()
    })
}

/// The warning when the binary has a crate of [`READS_SYSTEM_CAS`] and `files` no CA
/// certificate. With roots compiled in too (`roots`), a connection may use those and need no
/// bundle (QA ci F2: tealdeer's default backend uses webpki-roots, and the image was said
/// to fail every TLS connection).
pub fn missing_cas(a: &Artifact, files: &[ImageFile], roots: &[String]) -> Option<String> {
    if files.iter().any(|f| super::contents::is_ca(&f.path)) {
        return None;
    }
    let found: Vec<&str> = a
        .binary
        .crates
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| READS_SYSTEM_CAS.contains(n))
        .collect();
    if found.is_empty() {
        return None;
    }
    let fails = match roots {
        [] => "so such a connection will fail in it".to_string(),
        _ => format!(
            "so such a connection will fail in it, unless it uses the roots compiled into the \
             binary ({}, which need no bundle)",
            crate::format::quoted(roots)
        ),
    };
    // Not started at all under `--no-probe` (QA dl F4: "which the probe's run did not").
    let run = match a.probe {
        Some(_) => "which the probe's run did not",
        None => "and the binary was not started (--no-probe) to open any",
    };
    Some(format!(
        "{} in the binary {} the system's CA certificates when the program makes a TLS \
         connection, {run}: the image holds none, {fails}; probe a run that connects, or put \
         a bundle in with `image.files` (e.g. \"/etc/ssl/certs/ca-certificates.crt\" = \
         \"/etc/ssl/certs/ca-certificates.crt\")",
        crate::format::quoted(&found),
        if found.len() == 1 { "reads" } else { "read" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ImageFile {
        serde_json::from_value(serde_json::json!({
            "path": path, "size": 1, "mode": "0644", "uid": 0, "gid": 0,
            "why": "runtime-data", "source": null
        }))
        .expect("file")
    }

    #[test]
    fn a_tls_stack_without_cas_in_the_image_is_said() {
        let mut a = crate::report::test_artifact(1000);
        let krate = |name: &str| -> crate::report::CrateSize {
            serde_json::from_value(serde_json::json!({
                "name": name, "file_size": 10, "vm_size": 10
            }))
            .expect("crate")
        };
        a.binary.crates = vec![krate("std"), krate("rustls_native_certs")];
        let files = vec![file("/app/app"), file("/etc/passwd")];
        let said = missing_cas(&a, &files, &[]).expect("a warning");
        assert!(
            said.starts_with("`rustls_native_certs` in the binary reads the system's CA"),
            "{said}"
        );
        assert!(
            said.contains("so such a connection will fail in it; probe"),
            "{said}"
        );
        assert!(said.contains("not started (--no-probe)"), "{said}");
        a.probe = Some(Default::default());
        let said = missing_cas(&a, &files, &[]).expect("a warning");
        assert!(said.contains("which the probe's run did not:"), "{said}");
        // QA ci F2: with webpki-roots compiled in, a connection may need no bundle.
        let mut report = Report::new(None);
        let mut build: crate::report::BuildInfo = serde_json::from_value(serde_json::json!({
            "rustc": "", "target": "", "profile": "release", "features": [],
            "all_features": false, "no_default_features": false, "workspace_root": ""
        }))
        .expect("build");
        build
            .crate_inputs
            .insert("webpki_roots".into(), "1.0.10 crates.io".into());
        build
            .crate_inputs
            .insert("ureq".into(), "3.5.0 crates.io".into());
        report.build = Some(build);
        let roots = compiled_roots(&report);
        assert_eq!(roots, ["webpki_roots"]);
        let said = missing_cas(&a, &files, &roots).expect("a warning");
        assert!(
            said.contains(
                "unless it uses the roots compiled into the binary (`webpki_roots`, which need \
                 no bundle)"
            ),
            "{said}"
        );
        // A bundle in the image: nothing to say.
        let with = [
            files.clone(),
            vec![file("/etc/ssl/certs/ca-certificates.crt")],
        ]
        .concat();
        assert_eq!(missing_cas(&a, &with, &roots), None);
        // No such crate: nothing to say.
        a.binary.crates = vec![krate("std")];
        assert_eq!(missing_cas(&a, &files, &roots), None);
    }
}
