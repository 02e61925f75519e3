//! The size advisor (`cargo aotcheck advise`): variants checked against plain cargo builds,
//! features against `nm`, an interrupt in the middle of a variant's build.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::*;

/// `cargo aotcheck advise --manifest-path <fixture> --locked -q --format json ARGS`.
pub(crate) fn advise(name: &str, target_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = advise_saying_status(name, target_dir, &["-q"]);
    cmd.args(args);
    cmd
}

/// As [`advise`] without `-q`: the status lines on stderr too.
pub(crate) fn advise_saying_status(name: &str, target_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = aotcheck();
    cmd.args(["aotcheck", "advise", "--manifest-path"])
        .arg(fixture(name).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--locked", "--format", "json"])
        .args(args);
    cmd
}

pub(crate) fn host() -> String {
    tool("rustc", &["-vV"])
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("host triple")
        .trim()
        .to_string()
}

/// A plain static `cargo build` of `manifest` with `--config` settings, in `target_dir`, run
/// from the manifest's folder (so that cargo reads its `.cargo/config.toml`, as a build
/// there would): the path of the binary `bin`.
pub(crate) fn plain_build(
    manifest: &Path,
    profile: &str,
    configs: &[&str],
    target_dir: &Path,
    bin: &str,
) -> String {
    let host = host();
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--locked",
        "-q",
        "--profile",
        profile,
        "--target",
        &host,
    ])
    .arg("--manifest-path")
    .arg(manifest)
    .arg("--target-dir")
    .arg(target_dir)
    .current_dir(manifest.parent().expect("the manifest's folder"))
    .env_remove("CARGO_ENCODED_RUSTFLAGS")
    .env_remove("CARGO_TARGET_DIR")
    .env_remove("ADVISE_STALL")
    .env("RUSTFLAGS", "-C target-feature=+crt-static");
    for c in configs {
        cmd.args(["--config", c]);
    }
    let out = cmd.output().expect("cargo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target_dir
        .join(&host)
        .join(profile)
        .join(bin)
        .display()
        .to_string()
}

pub(crate) fn binary<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["advice"]["binaries"]
        .as_array()
        .expect("binaries")
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("no advice for {name} in {v}"))
}

pub(crate) fn variant<'a>(b: &'a Value, id: &str) -> &'a Value {
    b["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no variant {id} in {b}"))
}

pub(crate) fn feature<'a>(b: &'a Value, name: &str) -> &'a Value {
    b["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["feature"] == name)
        .unwrap_or_else(|| panic!("no feature {name} in {b}"))
}

pub(crate) fn len(path: &str) -> u64 {
    std::fs::metadata(path).expect("file").len()
}

/// Two knobs, one a full rebuild and one on the final link only: each variant is the binary a
/// plain static `cargo build` with that setting in the profile makes, byte for byte.
#[test]
fn two_knobs_equal_a_plain_cargo_build_with_the_same_setting() {
    let v = json(&mut advise(
        "advise-knobs",
        &shared_target_dir(),
        &["--knobs", "opt-level=z,strip=symbols", "--no-probe"],
    ));
    let b = binary(&v, "advise-knobs");
    let base = u64_of(&b["base"], "file_size");
    let plain_dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixture("advise-knobs").join("Cargo.toml");
    for (id, config) in [
        ("opt-level=z", "profile.release.opt-level=\"z\""),
        ("strip=symbols", "profile.release.strip=\"symbols\""),
    ] {
        let ours = variant(b, id);
        assert_eq!(str_of(ours, "status"), "measured", "{ours}");
        let path = str_of(ours, "path");
        let plain = plain_build(
            &manifest,
            "release",
            &[config],
            plain_dir.path(),
            "advise-knobs",
        );
        assert_eq!(u64_of(ours, "file_size"), len(&plain), "{id}: file size");
        assert_eq!(len(path), len(&plain), "{id}: the kept copy");
        assert_eq!(
            std::fs::read(path).expect("ours"),
            std::fs::read(&plain).expect("plain"),
            "{id}: not the same bytes as the plain build"
        );
        assert!(within_one_percent(
            u64_of(ours, "stripped_size"),
            strip_size(&plain)
        ));
        let change = &ours["change"];
        assert_eq!(
            change["file_size"].as_i64(),
            Some(len(&plain) as i64 - base as i64)
        );
    }
    assert_ne!(
        u64_of(variant(b, "opt-level=z"), "file_size"),
        base,
        "opt-level = \"z\" changed nothing: was it applied?"
    );
}

/// `--config profile.<name>.<key>` reaches a profile whose name has a dash (cargo's
/// CARGO_PROFILE_* variables cannot), and the profile's own settings are shown, not rebuilt.
#[test]
fn a_profile_with_a_dash_gets_its_knob_and_keeps_its_own_settings() {
    let v = json(&mut advise(
        "advise-knobs",
        &shared_target_dir(),
        &[
            "--profile",
            "release-small",
            "--knobs",
            "codegen-units=1,panic=abort",
            "--no-probe",
        ],
    ));
    assert_eq!(v["advice"]["settings"]["opt-level"], "\"s\"");
    let b = binary(&v, "advise-knobs");
    let cgu = variant(b, "codegen-units=1");
    assert_eq!(str_of(cgu, "status"), "already");
    assert!(cgu["file_size"].is_null(), "rebuilt: {cgu}");
    // The same setting written into a copy of the fixture's manifest, built by plain cargo.
    let copy = tempfile::tempdir().expect("tempdir");
    let src = fixture("advise-knobs");
    for f in ["Cargo.lock", "build.rs"] {
        std::fs::copy(src.join(f), copy.path().join(f)).expect("copy");
    }
    std::fs::create_dir(copy.path().join("src")).expect("mkdir");
    std::fs::copy(src.join("src/main.rs"), copy.path().join("src/main.rs")).expect("copy");
    let manifest = std::fs::read_to_string(src.join("Cargo.toml")).expect("read");
    std::fs::write(
        copy.path().join("Cargo.toml"),
        format!("{manifest}panic = \"abort\"\n"),
    )
    .expect("write");
    let plain = plain_build(
        &copy.path().join("Cargo.toml"),
        "release-small",
        &[],
        &copy.path().join("target"),
        "advise-knobs",
    );
    let abort = variant(b, "panic=abort");
    assert_eq!(str_of(abort, "status"), "measured", "{abort}");
    assert_eq!(u64_of(abort, "file_size"), len(&plain));
    assert_ne!(u64_of(abort, "file_size"), u64_of(&b["base"], "file_size"));
    // The manifest has the table already: the terminal gives its keys to add there (what the
    // copy above got), not a second `[profile.release-small]`, which cargo refuses.
    assert_eq!(v["advice"]["profile_in_manifest"], true, "{}", v["advice"]);
    let human = run(aotcheck()
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(fixture("advise-knobs").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(shared_target_dir())
        .args(["--locked", "-q", "--profile", "release-small"])
        .args(["--knobs", "codegen-units=1,panic=abort", "--no-probe"])
        .env("NO_COLOR", "1"));
    assert_eq!(human.code, 0, "{}", human.stderr);
    let out = &human.stdout;
    // The heading is filled to 100 columns: its words as one line.
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("paste into the `[profile.release-small]` table Cargo.toml already has:"),
        "{out}"
    );
    let at = out.find("has:\n").unwrap_or_else(|| panic!("{out}"));
    let block: Vec<&str> = out[at..]
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(block, ["  panic = \"abort\""], "{out}");
}

/// The `table` feature brings a crate with a 256 KiB table: advise names the feature, at least
/// 256 KiB saved and the crate that leaves; without `core` the package does not compile, which
/// is reported while the other results are there.
#[test]
fn features_left_out_name_the_bytes_and_crates_and_the_one_that_cannot_go() {
    let r = run(&mut advise(
        "advise-features",
        &shared_target_dir(),
        &["--knobs", "features", "--no-probe"],
    ));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let b = binary(&v, "advise-features");
    let base = str_of(&b["base"], "path");
    let table = feature(b, "table");
    assert_eq!(str_of(table, "status"), "measured", "{table}");
    let saved = table["bytes_saved"].as_i64().expect("bytes_saved");
    assert!(saved >= 256 * 1024, "saved only {saved}");
    assert_eq!(saved, len(base) as i64 - len(str_of(table, "path")) as i64);
    assert_eq!(table["enables"], serde_json::json!(["bigtable"]));
    let leaving: Vec<&str> = table["crates_leaving"]
        .as_array()
        .expect("crates_leaving")
        .iter()
        .map(|c| str_of(c, "name"))
        .collect();
    assert!(leaving.contains(&"bigtable"), "{leaving:?}");
    // nm: the table is in the base binary, 256 KiB, and not in the variant.
    let nm = |p: &str| tool("nm", &["-S", "--defined-only", p]);
    let has_table = |p: &str| {
        nm(p).lines().any(|l| {
            l.contains("bigtable")
                && l.contains("TABLE")
                && l.split(' ').nth(1) == Some("0000000000040000")
        })
    };
    assert!(has_table(base), "no 256 KiB TABLE symbol in the base");
    assert!(!has_table(str_of(table, "path")));
    // QA r, F2: the crate's bytes are the crate table's (the main command's, of the same
    // code), with its text that has no symbol (`include_str!`, 4,107 bytes: the reference graph
    // gives it to the code that refers to it), not its symbols' alone.
    let all = ["--filter", "bigtable", "--symbols", "all"];
    let main = json(&mut check_fixture("advise-features", &all));
    let row = artifact(&main, "static")["binary"]["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .find(|c| c["name"] == "bigtable")
        .cloned()
        .expect("bigtable in the crate table");
    let text = std::fs::metadata(fixture("advise-features").join("bigtable/src/text.txt"))
        .expect("text.txt")
        .len();
    // An embedded file carved as a row of its own has the confidence of the bytes it was
    // carved from, the crate's split unchanged: each class of the split is its rows' (QA db
    // F8: the row read `heuristic`, the split `referenced`; QA dm F2: the split moved where
    // no row held the file).
    let rows = artifact(&main, "static")["binary"]["symbols"]
        .as_array()
        .expect("symbols")
        .clone();
    let file = rows
        .iter()
        .find(|r| r["content"] == "file bigtable/src/text.txt")
        .unwrap_or_else(|| panic!("no row of text.txt: {rows:?}"));
    assert_eq!(u64_of(file, "file_size"), text, "{file}");
    for class in ["exact", "heuristic", "referenced", "dominated"] {
        let of_class: u64 = rows
            .iter()
            .filter(|r| r["confidence"] == class)
            .map(|r| u64_of(r, "vm_size"))
            .sum();
        assert_eq!(
            of_class,
            u64_of(&row["confidence"], class),
            "{class}: {row}"
        );
    }
    let gone = table["crates_leaving"]
        .as_array()
        .expect("crates_leaving")
        .iter()
        .find(|c| c["name"] == "bigtable")
        .expect("bigtable leaves");
    assert_eq!(
        u64_of(gone, "file_size"),
        u64_of(&row, "file_size"),
        "{row}"
    );

    let core = feature(b, "core");
    assert_eq!(str_of(core, "status"), "failed", "{core}");
    let error = str_of(core, "error");
    assert!(
        error.starts_with("error") && error.contains("needs its `core` feature"),
        "{error}"
    );
    // The crate whose compilation failed, as cargo names it (QA cm F3: syntect's error read
    // as bat's own).
    assert!(error.ends_with(" (compiling `advise-features`)"), "{error}");
    // QA r, F4: `cli` needs `core`, so the build without `core` leaves it out too, failed or
    // not (the built one of `cli` itself keeps `core` and builds).
    assert_eq!(
        core["also_leaves_out"],
        serde_json::json!(["cli"]),
        "{core}"
    );
    // `core` only `cli` turns on: the build without `cli` in `default`'s list has no `core`
    // either, and fails as that edit would (QA bm F9: an umbrella kept its members and "saved
    // 0 B").
    let cli = feature(b, "cli");
    assert_eq!(str_of(cli, "status"), "failed", "{cli}");
    assert_eq!(cli["also_leaves_out"], serde_json::json!(["core"]), "{cli}");
    assert_eq!(str_of(&b["base"], "status"), "measured");
    // Under `-q` the failed variant's diagnostics stay out of the terminal: its first error
    // line is in the report (it printed rustc's whole error).
    assert!(
        !r.stderr.contains("needs its `core` feature"),
        "{}",
        r.stderr
    );
}

/// Ctrl-C while a variant builds (its build script stalls at opt-level "z"): the build and its
/// script stop, the finished variants are reported, the run exits 2.
#[test]
fn interrupt_during_a_variant_build_reports_the_finished_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = advise(
        "advise-knobs",
        dir.path(),
        &["--knobs", "strip=symbols,opt-level=z", "--no-probe"],
    )
    .env("ADVISE_STALL", "1")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn");
    let stalled = || {
        !pids_where(|exe, proc_dir| {
            exe.to_string_lossy().contains("build-script-build")
                && std::fs::read(proc_dir.join("environ")).is_ok_and(|env| {
                    let env = String::from_utf8_lossy(&env);
                    // This run's (OUT_DIR is under its target dir), not another test's.
                    env.contains("ADVISE_STALL=1")
                        && env.contains("OPT_LEVEL=z")
                        && env.contains(&*dir.path().to_string_lossy())
                })
        })
        .is_empty()
    };
    let mut child = child;
    while !stalled() {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "advise ended before the stalled build"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("kill");
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stalled(), "the stalled build script was left running");
    let v: Value = serde_json::from_slice(&out.stdout).expect("the report of the finished ones");
    assert_eq!(v["advice"]["interrupted"], true);
    // B7: it exits 2 with a report, which is then at least inconclusive, and has nothing to
    // paste for variants never built.
    assert_eq!(v["verdict"], "inconclusive");
    assert!(v["advice"]["snippet"].is_null(), "{}", v["advice"]);
    let b = binary(&v, "advise-knobs");
    assert_eq!(str_of(&b["base"], "status"), "measured");
    let strip = variant(b, "strip=symbols");
    assert_eq!(str_of(strip, "status"), "measured");
    assert_eq!(u64_of(strip, "file_size"), len(str_of(strip, "path")));
    assert_eq!(str_of(variant(b, "opt-level=z"), "status"), "not-built");
}

/// Each variant is probed with the package's own readiness setting (`ready = "tcp"`); its
/// start-up is the median of its counted runs, and its change against the base is the ratio of
/// the two medians with an interval that holds it (QA ah, F3). The probe says so before its
/// runs, where no progress bar is drawn (QA bv F4).
#[test]
fn variants_are_probed_with_the_package_readiness() {
    let r = run(&mut advise_saying_status(
        "hello-server",
        &shared_target_dir(),
        &["--knobs", "strip", "--runs", "6", "--warmup", "0"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let said = "Probing hello-server [base] (static), hello-server [strip=symbols] (static): \
                6 runs each, ready: tcp";
    assert!(
        r.stderr.lines().any(|l| l.trim_start() == said),
        "no `{said}` in:\n{}",
        r.stderr
    );
    assert_eq!(v["advice"]["probe_runs"], 6);
    let b = binary(&v, "hello-server");
    assert_eq!(b["ready"], "tcp");
    let median = |x: &Value| {
        let mut runs: Vec<f64> = x["startup_runs_ms"]
            .as_array()
            .expect("startup_runs_ms")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(runs.len(), 6, "{x}");
        runs.sort_by(f64::total_cmp);
        (runs[2] + runs[3]) / 2.0
    };
    for x in [&b["base"], variant(b, "strip=symbols")] {
        let startup = x["startup_ms"].as_f64().expect("startup_ms");
        assert!(startup > 0.0, "{x}");
        assert!((startup - median(x)).abs() < 1e-9, "{x}");
        assert!(u64_of(x, "memory_kib") > 0, "{x}");
    }
    let strip = variant(b, "strip=symbols");
    let change = &strip["change"];
    let ratio = change["startup_ratio"].as_f64().expect("startup_ratio");
    assert!(
        (ratio - median(strip) / median(&b["base"])).abs() < 1e-9,
        "{change}"
    );
    let [lo, hi] = [0, 1].map(|i| {
        change["startup_ratio_interval"][i]
            .as_f64()
            .expect("interval")
    });
    assert!(lo <= ratio && ratio <= hi, "{change}");
    let notes = v["advice"]["notes"].to_string();
    assert!(
        notes.contains("bootstrap over the counted runs of each that got ready, 6 asked"),
        "{notes}"
    );
    // What the memory column is (QA cf F8).
    assert!(
        notes.contains("memory: the resident set (RSS) of the program's processes when it was"),
        "{notes}"
    );
}
