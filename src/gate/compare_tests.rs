//! Unit tests of the baseline comparison.

use super::*;

#[test]
fn size_thresholds_relative_and_absolute_together() {
    let th = Thresholds::default();
    let v = |b, c, whole| size_check(CheckId::BaselineFileSize, "x", b, c, &th, whole).verdict;
    assert_eq!(v(1_000_000, 1_000_000, true), Verdict::Pass);
    assert_eq!(v(1_000_000, 1_009_000, true), Verdict::Pass);
    assert_eq!(v(1_000_000, 1_020_000, true), Verdict::Warn);
    assert_eq!(v(1_000_000, 1_060_000, true), Verdict::Fail);
    // Over 5% but under 4 KiB: only a warning for the whole binary.
    assert_eq!(v(10_000, 12_000, true), Verdict::Warn);
    // A small part growing by a large fraction is not an alert.
    assert_eq!(v(16, 24, false), Verdict::Pass);
    assert_eq!(v(0, 65_536, false), Verdict::Fail);
    let id = CheckId::BaselineSection(".rodata".into());
    let c = size_check(id, "section .rodata", 100_000, 90_000, &th, false);
    assert_eq!(c.verdict, Verdict::Pass);
    assert_eq!(c.delta, Some(-10_000.0));
    assert!(c.message.contains("shrank"), "{}", c.message);
}

/// A section that existed in the baseline is not "new" when it grows from a small base
/// (the QA run read "section .got is new: 2.64 KiB (was 2.24 KiB)").
#[test]
fn growth_from_a_small_base_is_growth_not_new() {
    let th = Thresholds::default();
    let got = size_check(
        CheckId::BaselineSection(".got".into()),
        "section .got",
        2294,
        2703,
        &th,
        false,
    );
    assert_eq!(got.message, "section .got grew from 2.24 KiB to 2.64 KiB");
    let tiny = size_check(
        CheckId::BaselineCrate("tiny".into()),
        "crate tiny",
        57,
        300_000,
        &th,
        false,
    );
    assert_eq!(
        tiny.message,
        "crate tiny grew from 57 B to 293 KiB: over 5% and 4.00 KiB"
    );
    let fresh = size_check(
        CheckId::BaselineCrate("regex_lite".into()),
        "crate regex_lite",
        0,
        300_000,
        &th,
        false,
    );
    assert_eq!(
        fresh.message,
        "crate regex_lite is new: 293 KiB: over 5% and 4.00 KiB"
    );
}

fn binary_with(crates: &[(&str, u64, &[&str])]) -> crate::report::Binary {
    let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
    let mut b =
        crate::inspect::inspect_bytes(std::path::Path::new("x"), &bytes, None).expect("inspect");
    b.graph = Some(crate::report::GraphSummary {
        edges_from: crate::report::EdgeSource::AnalysisLink,
        nodes: 0,
        edges: 0,
        roots: Vec::new(),
        reachable_bytes: 0,
        unreachable_bytes: 0,
    });
    b.crates = crates
        .iter()
        .map(|(name, size, entries)| crate::report::CrateSize {
            name: name.to_string(),
            file_size: *size,
            vm_size: *size,
            confidence: Default::default(),
            instantiated_elsewhere: 0,
            retained: Some(*size),
            entry_points: entries.iter().map(|e| e.to_string()).collect(),
        })
        .collect();
    b
}

/// The pull-request comment says what pulled the bytes in: the referrers that are new.
#[test]
fn grown_crate_names_its_new_entry_points() {
    let th = Thresholds::default();
    let base = binary_with(&[
        ("regex", 100_000, &["app::old"]),
        ("log", 5_000, &["app::x"]),
    ]);
    let cur = binary_with(&[
        ("regex", 400_000, &["app::old", "app::parse_args"]),
        ("log", 5_000, &["app::x", "app::y"]),
        ("serde", 50_000, &["app::load"]),
    ]);
    let parts = |b: &crate::report::Binary| {
        b.crates
            .iter()
            .map(|c| (c.name.clone(), c.file_size))
            .collect::<BTreeMap<String, u64>>()
    };
    let mut checks = part_checks(Part::Crate, &parts(&base), &parts(&cur), &th);
    for c in &mut checks {
        new_entry_points(c, &base, &cur);
    }
    let by = |n: &str| {
        checks
            .iter()
            .find(|c| c.id == CheckId::BaselineCrate(n.into()))
            .expect("check")
    };
    assert_eq!(by("regex").entry_points, vec!["app::parse_args"]);
    assert!(
        by("regex")
            .message
            .contains("new entry points: app::parse_args")
    );
    assert_eq!(by("serde").entry_points, vec!["app::load"]);
    // Unchanged in size: nothing to explain.
    assert!(by("log").entry_points.is_empty());
    // A baseline saved before there were entry points names none.
    let mut old = base.clone();
    old.graph = None;
    for c in &mut old.crates {
        c.retained = None;
        c.entry_points.clear();
    }
    let mut c = size_check(
        CheckId::BaselineCrate("regex".into()),
        "crate regex",
        100_000,
        400_000,
        &th,
        false,
    );
    new_entry_points(&mut c, &old, &cur);
    assert!(c.entry_points.is_empty(), "{:?}", c.entry_points);
}

#[test]
fn provenance_mismatch_is_named() {
    let p = Provenance {
        rustc: "rustc 1.95.0".into(),
        profile: "release".into(),
        ..Provenance::default()
    };
    let mut q = p.clone();
    q.rustc = "rustc 1.96.0".into();
    let m = mismatches(Some(&p), Some(&q));
    assert_eq!(
        m,
        vec!["toolchain: baseline rustc 1.95.0, now rustc 1.96.0"]
    );
    assert!(mismatches(Some(&p), Some(&p)).is_empty());
}
