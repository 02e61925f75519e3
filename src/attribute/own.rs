//! The binary crate's own exported names (see [`Crates::own`]).

use super::coverage::{Layout, Owner};
use super::{Attr, Confidence, Crates, NONE, demangle};

impl Crates {
    /// Give the binary crate `krate` the pieces that nothing else named and whose symbol is
    /// among `names`, the global names its own objects define (see
    /// `compile::link::own_symbols`): its `#[no_mangle]` and `#[export_name]` functions and
    /// the C `main` rustc writes for it, which no archive defines (QA dq F10). Not Rust's
    /// mangled names (another crate's generic code is instantiated there too), nor the
    /// constants the compiler named, which ThinLTO makes global (`anon.<hash>.<n>.llvm.<n>`:
    /// the code that refers to them names their crate), nor `DW.ref.X`, the one cell of X's
    /// address that every object defines.
    pub fn own(&mut self, layout: &Layout, krate: &str, names: &[String]) {
        let names: std::collections::HashSet<&[u8]> = names
            .iter()
            .map(|n| n.as_bytes())
            .filter(|n| {
                !demangle::is_rust(n)
                    && !demangle::is_anonymous_constant(demangle::without_hash(n))
                    && !n.starts_with(b"DW.ref.")
            })
            .collect();
        if names.is_empty() {
            return;
        }
        let k = self.names.intern(krate, false);
        for (a, p) in self.attrs.iter_mut().zip(&layout.pieces) {
            if let Owner::Symbol { name, .. } = p.owner
                && a.krate == NONE
                && a.confidence == Confidence::Unattributed
                && names.contains(name)
            {
                *a = Attr {
                    krate: k,
                    confidence: Confidence::Exact,
                    inst: NONE,
                };
            }
        }
    }
}

/// This test binary's bytes, for the tests that need a real binary's symbols.
#[cfg(test)]
pub(crate) fn test_binary() -> Vec<u8> {
    let exe = std::env::current_exe().expect("the test binary");
    std::fs::read(exe).expect("read the test binary")
}

/// The layout of [`test_binary`]'s bytes as `inspect` cuts them (no cuts, no analysis link).
#[cfg(test)]
pub(crate) fn layout_of(bytes: &[u8]) -> Layout<'_> {
    type H = object::elf::FileHeader64<object::Endianness>;
    super::coverage::layout_split_with::<H>(bytes, &[], None, &|| ()).expect("the layout")
}

#[cfg(test)]
mod tests {
    use crate::attribute::Attributed;
    use crate::attribute::coverage::Owner;

    /// This test's own binary: its C `main` (rustc's) is named by nothing else, and goes to
    /// the crate given; a name that something else named keeps its crate; Rust's names, a
    /// constant's the compiler made up and `DW.ref.X` are never taken; names not listed
    /// stay without a crate.
    #[test]
    fn only_unnamed_pieces_of_the_listed_names_are_the_binarys() {
        let bytes = super::test_binary();
        let layout = super::layout_of(&bytes);
        let name_of = |i: usize| match layout.pieces[i].owner {
            Owner::Symbol { name, .. } => String::from_utf8_lossy(name).into_owned(),
            _ => String::new(),
        };
        let before = Attributed::crates_of(&layout, None, &Default::default());
        let unnamed: Vec<usize> = (0..layout.pieces.len())
            .filter(|&i| before.attrs[i].krate == super::NONE && !name_of(i).is_empty())
            .collect();
        let main = (0..layout.pieces.len())
            .find(|&i| name_of(i) == "main")
            .expect("main");
        assert!(unnamed.contains(&main), "main is named by something else");
        let rust = (0..layout.pieces.len())
            .find(|&i| name_of(i).starts_with("_ZN") && before.attrs[i].krate != super::NONE)
            .expect("a Rust symbol with a crate");
        // Pieces of names never taken, that nothing else named either.
        let never: Vec<usize> = unnamed
            .iter()
            .copied()
            .filter(|&i| {
                let n = name_of(i);
                n.starts_with("DW.ref.") || super::demangle::is_anonymous_constant(n.as_bytes())
            })
            .collect();
        assert!(
            never.iter().any(|&i| name_of(i).starts_with("DW.ref.")),
            "no DW.ref cell without a crate"
        );
        let other = unnamed
            .iter()
            .copied()
            .find(|&i| name_of(i) != "main" && !never.contains(&i))
            .expect("another piece without a crate");
        let mut listed = vec![name_of(main), name_of(rust)];
        listed.extend(never.iter().map(|&i| name_of(i)));
        let mut after = Attributed::crates_of(&layout, None, &Default::default());
        after.own(&layout, "my_app", &listed);
        let krate = |c: &super::Crates, i: usize| {
            (c.attrs[i].krate != super::NONE).then(|| c.names.shown(c.attrs[i].krate).to_string())
        };
        assert_eq!(krate(&after, main).as_deref(), Some("my_app"));
        assert_eq!(after.attrs[main].confidence, super::Confidence::Exact);
        assert_eq!(krate(&after, rust), krate(&before, rust));
        assert_eq!(krate(&after, other), None, "{}", name_of(other));
        let changed = (0..layout.pieces.len())
            .filter(|&i| krate(&after, i) != krate(&before, i))
            .count();
        let mains = (0..layout.pieces.len())
            .filter(|&i| name_of(i) == "main")
            .count();
        assert_eq!(changed, mains);
    }
}
