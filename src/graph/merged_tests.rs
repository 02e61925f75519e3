//! Tests of the reading of names for merged references.

use super::legacy_generic_or_closure;
use crate::attribute::demangle::display_name;

/// The raw reading agrees with the demangled name on legacy names, and leaves the others
/// to demangling.
#[test]
fn legacy_names_are_read_as_their_demangled_form() {
    let names: [&[u8]; 6] = [
        b"_ZN4core9panicking5panic17h0123456789abcdefE",
        b"_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$4grow17h0123456789abcdefE",
        b"_ZN3app4main28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE",
        b"_ZN51_$LT$regex..Error$u20$as$u20$core..fmt..Display$GT$3fmt17h0123456789abcdefE",
        b"_ZN3std2rt10lang_start17h0123456789abcdefE.llvm.123",
        b"_ZN3foo3bar17h0123456789abcdefE",
    ];
    for n in names {
        let shown = display_name(n).contains(['<', '{', '}']);
        assert_eq!(
            legacy_generic_or_closure(n),
            Some(shown),
            "{}",
            display_name(n)
        );
    }
    assert_eq!(legacy_generic_or_closure(b"memcpy"), None);
    assert_eq!(legacy_generic_or_closure(b"_RNvCs1234_3app4main"), None);
    assert_eq!(
        legacy_generic_or_closure(b"_ZNSt6vectorIiSaIiEE9push_backEOi"),
        None
    );
}
