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
    let joining: Vec<&str> = row["crates_joining"]
        .as_array()
        .expect("crates joining")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(joining.contains(&"altback"), "{joining:?}");
    let built = |x: &Value| str_of(x, "path").to_string();
    let (base, swapped) = (built(&b["base"]), built(row));
    assert!(!has_altback(&base), "{base}");
    assert!(has_altback(&swapped), "{swapped}");
    let saved = row["bytes_saved"].as_i64().expect("bytes saved");
    assert_eq!(saved, len_of(&base) - len_of(&swapped), "{row}");
}

fn len_of(path: &str) -> i64 {
    i64::try_from(std::fs::metadata(path).expect("file").len()).expect("size")
}
