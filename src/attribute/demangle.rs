//! Rust symbol names: which crate a mangled name belongs to, readable names, and the
//! normalised form that matches the same function across two builds.
//!
//! The crate of most legacy names is read straight from the mangled bytes without
//! demangling; only impl paths (`<A as B>::f`) are demangled, into a reused buffer.

use std::fmt::Write as _;

pub use crate::report::Confidence;

/// The crate root of a v0-mangled symbol's path (`CscTPYGNvQQN5_6memchr` of
/// `_RNvNtCscTPYGNvQQN5_6memchr4arch6detect`): the crate with its disambiguator, which tells
/// two crates of one name apart. Only for a plain nested path (`N<ns>` ... `C`); `None`
/// otherwise (impls, generics, legacy names).
pub fn v0_crate_root(symbol: &[u8]) -> Option<&[u8]> {
    let mut rest = symbol.strip_prefix(b"_R")?;
    while let [b'N', _, tail @ ..] = rest {
        rest = tail;
    }
    let path = rest.strip_prefix(b"C")?;
    let mut at = 0;
    if path.first() == Some(&b's') {
        at = path.iter().position(|&b| b == b'_')? + 1;
    }
    let digits = path[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    let len: usize = std::str::from_utf8(&path[at..at + digits])
        .ok()?
        .parse()
        .ok()?;
    let end = at + digits + len;
    (digits > 0 && end <= path.len()).then(|| &rest[..end + 1])
}

/// Crates that std depends on and has its own private copy of in every binary it is in (as
/// of Rust 1.95's sysroot): a crate of the program may have the same name.
pub fn is_std_dependency(name: &str) -> bool {
    matches!(
        name,
        "addr2line"
            | "adler2"
            | "cfg_if"
            | "gimli"
            | "hashbrown"
            | "libc"
            | "memchr"
            | "miniz_oxide"
            | "object"
            | "rustc_demangle"
    )
}

/// The crates of the standard library, folded into `std` unless `--split-std`.
pub fn is_std_crate(name: &str) -> bool {
    matches!(
        name,
        "std"
            | "core"
            | "alloc"
            | "compiler_builtins"
            | "panic_unwind"
            | "panic_abort"
            | "unwind"
            | "std_detect"
            | "rustc_std_workspace_core"
            | "rustc_std_workspace_alloc"
            | "proc_macro"
            | "__rustc"
    )
}

/// What the `STT_FILE` symbol before a local symbol says about where it was compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A Rust codegen unit, `crate.0123456789abcdef-cgu.0`: the crate that compiled it.
    Crate(&'a str),
    /// A C, C++ or assembly source file, `deflate.c`: its stem, to match archive members.
    Source(&'a str),
}

pub fn origin(file: &[u8]) -> Option<Origin<'_>> {
    let f = std::str::from_utf8(file).ok()?;
    if let Some((head, _)) = f.rsplit_once("-cgu.")
        && let Some((krate, hash)) = head.rsplit_once('.')
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !krate.is_empty()
    {
        return Some(Origin::Crate(krate));
    }
    let base = f.rsplit('/').next().unwrap_or(f);
    let (stem, ext) = base.rsplit_once('.')?;
    matches!(ext, "c" | "cc" | "cpp" | "cxx" | "S" | "s" | "asm").then_some(Origin::Source(stem))
}

/// Symbols of the Rust runtime that carry no mangled path.
fn runtime_symbol(name: &[u8]) -> bool {
    name.starts_with(b"__rust_")
        || name.starts_with(b"__rdl_")
        || name.starts_with(b"__rg_")
        || name == b"rust_begin_unwind"
        || name == b"rust_eh_personality"
        || name == b"rust_panic"
}

/// Strip a Mach-O style extra underscore.
fn body(name: &[u8]) -> &[u8] {
    name.strip_prefix(b"_")
        .filter(|r| r.starts_with(b"_ZN") || r.starts_with(b"_R"))
        .unwrap_or(name)
}

/// Is this a Rust legacy (`_ZN...17h<hash>E`) or v0 (`_R...`) symbol?
pub fn is_rust(name: &[u8]) -> bool {
    let n = body(name);
    if n.starts_with(b"_R") {
        return true;
    }
    n.starts_with(b"_ZN") && legacy_hash_end(n).is_some()
}

/// Position just after `17h<16 hex>E` when the legacy name ends with it (before any suffix
/// such as `.llvm.123`; the path itself may contain `..`, the escaped `::`).
fn legacy_hash_end(n: &[u8]) -> Option<usize> {
    (20..n.len()).find_map(|i| {
        let ends = n[i] == b'E' && (i + 1 == n.len() || n[i + 1] == b'.');
        let h = &n[i - 19..i];
        (ends && h.starts_with(b"17h") && h[3..].iter().all(u8::is_ascii_hexdigit)).then_some(i + 1)
    })
}

/// The crate a symbol names, without allocating where the mangled bytes say it directly.
/// `buf` is a scratch buffer reused between calls.
pub fn crate_of<'a>(name: &'a [u8], buf: &mut String) -> Option<(CrateName<'a>, Confidence)> {
    let n = body(name);
    if n.starts_with(b"_ZN") && legacy_hash_end(n).is_some() {
        let ident = legacy_first_ident(n)?;
        if !opens_impl(ident) {
            let s = std::str::from_utf8(ident).ok()?;
            return Some((CrateName::Borrowed(s), Confidence::Mangled));
        }
        return from_demangled(name, buf);
    }
    if let Some(v0) = n.strip_prefix(b"_R") {
        if let Some(k) = v0_crate(v0) {
            // rustc names its runtime entry points under `__rustc` (the allocator shim's
            // `__rust_alloc`, std's `__rdl_alloc` and `rust_begin_unwind`): no crate, but
            // the same runtime symbols as unmangled (QA k: `--split-std` showed a crate
            // `__rustc`). A crate's archive that defines one still names it.
            if k == "__rustc" {
                return Some((CrateName::Borrowed("std"), Confidence::Heuristic));
            }
            return Some((CrateName::Borrowed(k), Confidence::Mangled));
        }
        return from_demangled(name, buf);
    }
    if runtime_symbol(name) {
        return Some((CrateName::Borrowed("std"), Confidence::Heuristic));
    }
    None
}

/// The first identifier of a legacy path (`_ZN<len><ident>...`).
fn legacy_first_ident(n: &[u8]) -> Option<&[u8]> {
    let (len, rest) = leading_number(n.get(3..)?)?;
    rest.get(..len)
}

/// Whether a legacy path's first identifier opens an impl block's `<A as B>` or `<A>`.
fn opens_impl(ident: &[u8]) -> bool {
    ident.starts_with(b"_$LT$") || ident.starts_with(b"$LT$")
}

/// A legacy-mangled method of an impl block (`<A as B>::f`): the crate [`crate_of`] gives it
/// is a guess between the type's and the trait's where the two differ, never a runtime
/// symbol's.
pub fn is_legacy_impl_method(name: &[u8]) -> bool {
    let n = body(name);
    n.starts_with(b"_ZN") && legacy_first_ident(n).is_some_and(opens_impl)
}

/// A crate name borrowed from the symbol, or owned when it came from a demangled path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrateName<'a> {
    Borrowed(&'a str),
    Owned(String),
}

impl CrateName<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            CrateName::Borrowed(s) => s,
            CrateName::Owned(s) => s,
        }
    }
}

/// The crate of a v0 path read from the mangled bytes: the innermost crate root of nested
/// paths, generic instantiations and impl paths (an impl's path names the crate it is in).
/// `None` where only a full demangling can tell (`<T as Trait>` without impl path, backrefs,
/// punycode).
fn v0_crate(mut p: &[u8]) -> Option<&str> {
    let digits = p.iter().take_while(|c| c.is_ascii_digit()).count();
    p = &p[digits..];
    loop {
        match *p.first()? {
            b'N' => p = p.get(2..)?,
            b'I' => p = &p[1..],
            b'M' | b'X' => p = skip_disambiguator(&p[1..])?,
            b'C' => {
                p = skip_disambiguator(&p[1..])?;
                let (len, rest) = leading_number(p)?;
                let rest = rest.strip_prefix(b"_").unwrap_or(rest);
                return std::str::from_utf8(rest.get(..len)?).ok();
            }
            _ => return None,
        }
    }
}

/// `s<base-62>_`, if present.
fn skip_disambiguator(p: &[u8]) -> Option<&[u8]> {
    match p.strip_prefix(b"s") {
        Some(rest) => {
            let end = rest.iter().position(|&c| c == b'_')?;
            Some(&rest[end + 1..])
        }
        None => Some(p),
    }
}

fn leading_number(b: &[u8]) -> Option<(usize, &[u8])> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 6 {
        return None;
    }
    let n = std::str::from_utf8(&b[..digits]).ok()?.parse().ok()?;
    Some((n, &b[digits..]))
}

fn from_demangled<'a>(name: &[u8], buf: &mut String) -> Option<(CrateName<'a>, Confidence)> {
    let s = std::str::from_utf8(name).ok()?;
    let d = rustc_demangle::try_demangle(s).ok()?;
    buf.clear();
    write!(buf, "{d:#}").ok()?;
    let (krate, conf) = crate_of_path(buf)?;
    Some((CrateName::Owned(krate.to_string()), conf))
}

/// The crate of a demangled path: `a::b::f`, `<A>::f`, `<A as B>::f`.
pub fn crate_of_path(path: &str) -> Option<(&str, Confidence)> {
    let Some(inner) = path.strip_prefix('<') else {
        return first_segment(path).map(|c| (c, Confidence::Mangled));
    };
    // Split `A as B>` at depth 0.
    let mut depth = 0usize;
    let mut split = None;
    let mut prev = ' ';
    for (i, ch) in inner.char_indices() {
        match ch {
            '<' | '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            '>' if prev == '-' => {}
            '>' if depth == 0 => {
                return match split {
                    Some(at) => impl_crate(&inner[..at], Some(&inner[at + 4..i])),
                    None => impl_crate(&inner[..i], None),
                };
            }
            '>' => depth -= 1,
            ' ' if depth == 0 && split.is_none() && inner[i..].starts_with(" as ") => {
                split = Some(i);
            }
            _ => {}
        }
        prev = ch;
    }
    None
}

fn impl_crate<'p>(self_ty: &'p str, trait_path: Option<&'p str>) -> Option<(&'p str, Confidence)> {
    let a = type_crate(self_ty);
    let b = trait_path.and_then(first_segment);
    match (a, b) {
        (Some(a), Some(b)) if a == b || (is_std_crate(a) && is_std_crate(b)) => {
            Some((a, Confidence::Mangled))
        }
        // Orphan rule: the standard library cannot implement a foreign crate's trait or type.
        (Some(a), Some(b)) if is_std_crate(a) && !is_std_crate(b) => Some((b, Confidence::Mangled)),
        (Some(a), Some(b)) if is_std_crate(b) && !is_std_crate(a) => Some((a, Confidence::Mangled)),
        (Some(a), Some(_)) => Some((a, Confidence::Heuristic)),
        (Some(a), None) => Some((a, Confidence::Mangled)),
        (None, Some(b)) => Some((b, Confidence::Mangled)),
        (None, None) => None,
    }
}

/// The crate of a type as written: `&mut a::B<C>`, `[a::B]`, `*const a::B`, `dyn a::B`.
fn type_crate(ty: &str) -> Option<&str> {
    let mut t = ty.trim();
    loop {
        let before = t;
        for p in ["&mut ", "&", "*const ", "*mut ", "dyn ", "[", "(", "mut "] {
            t = t.strip_prefix(p).unwrap_or(t).trim_start();
        }
        if t == before {
            break;
        }
    }
    if t.starts_with('<') {
        return crate_of_path(t).map(|(c, _)| c);
    }
    first_segment(t)
}

/// `a::b::c` → `a`; `None` for a path of one segment (a primitive or local name).
fn first_segment(path: &str) -> Option<&str> {
    let end = path.find("::")?;
    let seg = &path[..end];
    (!seg.is_empty() && seg.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(seg)
}

/// A name the compiler made up for a constant of no item's (a literal, a const allocation):
/// rustc's `anon.<hash>.<n>` and `alloc_<hash>`, LLVM's `.L…`, `__unnamed_<n>` and `str.<n>`.
/// The linker merges such constants when their bytes are equal (a glibc constant of 8 zero
/// bytes and a crate's share one address), so a reference to one names no crate for sure.
pub fn is_anonymous_constant(name: &[u8]) -> bool {
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    let hex = |b: &[u8]| b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit);
    if let Some(rest) = name.strip_prefix(b"anon.") {
        let mut parts = rest.split(|&c| c == b'.');
        return parts.next().is_some_and(hex) && parts.next().is_some_and(digits);
    }
    if let Some(rest) = name.strip_prefix(b"alloc_") {
        return hex(rest);
    }
    if let Some(rest) = name
        .strip_prefix(b"__unnamed_")
        .or_else(|| name.strip_prefix(b"str."))
    {
        return digits(rest);
    }
    name.starts_with(b".L")
}

/// The readable name of a symbol: Rust demangled without hash, C++ demangled, else the name
/// itself.
pub fn display_name(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    // C++ (the Itanium ABI's `_Z` names, as `nm -C` shows them): a -sys crate's C++ code. A
    // Rust legacy name is a `_ZN…E` too, but with its hash: `_ZN12_GLOBAL__N_1…E` is C++.
    if name.starts_with(b"_Z")
        && !is_rust(name)
        && let Ok(sym) = cpp_demangle::Symbol::new(name)
        && let Ok(d) = sym.demangle()
    {
        return d;
    }
    match rustc_demangle::try_demangle(&s) {
        Ok(d) => format!("{d:#}"),
        Err(_) => s.into_owned(),
    }
}

#[cfg(test)]
mod tests {

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
    }

    #[test]
    fn origins_from_file_symbols() {
        assert_eq!(
            origin(b"crc32fast.e45f29affbc92b60-cgu.0"),
            Some(Origin::Crate("crc32fast"))
        );
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
}
