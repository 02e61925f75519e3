//! Unit tests of what a grown crate's check says of why it grew: its new entry points, and
//! the new references into it (see `entry_points.rs`).

use super::*;

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
            entered: Vec::new(),
            std_copy_unknown: false,
        })
        .collect();
    b
}

/// The pull-request comment says what pulled the bytes in: the referrers that are new.
#[test]
fn grown_crate_names_its_new_entry_points() {
    let th = Thresholds::default();
    let base = binary_with(&[
        (
            "regex",
            100_000,
            &["app::old", "<E as core::fmt::Debug>::fmt.1400"],
        ),
        ("log", 5_000, &["app::x"]),
    ]);
    // LTO renumbered a local name (QA h, B4): `fmt.1425` is not a new entry point.
    let cur = binary_with(&[
        (
            "regex",
            400_000,
            &[
                "app::old",
                "app::parse_args",
                "<E as core::fmt::Debug>::fmt.1425",
            ],
        ),
        ("log", 5_000, &["app::x", "app::y"]),
        ("serde", 50_000, &["app::load"]),
    ]);
    let of = |b: &crate::report::Binary| {
        parts(b.crates.iter().map(|c| (&c.name, c.file_size, c.vm_size)))
    };
    let mut checks = part_checks(Part::Crate, &of(&base), &of(&cur), &th);
    for c in &mut checks {
        new_entry_points(c, &base, &cur, "app");
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
    new_entry_points(&mut c, &old, &cur, "app");
    assert!(c.entry_points.is_empty(), "{:?}", c.entry_points);
}

/// `binary_with`'s crates entered as `(from, to, retained)` says.
fn entered(b: &mut crate::report::Binary, name: &str, edges: &[(&str, &str, u64)]) {
    let c = b.crates.iter_mut().find(|c| c.name == name).expect("crate");
    for &(from, to, retained) in edges {
        let at = match c.entry_points.iter().position(|e| e == from) {
            Some(i) => i,
            None => {
                c.entry_points.push(from.to_string());
                c.entry_points.len() - 1
            }
        } as u32;
        match c.entered.iter_mut().find(|e| e.symbol == to) {
            Some(e) => e.from.push(at),
            None => c.entered.push(crate::report::Entered {
                symbol: to.to_string(),
                retained,
                from: vec![at],
                aliases: Vec::new(),
            }),
        }
    }
}

/// A binary whose crate `krate` is entered as `edges` says: `(from, to, retained)`.
fn with_entered(krate: &str, size: u64, edges: &[(&str, &str, u64)]) -> crate::report::Binary {
    let mut b = binary_with(&[(krate, size, &[])]);
    entered(&mut b, krate, edges);
    b
}

/// Crate `krate`'s check, grown from 100,000 to 200,000 bytes, with the new entry points of
/// `cur` against `base` (the program's crate: `app`).
fn grown(krate: &str, base: &crate::report::Binary, cur: &crate::report::Binary) -> Check {
    let th = Thresholds::default();
    let id = CheckId::BaselineCrate(krate.into());
    let mut c = size_check(id, &format!("crate {krate}"), 100_000, 200_000, &th, false);
    new_entry_points(&mut c, base, cur, "app");
    c
}

/// A check's new entries as `(from, to, retained)`.
fn new_of(c: &Check) -> Vec<(&str, &str, Option<u64>)> {
    c.new_entries
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.retained))
        .collect()
}

/// QA av F1: `hyperfine::main` referred to `[libc]` in the baseline already; its new call of
/// `getaddrinfo`, which pulled the resolver in, is the first new entry point, with what it
/// retains; a new referrer of a symbol entered before says no retained size; tiny new
/// references come after.
#[test]
fn a_new_reference_of_an_old_referrer_is_named_first() {
    let old_edges = [
        ("app::main", "write", 200),
        ("std::io::copy", "memcpy", 100),
    ];
    let base = with_entered("[libc]", 100_000, &old_edges);
    let cur = with_entered(
        "[libc]",
        200_000,
        &[
            old_edges[0],
            old_edges[1],
            ("app::main", "getaddrinfo", 36_000),
            ("<DisplayBuffer<15> as Write>::write_str", "memcpy", 100),
            ("std::sys::os::glibc_version", "gnu_get_libc_version", 64),
        ],
    );
    let c = grown("[libc]", &base, &cur);
    assert_eq!(
        new_of(&c),
        vec![
            ("app::main", "getaddrinfo", Some(36_000)),
            (
                "std::sys::os::glibc_version",
                "gnu_get_libc_version",
                Some(64)
            ),
            ("<DisplayBuffer<15> as Write>::write_str", "memcpy", None),
        ]
    );
    assert_eq!(c.entry_points[0], "app::main", "{:?}", c.entry_points);
    assert!(
        c.message
            .contains("new entry points: app::main → getaddrinfo (retains 35.2 KiB), "),
        "{}",
        c.message
    );
    // The renderers find the names in the message.
    let names = crate::gate::entry_points::shown(&c);
    assert!(crate::gate::entry_points::split(&c.message, &names).is_some());
    // A baseline that names referrers only: the referrers that are new, as before.
    let mut old = base.clone();
    for k in &mut old.crates {
        k.entered.clear();
    }
    let c2 = grown("[libc]", &old, &cur);
    assert!(c2.new_entries.is_empty());
    assert_eq!(
        c2.entry_points,
        vec![
            "<DisplayBuffer<15> as Write>::write_str",
            "std::sys::os::glibc_version"
        ]
    );
}

/// QA bd F1: glibc's `memcmp` and `bcmp` are one symbol; the baseline named it `memcmp`, this
/// build `bcmp` (with `memcmp` among its aliases). Its 2 callers are not new entries; a new
/// caller is, and a symbol no name of which was entered before retains its bytes.
#[test]
fn an_alias_named_otherwise_is_no_new_entry() {
    let base = with_entered(
        "[libc]",
        100_000,
        &[("app::eq", "memcmp", 3_000), ("app::cmp", "memcmp", 3_000)],
    );
    let mut cur = with_entered(
        "[libc]",
        200_000,
        &[
            ("app::eq", "bcmp", 3_000),
            ("app::cmp", "bcmp", 3_000),
            ("app::new", "bcmp", 3_000),
            ("app::main", "getaddrinfo", 36_000),
        ],
    );
    for c in &mut cur.crates {
        for e in c.entered.iter_mut().filter(|e| e.symbol == "bcmp") {
            e.aliases = vec!["memcmp".into()];
        }
    }
    assert_eq!(
        new_of(&grown("[libc]", &base, &cur)),
        vec![
            ("app::main", "getaddrinfo", Some(36_000)),
            ("app::new", "bcmp", None),
        ]
    );
}

/// QA bb F5: among new references into symbols entered before, the program's own come first:
/// a recompiled dependency's incidental ones (a changed vtable slot) led the list.
#[test]
fn the_programs_own_new_references_come_first() {
    let old_edges = [
        ("app::main", "std::env::_var", 500),
        ("dep::a", "std::fmt::write", 900),
    ];
    let base = with_entered("std", 100_000, &old_edges);
    let source = "<dep::Error as core::error::Error>::source";
    let cur = with_entered(
        "std",
        200_000,
        &[
            old_edges[0],
            old_edges[1],
            (source, "std::fmt::write", 900),
            ("app::main", "std::fmt::write", 900),
        ],
    );
    let c = grown("std", &base, &cur);
    let from: Vec<&str> = new_of(&c).into_iter().map(|e| e.0).collect();
    assert_eq!(from, ["app::main", source]);
}

/// QA bg F3: std grew by a new crate's drop glue and by the program's host lookup. The
/// references of regex_lite's code into std code made for regex_lite's own types come after
/// the program's lookup, and the five places shown name five callees, not one callee five
/// times.
#[test]
fn new_entries_name_distinct_callees_and_leave_a_crate_s_own_glue_last() {
    let base = with_entered("std", 100_000, &[("app::main", "std::io::stdout", 300)]);
    let glue = "core::ptr::drop_in_place<regex_lite::hir::Hir>";
    let cur = with_entered(
        "std",
        200_000,
        &[
            ("app::main", "std::io::stdout", 300),
            ("regex_lite::hir::Hir::repetition", glue, 1_900),
            ("regex_lite::hir::parse::into_class_item_range", glue, 1_900),
            ("regex_lite::hir::parse::Parser::parse", glue, 1_900),
            ("regex_lite::pikevm::PikeVM::new", "core::fmt::write", 1_200),
            (
                "regex_lite::pikevm::PikeVM::new",
                "alloc::raw_vec::grow_one",
                900,
            ),
            ("app::main", "std::net::lookup_host", 800),
            // The program's own use of regex_lite: still regex_lite's glue (QA bi).
            (
                "app::main",
                "core::ptr::drop_in_place<regex_lite::Regex>",
                2_500,
            ),
        ],
    );
    let c = grown("std", &base, &cur);
    let to: Vec<&str> = new_of(&c).iter().map(|e| e.1).collect();
    assert_eq!(
        to,
        [
            "core::fmt::write",
            "alloc::raw_vec::grow_one",
            "std::net::lookup_host",
            "core::ptr::drop_in_place<regex_lite::Regex>",
            glue,
            glue,
            glue
        ],
        "{:?}",
        new_of(&c)
    );
    // The five callees each within the five shown.
    assert!(c.message.contains(glue), "{}", c.message);
    assert!(c.message.ends_with("(+2 more)"), "{}", c.message);
}

/// QA dp F2: a callee entered for the first time that retains more than the crates gained in
/// all was in the baseline already (inlined into its caller): no retained size is claimed for
/// it. One that retains at most what they gained is what the reference pulled in.
#[test]
fn a_callee_retaining_more_than_was_added_claims_no_retained_size() {
    let old = [(
        "regex_automata::Builder::build",
        "regex_syntax::visit",
        500_000,
    )];
    let base = with_entered("regex_syntax", 100_000, &old);
    let build = "regex_automata::Builder::build";
    let cur = |retained: u64| {
        with_entered(
            "regex_syntax",
            116_000,
            &[
                old[0],
                (build, "regex_syntax::Translator::translate", retained),
            ],
        )
    };
    let c = grown("regex_syntax", &base, &cur(544_000));
    let translate = "regex_syntax::Translator::translate";
    assert_eq!(new_of(&c), vec![(build, translate, None)]);
    assert!(!c.message.contains("retains"), "{}", c.message);
    let c = grown("regex_syntax", &base, &cur(16_000));
    assert_eq!(new_of(&c), vec![(build, translate, Some(16_000))]);
}
