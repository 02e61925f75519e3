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

/// QA br F6: the legend's confidence swatches were blue, beside crates drawn in brown or red:
/// each swatch is grey (not read as a crate), at the opacity the treemap gives that shade.
#[test]
fn the_confidence_swatches_are_grey_at_the_treemap_s_opacity() {
    let css = crate::render::html::STYLE;
    let rule = |selector: &str, property: &str| -> String {
        let at = css.find(&format!("{selector}{{")).expect(selector);
        let body = &css[at + selector.len() + 1..];
        let body = &body[..body.find('}').expect("}")];
        let value = body.strip_prefix(&format!("{property}:")).expect(property);
        value.to_string()
    };
    for c in [
        "exact",
        "mangled",
        "heuristic",
        "referenced",
        "dominated",
        "unattributed",
    ] {
        let swatch = rule(&format!(".key.{c}"), "background");
        let hex = swatch.strip_prefix('#').expect("a hex colour");
        assert_eq!(hex.len(), 8, "{c}: {swatch}");
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex");
        assert!(
            byte(0) == byte(2) && byte(2) == byte(4),
            "{c}: {swatch} is not grey"
        );
        let opacity: f64 = rule(&format!("svg.tm .s.{c}"), "fill-opacity")
            .parse()
            .expect("opacity");
        assert_eq!(
            u8::try_from((opacity * 255.0).round() as u32).ok(),
            Some(byte(6)),
            "{c}"
        );
    }
}
