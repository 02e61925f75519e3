//! Tests of the advice's own steps: which crates leave the binary without a feature.

use super::*;
use crate::report::LeavingCrate;

fn krate(name: &str, file_size: u64) -> CrateSize {
    crate::report::test_crate(name, file_size)
}

#[test]
fn crates_leaving_are_those_with_bytes_before_and_none_after() {
    let before = [
        krate("std", 900),
        krate("bigtable", 262_144),
        krate("small", 10),
        krate("gone_empty", 0),
        krate("[unknown]", 50),
    ];
    let after = [krate("std", 890), krate("small", 0)];
    let names: Vec<(String, u64)> = crates::leaving(&before, &after)
        .into_iter()
        .map(|c| (c.name, c.file_size))
        .collect();
    assert_eq!(
        names,
        [("bigtable".to_string(), 262_144), ("small".to_string(), 10)]
    );
}

/// QA cx F2: those that stay and lose the most (4 KiB or more), three at most, a runtime's
/// row even to nothing; not those leaving, nor the rows no crate is named for.
#[test]
fn crates_shrinking_are_those_that_stay_and_lose_most() {
    let before = [
        krate("regex_syntax", 691_200),
        krate("[libstdc++]", 58_266),
        krate("[libc]", 900_000),
        krate("leaving", 200_000),
        krate("app", 100_000),
        krate("tiny_loss", 10_000),
        krate("[unknown]", 90_000),
        krate("grows", 1_000),
    ];
    let after = [
        krate("regex_syntax", 183_296),
        krate("[libc]", 850_000),
        krate("app", 99_000),
        krate("tiny_loss", 8_000),
        krate("[unknown]", 1_000),
        krate("grows", 9_000),
    ];
    let got: Vec<(String, u64, u64)> = crates::shrinking(&before, &after)
        .into_iter()
        .map(|c| (c.name, c.file_size, c.file_size_without))
        .collect();
    assert_eq!(
        got,
        [
            ("regex_syntax".to_string(), 691_200, 183_296),
            ("[libstdc++]".to_string(), 58_266, 0),
            ("[libc]".to_string(), 900_000, 850_000),
        ]
    );
}

#[test]
fn knobs_selected_by_id_and_the_relocation_model_only_on_linux() {
    let (all, features) = selection(&[], "x86_64-unknown-linux-gnu");
    assert_eq!(all.len(), knobs::KNOBS.len());
    assert_eq!(features, Some(Vec::new()));
    let (mac, _) = selection(&[], "aarch64-apple-darwin");
    assert!(mac.iter().all(|k| k.key != "relocation-model"));
    let (some, features) = selection(&["lto=fat".into()], "x86_64-unknown-linux-gnu");
    assert_eq!(some.iter().map(|k| k.id).collect::<Vec<_>>(), ["lto=fat"]);
    assert_eq!(features, None);
    // Features named (QA de F11): those only; `features` among them makes it all of them.
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let (none, named) = selection(&ids(&["features=git", "features=paging"]), "x");
    assert!(none.is_empty());
    assert_eq!(named, Some(ids(&["git", "paging"])));
    let (_, all) = selection(&ids(&["features=git", "features"]), "x");
    assert_eq!(all, Some(Vec::new()));
}

/// A figure not obtained is `null` in the JSON, never a missing key (README: "A figure that
/// cannot be obtained is `null`, never 0"): an `already` or `not-ready` row has every key.
#[test]
fn figures_not_obtained_are_null_not_missing() {
    let v = Variant {
        id: "debug=0".into(),
        status: VariantStatus::Already,
        ..Variant::default()
    };
    let json = serde_json::to_value(&v).expect("json");
    for key in [
        "path",
        "file_size",
        "stripped_size",
        "startup_ms",
        "memory_kib",
        "build_seconds",
        "compiled_units",
        "change",
    ] {
        assert_eq!(
            json.get(key),
            Some(&serde_json::Value::Null),
            "{key}: {json}"
        );
    }
    let f = serde_json::to_value(crate::report::FeatureAdvice::default()).expect("json");
    assert_eq!(f.get("bytes_saved"), Some(&serde_json::Value::Null), "{f}");
    assert_eq!(f.get("file_size"), Some(&serde_json::Value::Null), "{f}");
    // And read back as it was written.
    let back: Variant = serde_json::from_value(json).expect("read back");
    assert_eq!(back, v);
}

/// QA g, B9: the features cargo built the base with and not the variant, besides the one left
/// out and `default`.
#[test]
fn also_left_out_is_what_cargo_dropped_besides_the_feature() {
    let s = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let base = s(&["default", "rustls", "rustls-pemfile", "tls", "zip"]);
    assert_eq!(
        crates::also_left_out(&base, &s(&["rustls-pemfile", "zip"]), "rustls"),
        ["tls"]
    );
    assert!(
        crates::also_left_out(&base, &s(&["rustls", "rustls-pemfile", "zip"]), "tls").is_empty()
    );
}

/// QA bz F5: stripping does not take this tool's attribution away (it reads its builds'
/// symbols from the analysis link): the knob's cost does not say it does.
#[test]
fn stripping_is_not_said_to_cost_this_tools_attribution() {
    let t = super::knobs::find("strip=symbols").expect("knob").tradeoff;
    assert!(!t.contains("this tool's too"), "{t}");
    assert!(t.contains("analysis link"), "{t}");
}

#[test]
fn a_crate_built_in_both_builds_is_marked_and_goes_last() {
    let c = |name: &str, file_size| LeavingCrate {
        name: name.into(),
        file_size,
        in_both_builds: false,
    };
    // alloc_stdlib's generic code came with the other back-end; openssl came as a crate.
    let mut list = vec![c("alloc_stdlib", 9_000), c("openssl", 400)];
    let base = ["alloc_stdlib".to_string(), "rustls".into()];
    let variant = ["alloc_stdlib".to_string(), "openssl".into()];
    crates::mark_in_both(&mut list, &base, &variant);
    let got: Vec<(&str, bool)> = list
        .iter()
        .map(|c| (c.name.as_str(), c.in_both_builds))
        .collect();
    assert_eq!(got, [("openssl", false), ("alloc_stdlib", true)]);
}
