//! `advise --knobs features=NAME`: the build without that feature alone (QA de F11: bat's
//! defaults enable a dozen features, each a full build, and `features=git` was refused).

use crate::advise::{advise, binary, feature};
use crate::util::*;

/// Only the named feature's build is made, and it measures what the build without every
/// feature measures for it (the same variant, built in the same target dir).
#[test]
fn one_named_feature_is_the_only_one_tried() {
    let dir = shared_target_dir();
    let only = run(&mut advise(
        "advise-features",
        &dir,
        &["--knobs", "features=table", "--no-probe"],
    ));
    assert_eq!(only.code, 0, "{}", only.stderr);
    let v: serde_json::Value = serde_json::from_str(&only.stdout).expect("JSON report");
    let b = binary(&v, "advise-features");
    let names: Vec<&str> = b["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| str_of(f, "feature"))
        .collect();
    assert_eq!(names, ["table"], "{}", b["features"]);
    // No knob was asked for.
    assert_eq!(b["variants"], serde_json::json!([]), "{}", b["variants"]);
    // The table leaves with it: its 256 KiB, as the file sizes say.
    let table = feature(b, "table");
    let saved = table["bytes_saved"].as_i64().expect("bytes_saved");
    let size = |p: &str| std::fs::metadata(p).expect("stat").len() as i64;
    assert_eq!(
        saved,
        size(str_of(&b["base"], "path")) - size(str_of(table, "path"))
    );
    assert!(saved >= 256 * 1024, "{table}");
    // QA dg F8: what the bytes do not say, said once.
    let notes = v["advice"]["notes"].to_string();
    assert!(
        notes.contains("a feature left out takes away what it provides"),
        "{notes}"
    );
}

/// A feature the build does not enable is an error before any build, naming the nearest and
/// those it enables; a name left empty is refused by the parser.
#[test]
fn a_feature_not_enabled_is_an_error_that_lists_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = run(&mut advise(
        "advise-features",
        dir.path(),
        &["--knobs", "features=tabel", "--no-probe"],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "`--knobs features=tabel`: the build enables no feature `tabel`; did you mean \
             `table`? the features it enables: `cli`, `core`, `lookup`, `table`"
        ),
        "{}",
        r.stderr
    );
    // Nothing was built.
    assert!(!dir.path().join("aotcheck").exists(), "a build was started");
    // QA dh F6: an optional dependency that a feature turns on, a feature not enabled, one
    // misspelt where none is enabled: each said for what it is, before any build.
    for (args, said) in [
        (
            &["--knobs", "features=bigtable"][..],
            "`bigtable` is an optional dependency that `table` turns on: try `features=table`",
        ),
        (
            &[
                "--no-default-features",
                "--features",
                "cli",
                "--knobs",
                "features=table",
            ][..],
            "`advise-features` does not enable its feature `table`: enable it (`--features \
             table`)",
        ),
        (
            &["--no-default-features", "--knobs", "features=tabel"][..],
            "the build enables no feature to leave out; did you mean `table`?",
        ),
    ] {
        let r = run(&mut advise("advise-features", dir.path(), args));
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(words(&r.stderr).contains(said), "{args:?}: {}", r.stderr);
    }
    assert!(!dir.path().join("aotcheck").exists(), "a build was started");
    let r = run(&mut advise(
        "advise-features",
        dir.path(),
        &["--knobs", "features="],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`features=` names no feature"),
        "{}",
        r.stderr
    );
}

/// QA dh F8: the build without a feature that `default` does not turn on keeps `default` on,
/// as the user's own build of the same features is: byte for byte the binary the main command
/// makes (built with `--no-default-features`, cargo's feature list and so the crate's hash
/// differed, and broot's fat-LTO build came out 16 KiB larger than the user's).
#[test]
fn without_a_feature_beside_default_is_the_users_own_build() {
    let built = run(&mut check_fixture_apart(
        "advise-features",
        "default-kept",
        &[],
    ));
    assert_eq!(built.code, 0, "{}", built.stderr);
    let main: serde_json::Value = serde_json::from_str(&built.stdout).expect("JSON report");
    let target_dir = shared_target_dir().with_file_name("fixtures-default-kept");
    let r = run(&mut advise(
        "advise-features",
        &target_dir,
        &[
            "--features",
            "extra",
            "--knobs",
            "features=extra",
            "--no-probe",
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let extra = feature(binary(&v, "advise-features"), "extra");
    assert_eq!(extra["built_with"][0], "default", "{extra}");
    let ours = std::fs::read(str_of(extra, "path")).expect("the variant's binary");
    let theirs = std::fs::read(str_of(artifact(&main, "static"), "path")).expect("the build");
    assert!(
        ours == theirs,
        "the variant differs from the main command's build"
    );
}
