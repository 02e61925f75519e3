//! Unit tests of the crate and symbol tables in the terminal report.

use super::*;
use crate::report::{Confidence, ConfidenceBreakdown, Coverage, CrateSize, SymbolRow};

fn krate(name: &str, vm: u64, exact: u64, elsewhere: u64) -> CrateSize {
    CrateSize {
        name: name.into(),
        file_size: vm,
        vm_size: vm,
        confidence: ConfidenceBreakdown {
            exact,
            mangled: vm - exact,
            ..ConfidenceBreakdown::default()
        },
        instantiated_elsewhere: elsewhere,
        retained: None,
        entry_points: Vec::new(),
        entered: Vec::new(),
        std_copy_unknown: false,
    }
}

/// This test binary inspected, with a coverage of 3000 of 4000 loaded bytes named.
fn binary() -> Binary {
    let bytes = std::fs::read(std::env::current_exe().expect("exe")).expect("read");
    let mut b =
        crate::inspect::inspect_bytes(std::path::Path::new("x"), &bytes, None).expect("inspect");
    b.coverage = Some(Coverage {
        attributed_bytes: 3000,
        share: 0.75,
        allocated_bytes: 4000,
        symbol_table: Some(".symtab".into()),
        symbols_from: None,
        symbols_looked_in: None,
        file_size: 5000,
        vm_size: 4100,
    });
    b
}

#[test]
fn crates_and_symbols_layout() {
    let mut b = binary();
    b.crates = vec![
        krate("std", 2000, 1500, 100),
        krate("where_bytes", 1000, 1000, 0),
        krate("[no symbol]", 1000, 0, 0),
    ];
    b.symbols = vec![SymbolRow {
        crate_row: None,
        name: "where_bytes::BIG_TABLE".into(),
        mangled: Some("_ZN11where_bytes9BIG_TABLE17h0123456789abcdefE".into()),
        krate: Some("where_bytes".into()),
        section: ".rodata".into(),
        file_size: 1000,
        vm_size: 1000,
        confidence: Confidence::Exact,
        instantiated_in: None,
        retained_size: None,
        copy: None,
        source_file: None,
        content: None,
    }];
    // A C symbol no crate was named for: `[unknown]`, as in the crate table.
    b.symbols.push(SymbolRow {
        crate_row: None,
        name: "zstd_decompress".into(),
        mangled: None,
        krate: None,
        section: ".text".into(),
        file_size: 300,
        vm_size: 300,
        confidence: Confidence::Unattributed,
        instantiated_in: None,
        retained_size: None,
        copy: None,
        source_file: None,
        content: None,
    });
    let mut s = String::new();
    let st = Style::plain();
    render(&mut s, &b, &st);
    insta::assert_snapshot!(s);
}

/// The footnote under the crate table comes with a crate that retains less than it owns,
/// and only then.
#[test]
fn retained_below_own_is_explained() {
    let mut b = binary();
    let st = Style::plain();
    let note = "retained below own: part of the crate's own bytes is linked but unreachable";
    for (retained, shown) in [(2500, false), (1500, true)] {
        let mut k = krate("libc", 2000, 2000, 0);
        k.retained = Some(retained);
        b.crates = vec![k];
        let mut s = String::new();
        render(&mut s, &b, &st);
        assert_eq!(s.contains(note), shown, "{s}");
        // QA az F6: what "own" and "retained" are, whenever the table has both.
        assert!(
            words(&s).contains("own: the crate's bytes in memory once loaded; retained: what"),
            "{s}"
        );
    }
    // Without a graph there is no retained column, and nothing to say of it.
    b.crates[0].retained = None;
    let mut s = String::new();
    render(&mut s, &b, &st);
    assert!(!s.contains("retained: what"), "{s}");
}

/// `text`'s words one space apart (the legend is filled to the width).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// QA ad, F9: std retained 4.75 MiB of monolith's 8.2, and read as most of the program; a
/// line says why. Not for a std that retains little more than it owns, nor another crate.
#[test]
fn a_large_std_retained_is_explained() {
    let mut b = binary();
    let st = Style::plain();
    let note = "std retains 9.77 KiB: code that std's own shims call";
    for (name, retained, shown) in [
        ("std", 10_000, true),
        ("std", 3_000, false),
        ("app", 10_000, false),
    ] {
        let mut k = krate(name, 2000, 2000, 0);
        k.retained = Some(retained);
        b.crates = vec![k];
        let mut s = String::new();
        render(&mut s, &b, &st);
        assert_eq!(s.contains(note), shown, "{name} {retained}: {s}");
        // Filled (QA al F4: 236 columns).
        assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    }
}

/// A row of the symbol table fits in 100 columns, however long the name (std's generic
/// instances run to hundreds of characters), with a crate name of the usual widths.
#[test]
fn symbol_rows_fit_in_100_columns() {
    let mut b = binary();
    let long = format!("<gimli::read::dwarf::Unit<{}>>::new", "x".repeat(300));
    b.crates = vec![krate("std", 2000, 1500, 100)];
    b.symbols = vec![SymbolRow {
        crate_row: None,
        name: long,
        mangled: None,
        krate: Some("std".into()),
        section: ".text".into(),
        file_size: 15_974,
        vm_size: 15_974,
        confidence: Confidence::Mangled,
        instantiated_in: None,
        retained_size: None,
        copy: None,
        source_file: None,
        content: None,
    }];
    let st = Style::plain();
    let mut s = String::new();
    render(&mut s, &b, &st);
    let row = s
        .lines()
        .find(|l| l.contains("gimli"))
        .expect("the symbol's row");
    assert!(row.contains('…') && row.ends_with(">>::new"), "{row}");
    assert_eq!(row.chars().count(), 100, "{row}");
    // Two copies of it: each row says which, within the width (QA al F3).
    b.symbols.push(b.symbols[0].clone());
    let mut s = String::new();
    render(&mut s, &b, &st);
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("gimli")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(rows[0].ends_with(">>::new (copy 1 of 2)"), "{s}");
    assert!(rows.iter().all(|l| l.chars().count() <= 100), "{s}");
    // A crate name longer than the column's usual 16 is whole, as in the crate table, and
    // the row still 100 columns (QA al F6: `unicode_s…tation`).
    b.symbols[1].krate = Some("unicode_segmentation".into());
    let mut s = String::new();
    render(&mut s, &b, &st);
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("gimli")).collect();
    assert!(rows[1].contains("  unicode_segmentation  <gimli"), "{s}");
    assert!(rows[0].contains("  std                   <gimli"), "{s}");
    assert!(rows.iter().all(|l| l.chars().count() == 100), "{s}");
}

/// QA ao F7: with the graph, the symbol table says what each row keeps alive, as Markdown, the
/// page and JSON do; a row the graph has no figure for reads `-`; rows stay 100 columns.
#[test]
fn symbol_rows_show_the_retained_size_with_the_graph() {
    let mut b = binary();
    let row = |name: &str, own: u64, retained: Option<u64>| SymbolRow {
        crate_row: None,
        name: format!("{name}{}", "x".repeat(200)),
        mangled: None,
        krate: Some("regex_automata".into()),
        section: ".text".into(),
        file_size: own,
        vm_size: own,
        confidence: Confidence::Exact,
        instantiated_in: None,
        retained_size: retained,
        copy: None,
        source_file: None,
        content: None,
    };
    b.crates = vec![krate("regex_automata", 2000, 2000, 0)];
    b.symbols = vec![row("new", 34_509, Some(647_168)), row("old", 1000, None)];
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    assert!(s.contains("(in memory / in file / retained)"), "{s}");
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("xxx")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(
        rows[0].starts_with("      33.7 KiB    33.7 KiB     632 KiB  regex_automata"),
        "{s}"
    );
    assert!(
        rows[1].contains("1000 B           -  regex_automata"),
        "{s}"
    );
    assert!(rows.iter().all(|l| l.chars().count() == 100), "{s}");
    // Without the graph, no such column.
    b.symbols.iter_mut().for_each(|r| r.retained_size = None);
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    assert!(s.contains("(in memory / in file)\n"), "{s}");
    assert!(s.contains("1000 B  regex_automata"), "{s}");
}

/// QA an F7: a crate mostly `heuristic` with a third `exact` read "heuristic"; under 80% the
/// next class is named too, with the shares. A crate of one class reads as before.
#[test]
fn a_crate_of_mixed_confidence_names_its_two_main_classes() {
    assert_eq!(
        confidence_note(&krate("zstd_sys", 1000, 370, 0)),
        "mangled 63%, exact 37%"
    );
    assert_eq!(confidence_note(&krate("std", 1000, 900, 0)), "exact");
    assert_eq!(confidence_note(&krate("app", 1000, 0, 0)), "mangled");
}

/// QA at F5: oha's two largest rows, both aws_lc_sys's, read "2 largest of aws_lc_sys" without
/// `--filter`; "of" a crate only when `--filter` kept the rows to it.
#[test]
fn rows_are_of_a_crate_only_under_filter() {
    let mut b = binary();
    b.crates = vec![
        krate("aws_lc_sys", 2000, 1500, 0),
        krate("std", 1000, 1000, 0),
    ];
    let row = SymbolRow {
        crate_row: None,
        name: "aws_lc_0_30_k25519_precomp".into(),
        mangled: None,
        krate: Some("aws_lc_sys".into()),
        section: ".rodata".into(),
        file_size: 900,
        vm_size: 900,
        confidence: Confidence::Exact,
        instantiated_in: None,
        retained_size: None,
        copy: None,
        source_file: None,
        content: None,
    };
    b.symbols = vec![row.clone(), row];
    let heading = |b: &Binary| {
        let mut s = String::new();
        render(&mut s, b, &Style::plain());
        s.lines()
            .find(|l| l.starts_with("  symbols"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{s}"))
    };
    assert!(heading(&b).contains(" 2 largest ("), "{}", heading(&b));
    b.symbols_of = Some("aws_lc_sys".into());
    assert!(
        heading(&b).contains(" 2 largest of aws_lc_sys ("),
        "{}",
        heading(&b)
    );
    // QA dj F12: `[no symbol]`'s rows, one not loaded (no crate row), are its rows too.
    b.crates.push(krate("[no symbol]", 5000, 5000, 0));
    let section = |name: &str, vm| SymbolRow {
        krate: None,
        name: name.into(),
        vm_size: vm,
        ..b.symbols[0].clone()
    };
    b.symbols = vec![
        section("[section .rodata]", 3000),
        section("[section .comment]", 0),
    ];
    b.symbols_of = Some("[no symbol]".into());
    assert!(
        heading(&b).contains(" 2 largest of [no symbol] ("),
        "{}",
        heading(&b)
    );
}

/// QA be F3: an `[unknown]` row of 1% or more of the loaded bytes says what it is and why
/// `inspect` leaves it so; a smaller one says nothing.
#[test]
fn a_large_unknown_row_says_why() {
    let mut b = binary();
    let st = Style::plain();
    for (vm, said) in [(800, true), (30, false)] {
        b.crates = vec![krate("std", 2000, 2000, 0), krate("[unknown]", vm, 0, 0)];
        let mut s = String::new();
        render(&mut s, &b, &st);
        assert_eq!(
            words(&s).contains("[unknown]: bytes of symbols no crate's name, prefix or archive"),
            said,
            "{s}"
        );
    }
}

/// QA bl F7: the crate `--filter` names, when it is not among the ten largest, gets its row
/// in the crate table (its own and retained bytes), with its rank; the rest are counted.
#[test]
fn the_filtered_crate_has_its_row_in_the_table() {
    let mut b = binary();
    b.crates = (0..13u64)
        .map(|i| krate(&format!("crate{i:02}"), 300 - i * 10, 0, 0))
        .collect();
    b.crates[12].name = "image_webp".into();
    b.symbols_of = Some("image_webp".into());
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    let row = s
        .lines()
        .find(|l| l.trim_start().starts_with("image_webp "))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("180 B"), "{row}");
    assert!(
        words(&s).contains("(--filter's crate, the 13th largest of 13)"),
        "{s}"
    );
    assert!(s.contains("2 more "), "{s}");
    assert!(!s.contains("crate10 ") && !s.contains("crate11 "), "{s}");
    // Not filtered: ten rows and 3 more.
    b.symbols_of = None;
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    assert!(!s.contains("image_webp") && s.contains("3 more "), "{s}");
    assert_eq!(crate::format::ordinal(22), "22nd");
    assert_eq!(crate::format::ordinal(111), "111th");
}

/// QA bm F7: `<bottom::options::args::GeneralArgs as …>::augment_args` and the same of
/// `ProcessArgs`, cut in the middle, read as one row twice; each keeps where they differ.
#[test]
fn two_names_the_cut_makes_alike_keep_where_they_differ() {
    let mut b = binary();
    b.crates = vec![krate("bottom", 80_000, 80_000, 0)];
    let row = |kind: &str, size| SymbolRow {
        crate_row: None,
        name: format!(
            "<bottom::options::args::{kind}Args as clap_builder::derive::Args>::augment_args"
        ),
        mangled: None,
        krate: Some("bottom".into()),
        section: ".text".into(),
        file_size: size,
        vm_size: size,
        confidence: Confidence::Mangled,
        instantiated_in: None,
        // With the retained column, as a graph gives it: the name's room is ~40 columns.
        retained_size: Some(size),
        copy: None,
        source_file: None,
        content: None,
    };
    b.symbols = vec![row("General", 40_346), row("Process", 34_611)];
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("augment_args")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    let name = |l: &str| l.rsplit("  ").next().unwrap_or_default().to_string();
    assert_ne!(name(rows[0]), name(rows[1]), "{s}");
    assert!(
        rows[0].contains("Gener") && rows[1].contains("Proce"),
        "{s}"
    );
    assert!(rows.iter().all(|l| l.chars().count() <= 100), "{s}");
}

/// QA by F4: a constant that is a file shows the file's path whole where the row has room for
/// it, the made-up name beside it cut short; within 100 columns.
#[test]
fn a_file_a_constant_is_takes_the_room_of_its_made_up_name() {
    let mut b = binary();
    b.crates = vec![krate("bat", 2000, 1500, 100)];
    b.symbols = vec![SymbolRow {
        crate_row: None,
        name: "anon.351892578905ad87b8e04a8297311b8c.41.llvm.164151176753871491".into(),
        mangled: None,
        krate: Some("bat".into()),
        section: ".rodata".into(),
        file_size: 1_012_454,
        vm_size: 1_012_454,
        confidence: Confidence::Exact,
        instantiated_in: None,
        retained_size: None,
        copy: None,
        source_file: None,
        content: Some("file bat-0.26.1/assets/syntaxes.bin".into()),
    }];
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    let row = s.lines().find(|l| l.contains("anon.")).expect("the row");
    assert!(
        row.ends_with(" file bat-0.26.1/assets/syntaxes.bin"),
        "{row}"
    );
    assert!(row.chars().count() <= 100, "{row}");
    // QA db F7: a path longer than the room is whole, the line longer (it was cut at its
    // start, `file …ated/syntaxes-fancy-no-newlines.bin`).
    let long = "file two-face-0.4.5/generated/syntaxes-fancy-no-newlines.bin";
    b.symbols[0].content = Some(long.into());
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    let row = s.lines().find(|l| l.contains(" file ")).expect("the row");
    assert!(row.ends_with(&format!(" {long} in .rodata")), "{row}");
    // QA dr F2: the made-up name left too few characters to tell it apart (`ano….28…`) is
    // not shown; its section is said, as of a section's row that is a file.
    assert!(!row.contains("ano"), "{row}");
    b.symbols[0].name = "[section .rodata]".into();
    b.symbols[0].content = Some("file bat-0.26.1/assets/syntaxes.bin".into());
    let mut s = String::new();
    render(&mut s, &b, &Style::plain());
    let row = s.lines().find(|l| l.contains(" file ")).expect("the row");
    assert!(
        row.ends_with("  file bat-0.26.1/assets/syntaxes.bin in .rodata"),
        "{row}"
    );
}
