//! Unit tests of the baseline comparison.

use super::*;
use crate::report::Provenance;

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

/// QA v, W5: a threshold under 1% is written with its decimals (`size_fail = "0.1%"` read
/// `over 0% and 512 B`).
#[test]
fn a_threshold_under_one_percent_keeps_its_decimals() {
    let th = Thresholds {
        size_warn: 0.0005,
        size_fail: 0.001,
        size_fail_min: 512,
        ..Thresholds::default()
    };
    let id = || CheckId::BaselineCrate("libc".into());
    let fail = size_check(id(), "crate libc", 811_912, 812_805, &th, false);
    assert_eq!(fail.verdict, Verdict::Fail);
    assert!(
        fail.message.ends_with(": over 0.1% and 512 B"),
        "{}",
        fail.message
    );
    let warn = size_check(id(), "crate libc", 811_912, 812_400, &th, true);
    assert_eq!(warn.verdict, Verdict::Warn);
    assert!(warn.message.ends_with(": over 0.05%"), "{}", warn.message);
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
    let fresh = judge(
        CheckId::BaselineCrate("regex_lite".into()),
        "crate regex_lite",
        (None, Some(300_000)),
        &th,
        false,
    );
    assert_eq!(
        fresh.message,
        "crate regex_lite is new: 293 KiB: at least size_fail_min (4.00 KiB)"
    );
    // QA ae, 7: a crate that left read "shrank by 597 KiB (-100.0%) to 0 B"; one still there
    // with no bytes still shrank to 0 B.
    let what = "crate libgit2_sys";
    let id = || CheckId::BaselineCrate("libgit2_sys".into());
    let gone = judge(id(), what, (Some(611_328), None), &th, false);
    assert_eq!(gone.message, "crate libgit2_sys is gone (was 597 KiB)");
    assert_eq!(gone.verdict, Verdict::Pass);
    assert!(gone.gone && !gone.new);
    let empty = judge(id(), what, (Some(611_328), Some(0)), &th, false);
    assert_eq!(
        empty.message,
        "crate libgit2_sys shrank by 597 KiB (-100.0%) to 0 B"
    );
}

/// QA h: `crate strsim grew from 3.32 KiB to 3.32 KiB` and `once_cell grew from 1.53 KiB to
/// 1.54 KiB` hid the growth: where the two sizes do not tell it, they are exact bytes and the
/// growth is given.
#[test]
fn a_growth_under_the_rounding_is_given_in_bytes() {
    let th = Thresholds::default();
    let grew = |name: &str, base, cur| {
        let what = format!("crate {name}");
        size_check(
            CheckId::BaselineCrate(name.into()),
            &what,
            base,
            cur,
            &th,
            false,
        )
        .message
    };
    assert_eq!(
        grew("strsim", 3_398, 3_402),
        "crate strsim grew from 3,398 B to 3,402 B (+4 B)"
    );
    assert_eq!(
        grew("once_cell", 1_567, 1_575),
        "crate once_cell grew from 1,567 B to 1,575 B (+8 B)"
    );
    assert_eq!(
        grew("relro", 144, 1_516),
        "crate relro grew from 144 B to 1.48 KiB"
    );
}

/// QA: a baseline with `file_size: 0` read "file size is new: 3.57 MiB"; the baseline had the
/// figure, and it was 0.
#[test]
fn a_zero_base_the_baseline_had_is_not_new() {
    let th = Thresholds::default();
    let c = size_check(
        CheckId::BaselineFileSize,
        "file size",
        0,
        3_745_864,
        &th,
        true,
    );
    assert_eq!(
        c.message,
        "file size is 3.57 MiB, was 0 B in the baseline: at least size_fail_min (4.00 KiB)"
    );
    assert_eq!(c.verdict, Verdict::Fail);
}

/// QA bug 2: a 4 MiB zeroed static (`.bss`) passed as "crate bssapp grew from 413 B to 436 B":
/// sections and crates were compared by their bytes in the file.
#[test]
fn memory_only_growth_is_compared_in_memory() {
    let th = Thresholds::default();
    let section = |name: &str, file_size, mem_size| crate::report::Section {
        name: name.into(),
        file_size,
        mem_size,
    };
    let base = parts(
        [
            section(".bss", 0, 25_696),
            section(".text", 9_000, 9_000),
            section(".symtab", 5_000, 0),
        ]
        .iter()
        .map(|s| (&s.name, s.file_size, s.mem_size)),
    );
    let cur = parts(
        [
            section(".bss", 0, 4_220_000),
            section(".text", 9_000, 9_000),
            section(".symtab", 5_200, 0),
            section(".tbss", 0, 64),
        ]
        .iter()
        .map(|s| (&s.name, s.file_size, s.mem_size)),
    );
    let checks = part_checks(Part::Section, &base, &cur, &th);
    let get = |id: &str| {
        checks
            .iter()
            .find(|c| c.id.to_string() == id)
            .unwrap_or_else(|| panic!("no {id} in {checks:?}"))
    };
    let bss = get("baseline.section:.bss");
    assert_eq!(
        (bss.baseline, bss.value),
        (Some(25_696.0), Some(4_220_000.0))
    );
    assert_eq!(bss.verdict, Verdict::Fail);
    assert!(
        bss.message.starts_with("section .bss (in memory) grew"),
        "{}",
        bss.message
    );
    let text = get("baseline.section:.text");
    assert_eq!(text.message, "section .text unchanged (8.79 KiB)");
    let symtab = get("baseline.section:.symtab");
    assert_eq!(symtab.value, Some(5_200.0));
    assert!(
        symtab
            .message
            .starts_with("section .symtab (in the file) grew"),
        "{}",
        symtab.message
    );
    let tbss = get("baseline.section:.tbss");
    assert!(
        tbss.message.starts_with("section .tbss (in memory) is new"),
        "{}",
        tbss.message
    );
    // Crates: loaded bytes, as the crate table shows them.
    let base = parts([(&"bssapp".to_string(), 413, 413)].into_iter());
    let cur = parts([(&"bssapp".to_string(), 436, 4_194_740)].into_iter());
    let c = &part_checks(Part::Crate, &base, &cur, &th)[0];
    assert_eq!((c.baseline, c.value), (Some(413.0), Some(4_194_740.0)));
    assert_eq!(
        c.message,
        "crate bssapp (in memory) grew from 413 B to 4.00 MiB: over 5% and 4.00 KiB"
    );
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
    // Features as cargo resolves the flags (QA ae, 8: "baseline (default), now git").
    let features = |f: &[&str]| {
        let mut x = p.clone();
        x.features = f.iter().map(|s| s.to_string()).collect();
        x
    };
    let said = |a: &[&str], b: &[&str]| mismatches(Some(&features(a)), Some(&features(b)));
    assert_eq!(
        said(&[], &["git"]),
        ["features: baseline default, now default + git"]
    );
    assert_eq!(
        said(&["a", "--no-default-features"], &["--no-default-features"]),
        ["features: baseline a, now none (--no-default-features)"]
    );
    assert_eq!(
        said(&["--all-features"], &["x", "y"]),
        ["features: baseline all (--all-features), now default + x + y"]
    );
    // The lock file changed (QA t, D3); unknown on either side is no change said.
    let (mut old, mut new) = (p.clone(), p.clone());
    old.cargo_lock_sha256 = Some("aa".into());
    new.cargo_lock_sha256 = Some("bb".into());
    // Not a difference in how it was built (QA aa): the dependencies are the code's.
    assert!(mismatches(Some(&old), Some(&new)).is_empty());
    assert!(lock_changed(Some(&old), Some(&new)));
    assert!(!lock_changed(Some(&old), Some(&old)));
    assert!(!lock_changed(Some(&p), Some(&new)) && !lock_changed(None, Some(&new)));
}

/// QA bo F4: `default = ["cli", "yaml"]` edited in `Cargo.toml` changed what cargo enabled,
/// with the same flags, and nothing said so. Said per package; a baseline without the record,
/// or a package it did not build, says nothing.
#[test]
fn features_cargo_enabled_that_changed_are_named() {
    let with = |pkgs: &[(&str, &[&str])]| Provenance {
        enabled: pkgs
            .iter()
            .map(|(p, f)| (p.to_string(), f.iter().map(|x| x.to_string()).collect()))
            .collect(),
        ..Provenance::default()
    };
    let was = with(&[("tokei", &["cli", "default"]), ("other", &[])]);
    let now = with(&[
        ("tokei", &["cli", "default", "yaml"]),
        ("other", &["x"]),
        ("new", &["y"]),
    ]);
    assert_eq!(
        mismatches(Some(&was), Some(&now)),
        [
            "features enabled on other: baseline none, now x",
            "features enabled on tokei: baseline cli + default, now cli + default + yaml",
        ]
    );
    assert!(mismatches(Some(&with(&[])), Some(&now)).is_empty());
}

/// A baseline that shares one binary with this run compares it, and says of the other that it
/// was not compared; one that shares none is refused (`foreign`), naming both sides.
#[test]
fn a_baseline_sharing_no_binary_is_foreign_one_sharing_some_is_not() {
    let app = crate::report::test_artifact(1000);
    let mut other = app.clone();
    other.name = "other".into();
    other.link_mode = Some(LinkMode::Static);
    let base = Report {
        artifacts: vec![app.clone()],
        ..Report::new(None)
    };
    let mut cur = Report {
        artifacts: vec![app.clone(), other],
        ..Report::new(None)
    };
    let named = cur.clone();
    let now: Vec<_> = named
        .artifacts
        .iter()
        .map(|a| (a.package.as_deref(), a.name.as_str(), a.link_mode))
        .collect();
    assert_eq!(foreign(&now, &base), None);
    compare(&mut cur, &base, "b.json", &|_| Thresholds::default());
    let unmatched = &cur.artifacts[1].checks;
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].verdict, Verdict::Inconclusive);
    let why = foreign(&now[1..], &base).expect("foreign");
    assert_eq!(
        why,
        "the baseline shares no binary with this run: it has app, this run builds other \
         (package app, static); nothing would be compared (another project's baseline, or a \
         mistyped path?)"
    );
    // A run without binaries has nothing to refuse.
    assert_eq!(foreign(&[], &base), None);
    // QA dp F5: the same binary of another link mode says how to build that one.
    let mut dynamic = app.clone();
    dynamic.link_mode = Some(LinkMode::Dynamic);
    let base = Report {
        artifacts: vec![dynamic],
        ..Report::new(None)
    };
    let static_app = [(
        app.package.as_deref(),
        app.name.as_str(),
        Some(LinkMode::Static),
    )];
    let why = foreign(&static_app, &base).expect("foreign");
    assert!(
        why.ends_with(
            "nothing would be compared (it was saved of the dynamic build: `--link dynamic` or \
             `--link both` builds that)"
        ),
        "{why}"
    );
}

/// Reviewer: every crate line of the gate, passes included, read "crate x (in memory) ...",
/// since a crate's file and loaded bytes nearly always differ by a few bytes. The measure is
/// named only where it matters: a check that is not a pass, or where the other measure tells
/// another story.
#[test]
fn measure_named_only_where_it_matters() {
    let th = Thresholds::default();
    let crate_ = |name: &'static str, file, mem| (name.to_string(), file, mem);
    let of = |v: &[(String, u64, u64)]| parts(v.iter().map(|(n, f, m)| (n, *f, *m)));
    let base = of(&[
        crate_("same", 10_000, 10_016),
        crate_("bit", 10_000, 10_016),
        crate_("big", 100_000, 100_040),
        crate_("pad", 10_000, 10_016),
    ]);
    let cur = of(&[
        crate_("same", 10_000, 10_016),
        crate_("bit", 10_100, 10_120),
        crate_("big", 200_000, 200_040),
        crate_("pad", 10_000, 10_032),
    ]);
    let checks = part_checks(Part::Crate, &base, &cur, &th);
    let msg = |name: &str| {
        checks
            .iter()
            .find(|c| c.id == CheckId::BaselineCrate(name.into()))
            .map(|c| (c.verdict, c.message.clone()))
            .unwrap_or_else(|| panic!("no crate {name} in {checks:?}"))
    };
    assert_eq!(
        msg("same"),
        (Verdict::Pass, "crate same unchanged (9.78 KiB)".into())
    );
    assert_eq!(
        msg("bit"),
        (
            Verdict::Pass,
            "crate bit grew by 104 B (+1.0%) to 9.88 KiB".into()
        )
    );
    // Not a pass: the reader is told which bytes were compared.
    let (verdict, big) = msg("big");
    assert_eq!(verdict, Verdict::Fail);
    assert!(big.starts_with("crate big (in memory) grew by"), "{big}");
    // Loaded bytes grew, the file's did not: two stories, so the measure is named.
    let (verdict, pad) = msg("pad");
    assert_eq!(verdict, Verdict::Pass);
    assert!(pad.starts_with("crate pad (in memory) grew"), "{pad}");
}

/// QA cd F7: lld's `.relro_padding` (padding to a page, no content of its own) was compared
/// as a section, fifth of a comment's biggest changes; `.data.rel.ro` beside it still is.
#[test]
fn relro_padding_is_no_section_compared() {
    let with = |padding: u64, relro: u64| {
        let mut a = crate::report::test_artifact(1000);
        for (name, size) in [(".relro_padding", padding), (".data.rel.ro", relro)] {
            a.binary.sections.push(crate::report::Section {
                name: name.into(),
                file_size: 0,
                mem_size: size,
            });
        }
        Report {
            artifacts: vec![a],
            ..Report::new(None)
        }
    };
    let base = with(1_330, 40_000);
    let mut cur = with(1_810, 60_000);
    compare(&mut cur, &base, "b.json", &|_| Thresholds::default());
    let ids: Vec<String> = cur.artifacts[0]
        .checks
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert!(
        ids.contains(&"baseline.section:.data.rel.ro".to_string()),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i.contains("relro_padding")), "{ids:?}");
}

/// QA da F3: `--baseline-ref HEAD` of an unchanged tree read "file size shrank by 432 B" and
/// the hint to keep the gain: the stripped sizes were equal, only `.strtab` (names the build's
/// folder changes under LTO) differed. Said so, and no gain; a stripped size that shrank too
/// is a gain.
#[test]
fn a_file_that_differs_only_in_what_strip_removes_is_no_gain() {
    let th = Thresholds::default();
    let (mut b, mut a) = (
        crate::report::test_artifact(6_524_328),
        crate::report::test_artifact(6_523_896),
    );
    b.binary.stripped_size = Some(5_330_456);
    a.binary.stripped_size = Some(5_330_456);
    let (checks, gains) = artifact_checks(&b, &a, &th);
    let file = checks
        .iter()
        .find(|c| c.id == CheckId::BaselineFileSize)
        .expect("file size check");
    assert!(
        file.message.contains("shrank by 432 B")
            && file.message.contains("the stripped size is the baseline's"),
        "{}",
        file.message
    );
    assert!(gains.is_empty(), "{gains:?}");
    // A shared library gone from the closure is a gain of the closure's still.
    b.binary.closure_size = Some(6_524_328 + 20_000);
    let (_, gains) = artifact_checks(&b, &a, &th);
    let ids: Vec<&CheckId> = gains.iter().map(|c| &c.id).collect();
    assert_eq!(ids, [&CheckId::BaselineClosureSize], "{gains:?}");
    a.binary.stripped_size = Some(5_330_000);
    let (_, gains) = artifact_checks(&b, &a, &th);
    assert!(
        gains.iter().any(|c| c.id == CheckId::BaselineFileSize),
        "{gains:?}"
    );
}
