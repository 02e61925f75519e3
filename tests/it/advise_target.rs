//! `advise` on a feature whose only dependency is declared for another target (QA bq F7:
//! xh's `network-interface` read as a dependency it adds, on Linux, where it is never built).
//! Checked against cargo's own resolve for this target.

use crate::advise::{advise, binary, feature};
use crate::util::*;

#[test]
fn a_dependency_of_another_target_is_said_not_to_be_built() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&mut advise(
        "advise-target-dep",
        dir.path(),
        &["--knobs", "features", "--no-probe"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let win = feature(binary(&v, "advise-target-dep"), "win");
    assert_eq!(win["enables"], serde_json::json!(["winonly"]), "{win}");
    assert_eq!(
        win["not_for_target"],
        serde_json::json!(["winonly"]),
        "{win}"
    );
    // cargo's resolve for this target has no winonly, the unfiltered one has it.
    let manifest = fixture("advise-target-dep").join("Cargo.toml");
    let resolve = |filter: &[&str]| {
        let mut args = vec![
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ];
        let m = manifest.to_str().expect("utf-8");
        args.push(m);
        args.extend(filter);
        tool("cargo", &args)
    };
    // The package's edges in the resolve: the node stays, the edge goes.
    let deps_of_root = |text: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(text).expect("metadata");
        let root = str_of(&v["resolve"], "root").to_string();
        v["resolve"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["id"] == root.as_str())
            .expect("the root node")["deps"]
            .as_array()
            .expect("deps")
            .iter()
            .map(|d| str_of(d, "name").to_string())
            .collect()
    };
    let host = crate::advise::host();
    assert!(deps_of_root(&resolve(&["--filter-platform", &host])).is_empty());
    assert_eq!(deps_of_root(&resolve(&[])), ["winonly"]);
    // The terminal says it.
    let text = run(crate::util::aotcheck()
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(dir.path())
        .args(["--locked", "-q", "--knobs", "features", "--no-probe"]));
    assert!(
        words(&text.stdout).contains("win (dep: winonly, not built for this target)"),
        "{}",
        text.stdout
    );
    // QA cf F5: the JSON had `provenance: null` and the page said "Binaries given to inspect:
    // no build provenance", with an empty "Checks" section. The provenance names the lock file
    // it built from (its hash as `sha256sum` reads it), and the page has no checks.
    let lock = fixture("advise-target-dep").join("Cargo.lock");
    let sum = tool("sha256sum", &[lock.to_str().expect("utf-8")]);
    let sum = sum.split_whitespace().next().expect("a hash");
    assert_eq!(
        v["provenance"]["cargo_lock_sha256"], sum,
        "{}",
        v["provenance"]
    );
    // QA ch F6: and its link mode, as the main command's does: every variant is the static
    // build (no interpreter: `readelf -lW`).
    assert_eq!(v["provenance"]["link_modes"], serde_json::json!(["static"]));
    let base = str_of(&v["advice"]["binaries"][0]["base"], "path");
    assert!(
        !tool("readelf", &["-lW", base]).contains("INTERP"),
        "{base}"
    );
    let page = run(crate::util::aotcheck()
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(dir.path())
        .args([
            "--locked",
            "-q",
            "--knobs",
            "features",
            "--no-probe",
            "--format",
            "html",
        ]));
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(!page.stdout.contains("no build provenance"));
    assert!(!page.stdout.contains("<section id=\"gate\">"));
}

/// QA cj F4: the `.cargo/config.toml` lines make every `--target` build the static glibc build,
/// and just's has AOT004 errors that advise never named. audit-nix looks its user up (nix's
/// `User::from_uid`): with the relocation model's lines to paste, a warning names the NSS
/// function the base defines, as `nm` lists it.
#[test]
fn the_rustflags_lines_name_the_lookups_of_the_static_build_they_make() {
    let r = run(&mut crate::advise::advise(
        "audit-nix",
        &shared_target_dir(),
        &["--knobs", "relocation-model=static", "--no-probe"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(
        v["advice"]["rustflags_snippet"].is_string(),
        "{}",
        v["advice"]
    );
    let base = str_of(&v["advice"]["binaries"][0]["base"], "path");
    let nm = tool("nm", &[base]);
    assert!(
        nm.contains(" getpwuid_r"),
        "nm lists no getpwuid_r in {base}"
    );
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str().is_some_and(|w| {
            w.starts_with("the static glibc build that the `.cargo/config.toml` lines make")
                && w.contains("`getpwuid_r`")
        })
    });
    assert!(warned, "{}", v["warnings"]);
    // QA ck F8: an `allow` of AOT004 for every crate, as the main command reads it, is said no
    // more; one for some crates is named with the warning.
    let dir = tempfile::tempdir().expect("tempdir");
    let lookups = |allow: &str| -> Vec<String> {
        let config = dir.path().join("aotcheck.toml");
        std::fs::write(&config, format!("allow = [{allow}]\n")).expect("config");
        let args = [
            "--knobs",
            "relocation-model=static",
            "--no-probe",
            "--config-file",
        ];
        let mut cmd = crate::advise::advise("audit-nix", &shared_target_dir(), &args);
        let r = run(cmd.arg(&config));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
        crate::image_checks::strings(&v["warnings"])
            .into_iter()
            .filter(|w| w.starts_with("the static glibc build that"))
            .collect()
    };
    // QA de F6: a profile that strips (bat's `strip = true`): the base has no `.symtab`
    // (readelf), and its analysis link names the function all the same.
    let mut cmd = crate::advise::advise(
        "audit-nix",
        &shared_target_dir(),
        &["--knobs", "relocation-model=static", "--no-probe"],
    );
    let r = run(cmd.env("CARGO_PROFILE_RELEASE_STRIP", "symbols"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let base = str_of(&v["advice"]["binaries"][0]["base"], "path");
    let sections = tool("readelf", &["-SW", base]);
    assert!(!sections.contains(".symtab"), "{base} is not stripped");
    let warned = crate::image_checks::strings(&v["warnings"])
        .into_iter()
        .any(|w| w.starts_with("the static glibc build that") && w.contains("`getpwuid_r`"));
    assert!(warned, "{}", v["warnings"]);
    let all = lookups(r#"{ rule = "aot004", reason = "reads $USER alone" }"#);
    assert!(all.is_empty(), "{all:?}");
    let nix = lookups(r#"{ rule = "AOT004", crate = "nix", reason = "reads $USER alone" }"#);
    assert!(
        nix.len() == 1 && nix[0].contains("(the configuration allows AOT004 for `nix` alone,"),
        "{nix:?}"
    );
}
