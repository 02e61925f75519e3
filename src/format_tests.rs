//! Unit tests of the shared formatting of sizes, percentages, counts and names.

#[test]
fn a_programs_escape_sequences_are_removed_and_other_controls_shown() {
    assert_eq!(
        super::program_text("\u{1b}[31m[bat error]\u{1b}[0m: 'x': No such file\n"),
        "[bat error]: 'x': No such file\n"
    );
    assert_eq!(
        super::program_text("\u{1b}]0;title\u{7}a\u{1b}]8;;u\u{1b}\\b\u{1b}[1;2Hc\rd\te"),
        "abc\\rd\te"
    );
    // A lone escape at the end, and one before a plain letter (two-byte sequences).
    assert_eq!(super::program_text("x\u{1b}"), "x");
    assert_eq!(super::program_text("\u{1b}7x"), "x");
}

#[test]
fn round_decimal_sizes_are_written_in_their_unit() {
    assert_eq!(decimal_size(1_900_000).as_deref(), Some("1.9 MB"));
    assert_eq!(decimal_size(2_000_000).as_deref(), Some("2 MB"));
    assert_eq!(decimal_size(500_000).as_deref(), Some("500 kB"));
    assert_eq!(decimal_size(1_250_000_000).as_deref(), Some("1.25 GB"));
    assert_eq!(decimal_size(7 * 1024 * 1024), None);
    assert_eq!(decimal_size(999_999), None);
    assert_eq!(decimal_size(999), None);
}

/// QA as F1: "20 MiB" read back as "20971.52 kB = 20.0 MiB", "14500 KiB" as "14848 kB".
#[test]
fn whole_binary_sizes_are_written_in_their_unit() {
    use super::binary_size;
    assert_eq!(binary_size(20 << 20).as_deref(), Some("20 MiB"));
    assert_eq!(binary_size(14_500 << 10).as_deref(), Some("14,500 KiB"));
    assert_eq!(binary_size(2 << 30).as_deref(), Some("2 GiB"));
    assert_eq!(binary_size(1024).as_deref(), Some("1 KiB"));
    assert_eq!(binary_size(2_000_000), None);
    assert_eq!(binary_size(1000), None);
    // QA cx F7: hundredths rounded to the byte, three significant digits at most.
    assert_eq!(binary_size(7_319_060).as_deref(), Some("6.98 MiB"));
    assert_eq!(
        super::written_size(7_319_060),
        Some(("6.98 MiB".to_string(), false))
    );
    assert_eq!(binary_size(7_148).as_deref(), Some("6.98 KiB"));
    assert_eq!(binary_size(1_264_189), None, "1,234.56 KiB: six digits");
    assert_eq!(binary_size(7_314_464), None);
    // QA cz F4: thousandths too, four significant digits at most.
    assert_eq!(binary_size(7_313_818).as_deref(), Some("6.975 MiB"));
    assert_eq!(binary_size(1_536).as_deref(), Some("1.5 KiB"));
    assert_eq!(binary_size(14_500 << 10).as_deref(), Some("14,500 KiB"));
    // QA cn F7: `7.5 MiB` in the configuration, not `7,680 KiB`.
    assert_eq!(binary_size(7_864_320).as_deref(), Some("7.5 MiB"));
    assert_eq!(binary_size(1_310_720).as_deref(), Some("1.25 MiB"));
    assert_eq!(binary_size(1_052_672).as_deref(), Some("1,028 KiB"));
}

use super::{clip, count, limit_percent, limit_ratio, printable};

/// Sizes have three digits as written, the rounding included (QA w, F7).
#[test]
fn sizes_are_rounded_before_their_decimals_are_chosen() {
    use super::size;
    assert_eq!(size(102_399), "100 KiB");
    // Four digits are the next unit's three (QA at F8: `[libc] 1000 KiB`).
    assert_eq!(size(1_023_580), "0.98 MiB");
    assert_eq!(size(1_022_976), "999 KiB");
    assert_eq!(size(1_048_064), "1.00 MiB");
    assert_eq!(size(1_048_575), "1.00 MiB");
    assert_eq!(size(10_239), "10.0 KiB");
    assert_eq!(size(1_073_741_000), "1.00 GiB");
    assert_eq!(size(1_536), "1.50 KiB");
    assert_eq!(size(300_000), "293 KiB");
    assert_eq!(size(1023), "1023 B");
}

/// A limit is written with the decimals it needs, never rounded to another limit.
#[test]
fn limits_keep_their_decimals() {
    assert_eq!(limit_percent(0.05), "5%");
    assert_eq!(limit_percent(0.001), "0.1%");
    assert_eq!(limit_percent(0.0005), "0.05%");
    assert_eq!(limit_percent(0.125), "12.5%");
    assert_eq!(limit_ratio(1.1), "1.10");
    assert_eq!(limit_ratio(1.005), "1.005");
    assert_eq!(limit_ratio(2.0), "2.00");
}

/// Names cut at the same length that differ at their end stay apart: the cut is in the
/// middle, the length is `max` characters (not bytes), and a short name is untouched
/// (QA n: skim's frizbee rows).
#[test]
fn crate_names_are_one_crates_with_dash_or_underscore() {
    assert!(same_crate("dirs-sys", "dirs_sys") && same_crate("std", "std"));
    assert!(!same_crate("dirs", "dirs-sys") && !same_crate("a-b", "a_c"));
    assert!(!same_crate("a-b", "a.b"));
}

#[test]
fn a_long_name_keeps_its_beginning_and_its_end() {
    let generic = |backend: &str, f: &str| {
        format!(
            "frizbee::matcher::<impl Specialized for MatcherImpl<{}, \
             SmithWaterman<{backend}>>>::{f}",
            "Prefilter<ScalarBackend>, ".repeat(8)
        )
    };
    let a = generic("BackendScalar16U8", "match_one");
    let b = generic("BackendScalar8", "match_one_indices");
    let (ca, cb) = (clip(&a, 120), clip(&b, 120));
    assert_ne!(ca, cb);
    assert_eq!(ca.chars().count(), 120);
    assert!(
        ca.starts_with("frizbee::matcher::<impl Specialized"),
        "{ca}"
    );
    assert!(ca.ends_with("BackendScalar16U8>>>::match_one"), "{ca}");
    assert_eq!(ca.matches('…').count(), 1, "{ca}");
    assert_eq!(clip("é".repeat(10).as_str(), 5), "éé…éé");
    assert_eq!(clip("short", 5), "short");
    assert_eq!(super::clip_end(&a, 20), "frizbee::matcher::<…");
    let path = "bat-0.26.1/assets/syntaxes.bin";
    assert_eq!(super::clip_start(path, 20), "…assets/syntaxes.bin");
    assert_eq!(super::clip_start(path, 20).chars().count(), 20);
    assert_eq!(super::clip_start(path, 40), path);
}

#[test]
fn counts_take_the_noun_of_their_number() {
    assert_eq!(count(1, "library", "libraries"), "1 library");
    assert_eq!(count(0, "library", "libraries"), "0 libraries");
    assert_eq!(count(2, "file", "files"), "2 files");
    assert_eq!(count(2678, "symbol", "symbols"), "2,678 symbols");
}

#[test]
fn control_characters_are_escaped() {
    assert_eq!(printable("plain/path", false), "plain/path");
    assert_eq!(printable("a\u{1b}[31mred", false), "a\\u{1b}[31mred");
    assert_eq!(printable("two\nlines", false), "two\\nlines");
    assert_eq!(printable("two\nlines\u{7}", true), "two\nlines\\u{7}");
}

use super::*;

#[test]
fn sizes_read_well() {
    assert_eq!(size(0), "0 B");
    assert_eq!(size(1023), "1023 B");
    assert_eq!(size(1024), "1.00 KiB");
    assert_eq!(size(1_419_280), "1.35 MiB");
    assert_eq!(size(150 * 1024 * 1024), "150 MiB");
    assert_eq!(thousands(1_419_280), "1,419,280");
    assert_eq!(thousands(999), "999");
    assert_eq!(signed_size(-512), "-512 B");
    assert_eq!(signed_size(2048), "+2.00 KiB");
    assert_eq!(percent(0.053), "+5.3%");
    assert_eq!(ms(123.4), "123 ms");
    assert_eq!(ms(12.34), "12.3 ms");
    assert_eq!(ms(1.234), "1.23 ms");
    assert_eq!(percent(f64::INFINITY), "new");
    // QA w, F10: 16 B off 855 KiB read "-0.0%".
    assert_eq!(percent(-16.0 / 875_520.0), "-0.002%");
    assert_eq!(percent(0.0004), "+0.04%");
    assert_eq!(percent(-0.000_000_1), "-0.00001%");
    // QA aq F6: 4 B off 930 KiB read "-<0.001%".
    assert_eq!(percent(-4.0 / 952_320.0), "-0.0004%");
    assert_eq!(percent(0.000_5), "+0.1%");
    // The example: 57 B to 293 KiB read "+526882.5%".
    assert_eq!(size_change(57, 300_372, 4096), "now 293 KiB (was 57 B)");
    assert_eq!(size_change(0, 2048, 4096), "new: 2.00 KiB");
    assert_eq!(size_change(0, 0, 4096), "+0.0%");
    // From a base over the threshold: a percentage up to +500%, the sizes past it.
    assert_eq!(size_change(10_000, 60_000, 4096), "+500.0%");
    assert_eq!(
        size_change(10_000, 60_001, 4096),
        "now 58.6 KiB (was 9.77 KiB)"
    );
    assert_eq!(size_change(10_000, 100, 4096), "-99.0%");
    assert_eq!(size_change(1_000, 1_010, 0), "+1.0%");
}

/// QA h: `crate strsim grew from 3.32 KiB to 3.32 KiB`, `once_cell grew from 1.53 KiB to
/// 1.54 KiB` (8 bytes), and "new:" for a section that was there: the bytes where the two
/// sizes would not tell the growth, and "now" for what was there before.
#[test]
fn two_sizes_that_read_the_same_are_given_in_bytes() {
    assert_eq!(
        two_sizes(3_398, 3_402),
        ("3,398 B".into(), "3,402 B".into(), true)
    );
    // 1,567 B and 1,575 B read 1.53 KiB and 1.54 KiB: 8 bytes is under the last digit.
    assert_eq!(
        two_sizes(1_567, 1_575),
        ("1,567 B".into(), "1,575 B".into(), true)
    );
    assert_eq!(
        two_sizes(1_567, 1_590),
        ("1.53 KiB".into(), "1.55 KiB".into(), false)
    );
    assert_eq!(
        two_sizes(144, 1_516),
        ("144 B".into(), "1.48 KiB".into(), false)
    );
    assert_eq!(two_sizes(100, 101), ("100 B".into(), "101 B".into(), false));
    // The same size twice is no difference to tell.
    assert_eq!(
        two_sizes(650_000, 650_000),
        ("635 KiB".into(), "635 KiB".into(), false)
    );
    assert_eq!(size_change(144, 1_516, 4096), "now 1.48 KiB (was 144 B)");
    assert_eq!(size_change(3_398, 3_402, 4096), "now 3,402 B (was 3,398 B)");
    assert_eq!(size_change(0, 1_516, 4096), "new: 1.48 KiB");
    assert_eq!(last_digit(3_402), 10.24);
    assert_eq!(last_digit(50 * 1024), 102.4);
    assert_eq!(last_digit(5 << 20), 1024.0 * 1024.0 / 100.0);
}

/// QA as F4: mdbook's `anon.<hash>.97.llvm.<digits>` rows differed only in the `.97` the
/// middle cut removed; the `.llvm.` suffix goes first, and a name that fits keeps it.
#[test]
fn a_cut_name_loses_its_llvm_suffix_first() {
    let name = "anon.ede778928e01471135988a8d2a9f8225.97.llvm.14870641443107188662";
    assert_eq!(clip(name, 44), "anon.ede778928e01471135988a8d2a9f8225.97…");
    let cut = clip(name, 30);
    assert!(cut.ends_with("8225.97…"), "{cut}");
    assert_eq!(cut.chars().count(), 30, "{cut}");
    assert_eq!(clip(name, 200), name);
    // Not digits: no suffix of LLVM's, cut as any name.
    assert!(clip("abcdefgh.llvm.x", 10).ends_with(".x"));
}

/// QA av F4: two names that the middle cut made read the same keep where they differ.
#[test]
fn names_that_would_read_the_same_are_cut_apart() {
    let names = [
        "<core::net::display_buffer::DisplayBuffer<15> as core::fmt::Write>::write_char",
        "<core::net::display_buffer::DisplayBuffer<21> as core::fmt::Write>::write_char",
        "std::sys::pal::unix::os::glibc_version",
    ];
    let plain: Vec<String> = names.iter().map(|n| clip(n, 60)).collect();
    assert_eq!(plain[0], plain[1], "the plain cut reads the same");
    let apart = clip_apart(&names, 60);
    assert_ne!(apart[0], apart[1], "{apart:?}");
    assert!(apart[0].contains("<15>"), "{apart:?}");
    assert!(apart[1].contains("<21>"), "{apart:?}");
    for a in &apart {
        assert!(a.chars().count() <= 60, "{a}");
    }
    assert!(apart[0].starts_with("<core::net"), "{apart:?}");
    assert!(apart[0].ends_with("::write_char"), "{apart:?}");
    // A name that reads apart already is cut as before.
    assert_eq!(apart[2], clip(names[2], 60));
}

/// QA cq F6, cs F1: a budget is said in the form it was likely written: `16 MB` (a whole number
/// of KiB too), `500 KiB` (a whole number of kB too), `20 MiB`.
#[test]
fn a_budget_is_said_in_its_rounder_form() {
    let w = written_size;
    assert_eq!(w(16_000_000), Some(("16 MB".into(), true)));
    assert_eq!(w(500 * 1024), Some(("500 KiB".into(), false)));
    assert_eq!(w(1000 * 1024), Some(("1,000 KiB".into(), false)));
    assert_eq!(w(250 * 1024), Some(("250 KiB".into(), false)));
    assert_eq!(w(20 << 20), Some(("20 MiB".into(), false)));
    assert_eq!(w(800_000), Some(("800 kB".into(), true)));
    assert_eq!(w(20_000_000), Some(("20 MB".into(), true)));
    assert_eq!(w(1_000_001), None);
}
