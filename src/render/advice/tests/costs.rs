//! What each knob costs besides bytes, and the stripped columns (QA cf F8).

use super::*;

/// QA cf F8: `lto = "thin"` beside a profile with fat LTO grew the binary, and its cost
/// ("longer builds") was listed as if it were a step to take. A knob that grew every binary
/// has no cost listed; one that saved keeps its.
#[test]
fn a_knob_that_grew_the_binary_has_no_cost_listed() {
    let mut a = advice();
    let listed = |a: &Advice| costs(a).iter().map(|c| c.0.to_string()).collect::<Vec<_>>();
    assert!(
        listed(&a).contains(&"lto = \"fat\"".to_string()),
        "{:?}",
        listed(&a)
    );
    let fat = &mut a.binaries[0].variants[0];
    if let Some(c) = fat.measured.change.as_mut() {
        c.file_size = 75_264;
        c.file_size_percent = 5.3;
    }
    assert!(
        !listed(&a).contains(&"lto = \"fat\"".to_string()),
        "{:?}",
        listed(&a)
    );
    assert!(
        listed(&a).contains(&"-C relocation-model=static".to_string()),
        "{:?}",
        listed(&a)
    );
    // Nor beside its row, where the page shows costs (QA ch F2).
    let row = rows(&a.binaries[0]);
    let fat = row
        .iter()
        .find(|r| r.knob == "lto = \"fat\"")
        .expect("the row");
    assert_eq!(fat.tradeoff, "", "{}", fat.knob);
}

/// QA cf F8: with the profile's `strip = "symbols"`, the stripped column repeated the file size
/// on every row; it is left out then, and kept where a build still has symbols.
#[test]
fn the_stripped_columns_go_where_every_build_is_stripped_already() {
    let mut a = advice();
    let b = &mut a.binaries[0];
    assert!(!stripped_already(b));
    let before = human(&a, &plain());
    let head = before
        .lines()
        .find(|l| l.contains("variant"))
        .unwrap_or_default();
    assert!(head.contains("stripped"), "{before}");
    let b = &mut a.binaries[0];
    for v in std::iter::once(&mut b.base)
        .chain(b.variants.iter_mut())
        .chain(b.combined.iter_mut())
    {
        v.measured.stripped_size = v.measured.file_size;
    }
    assert!(stripped_already(b));
    let table = human(&a, &plain());
    let head = table
        .lines()
        .find(|l| l.contains("variant"))
        .unwrap_or_default();
    assert!(!head.contains("stripped"), "{table}");
}
