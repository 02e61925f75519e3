//! `cargo aotcheck advise` regressions found by QA: refused flags, variants that never get
//! ready, the settings' real sources, the snippets' wording.

use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use serde_json::Value;

use crate::advise::{advise, binary, len, variant};
use crate::util::*;

/// B5: `advise --help` offered `--image` (and the symbol report's flags), which `advise`
/// refused with "build and probe options go after `advise`". What it refuses, it does not
/// offer, and the refusal names the flag.
#[test]
fn advise_help_does_not_offer_what_advise_refuses() {
    let help = run(aotcheck().args(["aotcheck", "advise", "--help"]));
    assert_eq!(help.code, 0);
    for (flag, args) in [
        ("--image", &["--image"][..]),
        ("--why", &["--why", "std"]),
        ("--filter", &["--filter", "std"]),
        ("--symbols", &["--symbols", "5"]),
        ("-n", &["-n", "5"]),
        ("--crates", &["--crates"]),
    ] {
        let offered = help
            .stdout
            .lines()
            .any(|l| l.trim_start().split([' ', ',']).next() == Some(flag));
        assert!(!offered, "advise --help offers {flag}:\n{}", help.stdout);
        let r = run(aotcheck().args(["aotcheck", "advise"]).args(args));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{flag} does not apply to `advise`")),
            "{flag}: {}",
            r.stderr
        );
    }
    // QA i: nor does it speak of `--hostile`, which it refuses, in another flag's help.
    assert!(!help.stdout.contains("hostile"), "{}", help.stdout);
    // The main command still offers and takes them.
    let main = run(aotcheck().args(["aotcheck", "--help"]));
    assert!(main.stdout.contains("--image [<DIR>]"), "{}", main.stdout);
}

/// B6: under `panic = "abort"` a program that relies on `catch_unwind` aborts on every run. That
/// variant was `measured` with a blank start-up, no reason, and went into the combined variant
/// and its snippet. It is `not-ready` with the probe's reason and a warning, and the combined
/// variant (rebuilt without it) and the lines to paste leave it out. The run did its job: exit
/// 0, as for a variant that does not build.
#[test]
fn a_knob_whose_binary_never_gets_ready_is_said_and_left_out_of_combined() {
    let r = run(&mut advise(
        "advise-unwind",
        &shared_target_dir(),
        &[
            "--knobs",
            "panic=abort,strip,lto=fat",
            "--runs",
            "2",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let b = binary(&v, "advise-unwind");
    let abort = variant(b, "panic=abort");
    assert_eq!(str_of(abort, "status"), "not-ready", "{abort}");
    assert!(abort["startup_ms"].is_null(), "{abort}");
    assert!(str_of(abort, "error").contains("SIGABRT"), "{abort}");
    // Running it ourselves: the variant aborts, the base catches its panic and exits 0.
    let abort_run = Command::new(str_of(abort, "path")).output().expect("run");
    assert_eq!(abort_run.status.signal(), Some(6), "{abort_run:?}");
    assert_eq!(u64_of(abort, "file_size"), len(str_of(abort, "path")));
    let base_run = Command::new(str_of(&b["base"], "path"))
        .output()
        .expect("run");
    assert!(base_run.status.success(), "{base_run:?}");
    assert_eq!(str_of(&b["base"], "status"), "measured");
    assert!(b["base"]["startup_ms"].as_f64().is_some_and(|t| t > 0.0));
    let warned = v["warnings"].as_array().expect("warnings").iter().any(|w| {
        w.as_str()
            .is_some_and(|w| w.contains("[panic=abort]") && w.contains("SIGABRT"))
    });
    assert!(warned, "{}", v["warnings"]);
    // Left out of the combined variant, which was built (and started) without it.
    let knobs = &v["advice"]["combined_knobs"];
    assert!(!knobs.to_string().contains("panic"), "{knobs}");
    let snippet = str_of(&v["advice"], "snippet");
    assert!(!snippet.contains("panic"), "{snippet}");
    if let Some(c) = b.get("combined") {
        assert_eq!(str_of(c, "status"), "measured", "{c}");
        assert!(!str_of(c, "knob").contains("panic"), "{c}");
        let c_run = Command::new(str_of(c, "path")).output().expect("run");
        assert!(c_run.status.success(), "{c_run:?}");
    }
    assert_eq!(v["verdict"], "pass");
}

/// B6: a server probed without `--ready` (here `exit`, with a short limit) never gets ready as
/// the profile builds it: nothing to compare with, so the run fails to do its job as the main
/// command does (exit 2, verdict `inconclusive`, the probe's reason), with the report.
#[test]
fn a_base_that_never_gets_ready_is_exit_2_and_inconclusive() {
    let r = run(&mut advise(
        "hello-server",
        &shared_target_dir(),
        &[
            "--knobs",
            "strip",
            "--ready",
            "exit",
            "--probe-timeout",
            "300ms",
            "--runs",
            "1",
            "--warmup",
            "0",
        ],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no successful run for `hello-server`")
            && r.stderr.contains("is it a server?"),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("the report");
    assert_eq!(v["verdict"], "inconclusive");
    let base = &binary(&v, "hello-server")["base"];
    assert_eq!(str_of(base, "status"), "not-ready", "{base}");
    assert!(v["advice"]["snippet"].is_null());
    // Said before the variants were built (QA bm F4: 7 minutes of builds, then exit 2).
    let variants = binary(&v, "hello-server")["variants"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !variants.is_empty() && variants.iter().all(|x| x["status"] == "not-built"),
        "{variants:?}"
    );
    // QA dg F6: not "interrupted", which nothing was; no notes on figures it never had.
    for x in &variants {
        assert_eq!(
            x["error"], "the profile's own binary never got ready (see above)",
            "{x}"
        );
    }
    let notes = v["advice"]["notes"].to_string();
    assert!(
        !notes.contains("start-up") && !notes.contains("memory:"),
        "{notes}"
    );
    // No feature was tried: nothing said of features (QA dg F8).
    assert!(!notes.contains("a feature left out"), "{notes}");
}

/// A copy of fixture `name` in a new temporary directory (sources, manifest and lock file).
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixture(name);
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::create_dir(dir.path().join("src")).expect("mkdir");
    std::fs::copy(src.join("src/main.rs"), dir.path().join("src/main.rs")).expect("copy");
    dir
}

/// A plain static build of the project in `dir` with `profile`, in its own `target`: the
/// binary's length.
fn plain_len(dir: &std::path::Path, profile: &str, bin: &str) -> u64 {
    let manifest = dir.join("Cargo.toml");
    len(&crate::advise::plain_build(
        &manifest,
        profile,
        &[],
        &dir.join("target"),
        bin,
    ))
}

/// B8: `strip` comes from `.cargo/config.toml`, which overrides `Cargo.toml`: the snippet for
/// `Cargo.toml` would change nothing (cargo's own build with it pasted is the base's size), and
/// the warning names that file; written there instead, it gives the variant.
#[test]
fn a_key_set_in_cargo_config_is_named_with_the_file_that_overrides_the_snippet() {
    let dir = copy_fixture("advise-unwind");
    let config = dir.path().join(".cargo/config.toml");
    std::fs::create_dir(dir.path().join(".cargo")).expect("mkdir");
    std::fs::write(&config, "[profile.release]\nstrip = \"debuginfo\"\n").expect("write");
    let manifest = dir.path().join("Cargo.toml");
    let mut cmd = aotcheck();
    cmd.current_dir(dir.path())
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .args(["--locked", "-q", "--format", "json", "--no-probe"])
        .args(["--knobs", "strip"]);
    let v = json(&mut cmd);
    let b = binary(&v, "advise-unwind");
    let strip = variant(b, "strip=symbols");
    assert_eq!(str_of(strip, "status"), "measured", "{strip}");
    let snippet = str_of(&v["advice"], "snippet");
    assert_eq!(snippet, "[profile.release]\nstrip = \"symbols\"\n");
    let warning = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .find(|w| w.contains("would change nothing"))
        .unwrap_or_else(|| panic!("no warning: {}", v["warnings"]));
    assert!(
        warning.contains(&format!("{} sets `strip`", config.display())),
        "{warning}"
    );
    // Cargo agrees: pasted into Cargo.toml, the build is the base's; in the config file, the
    // variant's.
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, format!("{text}\n{snippet}")).expect("write");
    assert_eq!(
        plain_len(dir.path(), "release", "advise-unwind"),
        u64_of(&b["base"], "file_size")
    );
    std::fs::write(&config, snippet).expect("write");
    assert_eq!(
        plain_len(dir.path(), "release", "advise-unwind"),
        u64_of(strip, "file_size")
    );
}

/// B9: the `.cargo/config.toml` lines (`[target.<host>] rustflags`, with `+crt-static`) broke a
/// plain `cargo build --release` of a package with a proc-macro: without `--target` they reach
/// proc-macros too. They say to build with `--target`; pasted with the `Cargo.toml` lines, a
/// build with it is the combined variant byte for byte.
#[test]
fn the_rustflags_lines_say_to_build_with_target_and_give_the_combined_variant() {
    pasted_lines_give_the_combined_variant("strip,relocation-model");
}

/// QA bl F6: with `-C relocation-model=static` the one knob that saved bytes, its own variant
/// changed the final unit alone, and the line to paste, which changes every unit, was never
/// built; the combined variant is built for it, and the pasted line gives it byte for byte.
#[test]
fn one_rustflag_that_saved_bytes_is_built_as_the_line_to_paste_says() {
    pasted_lines_give_the_combined_variant("relocation-model");
}

fn pasted_lines_give_the_combined_variant(knobs: &str) {
    let dir = copy_fixture("advise-unwind");
    let manifest = dir.path().join("Cargo.toml");
    let mut cmd = aotcheck();
    cmd.current_dir(dir.path())
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .args(["--locked", "-q", "--format", "json", "--no-probe"])
        .args(["--knobs", knobs]);
    let v = json(&mut cmd);
    let host = crate::advise::host();
    let flags = str_of(&v["advice"], "rustflags_snippet");
    assert!(
        flags.starts_with(&format!("# Build with `--target {host}`: without it")),
        "{flags}"
    );
    assert!(flags.contains("proc-macro"), "{flags}");
    // QA cf F4: what the lines make of every build with `--target`.
    assert!(
        flags.contains("every build is the static glibc build"),
        "{flags}"
    );
    let combined = &binary(&v, "advise-unwind")["combined"];
    assert_eq!(str_of(combined, "status"), "measured", "{combined}");
    let text = std::fs::read_to_string(&manifest).expect("read");
    // No profile lines when the one knob is a rustflag.
    let snippet = v["advice"]["snippet"].as_str().unwrap_or_default();
    std::fs::write(&manifest, format!("{text}\n{snippet}")).expect("write");
    // The file named by its path (QA cb F2: "into .cargo/config.toml" left which one open).
    let file = std::path::PathBuf::from(str_of(&v["advice"], "rustflags_file"));
    let real = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
    std::fs::create_dir(dir.path().join(".cargo")).expect("mkdir");
    assert_eq!(
        real(file.parent().expect("folder")),
        real(&dir.path().join(".cargo"))
    );
    std::fs::write(&file, flags).expect("write");
    let out = Command::new("cargo")
        .args(["build", "--release", "--locked", "-q", "--target", &host])
        .current_dir(dir.path())
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = dir
        .path()
        .join("target")
        .join(&host)
        .join("release/advise-unwind");
    assert_eq!(
        std::fs::read(&built).expect("the pasted build"),
        std::fs::read(str_of(combined, "path")).expect("the combined variant"),
        "the pasted lines do not give the combined variant"
    );
}

/// QA r, F1: the manifest's `[profile.release]` had `lto = true` and the snippet
/// `lto = "thin"`; pasted into the table as told, cargo refused the manifest ("duplicate
/// key"). The words say which lines of the table the snippet's keys replace
/// (`replaces` in JSON); pasted that way, cargo reads the manifest and builds the combined
/// variant's size.
#[test]
fn the_lines_a_snippet_replaces_in_the_manifests_table_are_named() {
    let dir = copy_fixture("advise-knobs");
    let manifest = dir.path().join("Cargo.toml");
    // The table (the manifest's last) sets `lto` as cargo's default has it: the same build.
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, format!("{text}lto = false\n")).expect("write");
    let mut cmd = aotcheck();
    cmd.current_dir(dir.path())
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .args(["--locked", "-q", "--format", "json", "--no-probe"])
        .args([
            "--profile",
            "release-small",
            "--knobs",
            "lto=fat,panic=abort",
        ]);
    let v = json(&mut cmd);
    let advice = &v["advice"];
    assert_eq!(advice["profile_in_manifest"], true, "{advice}");
    let snippet = str_of(advice, "snippet");
    assert!(snippet.contains("lto = \"fat\"\n"), "{snippet}");
    assert_eq!(advice["replaces"], serde_json::json!(["lto = false"]));
    // The words, as the terminal gives them.
    let mut cmd = aotcheck();
    cmd.current_dir(dir.path())
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .args(["--locked", "-q", "--no-probe"])
        .args([
            "--profile",
            "release-small",
            "--knobs",
            "lto=fat,panic=abort",
        ])
        .env("NO_COLOR", "1");
    let human = run(&mut cmd);
    // The heading is filled to 100 columns: its words as one line, ending its line.
    let words = human
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("table Cargo.toml already has, in place of its `lto = false`:")
            && human.stdout.contains("`lto = false`:\n"),
        "{}",
        human.stdout
    );
    // Pasted as told: the replaced line goes, the snippet's keys go into the table.
    let text = std::fs::read_to_string(&manifest).expect("read");
    let keys: String = snippet.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let pasted = format!("{}{keys}", text.replace("lto = false\n", ""));
    std::fs::write(&manifest, &pasted).expect("write");
    let combined = &binary(&v, "advise-knobs")["combined"];
    assert_eq!(str_of(combined, "status"), "measured", "{combined}");
    assert_eq!(
        plain_len(dir.path(), "release-small", "advise-knobs"),
        u64_of(combined, "file_size")
    );
}

/// QA af, F9: `advise` built oxipng without `binary`, which its binary requires
/// (`required-features`), and said the feature "does not build without it", with a stray
/// `error:` line on a run that exited 0. Such a variant is not tried, and a note says why;
/// cargo confirms the binary cannot be built without the feature.
#[test]
fn a_feature_a_binary_requires_is_not_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = fixture("required-features").join("Cargo.toml");
    let r = run(aotcheck()
        .args(["aotcheck", "advise", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(dir.path())
        .args([
            "--locked",
            "--format",
            "json",
            "--no-probe",
            "--knobs",
            "features",
        ])
        .args(["--features", "extra", "--bin", "extra-tool"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.lines().any(|l| l.starts_with("error")),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let advice = &v["advice"];
    assert_eq!(
        advice["binaries"][0]["features"],
        serde_json::json!([]),
        "{advice}"
    );
    let note = "the build without feature `extra` is not tried: `extra-tool` requires it \
                (`required-features`)";
    assert!(advice["notes"].to_string().contains(note), "{advice}");
    // QA bo F7: the status line said "Skipping the build ... is not tried".
    assert!(
        r.stderr.contains(
            "Skipping the build without feature `extra`: `extra-tool` requires it \
             (`required-features`)\n"
        ),
        "{}",
        r.stderr
    );
    let cargo = Command::new("cargo")
        .args([
            "build",
            "--locked",
            "--bin",
            "extra-tool",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(dir.path())
        .output()
        .expect("cargo");
    assert!(!cargo.status.success());
    assert!(
        String::from_utf8_lossy(&cargo.stderr).contains("requires the features: `extra`"),
        "{}",
        String::from_utf8_lossy(&cargo.stderr)
    );
}

/// QA ap F8: `--knobs ...,features` on du-dust, which has no features, said nothing of them.
/// advise-knobs has no `[features]` (cargo metadata): the run says that no build without a
/// feature is made, and why, on stderr and in the notes.
#[test]
fn a_package_without_features_says_none_is_left_out() {
    let metadata = Command::new("cargo")
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(fixture("advise-knobs").join("Cargo.toml"))
        .output()
        .expect("cargo metadata");
    let m: Value = serde_json::from_slice(&metadata.stdout).expect("metadata JSON");
    assert_eq!(m["packages"][0]["features"], serde_json::json!({}));
    // A target dir of its own: the other tests' advise of this fixture copy their variants
    // to the shared one's `advise/release/` at the same time.
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&mut advise(
        "advise-knobs",
        dir.path(),
        &["--knobs", "strip=symbols,features", "--no-probe"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let note = "no build without a feature: `advise-knobs` has no feature enabled (by default \
                or --features) to leave out; its dependencies' features are not tried: turn one \
                off in Cargo.toml and compare the build with --baseline";
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(
        v["advice"]["notes"].to_string().contains(note),
        "{}",
        v["advice"]
    );
}
