//! Building fixtures statically and dynamically, checked against readelf, strip and `file`.

use crate::util::*;

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
    // From another folder, with `--manifest-path`, cargo does not read it: the program shows
    // it (no `from_config`), and a warning says so and where to run (QA cb F2).
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let v = json(
        aotcheck()
            .current_dir(elsewhere.path())
            .args(["aotcheck", "--manifest-path"])
            .arg(fixture("marker").join("Cargo.toml"))
            .args([
                "--locked",
                "--format",
                "json",
                "-q",
                "--no-probe",
                "--target-dir",
            ])
            .arg(target.path()),
    );
    let out = tool(str_of(artifact(&v, "static"), "path"), &[]);
    assert_eq!(out.trim(), "none macro build-script");
    let config = fixture("marker").join(".cargo/config.toml");
    let config = std::fs::canonicalize(&config).unwrap_or(config);
    assert!(
        v["warnings"].to_string().contains(&format!(
            "{} is not read: cargo reads `.cargo/config.toml` in the folder it runs in",
            config.display()
        )),
        "{}",
        v["warnings"]
    );
    // The setting the file holds, by name (QA ch F5: always "(rustflags, profile)").
    assert!(
        v["warnings"]
            .to_string()
            .contains("its setting (`build.rustflags`) applies only"),
        "{}",
        v["warnings"]
    );
    // Only the executable gets an analysis link: not the proc-macro, which was linked too
    // (for the host, so outside the target triple's directory).
    let names = |dir: std::path::PathBuf| -> Vec<String> {
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let deps = target.path().join("static/release/deps");
    assert!(
        names(deps)
            .iter()
            .any(|n| n.starts_with("libmarker_macros-") && n.ends_with(".so")),
        "the proc-macro was linked"
    );
    let graphs = names(target.path().join("static/graph"));
    assert!(
        !graphs.is_empty() && graphs.iter().all(|n| n.starts_with("marker-")),
        "{graphs:?}"
    );
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
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    // A name nearly right gets the one meant, as cargo does (QA cf F11).
    let r = run(&mut check_fixture(
        "hello-server",
        &["--bin", "hello-servr"],
    ));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "no bin target named `hello-servr` in package(s) hello-server; did \
             you mean `hello-server`?"
        ),
        "{}",
        r.stderr
    );
    let r = run(aotcheck().args(["aotcheck", "--manifest-path", "/nonexistent/Cargo.toml"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/Cargo.toml"), "{}", r.stderr);
}

#[test]
fn compile_errors_reach_the_user_unchanged() {
    let r = run(&mut check_fixture("broken", &[]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("error[E0308]: mismatched types"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("src/main.rs:3"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`cargo build` of the static binary failed"),
        "{}",
        r.stderr
    );
}

/// A native library that is nowhere (no `.a`, no `.so`) names the library and the crate that
/// asked for it. QA x, F1: it said "no static archive" and advised `--link dynamic`, and the
/// dynamic build then failed the same way and gave the same advice; neither build can link
/// it, and the advice says to install it.
#[test]
fn native_library_without_static_archive_names_library_and_crate() {
    // The independent source: no file of that library in the linker's directories.
    for dir in [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib",
        "/lib64",
    ] {
        for f in ["libaotcheck_absent.a", "libaotcheck_absent.so"] {
            assert!(!std::path::Path::new(dir).join(f).exists(), "{dir}/{f}");
        }
    }
    for (args, kind) in [(&[][..], "static"), (&["--link", "dynamic"][..], "dynamic")] {
        let r = run(&mut check_fixture("missing-native", args));
        assert_eq!(r.code, 2, "{}", r.stderr);
        let last = last_error(&r.stderr);
        assert!(
            last.contains(&format!(
                "the {kind} build cannot link the native library `aotcheck_absent`"
            )),
            "{last}"
        );
        assert!(
            last.contains("build script of `missing-native@0.1.0`"),
            "{last}"
        );
        assert!(
            last.contains("neither libaotcheck_absent.a nor libaotcheck_absent.so"),
            "{last}"
        );
        assert!(!r.stderr.contains("--link dynamic"), "{}", r.stderr);
        assert!(
            r.stderr.contains("the regular build needs it too"),
            "{}",
            r.stderr
        );
    }
}

/// QA m: rust-lld stops after 20 errors, so an archive that needs more (hurl's system
/// `libcurl.a`: 377 symbols of libssh2, OpenSSL, nghttp2, LDAP...) read as needing 20, all of
/// the first library. The count is said as a floor, with why: `nm -u` of the archive lists 25.
#[test]
fn an_archive_that_needs_more_than_the_linker_reports_is_a_floor() {
    let r = run(&mut check_fixture("link-undefined-many", &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("too many errors emitted, stopping now"),
        "the linker did not stop at its limit:\n{}",
        r.stderr
    );
    let archive = crate::size::walk(&shared_target_dir(), "libaotcheck_needier.a")
        .expect("the fixture's archive");
    let undefined = tool("nm", &["-u", archive.to_str().expect("utf-8")])
        .lines()
        .filter(|l| l.contains("aotcheck_absent_"))
        .count();
    assert_eq!(undefined, 25);
    let last = last_error(&r.stderr);
    assert!(
        last.contains(
            "`libaotcheck_needier.a` (the build script of `link-undefined-many@0.1.0` \
                       asked for it) needs at least 20 symbols"
        ),
        "{last}"
    );
    assert!(
        last.contains(
            "the linker stopped at its error limit: more symbols, of other libraries \
                       too, may be missing"
        ),
        "{last}"
    );
}

/// QA j, J3: a static archive that needs libraries the link line lacks (diesel_cli's system
/// `libpq.a`: GSSAPI, OpenSSL) ended in pages of linker errors and "its diagnostics are
/// above". One line names the archive, the crate whose build script asked for it and the
/// symbols, as `nm -u` of the archive lists them, and says what to do.
#[test]
fn an_archive_that_needs_more_libraries_names_archive_crate_and_symbols() {
    let r = run(&mut check_fixture("link-undefined", &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let last = last_error(&r.stderr);
    assert!(last.contains("`libaotcheck_needy.a`"), "{last}");
    assert!(
        last.contains("build script of `link-undefined@0.1.0`"),
        "{last}"
    );
    let archive = crate::size::walk(&shared_target_dir(), "libaotcheck_needy.a")
        .expect("the fixture's archive");
    let undefined: Vec<String> = tool("nm", &["-u", archive.to_str().expect("utf-8")])
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .filter(|n| n.starts_with("aotcheck_"))
        .collect();
    assert_eq!(undefined.len(), 2, "{undefined:?}");
    assert!(last.contains("needs 2 symbols"), "{last}");
    for name in &undefined {
        assert!(last.contains(&format!("`{name}`")), "{name} not in {last}");
    }
    assert!(
        r.stderr.contains("`bundled`/`static` feature"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--link dynamic"), "{}", r.stderr);
}

/// A C toolchain without `libc.a` (no libc6-dev): said before any build, with the package.
#[test]
fn missing_static_libc_names_the_package_to_install() {
    let bin = tempfile::tempdir().expect("tempdir");
    let cc = bin.path().join("cc");
    // A `cc` that, like gcc without libc6-dev, echoes the bare name back.
    std::fs::write(&cc, "#!/bin/sh\necho libc.a\n").expect("write");
    let mut perms = std::fs::metadata(&cc).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&cc, perms).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let r = run(check_fixture("hello-server", &[]).env("PATH", path));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("libc.a") && r.stderr.contains("libc6-dev"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("glibc-static"), "{}", r.stderr);
}

/// Two runs on the same project at the same time both finish with the same binary.
#[test]
fn two_concurrent_runs_both_succeed() {
    let target = tempfile::tempdir().expect("tempdir");
    let start = || {
        let mut cmd = aotcheck();
        cmd.arg("aotcheck")
            .arg("--manifest-path")
            .arg(fixture("hello-server").join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target.path())
            .args(["--locked", "--format", "json", "-q"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().expect("spawn")
    };
    let (a, b) = (start(), start());
    let reports: Vec<serde_json::Value> = [a, b]
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            serde_json::from_slice(&out.stdout).expect("JSON report")
        })
        .collect();
    let build_id = |v: &serde_json::Value| v["artifacts"][0]["binary"]["build_id"].clone();
    assert_eq!(build_id(&reports[0]), build_id(&reports[1]));
    assert!(build_id(&reports[0]).is_string());
}

#[test]
fn a_package_without_binaries_is_one_clear_error() {
    let r = run(&mut check_fixture("lib-only", &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    assert!(
        errors[0].contains("no binary target in package(s) lib-only"),
        "{}",
        errors[0]
    );
}

/// QA ad: monolith's `monolith-gui` needs the `gui` feature; cargo leaves it out of a plain
/// build, and every run warned "cargo did not report a static binary for `monolith-gui`". It
/// is left out as cargo leaves it out, and said on a status line; with the feature, built.
#[test]
fn a_binary_whose_required_features_are_off_is_left_out_as_cargo_does() {
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .map(|a| str_of(a, "name").to_string())
            .collect()
    };
    let mut cmd = check_fixture("required-features", &[]);
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(names(&v), ["required-features"]);
    assert_eq!(v["warnings"], serde_json::json!([]), "{}", v["warnings"]);
    // Without -q, the status line says what to enable.
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("required-features").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir())
        .args(["--locked", "--no-probe", "--format", "json"]);
    let r = run(&mut cmd);
    assert!(
        r.stderr.lines().any(|l| l.contains("Skipping")
            && l.contains("`extra-tool` is not built: it needs feature `extra`")
            && l.contains("`--features extra`")),
        "{}",
        r.stderr
    );
    let v = json(&mut check_fixture(
        "required-features",
        &["--features", "extra"],
    ));
    let mut both = names(&v);
    both.sort();
    assert_eq!(both, ["extra-tool", "required-features"]);
}

/// QA ad: a second build in the same target directory uplifted another binary over the one
/// this run had inspected, and the report mixed the two (the first file's size and build id,
/// the second's crates and startup). Here the dynamic build's build script changes the static
/// binary after its inspection: the run stops with one clear error, before any other stage
/// reads it.
#[test]
fn a_binary_changed_during_the_run_is_an_error_not_a_mixed_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = aotcheck();
    cmd.arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("replaced-mid-run").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.path())
        .args([
            "--locked",
            "-q",
            "--compare",
            "--no-probe",
            "--format",
            "json",
        ])
        .env("REPLACE_STATIC", "1");
    let r = run(&mut cmd);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let errors = r.error_lines();
    assert_eq!(errors.len(), 1, "{}", r.stderr);
    assert!(
        errors[0].contains("replaced-mid-run` changed while it was being checked"),
        "{}",
        errors[0]
    );
    assert!(r.stdout.is_empty(), "no report of a mix: {}", r.stdout);
}

/// Two runs saving the same baseline at once: each write is atomic, so the file is always one
/// whole report, never half of one.
#[test]
fn concurrent_baseline_writes_leave_a_whole_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.json");
    let start = || {
        check_fixture("hello-server", &["--save-baseline"])
            .arg(&baseline)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let runs = [start(), start(), start()];
    for c in runs {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&baseline).expect("baseline written");
    let v: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON report");
    assert_eq!(v["schema_version"], 1);
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("baseline.json")]);
}

/// A relative `--target-dir` is the working directory's, as cargo takes it; the build script's
/// C archive is still found (cargo's messages name absolute paths: a relative target dir
/// matched none of them, and `add_two` was left unattributed).
#[test]
fn a_relative_target_dir_keeps_the_build_scripts_archives() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let v = json(
        aotcheck()
            .current_dir(cwd.path())
            .args(["aotcheck", "--manifest-path"])
            .arg(fixture("lto-c-unwind").join("Cargo.toml"))
            .args(["--target-dir", "rel", "--locked", "-q", "--no-probe"])
            .args(["--format", "json", "--symbols", "all"]),
    );
    let a = artifact(&v, "static");
    assert!(
        std::path::Path::new(str_of(a, "path")).starts_with(cwd.path().join("rel")),
        "{a}"
    );
    let add = a["binary"]["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .find(|r| r["name"] == "add_two")
        .expect("add_two in the binary");
    assert_eq!(add["crate"], "lto_c_unwind", "{add}");
}

/// QA az F3: a package without a library (difftastic) had its build script's C code shown as
/// a crate named after the package, `difftastic`, which no code of the binary is, beside its
/// binary's crate `difft`. The code is its one binary's crate's: native-pkg's `add_three`
/// (`nm` of the script's `libadd.a` defines it) is `nb`'s, and no crate row is `native_pkg`.
#[test]
fn a_bin_only_packages_native_code_is_its_binarys_crate() {
    let v = json(&mut check_fixture("native-bin-name", &["--symbols", "all"]));
    let a = artifact(&v, "static");
    let ours = |p: &std::path::Path| p.to_string_lossy().contains("native-pkg");
    let archive = crate::size::walk_where(&shared_target_dir(), "libadd.a", &ours)
        .expect("libadd.a of native-pkg's build script")
        .display()
        .to_string();
    let defined = tool("nm", &["--defined-only", &archive]);
    assert!(
        defined.lines().any(|l| l.ends_with(" T add_three")),
        "{defined}"
    );
    // The main command's report, and (QA dm F3) `inspect`'s of the build, which names it
    // alike from cargo's fingerprints of the package (difftastic's grammars were
    // `difftastic` to `inspect`).
    let path = str_of(a, "path").to_string();
    let i = json(&mut crate::util::inspect_all(&path));
    for b in [&a["binary"], &i["artifacts"][0]["binary"]] {
        let row = b["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .find(|r| r["name"] == "add_three")
            .expect("add_three in the binary");
        assert_eq!(row["crate"], "nb", "{row}");
        let crates = b["crates"].as_array().expect("crates");
        assert!(
            !crates.iter().any(|c| c["name"] == "native_pkg"),
            "{crates:?}"
        );
    }
    let row = a["binary"]["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .find(|r| r["name"] == "add_three")
        .expect("add_three in the binary");
    assert_eq!(row["confidence"], "exact", "{row}");
}

/// The last `error: ` line of stderr: the tool's own, after cargo's and the linker's.
fn last_error(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .expect("error line")
}
