//! Tests of the words every renderer shares.
use super::quoted_parts;

/// QA ac, W6: two copies of stylua's `TypeInfo::clone` (nm: at 0x41a3d0 and 0x4b2210, the
/// second `.llvm.1197345815266325094`) read as one row written twice.
#[test]
fn two_rows_of_one_name_are_numbered_as_copies() {
    let row = |name: &str, krate: &str| crate::report::SymbolRow {
        crate_row: None,
        name: name.into(),
        mangled: None,
        krate: Some(krate.into()),
        instantiated_in: None,
        section: ".text".into(),
        file_size: 17_905,
        vm_size: 17_905,
        retained_size: None,
        copy: None,
        source_file: None,
        content: None,
        confidence: crate::report::Confidence::Exact,
    };
    let clone = "<full_moon::ast::luau::TypeInfo as core::clone::Clone>::clone";
    let rows = [
        row(clone, "full_moon"),
        row("other", "x"),
        row(clone, "full_moon"),
        row(clone, "y"),
    ];
    assert_eq!(
        super::copies(&rows),
        [" (copy 1 of 2)", "", " (copy 2 of 2)", ""]
    );
    // QA ap F5: a section's bytes without a symbol, in two rows of two confidences, are
    // no copies: each says its confidence.
    let unnamed = |confidence| crate::report::SymbolRow {
        section: ".rodata".into(),
        confidence,
        ..row("[section .rodata]", "dust")
    };
    let rows = [
        unnamed(crate::report::Confidence::Dominated),
        unnamed(crate::report::Confidence::Referenced),
    ];
    assert_eq!(super::copies(&rows), [" (dominated)", " (referenced)"]);
}

/// One reading of our backtick quoting for the page and Markdown: pairs are names, an odd
/// backtick or an empty pair means the line is not ours to split.
#[test]
fn quoted_names_are_told_from_text() {
    assert_eq!(
        quoted_parts("`deny` names `x y`, not z"),
        [
            (true, "deny"),
            (false, " names "),
            (true, "x y"),
            (false, ", not z")
        ]
    );
    assert_eq!(quoted_parts("a `b"), [(false, "a `b")]);
    assert_eq!(quoted_parts("a `` b"), [(false, "a `` b")]);
    assert_eq!(quoted_parts("plain"), [(false, "plain")]);
}

/// QA dp F4: the dependencies that changed, in one line for every format, the first eight
/// named and the rest counted.
#[test]
fn changed_dependencies_are_one_line() {
    let mut c = crate::report::BaselineSummary::default();
    assert_eq!(super::dependency_line(&c), None);
    c.dependency_changes = (0..10).map(|i| format!("crate{i} 1.0.{i} added")).collect();
    let line = super::dependency_line(&c).expect("a line");
    assert!(
        line.starts_with("dependencies changed: crate0 1.0.0 added; crate1"),
        "{line}"
    );
    assert!(line.contains("crate7 1.0.7 added (and 2 more: "), "{line}");
    assert!(!line.contains("crate8"), "{line}");
}

/// QA dr F3: 26 B of generic code instantiated elsewhere, of a crate of 1.45 MiB, wrapped
/// its row to say it; under 1% of the crate's own bytes it is not said, from 1% it is.
#[test]
fn a_crates_generic_code_elsewhere_is_said_from_one_percent() {
    let mut k = crate::report::test_crate("mdbook_html", 1_520_000);
    k.instantiated_elsewhere = 26;
    assert_eq!(super::instantiated_note(&k), "");
    k.instantiated_elsewhere = 15_200;
    assert_eq!(
        super::instantiated_note(&k),
        ", 14.8 KiB instantiated in other crates"
    );
    k.instantiated_elsewhere = 15_199;
    assert_eq!(super::instantiated_note(&k), "");
    k.vm_size = 0;
    k.instantiated_elsewhere = 26;
    assert_eq!(
        super::instantiated_note(&k),
        ", 26 B instantiated in other crates"
    );
}
