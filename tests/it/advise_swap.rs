//! QA cm F3, cq: a default feature the package does not build without, whose error names
//! another feature (xh's "Either native-tls or rustls feature must be enabled!"): `advise`
//! builds that one in its place and measures it, and says so. Checked with `nm` of the two
//! builds: the other back-end's code is in the variant and not in the base.

use serde_json::Value;

use crate::advise::{advise, binary, feature};
use crate::util::*;

/// Whether `nm -C` of `path` names `altback_answer`.
fn has_altback(path: &str) -> bool {
    tool("nm", &["-C", "--defined-only", path]).contains("altback::altback_answer")
}

#[test]
fn a_feature_named_by_the_error_is_built_in_its_place() {
    let v = json(&mut advise(
        "advise-swap",
        &shared_target_dir(),
        &["--knobs", "features", "--runs", "2", "--warmup", "0"],
    ));
    let b = binary(&v, "advise-swap");
    let row = feature(b, "backend-a");
    assert_eq!(row["status"], "measured", "{row}");
    assert_eq!(row["instead"], "backend-b", "{row}");
    let alone = str_of(row, "alone_error");
    assert!(
        alone.contains("Either backend-a or backend-b feature must be enabled!"),
        "{alone}"
    );
    // Each joining crate, and whether it is said to be a dependency of both builds.
    let joining: Vec<(&str, bool)> = row["crates_joining"]
        .as_array()
        .expect("crates joining")
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?, c["in_both_builds"] == true)))
        .collect();
    assert!(joining.contains(&("altback", false)), "{joining:?}");
    // QA cs F4: `sharedgen`'s code joins with `altback`, which calls it; cargo builds it either
    // way (`cargo tree` of both feature sets lists it), so it is marked.
    assert!(joining.contains(&("sharedgen", true)), "{joining:?}");
    let built = |x: &Value| str_of(x, "path").to_string();
    let (base, swapped) = (built(&b["base"]), built(row));
    assert!(!has_altback(&base), "{base}");
    assert!(has_altback(&swapped), "{swapped}");
    let mixes = |path: &str| tool("nm", &["-C", "--defined-only", path]).contains("sharedgen_mix");
    assert!(!mixes(&base) && mixes(&swapped), "{base} {swapped}");
    for features in [&["--features", "backend-a"], &["--features", "backend-b"]] {
        let tree = dependencies_of("advise-swap", features);
        assert!(tree.contains("sharedgen"), "{features:?}: {tree}");
    }
    let saved = row["bytes_saved"].as_i64().expect("bytes saved");
    assert_eq!(saved, len_of(&base) - len_of(&swapped), "{row}");
}

fn len_of(path: &str) -> i64 {
    i64::try_from(std::fs::metadata(path).expect("file").len()).expect("size")
}

/// `cargo tree -e normal` of the fixture built with `--no-default-features` and `features`.
fn dependencies_of(name: &str, features: &[&str]) -> String {
    let manifest = fixture(name).join("Cargo.toml");
    let manifest = manifest.to_str().expect("utf-8 path");
    let mut args = vec!["tree", "--offline", "-e", "normal", "--prefix", "none"];
    args.extend(["--manifest-path", manifest, "--no-default-features"]);
    args.extend(features);
    tool("cargo", &args)
}
