//! The entry points into each crate: the symbols of other crates that refer into it (issue 13,
//! item 5: the gate names the new ones of a crate that grew).

use std::collections::HashMap;

use super::{build, dom};
use crate::attribute::Attributed;
use crate::attribute::coverage::Owner;
use crate::attribute::crates::CrateIndex;
use crate::attribute::deps::Dependencies;
/// How far the names are read past what was let go of before the file is told (see
/// `entry_points`).
const LET_GO_EVERY: usize = 256 * 1024;

/// How many pieces without a name of their own a way into a crate is followed through.
const LEAD_ON: usize = 64;

/// Per crate group, the names of the symbols of other crates that refer into it: to one of its
/// symbols, or to bytes without a symbol that lead on into it (a vtable, a table of function
/// pointers). A constant without a symbol, or with a name the compiler made up (`anon.…`), that
/// refers to nothing pulls no code of the crate in: such a leaf gets its crate from the code
/// that uses it or from its compilation unit, and the linker merges equal constants (a 16-byte
/// `.rodata` row that glibc's resolver shares with hashbrown; glibc's `default_rwlockattr`, 8
/// zero bytes at the address of a regex_automata `anon.…`), so a reference to it names no entry.
/// A named static of a crate that the referring code's crate cannot name is another such
/// merge (see [`merged`]).
/// `file`: the bytes the names are read from, and what to tell of the parts read.
pub(super) fn entry_points(
    a: &Attributed,
    g: &build::Analysis,
    index: Option<&CrateIndex>,
    file: (&[u8], super::decode::Done),
) -> HashMap<usize, Vec<String>> {
    let deps = index.and_then(CrateIndex::dependencies);
    let mut pairs = entering(a, g, deps);
    through_constants(a, g, &mut pairs);
    named(a, g, pairs, file)
}

/// (crate group, source piece) for each symbol that refers into another crate group than its
/// own, directly or through bytes without a symbol that lead on into it.
fn entering(a: &Attributed, g: &build::Analysis, deps: Option<&Dependencies>) -> Vec<(u32, u32)> {
    let group = |t: u32| {
        g.group
            .get(t as usize)
            .copied()
            .unwrap_or(crate::attribute::NO_GROUP)
    };
    // A piece named by the crate's own code or data: a symbol the compiler did not make up.
    let item = |t: u32| match a.layout.pieces.get(t as usize).map(|p| &p.owner) {
        Some(Owner::Symbol { .. }) => !a.is_anonymous_constant(t as usize),
        _ => false,
    };
    // Each target searched once (its group is fixed): 0 not yet, 1 enters, 2 does not.
    let mut known = vec![0u8; g.n];
    let mut enters = |t: u32, gt: u32| {
        let k = known.get_mut(t as usize)?;
        if *k == 0 {
            *k = if leads_into(&g.plain, t, |u| group(u) == gt, item) {
                1
            } else {
                2
            };
        }
        Some(*k == 1)
    };
    let unnamed = |t: u32| {
        !matches!(
            a.layout.pieces.get(t as usize).map(|p| &p.owner),
            Some(Owner::Symbol { .. })
        )
    };
    // What each of the symbol's own bytes without a name leads to, found once.
    let mut past: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for f in 0..g.n as u32 {
        let gf = g.group[f as usize];
        if unnamed(f) {
            continue;
        }
        for &t in g.plain.succ(f) {
            let gt = group(t);
            // A vtable without a symbol is counted in the crate of the code that loads it
            // (`referenced`): the crate its slots lead into is entered from that code (QA z,
            // Z1: `vivid::run` into etcetera through a `&dyn Debug`).
            if gt == gf && unnamed(t) {
                let led = past
                    .entry(t)
                    .or_insert_with(|| beyond(&g.plain, t, |u| unnamed(u) && group(u) == gf));
                for &u in led.iter() {
                    let gu = group(u);
                    if gu != crate::attribute::NO_GROUP && gu != gf && enters(u, gu) == Some(true) {
                        pairs.push((gu, f));
                    }
                }
            } else if gt != crate::attribute::NO_GROUP
                && gt != gf
                && enters(t, gt) == Some(true)
                && !merged(a, g, deps, (f, t))
            {
                pairs.push((gt, f));
            }
        }
    }
    pairs
}

/// Whether the reference of piece `f` to piece `t`, a named static of another crate, can only
/// be to a constant of `f`'s own crate that the linker merged with `t`'s equal bytes: the
/// crate of `f` cannot name statics of `t`'s, because std's crates depend on no crate of the
/// build, and a crate of the build on those `deps` says only. Fat LTO merges equal constants
/// and keeps one name: core's digit table took itoa's `DECIMAL_PAIRS`, and every user of
/// core's integer formatting "entered" itoa (QA ak F1). Generic code is the exception, as it is
/// instantiated for a type of another crate: a name that mentions `t`'s crate is kept.
fn merged(
    a: &Attributed,
    g: &build::Analysis,
    deps: Option<&Dependencies>,
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
    if !static_of(t) {
        return false;
    }
    let name = |v: u32| {
        g.group
            .get(v as usize)
            .and_then(|&k| g.group_names.get(k as usize))
    };
    let (Some(from), Some(to)) = (name(f), name(t)) else {
        return false;
    };
    let cannot = if std_side(from) {
        !std_side(to)
    } else {
        deps.and_then(|d| d.may_name(from, to)) == Some(false)
    };
    cannot && !a.name(f as usize).contains(&format!("{to}::"))
}

/// A crate group of std's: `std` (the sysroot's crates folded), or one of them by itself under
/// `--split-std` (`core`, `hashbrown (std)`).
fn std_side(group: &str) -> bool {
    group.ends_with(" (std)") || crate::attribute::demangle::is_std_crate(group)
}

/// The pieces that piece `t` (without a name) leads to through pieces that `walk` lets it go
/// on through: a vtable's slots, a table's function pointers; not an unwind table's
/// description of a function.
fn beyond(plain: &dom::Csr, t: u32, walk: impl Fn(u32) -> bool) -> Vec<u32> {
    let describes = super::refs::kind_id(crate::report::RefKind::Describes);
    let mut seen = vec![t];
    let mut next = vec![t];
    let mut out = Vec::new();
    while let Some(v) = next.pop() {
        for (u, k) in plain.succ_kinds(v) {
            if k == describes || seen.contains(&u) || seen.len() >= LEAD_ON {
                continue;
            }
            seen.push(u);
            if walk(u) {
                next.push(u);
            } else {
                out.push(u);
            }
        }
    }
    out
}

/// The names of the sources of `pairs` (see [`entry_points`]), per crate group, sorted.
fn named(
    a: &Attributed,
    g: &build::Analysis,
    mut pairs: Vec<(u32, u32)>,
    file: (&[u8], super::decode::Done),
) -> HashMap<usize, Vec<String>> {
    // By symbol: each demangled once, however many crates it enters, and moved into the
    // last of them (a large binary has thousands: one copy of each is held, not two).
    pairs.sort_unstable_by_key(|&(gt, f)| (f, gt));
    pairs.dedup();
    // Without LTO's numbers (`fmt.1425`): the gate compares these names across builds.
    // A constant no named symbol refers to (see `through_constants`): by its crate.
    let name = |f: u32| match a.layout.pieces[f as usize].owner {
        Owner::Symbol { .. } if a.is_anonymous_constant(f as usize) => {
            match g.group_names.get(g.group[f as usize] as usize) {
                Some(k) => format!("[constant of {k}]"),
                None => "[constant]".to_string(),
            }
        }
        _ => {
            let n = a.name(f as usize);
            crate::attribute::normal::without_local_number(&n).to_string()
        }
    };
    // In the order of the names in the file: read once, front to back, and let go of behind
    // (a fault maps the 64 KiB around a name: read in the pieces' order, a few dozen names
    // made the whole symbol table resident, at the top of `inspect`'s peak memory).
    let (bytes, done) = file;
    let at = |f: u32| match a.layout.pieces[f as usize].owner {
        Owner::Symbol { name, .. } => (name.as_ptr() as usize)
            .checked_sub(bytes.as_ptr() as usize)
            .filter(|&o| o < bytes.len()),
        _ => None,
    };
    let mut chunks: Vec<&[(u32, u32)]> = pairs.chunk_by(|x, y| x.1 == y.1).collect();
    chunks.sort_by_key(|c| c.first().and_then(|p| at(p.1)));
    let mut read_from = 0;
    let mut out: HashMap<usize, Vec<String>> = HashMap::new();
    for same in chunks {
        let Some((&(last, f), rest)) = same.split_last() else {
            continue;
        };
        if let Some(o) = at(f)
            && o >= read_from + LET_GO_EVERY
        {
            done(read_from..o);
            read_from = o;
        }
        let n = name(f);
        for &(gt, _) in rest {
            out.entry(gt as usize).or_default().push(n.clone());
        }
        out.entry(last as usize).or_default().push(n);
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// Entries (crate group, source) whose source is a constant the compiler named
/// (`anon.<hash>.<n>.llvm.<n>`) are entries of the named symbols that refer to the constant
/// instead, through other such constants and bytes without a symbol: the name's hash is its
/// codegen unit's, which changes whenever any code of that unit does, so the gate took the
/// same constants, renamed, for new entry points (QA m: five into std after an edit of bore's
/// `main.rs`). A referrer of the entered crate's own is none; a constant that no named symbol
/// refers to is `[constant of <its crate>]`.
fn through_constants(a: &Attributed, g: &build::Analysis, pairs: &mut Vec<(u32, u32)>) {
    let owner = |v: u32| a.layout.pieces.get(v as usize).map(|p| p.owner);
    let made_up = |v: u32| match owner(v) {
        Some(Owner::Symbol { .. }) => a.is_anonymous_constant(v as usize),
        _ => false,
    };
    let named = |v: u32| matches!(owner(v), Some(Owner::Symbol { .. })) && !made_up(v);
    // (piece, the constant it is a referrer of), searched back from the constants one step a
    // pass over the edges: few steps, and no reversed graph held beside the crates' sums.
    let mut stands: Vec<(u32, u32)> = pairs
        .iter()
        .map(|p| p.1)
        .filter(|&f| made_up(f))
        .map(|f| (f, f))
        .collect();
    if stands.is_empty() {
        return;
    }
    stands.sort_unstable();
    stands.dedup();
    let mut seen: Vec<(u32, u32)> = stands.clone();
    let mut found: Vec<(u32, u32)> = Vec::new();
    let describes = super::refs::kind_id(crate::report::RefKind::Describes);
    for _ in 0..LEAD_ON {
        let mut next: Vec<(u32, u32)> = Vec::new();
        for u in 0..g.n as u32 {
            for (t, k) in g.plain.succ_kinds(u) {
                if k == describes {
                    continue;
                }
                let at = stands.partition_point(|s| s.0 < t);
                for &(_, c) in stands[at..].iter().take_while(|s| s.0 == t) {
                    if named(u) {
                        found.push((c, u));
                    } else if seen.binary_search(&(u, c)).is_err() {
                        next.push((u, c));
                    }
                }
            }
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            break;
        }
        seen.extend(&next);
        seen.sort_unstable();
        stands = next;
    }
    found.sort_unstable();
    found.dedup();
    let mut out = Vec::with_capacity(pairs.len());
    for &(gt, f) in pairs.iter() {
        if !made_up(f) {
            out.push((gt, f));
            continue;
        }
        let k = found.partition_point(|b| b.0 < f);
        let referrers = found[k..].iter().take_while(|b| b.0 == f).map(|b| b.1);
        let before = out.len();
        out.extend(referrers.map(|u| (gt, u)));
        if out.len() == before {
            out.push((gt, f));
        }
    }
    // A referrer inside the entered crate enters nothing.
    out.retain(|&(gt, u)| g.group.get(u as usize) != Some(&gt));
    *pairs = out;
}

/// Whether piece `t` of a crate is, or leads on to, one of the crate's items (`item`) through
/// pieces of the crate (`in_group`) without a name of their own: a vtable does; a panic
/// location, which holds only the address of a file name (itself a constant), does not.
pub(super) fn leads_into(
    plain: &dom::Csr,
    t: u32,
    in_group: impl Fn(u32) -> bool,
    item: impl Fn(u32) -> bool,
) -> bool {
    let mut seen = vec![t];
    let mut next = vec![t];
    while let Some(v) = next.pop() {
        if item(v) {
            return true;
        }
        for &u in plain.succ(v) {
            if in_group(u) && !seen.contains(&u) && seen.len() < LEAD_ON {
                seen.push(u);
                next.push(u);
            }
        }
    }
    false
}
