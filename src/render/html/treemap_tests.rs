//! Tests of the treemap.

use super::*;

/// QA w, F8: the baseline's figure (a crate's bytes in memory, as the check compares) was
/// said to be "in the file", beside the crate's smaller size in the file: a crate of
/// 1 MiB of `.bss` read "508 B in the file" and "baseline: 1.00 MiB in the file".
#[test]
fn the_baseline_figure_is_said_to_be_loaded_bytes() {
    let c: CrateSize = serde_json::from_value(serde_json::json!({
        "name": "bssapp", "file_size": 508, "vm_size": 1_048_576
    }))
    .expect("crate");
    let check: Check = serde_json::from_value(serde_json::json!({
        "id": "baseline.crate:bssapp", "verdict": "pass", "value": 1_048_576.0,
        "baseline": 1_048_576.0, "unit": "bytes", "message": ""
    }))
    .expect("check");
    let t = crate_title(&c, 1 << 21, Some(&check));
    assert!(
        t.contains("1.00 MiB loaded (50.0%), 508 B in the file"),
        "{t}"
    );
    assert!(
        t.contains("\nbaseline: 1.00 MiB loaded, now 1.00 MiB"),
        "{t}"
    );
    assert!(!t.contains("MiB in the file"), "{t}");
}

/// QA br F6: a label that does not fit is left out, not cut to `st…` or `3.64 K`; a short
/// name that fits is written whole.
#[test]
fn labels_fit_their_rectangle_or_are_left_out() {
    let label = |name: &str, bytes: Option<u64>, w: f64, h: f64| {
        let mut s = String::new();
        symbol_label(&mut s, name, bytes, Rect::new(0.0, 0.0, w, h));
        s
    };
    // Room for 5 characters: a long name says nothing, a short one is written.
    let five = 6.5 + 5.0 * CHAR;
    assert_eq!(label("std::rt::lang_start", None, five, 30.0), "");
    assert!(label("memcpy", None, 6.5 + 6.0 * CHAR, 30.0).contains(">memcpy<"));
    assert!(label("bcmp", None, five, 30.0).contains(">bcmp<"));
    // `3.64 KiB` needs 8: under it, the name alone.
    let seven = label("memmove", Some(3_727), 6.5 + 7.0 * CHAR, 30.0);
    assert!(
        seven.contains(">memmove<") && !seven.contains("KiB"),
        "{seven}"
    );
    let eight = label("memmove", Some(3_727), 6.5 + 8.0 * CHAR, 30.0);
    assert!(eight.contains(">3.64 KiB<"), "{eight}");
}
