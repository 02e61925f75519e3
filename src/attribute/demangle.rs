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

/// The first segments of the paths in `s` (`regex_lite` and `alloc` of
/// `alloc::boxed::Box<regex_lite::pikevm::Cache>>`).
pub fn path_roots(s: &str) -> Vec<&str> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out: Vec<&str> = Vec::new();
    let mut at = 0;
    while let Some(k) = s[at..].find("::") {
        let end = at + k;
        let start = s[..end].rfind(|c: char| !ident(c)).map_or(0, |p| p + 1);
        if start < end && !s[..start].ends_with(':') && !out.contains(&&s[start..end]) {
            out.push(&s[start..end]);
        }
        at = end + 2;
    }
    out
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
    /// A Rust codegen unit, `crate.0123456789abcdef-cgu.0`: the crate that compiled it. The hash
    /// is written without leading zeros (QA ar F4: procs's `procs.c9f43a99b07c784-cgu.0`, 15
    /// digits, lost the crate's every exact row), so it has 1 to 16 digits.
    Crate(&'a str),
    /// A C, C++ or assembly source file, `deflate.c`: its stem, to match archive members.
    Source(&'a str),
}

pub fn origin(file: &[u8]) -> Option<Origin<'_>> {
    let f = std::str::from_utf8(file).ok()?;
    if let Some((head, _)) = f.rsplit_once("-cgu.")
        && let Some((krate, hash)) = head.rsplit_once('.')
        && (1..=16).contains(&hash.len())
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
    // v0: `_R`, an optional version number, then a path, which starts with one of its tags
    // (QA dj F9: libunwind's C `_ReadSLEB` made a C library "Rust", and its graph was built).
    if let Some(rest) = n.strip_prefix(b"_R") {
        let tag = rest.iter().find(|c| !c.is_ascii_digit());
        return matches!(tag, Some(b'C' | b'M' | b'X' | b'Y' | b'N' | b'I' | b'B'));
    }
    n.starts_with(b"_ZN") && legacy_hash_end(n).is_some()
}

/// Position just after `17h<16 hex>E` when the legacy name ends with it (before any suffix
/// such as `.llvm.123`; the path itself may contain `..`, the escaped `::`).
/// The candidates are the places before a `.` and the end (found with `memchr`: a byte
/// compared at every place was a twentieth of the time of inspecting `/usr/lib`'s C++).
fn legacy_hash_end(n: &[u8]) -> Option<usize> {
    let ends = memchr::memchr_iter(b'.', n).chain(std::iter::once(n.len()));
    ends.filter(|&j| j > 20).find(|&j| {
        let h = &n[j - 20..j];
        h.starts_with(b"17h") && h[3..19].iter().all(u8::is_ascii_hexdigit) && h[19] == b'E'
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

/// Whether a legacy Rust name (`_ZN…17h<hash>E`) shows `<`, `{` or `}` once demangled, read
/// as it is (`$LT$`, `$u7b$`, `$u7d$`) without demangling; `None` for any other name.
pub fn legacy_generic_or_closure(name: &[u8]) -> Option<bool> {
    if !name.starts_with(b"_ZN") || !is_rust(name) {
        return None;
    }
    let has = |needle: &[u8]| memchr::memmem::find(name, needle).is_some();
    Some(has(b"$LT$") || has(b"$u7b$") || has(b"$u7d$"))
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

/// A symbol's name as the copies of one function share it: without LLVM's `.llvm.N` suffix,
/// and for a legacy Rust name without its hash (`…7conquer17h17dbe9654d46da86E` → `…7conquer`),
/// which is all that tells instantiations of a generic function apart. Cheap: no demangling.
pub fn without_hash(name: &[u8]) -> &[u8] {
    // `.llvm.N` last: the last dot, digits after it, `.llvm` before (one backward search for a
    // byte, not a six-byte window at every place of a long C++ name).
    let name = match memchr::memrchr(b'.', name) {
        Some(i)
            if name[i + 1..].iter().all(u8::is_ascii_digit) && name[..i].ends_with(b".llvm") =>
        {
            &name[..i - 5]
        }
        _ => name,
    };
    let n = name.len();
    let hashed = name.starts_with(b"_ZN")
        && n > 23
        && name.ends_with(b"E")
        && &name[n - 20..n - 17] == b"17h"
        && name[n - 17..n - 1].iter().all(u8::is_ascii_hexdigit);
    if hashed { &name[..n - 20] } else { name }
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
#[path = "demangle_tests.rs"]
mod tests;
