//! Building fixtures statically and dynamically, checked against readelf, strip and `file`.

use serde_json::Value;

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

#[test]
fn native_library_without_static_archive_names_library_and_crate() {
    let r = run(&mut check_fixture("missing-native", &[]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let last = r
        .stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .expect("error line");
    assert!(last.contains("`aotcheck_absent`"), "{last}");
    assert!(
        last.contains("build script of `missing-native@0.1.0`"),
        "{last}"
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

/// The binaries a report covers, as `package/name`, sorted.
fn bins_of(v: &Value) -> Vec<String> {
    let mut bins: Vec<String> = v["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| format!("{}/{}", str_of(a, "package"), str_of(a, "name")))
        .collect();
    bins.sort();
    bins
}

/// What cargo itself lists as the binary targets of these members of `cli-flags`, as
/// `package/name`, sorted: the independent source for which binaries a selection covers.
fn cargo_bins(members: &[&str]) -> Vec<String> {
    let manifest = fixture("cli-flags").join("Cargo.toml");
    let out = tool(
        "cargo",
        &[
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
            manifest.to_str().expect("utf-8 path"),
        ],
    );
    let meta: Value = serde_json::from_str(&out).expect("cargo metadata JSON");
    let mut bins = Vec::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = str_of(p, "name");
        for t in p["targets"].as_array().expect("targets") {
            if members.contains(&name) && t["kind"][0] == "bin" {
                bins.push(format!("{name}/{}", str_of(t, "name")));
            }
        }
    }
    bins.sort();
    bins
}

/// QA f#4: `--exclude` was refused, and `--workspace -p a` checked only `a` while cargo builds
/// the whole workspace.
#[test]
fn workspace_exclude_and_package_select_the_binaries_cargo_builds() {
    let bins = |args: &[&str]| bins_of(&json(&mut check_fixture("cli-flags", args)));
    assert_eq!(cargo_bins(&["one"]).len(), 2, "the fixture's own shape");
    assert_eq!(bins(&["--workspace"]), cargo_bins(&["one", "two"]));
    assert_eq!(
        bins(&["--workspace", "--exclude", "two"]),
        cargo_bins(&["one"])
    );
    assert_eq!(
        bins(&["--workspace", "--exclude", "t*"]),
        cargo_bins(&["one"])
    );
    assert_eq!(
        bins(&["--workspace", "--exclude", "o?e"]),
        cargo_bins(&["two"])
    );
    // `--workspace` wins over `-p`, as in cargo; `-p` alone selects.
    assert_eq!(
        bins(&["--workspace", "-p", "one"]),
        cargo_bins(&["one", "two"])
    );
    assert_eq!(bins(&["-p", "one"]), cargo_bins(&["one"]));
    // Cargo's own refusal: `--exclude` needs `--workspace`.
    let r = run(&mut check_fixture("cli-flags", &["--exclude", "two"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--workspace"), "{}", r.stderr);
}

/// QA f#4: `--bins` was refused; it checks every binary of the selected packages, also beside
/// `--bin`.
#[test]
fn bins_checks_every_binary_of_the_selected_packages() {
    let bins = |args: &[&str]| bins_of(&json(&mut check_fixture("cli-flags", args)));
    assert_eq!(bins(&["-p", "one", "--bin", "one"]), ["one/one"]);
    assert_eq!(bins(&["-p", "one", "--bins"]), cargo_bins(&["one"]));
    assert_eq!(
        bins(&["-p", "one", "--bin", "one", "--bins"]),
        cargo_bins(&["one"])
    );
}

/// `cargo aotcheck` on `cli-flags` in a target dir of its own (so that the build script runs),
/// without `-q`: cargo's output is on stderr.
fn fresh_build(args: &[&str]) -> Run {
    let target = tempfile::tempdir().expect("tempdir");
    let r = run(aotcheck()
        .arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("cli-flags").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.path())
        .args(["--locked", "--no-probe", "--format", "json", "-p", "one"])
        .args(args));
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// The NUM_JOBS values the fixture's build script saw, one per run of it, as cargo relays its
/// warning (`warning: one@0.1.0: NUM_JOBS=3`).
fn num_jobs(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning: one@0.1.0: "))
        .filter_map(|l| l.split_once("NUM_JOBS=").map(|(_, n)| n.to_string()))
        .collect()
}

/// QA f#4: `-j/--jobs` was refused; it reaches every cargo build of the run (here the static
/// and the dynamic one), which hands it to build scripts as NUM_JOBS.
#[test]
fn jobs_reaches_every_cargo_build() {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    // Without -j, cargo's default: the CPUs (so the value below can only come from -j).
    assert_eq!(num_jobs(&fresh_build(&[]).stderr), [cpus.to_string()]);
    let jobs = (cpus + 1).to_string();
    let r = fresh_build(&["-j", &jobs, "--compare"]);
    assert_eq!(
        num_jobs(&r.stderr),
        [jobs.clone(), jobs.clone()],
        "{}",
        r.stderr
    );
    let r = fresh_build(&["--jobs", &jobs]);
    assert_eq!(num_jobs(&r.stderr), [jobs], "{}", r.stderr);
}

/// QA f#4: `-vv` was refused ("cannot be used multiple times"); it reaches cargo, whose very
/// verbose output shows the environment of each command it runs (the build script's among
/// them: `Running `... NUM_JOBS=2 ... build-script-build``). A build script's own output is not
/// shown: with `--message-format=json-render-diagnostics` cargo keeps it out of stderr.
#[test]
fn very_verbose_reaches_cargo() {
    let script_with_env = |stderr: &str| {
        stderr.lines().any(|l| {
            l.contains("Running `") && l.contains(" NUM_JOBS=") && l.contains("build-script-build")
        })
    };
    let vv = fresh_build(&["-vv"]);
    assert!(script_with_env(&vv.stderr), "{}", vv.stderr);
    let v = fresh_build(&["-v"]);
    // `-v` alone: the command lines, without their environment.
    assert!(v.stderr.contains("Running `"), "{}", v.stderr);
    assert!(!script_with_env(&v.stderr), "{}", v.stderr);
}

/// QA f#4: `--release` was refused although release is the default profile; with `--profile`
/// it is refused as cargo refuses it.
#[test]
fn release_is_the_default_profile_and_conflicts_with_profile() {
    let v = json(&mut check_fixture("cli-flags", &["-p", "two", "--release"]));
    assert_eq!(str_of(&v["build"], "profile"), "release");
    assert!(
        str_of(&v["artifacts"][0], "path").ends_with("/release/two"),
        "{v}"
    );
    for profile in ["dev", "release"] {
        let r = run(&mut check_fixture(
            "cli-flags",
            &["--release", "--profile", profile],
        ));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(
                "error: the argument '--release' cannot be used with '--profile <PROFILE-NAME>'"
            ),
            "{}",
            r.stderr
        );
    }
}

/// QA f#5: with `--locked` and a stale lock file, the headline was cargo's progress line
/// (`` `cargo metadata` failed: Updating crates.io index``). It is cargo's own error line, the
/// same as plain `cargo metadata --locked` prints; the rest follows as context.
#[test]
fn locked_with_a_stale_lock_file_heads_with_cargo_error_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A registry of one crate, as a git index: cargo says `Updating ... index`, no network.
    let index = dir.path().join("index");
    std::fs::create_dir_all(index.join("3/d")).expect("index dir");
    std::fs::write(
        index.join("config.json"),
        r#"{"dl": "file:///nonexistent/{crate}-{version}.crate"}"#,
    )
    .expect("config.json");
    std::fs::write(
        index.join("3/d/dep"),
        format!(
            r#"{{"name":"dep","vers":"0.1.0","deps":[],"cksum":"{}","features":{{}},"yanked":false}}"#,
            "0".repeat(64)
        ),
    )
    .expect("index entry");
    let index_arg = index.to_str().expect("utf-8 path");
    for args in [
        &["init", "-q", index_arg][..],
        &["-C", index_arg, "add", "."],
        &[
            "-C",
            index_arg,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "i",
        ],
    ] {
        tool("git", args);
    }
    let url = format!("file://{}", index.display());
    let cargo_home = dir.path().join("cargo-home");
    let manifest = fixture("cli-stale-lock").join("Cargo.toml");
    let lock = std::fs::read(fixture("cli-stale-lock").join("Cargo.lock")).expect("lock");
    let with_registry = |cmd: &mut std::process::Command| {
        cmd.env("CARGO_REGISTRIES_AOTCHECK_TEST_INDEX", &url)
            .env("CARGO_HOME", &cargo_home);
    };
    // What cargo itself says.
    let mut plain = std::process::Command::new("cargo");
    plain
        .args([
            "metadata",
            "--locked",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(&manifest);
    with_registry(&mut plain);
    let theirs = run(&mut plain);
    assert_ne!(theirs.code, 0);
    assert!(
        !theirs.stderr.starts_with("error"),
        "the fixture needs a line before cargo's error: {}",
        theirs.stderr
    );
    let their_error = theirs.error_lines()[0];

    let mut ours = check_fixture("cli-stale-lock", &[]);
    with_registry(&mut ours);
    let r = run(&mut ours);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let headline = r.error_lines()[0];
    assert_eq!(
        headline,
        format!(
            "error: `cargo metadata` failed: {}",
            their_error.trim_start_matches("error: ")
        ),
        "{}",
        r.stderr
    );
    assert!(
        headline.contains("because --locked was passed"),
        "{headline}"
    );
    // The rest is there, after it.
    assert!(
        r.stderr.contains("Updating `aotcheck-test` index"),
        "{}",
        r.stderr
    );
    let after = r.stderr.split_once(headline).map_or("", |(_, a)| a);
    assert!(
        after.contains("help: to generate the lock file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(fixture("cli-stale-lock").join("Cargo.lock")).expect("lock"),
        lock
    );
}
