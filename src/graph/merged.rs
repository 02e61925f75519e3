//! References that fat LTO made: a crate's constant or function merged with another crate's
//! equal one under that crate's name, which no code of the referring crate can name (see
//! [`merged`]); such a reference enters no crate.

use super::build;
use crate::attribute::Attributed;
use crate::attribute::coverage::Owner;
use crate::attribute::deps::Dependencies;

/// Whether the reference of piece `f` to piece `t`, a named static of another crate, can only
/// be to a constant of `f`'s own crate that the linker merged with `t`'s equal bytes: the
/// crate of `f` cannot name statics of `t`'s, because std's crates depend on no crate of the
/// build, and a crate of the build on those `deps` says only. Fat LTO merges equal constants
/// and keeps one name: core's digit table took itoa's `DECIMAL_PAIRS`, and every user of
/// core's integer formatting "entered" itoa (QA ak F1). Generic code is the exception, as it is
/// instantiated for a type of another crate: a name that mentions `t`'s crate is kept.
pub(super) fn merged(
    a: &Attributed,
    g: &build::Analysis,
    deps: Option<&Dependencies>,
    plain: &mut PlainFunctions,
    (f, t): (u32, u32),
) -> bool {
    let static_of = |v: u32| match a.layout.pieces.get(v as usize).map(|p| p.owner) {
        Some(Owner::Symbol { section, .. }) => {
            !a.is_anonymous_constant(v as usize)
                && a.layout
                    .sections
                    .get(section as usize)
                    .is_some_and(|s| !s.exec)
        }
        _ => false,
    };
    let name = |v: u32| {
        g.group
            .get(v as usize)
            .and_then(|&k| g.group_names.get(k as usize))
    };
    let (Some(from), Some(to)) = (name(f), name(t)) else {
        return false;
    };
    let names_to = || a.name(f as usize).contains(&format!("{to}::"));
    if static_of(t) {
        let cannot = match std_side(from) {
            // std's generic code calls the functions and closures it is given.
            true => !std_side(to),
            false => deps.and_then(|d| d.may_name(from, to)) == Some(false),
        };
        return cannot && !names_to();
    }
    // Code: std's calls none of these (it calls what it is given); the names are read only
    // where the crates leave the question open.
    if std_side(from) {
        return false;
    }
    let unnameable = deps.and_then(|d| d.may_name(from, to)) == Some(false);
    let into_std = std_side(to);
    if !unnameable && !into_std {
        return false;
    }
    if plain.get(a, t) {
        unnameable && !names_to()
    } else {
        into_std && made_for_unnameable(a, deps, (f, t), from)
    }
}

/// Whether std's code `t` (drop glue, a generic function) that crate `from`'s piece `f`
/// refers to was made for a type of a crate that `from` cannot name, and `f`'s name does not
/// name either: fat LTO merged `from`'s own identical instance into it under the other type's
/// name (QA bi F4: regex_automata's `drop_in_place<SparseSet>` became
/// `drop_in_place<regex_lite::pikevm::SparseSet>`, and regex_automata, asyncgit and gix each
/// "entered" std anew). Generic code of `from` instantiated for that crate's types calls it
/// too, under a legacy name that does not show them; such a reference is that crate's cost
/// and is not listed either.
fn made_for_unnameable(
    a: &Attributed,
    deps: Option<&Dependencies>,
    (f, t): (u32, u32),
    from: &str,
) -> bool {
    let Some(deps) = deps else {
        return false;
    };
    let callee = a.name(t as usize);
    let Some((_, args)) = callee.split_once('<') else {
        return false;
    };
    let caller = a.name(f as usize);
    crate::attribute::demangle::path_roots(args)
        .into_iter()
        .any(|c| deps.may_name(from, c) == Some(false) && !caller.contains(&format!("{c}::")))
}

/// [`plain_function`] of each piece asked for, found once: a function is called from many
/// crates (26,143 questions for a few thousand callees on the tool's own binary, a third of
/// them names demangled).
pub(super) struct PlainFunctions(Vec<u8>);

impl PlainFunctions {
    const UNASKED: u8 = 0;

    pub(super) fn new(pieces: usize) -> Self {
        Self(vec![Self::UNASKED; pieces])
    }

    fn get(&mut self, a: &Attributed, v: u32) -> bool {
        match self.0.get_mut(v as usize) {
            Some(k) if *k == Self::UNASKED => {
                let plain = plain_function(a, v);
                *k = 1 + u8::from(plain);
                plain
            }
            Some(k) => *k == 2,
            None => plain_function(a, v),
        }
    }
}

/// Whether piece `v` is a function that code of another crate calls only by its name: not a
/// closure, a trait's method or an instance of generic code, which generic code of a crate
/// that cannot name it calls for the crate that gives them. A call of such a function from a
/// crate that cannot name its crate is to the crate's own identical function, which fat LTO
/// merged into it under the other name (QA bg F4: regex_syntax's `is_hex` became
/// `regex_lite::hir::parse::is_hex`).
fn plain_function(a: &Attributed, v: u32) -> bool {
    let exec = match a.layout.pieces.get(v as usize).map(|p| p.owner) {
        Some(Owner::Symbol { section, .. }) => a
            .layout
            .sections
            .get(section as usize)
            .is_some_and(|s| s.exec),
        _ => false,
    };
    exec && !generic_or_closure(a, v)
}

/// Whether piece `v`'s name shows `<`, `{` or `}`; a legacy Rust name is read as it is in the
/// symbol table, where they are `$LT$`, `$u7b$` and `$u7d$`: demangling every callee's name
/// was a third of the time of finding the tool's own binary's entry points (29 → 20 ms).
fn generic_or_closure(a: &Attributed, v: u32) -> bool {
    let raw = match a.layout.pieces.get(v as usize).map(|p| p.owner) {
        Some(Owner::Symbol { name, .. }) => {
            crate::attribute::demangle::legacy_generic_or_closure(name)
        }
        _ => None,
    };
    raw.unwrap_or_else(|| a.name(v as usize).contains(['<', '{', '}']))
}

/// A crate group of std's: `std` (the sysroot's crates folded), or one of them by itself under
/// `--split-std` (`core`, `hashbrown (std)`).
fn std_side(group: &str) -> bool {
    group.ends_with(" (std)") || crate::attribute::demangle::is_std_crate(group)
}

#[cfg(test)]
mod tests {
    use crate::attribute::{Attributed, layout_of, test_binary};

    /// The answers kept are the answers: asked twice of every piece of this test's own binary
    /// (generic code, closures, plain functions and data), the same as [`super::plain_function`].
    #[test]
    fn kept_answers_are_the_plain_functions() {
        let bytes = test_binary();
        let layout = layout_of(&bytes);
        let crates = Attributed::crates_of(&layout, None, &Default::default());
        let a = Attributed::with(layout, crates);
        let n = a.layout.pieces.len();
        let mut kept = super::PlainFunctions::new(n);
        let truth: Vec<bool> = (0..n as u32)
            .map(|v| super::plain_function(&a, v))
            .collect();
        for _ in 0..2 {
            let got: Vec<bool> = (0..n as u32).map(|v| kept.get(&a, v)).collect();
            assert_eq!(got, truth);
        }
        let plain = truth.iter().filter(|&&p| p).count();
        assert!(
            plain > 100 && plain + 100 < n,
            "{plain} of {n}: both kinds asked"
        );
        // Past the pieces it was made for: answered, not kept.
        assert_eq!(kept.get(&a, n as u32), super::plain_function(&a, n as u32));
    }
}
