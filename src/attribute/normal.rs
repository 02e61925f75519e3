//! Symbol names as they compare across builds: the parts a compiler or linker changes from
//! one build to the next (hashes, disambiguators, clone and LTO suffixes) left out.

/// `name` without the number a compiler appends to keep a local name unique (`fmt.1425`, the
/// suffix LLVM gives a duplicated local symbol under LTO; gcc's `buf.0`): it changes whenever
/// other code does, so it names nothing across builds.
pub fn without_local_number(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((head, n))
            if !head.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => name,
    }
}

/// A symbol name normalised for comparison across builds: Rust names demangled, legacy hashes
/// (`::h0123456789abcdef`), v0 crate disambiguators (`[1a2b3c]`) and compiler suffixes
/// (`.llvm.NNN`, `.cold`, `.constprop.N`, `.isra.N`, `.part.N`, `.lto_priv.N`) removed.
/// Accepts mangled or already demangled names; `normalize(normalize(x)) == normalize(x)`.
pub fn normalize(name: &str) -> String {
    let base = strip_suffixes(name);
    let text = match rustc_demangle::try_demangle(base) {
        Ok(d) => format!("{d:#}"),
        Err(_) => base.to_string(),
    };
    let text = strip_suffixes(&text);
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // `::h` + 16 hex at a segment end.
        if b[i..].starts_with(b"::h")
            && b.len() >= i + 19
            && b[i + 3..i + 19].iter().all(u8::is_ascii_hexdigit)
            && (b.len() == i + 19 || !b[i + 19].is_ascii_alphanumeric())
        {
            i += 19;
            continue;
        }
        // `[0123abcd]` disambiguator after an identifier.
        if b[i] == b'['
            && i > 0
            && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
            && let Some(len) = b[i + 1..].iter().position(|&c| c == b']')
            && len > 0
            && b[i + 1..i + 1 + len].iter().all(u8::is_ascii_hexdigit)
        {
            i += len + 2;
            continue;
        }
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// Remove trailing compiler suffixes, repeatedly: `f.llvm.123.cold` → `f`.
fn strip_suffixes(mut s: &str) -> &str {
    loop {
        let before = s;
        for suffix in [
            ".llvm.",
            ".constprop.",
            ".isra.",
            ".part.",
            ".lto_priv.",
            ".cold.",
        ] {
            if let Some(i) = s.rfind(suffix) {
                let tail = &s[i + suffix.len()..];
                if !tail.is_empty() && tail.bytes().all(|c| c.is_ascii_hexdigit() || c == b'@') {
                    s = &s[..i];
                }
            }
        }
        for suffix in [".cold", ".localalias"] {
            s = s.strip_suffix(suffix).unwrap_or(s);
        }
        if s == before {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_strips_hashes_suffixes_and_disambiguators() {
        let a = "_ZN7mycrate3sum17h0123456789abcdefE";
        let b = "_ZN7mycrate3sum17hfedcba9876543210E.llvm.1234567890";
        assert_eq!(normalize(a), "mycrate::sum");
        assert_eq!(normalize(b), "mycrate::sum");
        assert_eq!(normalize("mycrate::sum::h0123456789abcdef"), "mycrate::sum");
        assert_eq!(normalize("foo.constprop.0"), "foo");
        assert_eq!(normalize("foo.cold"), "foo");
        assert_eq!(normalize("foo.cold.1"), "foo");
        assert_eq!(normalize("foo.isra.0.part.1"), "foo");
        assert_eq!(
            normalize("mycrate[1a2b3c4d]::foo::<u8>"),
            "mycrate::foo::<u8>"
        );
        // An array type in a path is not a disambiguator.
        assert_eq!(normalize("<[u8; 4]>::len"), "<[u8; 4]>::len");
        assert_eq!(
            normalize(&normalize(b)),
            normalize(b),
            "normalising twice changes nothing"
        );
        // v0 with two different crate disambiguators.
        assert_eq!(
            normalize("_RNvCs1234_7mycrate3foo"),
            normalize("_RNvCsabcd_7mycrate3foo")
        );
    }

    #[test]
    fn a_local_number_goes_and_nothing_else() {
        let fmt = "<indicatif::style::TemplateError as core::fmt::Debug>::fmt";
        assert_eq!(without_local_number(&format!("{fmt}.1425")), fmt);
        assert_eq!(without_local_number("buf.0"), "buf");
        for kept in [fmt, "f.llvm", ".5", "x.", "v1.2a", "anon.9f.x"] {
            assert_eq!(without_local_number(kept), kept);
        }
    }
}
