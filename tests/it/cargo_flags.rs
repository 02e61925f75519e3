//! Cargo's own flags, as cargo takes them (QA f#4, f#5): package and binary selection, jobs,
//! verbosity, the release profile, and cargo's error line at the head of a failed command.
//! Checked against what cargo itself lists, prints or hands to a build script.

use serde_json::Value;

use crate::util::*;

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
    fresh_build_with(args, &[])
}

/// As [`fresh_build`], with variables `env` set for the run.
pub(crate) fn fresh_build_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let target = tempfile::tempdir().expect("tempdir");
    let r = run(aotcheck()
        .arg("aotcheck")
        .arg("--manifest-path")
        .arg(fixture("cli-flags").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.path())
        .args(["--locked", "--no-probe", "--format", "json", "-p", "one"])
        .args(args)
        .envs(env.iter().copied()));
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

/// QA cf F6: `-vv` promises the cargo commands run, with their environment; `advise`'s builds
/// showed "Building variant N/5" alone. Each cargo run is said as a shell line, the rustflags
/// the tool adds as `RUSTFLAGS`.
#[test]
fn very_verbose_says_each_cargo_command() {
    let r = run(&mut fixture_saying_status(
        "hello-server",
        &["-vv", "--no-probe", "--format", "json"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("Running `RUSTFLAGS="))
        .unwrap_or_else(|| panic!("no command line in:\n{}", r.stderr));
    assert!(
        line.contains("RUSTFLAGS='-C target-feature=+crt-static' "),
        "{line}"
    );
    assert!(line.contains(" build --message-format="), "{line}");
    assert!(
        line.contains(" --target x86_64-unknown-linux-gnu "),
        "{line}"
    );
    // Without -vv, no such line.
    let quiet = run(&mut fixture_saying_status(
        "hello-server",
        &["--no-probe", "--format", "json"],
    ));
    assert!(!quiet.stderr.contains("Running `"), "{}", quiet.stderr);
}
