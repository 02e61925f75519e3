//! AOT006's advice names the crate's bundling feature and the `Cargo.toml` line that turns it
//! on from the package; followed, it leaves no finding.

use super::*;

/// QA ac, W7: git-cliff was told to "enable the crate's bundling feature" of libz-sys, four
/// dependencies down, which it does not depend on. The advice gives the line for the package's
/// own `[dependencies]`; added to a copy of the fixture, the build links zlib as `static=z`
/// and the finding is gone.
#[test]
fn the_bundling_advice_for_a_crate_further_down_works_when_followed() {
    let v = super::native::system_zlib_by(
        "audit-libz-deep",
        &["audit-libz-deep", "deep-z", "libz-sys"],
    );
    let f = &artifact(&v, "static")["findings"][0];
    let advice = str_of(f, "advice");
    assert!(
        advice.starts_with("Enable libz-sys's `static` feature")
            && advice.contains("libz-sys comes in through deep-z: add `libz-sys = {")
            && advice.contains("to audit-libz-deep's own `[dependencies]`"),
        "{advice}"
    );
    let entry = advice
        .split("add `")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .expect("the line to add");
    // Followed in a copy of the fixture, with deep-z beside it.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("audit-libz-deep");
    let from = fixture("audit-libz-deep");
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "src/main.rs",
        "deep-z/Cargo.toml",
        "deep-z/src/lib.rs",
    ] {
        let to = copy.join(f);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(f), to).expect("copy");
    }
    let manifest = copy.join("Cargo.toml");
    let toml = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, format!("{toml}{entry}\n")).expect("write");
    let r = run(aotcheck().args([
        "aotcheck",
        "--manifest-path",
        manifest.to_str().expect("utf-8"),
        "--target-dir",
        shared_target_dir().to_str().expect("utf-8"),
        "--offline",
        "-q",
        "--format",
        "json",
        "--no-probe",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let findings = &artifact(&v, "static")["findings"];
    assert_eq!(findings, &serde_json::json!([]), "{findings}");
}
