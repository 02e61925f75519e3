//! Building fixtures statically and dynamically, checked against readelf, strip and `file`.

use crate::util::*;

fn artifact<'a>(v: &'a serde_json::Value, link: &str) -> &'a serde_json::Value {
    v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["link_mode"] == link)
        .unwrap_or_else(|| panic!("no {link} artifact in {v}"))
}

#[test]
fn hello_server_static_and_dynamic() {
    let v = json(&mut check_fixture("hello-server", &["--compare"]));
    assert_eq!(v["artifacts"].as_array().expect("artifacts").len(), 2);

    let s = artifact(&v, "static");
    assert_eq!(s["package"], "hello-server");
    assert_eq!(s["name"], "hello-server");
    let path = str_of(s, "path");
    let b = &s["binary"];
    assert_eq!(str_of(b, "linkage"), "static-pie");
    assert!(tool("file", &[path]).contains("static-pie linked"));
    assert!(readelf_needed(path).is_empty());
    assert!(b["interpreter"].is_null());
    assert!(b["glibc_floor"].is_null());
    assert_eq!(
        u64_of(b, "file_size"),
        std::fs::metadata(path).expect("meta").len()
    );
    assert!(within_one_percent(
        u64_of(b, "stripped_size"),
        strip_size(path)
    ));
    assert_eq!(u64_of(b, "closure_size"), u64_of(b, "file_size"));

    let d = artifact(&v, "dynamic");
    let dpath = str_of(d, "path");
    let db = &d["binary"];
    assert_eq!(str_of(db, "linkage"), "dynamic");
    assert!(tool("file", &[dpath]).contains("dynamically linked"));
    let needed: Vec<String> = serde_json::from_value(db["needed"].clone()).expect("needed");
    assert_eq!(needed, readelf_needed(dpath));
    assert!(needed.iter().any(|n| n == "libc.so.6"));
    assert!(within_one_percent(
        u64_of(db, "stripped_size"),
        strip_size(dpath)
    ));
    assert!(str_of(&db["glibc_floor"], "version").starts_with("2."));
    assert!(u64_of(db, "closure_size") > u64_of(db, "file_size"));
    // Both builds went to their own folders, not the user's target dir.
    assert_ne!(path, dpath);
    assert!(
        !fixture("hello-server")
            .join("target")
            .join("release")
            .exists()
    );
}

/// The user's own rustflags must reach the build, whichever source they come from, and a
/// proc-macro and a build script must still build (they stay dynamic, on the host).
#[test]
fn user_rustflags_survive_from_env_and_config() {
    let target = tempfile::tempdir().expect("tempdir");
    let check = |env: Option<&str>| {
        let mut cmd = aotcheck();
        cmd.current_dir(fixture("marker"))
            .args([
                "aotcheck",
                "--locked",
                "--format",
                "json",
                "-q",
                "--target-dir",
            ])
            .arg(target.path());
        if let Some(flags) = env {
            cmd.env("RUSTFLAGS", flags);
        }
        let v = json(&mut cmd);
        let a = artifact(&v, "static");
        assert_eq!(str_of(&a["binary"], "linkage"), "static-pie");
        let out = tool(str_of(a, "path"), &[]);
        out.trim().to_string()
    };
    // The fixture's .cargo/config.toml sets `--cfg from_config` (as a string, not an array).
    assert_eq!(check(None), "from_config macro build-script");
    // RUSTFLAGS wins over config, as in cargo.
    assert_eq!(check(Some("--cfg marker")), "marker macro build-script");
}

#[test]
fn bad_selection_is_one_clear_error() {
    let r = run(&mut check_fixture("hello-server", &["--bin", "nope"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no bin target named `nope`"),
        "{}",
        r.stderr
    );
    let r = run(aotcheck().args(["aotcheck", "--manifest-path", "/nonexistent/Cargo.toml"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/Cargo.toml"), "{}", r.stderr);
}
