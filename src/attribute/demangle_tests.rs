//! Unit tests of the symbol names: crates, legacy impl methods, copies, display names.

/// Two instantiations of one generic function (names from `nm` of just's binary), and an
/// LLVM copy, share their name without hash; other names are whole.
#[test]
fn copies_share_their_name_without_hash() {
    use super::without_hash;
    let a = b"_ZN7similar10algorithms5myers7conquer17h17dbe9654d46da86E";
    let b = b"_ZN7similar10algorithms5myers7conquer17he0007254a8ef229bE";
    assert_eq!(without_hash(a), b"_ZN7similar10algorithms5myers7conquer");
    assert_eq!(without_hash(a), without_hash(b));
    let llvm = b"_ZN4core3fmt5write17h0123456789abcdefE.llvm.4242";
    assert_eq!(without_hash(llvm), b"_ZN4core3fmt5write");
    assert_eq!(without_hash(b"memcpy"), b"memcpy");
    assert_eq!(
        without_hash(b"_ZN12_GLOBAL__N_11fE"),
        b"_ZN12_GLOBAL__N_11fE"
    );
}

/// nm of a crate's rlib: gen's `<W<T> as tr::Show>::show`, and a plain function.
#[test]
fn an_impl_method_is_told_from_a_plain_path() {
    let m = b"_ZN44_$LT$gen..W$LT$T$GT$$u20$as$u20$tr..Show$GT$4show17h59dd8828a05fba72E";
    assert!(is_legacy_impl_method(m));
    assert!(!is_legacy_impl_method(b"_ZN3mid4show17h1b37fa36d3d756acE"));
    assert!(!is_legacy_impl_method(b"rust_begin_unwind"));
}

#[test]
fn anonymous_constants_are_told_from_items() {
    for anon in [
        &b"anon.2658510e037e639b4b95f81a6c9cb83f.40.llvm.9932866892974380787"[..],
        b"anon.8e69f7f5a1b1b4c1a5e0f6d7c8b9a0e1.85",
        b"alloc_5a1b2c3d4e5f60718293a4b5c6d7e8f9",
        b".Lanon.fad58de7366495db4650cfefac2fcd61.3",
        b"__unnamed_12",
        b"str.0",
    ] {
        assert!(
            is_anonymous_constant(anon),
            "{}",
            String::from_utf8_lossy(anon)
        );
    }
    for item in [
        &b"default_rwlockattr"[..],
        b"alloc_buffer_allocate",
        b"anon",
        b"anon.x.1",
        b"_ZN4core3fmt5write17h0123456789abcdefE",
        b"str.len",
    ] {
        assert!(
            !is_anonymous_constant(item),
            "{}",
            String::from_utf8_lossy(item)
        );
    }
}

use super::*;

#[test]
fn v0_crate_roots() {
    let root =
        |s: &str| v0_crate_root(s.as_bytes()).map(|r| String::from_utf8_lossy(r).into_owned());
    assert_eq!(
        root("_RNvNvNtNtNtCscTPYGNvQQN5_6memchr4arch6x86_646memchr10memchr_raw9find_sse2")
            .as_deref(),
        Some("CscTPYGNvQQN5_6memchr")
    );
    // Without a disambiguator.
    assert_eq!(root("_RNvC5alpha4main").as_deref(), Some("C5alpha"));
    // An impl path, a legacy name, a cut name: none.
    assert_eq!(root("_RNvMs_NtCs1_4core3fmtNtB4_9Arguments3new"), None);
    assert_eq!(root("_ZN6memchr6detect17h0123456789abcdefE"), None);
    assert_eq!(root("_RNvCs12_6mem"), None);
}

fn krate(name: &str) -> Option<(String, Confidence)> {
    let mut buf = String::new();
    crate_of(name.as_bytes(), &mut buf).map(|(c, k)| (c.as_str().to_string(), k))
}

#[test]
fn crate_of_legacy_plain_and_impl_paths() {
    assert_eq!(
        krate("_ZN4core3fmt5write17h0123456789abcdefE"),
        Some(("core".into(), Confidence::Mangled))
    );
    // <serde::private::de::content::TagOrContentVisitor as serde_core::de::DeserializeSeed>::deserialize
    assert_eq!(
        krate("_ZN100_$LT$serde..private..de..content..TagOrContentVisitor$u20$as$u20$serde_core..de..DeserializeSeed$GT$11deserialize17hee929d1ed374ed07E").map(|c| c.0),
        Some("serde".into())
    );
    // <alloc::vec::Vec<T> as core::fmt::Debug>: both std, the type's crate.
    assert_eq!(
        crate_of_path("<alloc::vec::Vec<mycrate::T> as core::fmt::Debug>::fmt"),
        Some(("alloc", Confidence::Mangled))
    );
    // A std trait for a user type: the user's crate.
    assert_eq!(
        crate_of_path("<&mycrate::Foo as core::fmt::Display>::fmt"),
        Some(("mycrate", Confidence::Mangled))
    );
    // A user trait for a primitive: the trait's crate.
    assert_eq!(
        crate_of_path("<u8 as itoa::Integer>::write"),
        Some(("itoa", Confidence::Mangled))
    );
    assert_eq!(
        crate_of_path("<a::X as b::Y>::f"),
        Some(("a", Confidence::Heuristic))
    );
    assert_eq!(krate("memcpy"), None);
    assert_eq!(
        krate("__rust_alloc").map(|c| c.1),
        Some(Confidence::Heuristic)
    );
    // C++ Itanium names are not Rust.
    assert_eq!(krate("_ZN4llvm5Value4dumpEv"), None);
    assert!(!is_rust(b"_ZN4llvm5Value4dumpEv"));
    // QA dj F9: a C name that starts `_R` is no v0 path; v0 names, versioned or not, are.
    assert!(!is_rust(b"_ReadSLEB"));
    assert!(!is_rust(b"_R"));
    assert!(is_rust(b"_RNvCs1234_7mycrate3foo"));
    assert!(is_rust(b"_R0NvCs1234_7mycrate3foo"));
    assert!(is_rust(b"_RINvCs1234_7mycrate3fooKj0_E"));
    // A legacy name's hash ends it, or comes before a suffix (`.llvm.N`, `.cold`); `..` in
    // the path is an escaped `::`, and a hash cut short or misplaced is none.
    assert!(is_rust(b"_ZN4core3fmt5write17h0123456789abcdefE"));
    assert!(is_rust(b"_ZN4core3fmt5write17h0123456789abcdefE.llvm.4242"));
    assert!(is_rust(b"_ZN4core3fmt5write17h0123456789abcdefE.cold.1"));
    assert!(is_rust(
        b"_ZN39_$LT$a..B$u20$as$u20$c..D$GT$1f17h0123456789abcdefE"
    ));
    assert!(!is_rust(b"_ZN4core3fmt5write17h0123456789abcdeE"));
    assert!(!is_rust(b"_ZN4core3fmt5write17h0123456789abcdefEx"));
    assert!(!is_rust(b"_ZN4core3fmt5write17h0123456789abcdefX.llvm.1"));
    assert!(!is_rust(b"_ZN4core3fmt5write17h0123456789abcdegE"));
}

#[test]
fn origins_from_file_symbols() {
    assert_eq!(
        origin(b"crc32fast.e45f29affbc92b60-cgu.0"),
        Some(Origin::Crate("crc32fast"))
    );
    // The hash has no leading zeros: 15 digits in about one build of 16 (QA ar F4).
    assert_eq!(
        origin(b"procs.c9f43a99b07c784-cgu.0"),
        Some(Origin::Crate("procs"))
    );
    assert_eq!(origin(b"procs.c9f43a99b07c7840a-cgu.0"), None);
    assert_eq!(origin(b"procs.-cgu.0"), None);
    assert_eq!(origin(b"deflate.c"), Some(Origin::Source("deflate")));
    assert_eq!(
        origin(b"../sysdeps/x86_64/start.S"),
        Some(Origin::Source("start"))
    );
    assert_eq!(origin(b"1mrsvvkirvqcwvbcwrp6uh8x0"), None);
    assert_eq!(origin(b"\xff"), None);
}

#[test]
fn crate_of_v0() {
    // mycrate::foo
    let v0 = "_RNvCs1234_7mycrate3foo";
    assert_eq!(krate(v0).map(|c| c.0), Some("mycrate".into()));
    assert!(is_rust(v0.as_bytes()));
    // <mycrate::Foo as core::fmt::Debug>::fmt, impl in mycrate: the impl path says so.
    let x = "_RNvXs_NtCs1234_7mycrate3modNtB4_3FooNtNtCsabc_4core3fmt5Debug3fmt";
    assert_eq!(krate(x).map(|c| c.0), Some("mycrate".into()));
    // Every fast-path answer agrees with the demangled path's first segment.
    for name in [v0, "_RINvCs1234_5alloc3vecNtCs99_7mycrate3FooE"] {
        let fast = v0_crate(&name.as_bytes()[2..]).expect("fast");
        let full = format!("{:#}", rustc_demangle::demangle(name));
        assert!(full.starts_with(fast), "{full} vs {fast}");
    }
    // rustc's runtime entry points under `__rustc` are no crate: std's, as unmangled.
    for shim in [
        "_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc",
        "_RNvCsfLfy6EI15iL_7___rustc17rust_begin_unwind",
    ] {
        assert_eq!(krate(shim), Some(("std".into(), Confidence::Heuristic)));
    }
    assert_eq!(
        krate("__rust_alloc"),
        Some(("std".into(), Confidence::Heuristic))
    );
}

/// The raw reading agrees with the demangled name on legacy names, and leaves the others
/// to demangling.
#[test]
fn legacy_names_show_generics_as_their_demangled_form() {
    let names: [&[u8]; 6] = [
        b"_ZN4core9panicking5panic17h0123456789abcdefE",
        b"_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$4grow17h0123456789abcdefE",
        b"_ZN3app4main28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE",
        b"_ZN51_$LT$regex..Error$u20$as$u20$core..fmt..Display$GT$3fmt17h0123456789abcdefE",
        b"_ZN3std2rt10lang_start17h0123456789abcdefE.llvm.123",
        b"_ZN3foo3bar17h0123456789abcdefE",
    ];
    for n in names {
        let shown = super::display_name(n).contains(['<', '{', '}']);
        assert_eq!(
            super::legacy_generic_or_closure(n),
            Some(shown),
            "{}",
            super::display_name(n)
        );
    }
    assert_eq!(super::legacy_generic_or_closure(b"memcpy"), None);
    assert_eq!(
        super::legacy_generic_or_closure(b"_RNvCs1234_3app4main"),
        None
    );
    assert_eq!(
        super::legacy_generic_or_closure(b"_ZNSt6vectorIiSaIiEE9push_backEOi"),
        None
    );
}
