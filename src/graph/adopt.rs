//! The crates of the pieces without one of their own (bytes without a symbol, constants whose
//! names the compiler made up, C statics several crates' archives define): the crate of the
//! code that refers to them, else of the piece that dominates them.

use super::dom::{Csr, Dominators, NONE};
use super::refs::kind_id;
use crate::attribute::coverage::Owner;
use crate::attribute::{Attributed, NO_GROUP};
use crate::report::{Confidence, RefKind};

/// The C start file's entry and the program's C `main`: no crate's, though the C library
/// refers to `main` (a part of `[libc]`, they would make it retain the whole program).
const PROGRAM_ENTRY: &[&str] = &["_start", "main"];

/// The crate of each piece without a symbol (in `a` and `group`), see [`choose`].
pub(super) fn assign(
    a: &mut Attributed,
    preds: &Csr,
    doms: &Dominators,
    (group, folded): (&mut [u32], &[u32]),
    root: u32,
    let_go: &dyn Fn(),
) {
    // A piece of each group, to adopt its crate from (by group index: a hash per piece was a
    // quarter of this stage).
    let mut sample: Vec<usize> = Vec::new();
    for (i, &k) in group.iter().enumerate() {
        if k != NO_GROUP {
            let k = k as usize;
            if k >= sample.len() {
                sample.resize(k + 1, usize::MAX);
            }
            if sample[k] == usize::MAX {
                sample[k] = i;
            }
        }
    }
    // Read from the pieces in their order once, not in the dominators' order (at random, a
    // cache miss a piece, twice: 30% of this stage). `adopt` changes no piece's owner.
    let sections = &a.layout.sections;
    let loaded = |s: usize| sections.get(s).is_some_and(|s| s.alloc);
    let anonymous: Vec<bool> = a
        .layout
        .pieces
        .iter()
        .enumerate()
        .map(|(i, p)| match p.owner {
            Owner::Section(s) => loaded(s),
            Owner::Symbol { section, .. } => {
                (a.is_anonymous_constant(i) || a.is_ambiguous(i)) && loaded(section as usize)
            }
            _ => false,
        })
        .collect();
    // Without the build's archives (`inspect FILE`), a C symbol no name tells the crate of
    // (oniguruma's `compile_regex`, its `CR_Alnum` table; libgit2's `sha1_process`) is the
    // crate's whose code alone refers to it: a name is no proof that a crate it is not, so not
    // the crate that dominates it (QA be F3: git-delta's 636 KiB of `[unknown]`). With the
    // archives a symbol without a crate is one none of them defines, and stays so.
    let named: Vec<bool> = match a.names_only() {
        true => a
            .layout
            .pieces
            .iter()
            .enumerate()
            .map(|(i, p)| match p.owner {
                Owner::Symbol { section, .. } => {
                    !anonymous[i]
                        && group[i] == NO_GROUP
                        && loaded(section as usize)
                        && !PROGRAM_ENTRY.contains(&a.name(i).as_str())
                }
                _ => false,
            })
            .collect(),
        false => Vec::new(),
    };
    // The names were read: their pages go before the choice's arrays are made.
    let_go();
    let adoptable = (&anonymous[..], &named[..]);
    for (vi, k, confidence) in choose(preds, doms, (group, folded), root, adoptable) {
        if let Some(&from) = sample.get(k as usize).filter(|&&i| i != usize::MAX) {
            a.adopt(vi, from, confidence);
        }
    }
}

/// The crate of each anonymous piece (bytes without a symbol, or a constant's whose name the
/// compiler made up, see [`Attributed::is_anonymous_constant`]: ThinLTO gives LLVM's `anon.<hash>.<n>` one;
/// or a C static whose name several crates' archives define, see `Attributed::is_ambiguous`) that has none in `group`: the
/// crate of every piece that refers to it (or that it describes), else the crate whose node
/// dominates it; in dominator order, so a piece referred to only by such pieces follows them.
/// Bytes that describe or patch a piece (an FDE, an `.eh_frame_hdr` row, a relocation: a
/// [`RefKind::Describes`] edge into them) whose crate is not known stay without one: they are
/// that code's, and the dominator is only its caller (a package's `main` got all of a system
/// libcrypto's unwind tables and relocations so). Crates are told apart by their group in
/// `folded` (std's crates as one: see `Attributed::groups_folded`); of std's several, the
/// first referrer's is chosen. A `named` piece (a symbol whose crate no name told) takes
/// only the crate of its referrers, never its dominator's. Sets `group` and returns each
/// choice.
pub(super) fn choose(
    preds: &Csr,
    doms: &Dominators,
    (group, folded): (&mut [u32], &[u32]),
    root: u32,
    (anonymous, named): (&[bool], &[bool]),
) -> Vec<(usize, u32, Confidence)> {
    let fold = |k: u32| folded.get(k as usize).copied().unwrap_or(k);
    let n = group.len();
    let describes = kind_id(RefKind::Describes);
    let mut chosen_all = Vec::new();
    let order = || {
        let unreachable = (0..n as u32).filter(|&v| !doms.reachable(v));
        doms.order.iter().copied().chain(unreachable)
    };
    // A piece still waiting for a crate, which may yet get one.
    let pending = |group: &[u32], p: u32| {
        let pi = p as usize;
        group.get(pi) == Some(&NO_GROUP)
            && (anonymous.get(pi) == Some(&true) || named.get(pi) == Some(&true))
    };
    // Twice: an unreachable piece may be described by one that comes later in the order.
    // Then twice more, loosely for named pieces: C functions that call each other (OpenSSL's
    // `point_add` and `point_double`, a cycle the dominators' order cannot start) take the
    // crate of every referrer that has one, the referrers still waiting left out (QA bi:
    // 174 KiB of a static OpenSSL's own functions were `[unknown]`).
    let strict = order().chain(order()).map(|v| (v, false));
    let loose = order().chain(order()).map(|v| (v, true));
    for (v, loose) in strict.chain(loose) {
        let vi = v as usize;
        let by_name = named.get(vi) == Some(&true);
        if loose && !by_name {
            continue;
        }
        if vi >= n || group[vi] != NO_GROUP || !(anonymous[vi] || by_name) {
            continue;
        }
        // A root (the entry point, a constructor) is reached by the loader, not by a crate.
        if by_name && preds.succ(v).contains(&root) {
            continue;
        }
        // The first referrer's group, while every referrer's folds to its.
        let mut only: Option<u32> = None;
        let mut single = true;
        let mut described = false;
        for (p, kind) in preds.succ_kinds(v) {
            if p == root {
                continue;
            }
            described |= kind == describes;
            let k = group.get(p as usize).copied().unwrap_or(NO_GROUP);
            // A named function's own callees calling it back (recursion: oniguruma's
            // `match_at`, `compile_tree`) bring in no other crate: only it reaches them.
            if by_name && k == NO_GROUP && dominated_by(doms, p, v) {
                continue;
            }
            match only {
                _ if k == NO_GROUP && loose && pending(group, p) => {}
                _ if k == NO_GROUP => single = false,
                None => only = Some(k),
                Some(o) if fold(o) != fold(k) => single = false,
                _ => {}
            }
        }
        let chosen = match only {
            Some(k) if single => Some((k, Confidence::Referenced)),
            _ if described || by_name => None,
            _ => dominating_crate(doms, group, v, root).map(|k| (k, Confidence::Dominated)),
        };
        if let Some((k, confidence)) = chosen {
            group[vi] = k;
            chosen_all.push((vi, k, confidence));
        }
    }
    chosen_all
}

/// Whether every path from the root to `p` passes through `v` (`p` is `v` itself or below it
/// in the dominator tree).
fn dominated_by(doms: &Dominators, p: u32, v: u32) -> bool {
    let mut u = p;
    while u != NONE {
        if u == v {
            return true;
        }
        let d = doms.idom[u as usize];
        if d == u {
            return false;
        }
        u = d;
    }
    false
}

/// The crate of the nearest piece above `v` in the dominator tree that has one: removing
/// that crate removes the piece, and with it `v`.
fn dominating_crate(doms: &Dominators, group: &[u32], v: u32, root: u32) -> Option<u32> {
    let mut u = doms.idom[v as usize];
    while u != NONE && u != root {
        match group.get(u as usize) {
            Some(&k) if k != NO_GROUP => return Some(k),
            _ => u = doms.idom[u as usize],
        }
    }
    None
}
