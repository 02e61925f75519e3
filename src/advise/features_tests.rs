//! Unit tests of the features left out one at a time.

use super::*;

fn package(features: serde_json::Value, optional: &[&str]) -> Package {
    test_package(features, optional)
}

fn names(v: &[Without]) -> Vec<(String, Vec<String>, Vec<String>)> {
    v.iter()
        .map(|w| (w.feature.clone(), w.enables.clone(), w.keep.clone()))
        .collect()
}

#[test]
fn each_default_feature_left_out_with_what_needs_it() {
    let pkg = package(
        serde_json::json!({
            "default": ["table", "core"],
            "table": ["dep:bigtable", "fast"],
            "fast": [],
            "core": [],
            "extra": ["dep:other"]
        }),
        &["bigtable", "other"],
    );
    let v = variants(&pkg, &BuildOptions::default());
    let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        names(&v),
        vec![
            ("core".into(), s(&[]), s(&["fast", "table"])),
            // Without `fast`, `table` (which enables it) goes too.
            ("fast".into(), s(&[]), s(&["core"])),
            // Without `table` in `default`'s list, `fast`, which only it turns on, too.
            ("table".into(), s(&["bigtable"]), s(&["core"])),
        ]
    );
}

/// QA bm F9: bottom's `default = ["deploy"]`, an umbrella of `battery`, `nvidia` and `zfs`:
/// without it, none of them (it "saved 0 B" with all three kept); without a member, the
/// other two.
#[test]
fn an_umbrella_feature_goes_with_what_only_it_turns_on() {
    let pkg = package(
        serde_json::json!({
            "default": ["deploy"], "deploy": ["battery", "nvidia", "zfs"],
            "battery": ["dep:starship-battery"], "nvidia": ["gpu", "dep:nvml-wrapper"],
            "gpu": [], "zfs": [], "logging": ["dep:log"]
        }),
        &["starship-battery", "nvml-wrapper", "log"],
    );
    let v = variants(&pkg, &BuildOptions::default());
    let of = |f: &str| v.iter().find(|w| w.feature == f).expect(f).keep.clone();
    assert!(of("deploy").is_empty(), "{:?}", of("deploy"));
    assert_eq!(of("battery"), ["gpu", "nvidia", "zfs"]);
    // Asked for on the command line, as in `default`.
    let opts = BuildOptions {
        features: vec!["logging".into()],
        ..BuildOptions::default()
    };
    let v = variants(&pkg, &opts);
    let of = |f: &str| v.iter().find(|w| w.feature == f).expect(f).keep.clone();
    assert_eq!(of("deploy"), ["logging"]);
    assert!(of("logging").contains(&"deploy".to_string()));
}

/// QA bs F3: tokei's `default = ["cli", "all", "yaml"]`, `all = ["cbor", "yaml"]`: without
/// `all`, `serde_yaml` stays (`yaml` keeps it) and `cbor` goes as only `all` turns it on;
/// without `cbor`, `all` goes as it needs `cbor`.
#[test]
fn what_stays_and_why_the_others_go() {
    let pkg = package(
        serde_json::json!({
            "default": ["cli", "all", "yaml"], "cli": [], "all": ["cbor", "yaml"],
            "cbor": ["dep:hex", "dep:serde_cbor"], "yaml": ["dep:serde_yaml"]
        }),
        &["hex", "serde_cbor", "serde_yaml"],
    );
    let v = variants(&pkg, &BuildOptions::default());
    let of = |f: &str| v.iter().find(|w| w.feature == f).expect(f).clone();
    let all = of("all");
    assert_eq!(all.enables, ["hex", "serde_cbor", "serde_yaml"]);
    assert_eq!(all.kept_deps, ["serde_yaml"]);
    assert_eq!(all.keep, ["cli", "yaml"]);
    assert!(all.needing.is_empty(), "{:?}", all.needing);
    assert_eq!(of("cbor").needing, ["all"]);
}

#[test]
fn implicit_features_of_optional_dependencies_count_as_features() {
    let pkg = package(
        serde_json::json!({"default": ["zlib"], "zlib": ["dep:zlib"]}),
        &["zlib"],
    );
    let v = variants(&pkg, &BuildOptions::default());
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].feature, "zlib");
    assert_eq!(v[0].enables, vec!["zlib"]);
    assert!(v[0].keep.is_empty());
}

#[test]
/// QA bm F3: bottom's `nvidia` turns nvml-wrapper on, `gpu` and `deploy` (default) through
/// it; the narrowest is named, with whether `default` reaches it. A weak `x?/f` turns
/// nothing on.
fn the_narrowest_feature_that_turns_a_dependency_on() {
    let pkg = package(
        serde_json::json!({
            "default": ["deploy"], "deploy": ["gpu", "zfs"], "gpu": ["nvidia"],
            "nvidia": ["dep:nvml-wrapper"], "zfs": [], "weak": ["cc?/x"]
        }),
        &["nvml-wrapper", "cc"],
    );
    assert_eq!(
        turning_on(&pkg, "nvml-wrapper"),
        Some(("nvidia".into(), Some("deploy".into())))
    );
    let direct = package(
        serde_json::json!({"default": ["nvidia"], "nvidia": ["dep:nvml-wrapper"], "x": []}),
        &["nvml-wrapper"],
    );
    assert_eq!(
        turning_on(&direct, "nvml-wrapper"),
        Some(("nvidia".into(), Some("nvidia".into())))
    );
    let off = package(
        serde_json::json!({"default": ["x"], "nvidia": ["dep:nvml-wrapper"], "x": []}),
        &["nvml-wrapper"],
    );
    assert_eq!(
        turning_on(&off, "nvml-wrapper"),
        Some(("nvidia".into(), None))
    );
    assert_eq!(turning_on(&pkg, "cc"), None);
    assert_eq!(turning_on(&pkg, "serde"), None);
}

#[test]
fn no_default_features_and_explicit_ones() {
    let pkg = package(
        serde_json::json!({"default": ["a"], "a": [], "b": ["c?/x", "d/y"], "d": []}),
        &["c"],
    );
    let opts = BuildOptions {
        no_default_features: true,
        features: vec!["b".into(), "other/z".into()],
        ..BuildOptions::default()
    };
    let v = variants(&pkg, &opts);
    let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // A weak `c?/x` does not enable `c`; `d/y` enables the feature `d`.
    assert_eq!(
        names(&v),
        vec![
            // `d` only `b` turns on: without `b` asked for, without `d`.
            ("b".into(), s(&[]), s(&["other/z"])),
            ("d".into(), s(&[]), s(&["other/z"])),
        ]
    );
}

/// QA bx F3: tokei 12's `cbor = ["hex", "serde_cbor"]` names its optional dependencies' own
/// features (implicit before edition 2024): they go with `cbor`, and are no rows of their
/// own; without `cbor`, `yaml` and what it turns on stay.
#[test]
fn an_optional_dependency_s_own_feature_goes_with_the_feature_that_turns_it_on() {
    let pkg = package(
        serde_json::json!({
            "default": [], "all": ["cbor", "yaml"], "cbor": ["hex", "serde_cbor"],
            "yaml": ["serde_yaml"], "hex": ["dep:hex"], "serde_cbor": ["dep:serde_cbor"],
            "serde_yaml": ["dep:serde_yaml"]
        }),
        &["hex", "serde_cbor", "serde_yaml"],
    );
    let opts = BuildOptions {
        features: vec!["all".into()],
        ..BuildOptions::default()
    };
    let v = variants(&pkg, &opts);
    let rows: Vec<&str> = v.iter().map(|w| w.feature.as_str()).collect();
    assert_eq!(rows, ["all", "cbor", "yaml"]);
    let cbor = &v[1];
    assert_eq!(cbor.enables, ["hex", "serde_cbor"]);
    assert!(cbor.kept_deps.is_empty(), "{cbor:?}");
    assert_eq!(cbor.keep, ["serde_yaml", "yaml"]);
    assert_eq!(cbor.needing, ["all"]);
    // Asked for by name, one is a row.
    let opts = BuildOptions {
        features: vec!["all".into(), "hex".into()],
        ..BuildOptions::default()
    };
    let v = variants(&pkg, &opts);
    assert!(v.iter().any(|w| w.feature == "hex"), "{v:?}");
}

/// QA cm F3, cq: a build that fails without a feature and whose error names another (xh's
/// "Either native-tls or rustls feature must be enabled!") is tried with that one in its
/// place; never with a feature the left-out one turns on, or one that turns it back on.
#[test]
fn the_feature_a_failed_build_names_is_tried_in_its_place() {
    let pkg = package(
        serde_json::json!({
            "default": ["rustls", "cli"],
            "rustls": ["dep:rustls"],
            "native-tls": ["dep:native-tls"],
            "cli": ["core"],
            "core": [],
            "all": ["rustls", "native-tls"]
        }),
        &["rustls", "native-tls"],
    );
    let v = variants(&pkg, &BuildOptions::default());
    let without = |f: &str| v.iter().find(|w| w.feature == f).expect("a variant");
    let said = "error: Either native-tls or rustls feature must be enabled! (compiling `xh`)";
    assert_eq!(
        instead(&pkg, without("rustls"), said).as_deref(),
        Some("native-tls")
    );
    // `all` turns `rustls` back on; `core` is `cli`'s own.
    assert_eq!(
        instead(&pkg, without("rustls"), "enable all or nothing"),
        None
    );
    assert_eq!(
        instead(&pkg, without("cli"), "needs its `core` feature"),
        None
    );
    assert_eq!(instead(&pkg, without("rustls"), "mismatched types"), None);
}

/// QA dh F8: a feature asked for beside `default` is left out with `default` kept on, as the
/// user's own build of the rest is (broot's empty `default`); one that `default` turns on,
/// directly or through another, is left out with `--no-default-features`; and nothing keeps
/// `default` where the build does not enable it.
#[test]
fn default_stays_on_without_a_feature_it_does_not_turn_on() {
    let pkg = package(
        serde_json::json!({
            "default": ["cli"], "cli": ["core"], "core": [], "clipboard": []
        }),
        &[],
    );
    let opts = BuildOptions {
        features: vec!["clipboard".into()],
        ..BuildOptions::default()
    };
    let v = variants(&pkg, &opts);
    let kept = |f: &str| v.iter().find(|w| w.feature == f).expect(f).default_kept;
    assert!(kept("clipboard"));
    assert!(!kept("cli"));
    assert!(!kept("core"));
    let off = BuildOptions {
        no_default_features: true,
        ..opts
    };
    assert!(variants(&pkg, &off).iter().all(|w| !w.default_kept));
}
