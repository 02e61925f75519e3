//! The entry points into each crate: the symbols of other crates that refer into it (issue 13,
//! item 5: the gate names the new ones of a crate that grew).

use std::collections::HashMap;

use super::{build, dom};
use crate::attribute::Attributed;
use crate::attribute::coverage::Owner;
use crate::attribute::crates::CrateIndex;
use crate::attribute::deps::Dependencies;
use crate::report::Entered;

/// How far the names are read past what was let go of before the file is told (see
/// `entry_points`).
const LET_GO_EVERY: usize = 256 * 1024;

/// From how many names [`piece_names`] reads them on more than one thread.
const NAMES_IN_RUNS_FROM: usize = 4096;

/// No name at either end of an edge: not ranked.
const NO_RANK: u32 = u32::MAX;

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
/// merge (see [`super::merged::merged`]).
/// `file`: the bytes the names are read from, and what to tell of the parts read.
pub(super) fn entry_points(
    a: &Attributed,
    g: &build::Analysis,
    index: Option<&CrateIndex>,
    file: (&[u8], super::decode::Done),
) -> HashMap<usize, (Vec<String>, Vec<Entered>)> {
    let deps = index.and_then(CrateIndex::dependencies);
    let mut edges = entering(a, g, deps);
    through_constants(a, g, &mut edges);
    named(a, g, edges, file)
}

/// A reference into a crate group: (the group, the referring piece, the group's item it
/// reaches).
type Edge = (u32, u32, u32);

/// (crate group, source piece, item) for each symbol that refers into another crate group
/// than its own, directly or through bytes without a symbol that lead on into it.
fn entering(a: &Attributed, g: &build::Analysis, deps: Option<&Dependencies>) -> Vec<Edge> {
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
    // Each target searched once (its group is fixed): the item it leads to, or none.
    const UNSEARCHED: u32 = u32::MAX;
    const NO_ITEM: u32 = u32::MAX - 1;
    let mut known = vec![UNSEARCHED; g.n];
    let mut enters = |t: u32, gt: u32| {
        let k = known.get_mut(t as usize)?;
        if *k == UNSEARCHED {
            *k = item_reached(&g.plain, t, |u| group(u) == gt, item).unwrap_or(NO_ITEM);
        }
        (*k != NO_ITEM).then_some(*k)
    };
    let unnamed = |t: u32| {
        !matches!(
            a.layout.pieces.get(t as usize).map(|p| &p.owner),
            Some(Owner::Symbol { .. })
        )
    };
    // What each of the symbol's own bytes without a name leads to, found once.
    let mut past: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut plain = super::merged::PlainFunctions::new(g.n);
    let mut pairs: Vec<Edge> = Vec::new();
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
                    if gu != crate::attribute::NO_GROUP
                        && gu != gf
                        && let Some(i) = enters(u, gu)
                    {
                        pairs.push((gu, f, i));
                    }
                }
            } else if gt != crate::attribute::NO_GROUP
                && gt != gf
                && let Some(i) = enters(t, gt)
                && !super::merged::merged(a, g, deps, &mut plain, (f, t))
            {
                pairs.push((gt, f, i));
            }
        }
    }
    pairs
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

/// The edges into each crate group (see [`entry_points`]), named: per group its referrers
/// (its `entry_points`, sorted) and its entered symbols (sorted by name), each with what it
/// retains and its referrers as positions in the first.
fn named(
    a: &Attributed,
    g: &build::Analysis,
    edges: Vec<Edge>,
    file: (&[u8], super::decode::Done),
) -> HashMap<usize, (Vec<String>, Vec<Entered>)> {
    let mut names = piece_names(a, g, &edges, file);
    // Each distinct name by its rank among them: the edges are then sorted and grouped as
    // numbers, and each name is made a `String` once per crate that it is in. Sorted once,
    // ranked in the same pass (no search per name).
    names.sort_unstable_by(|x, y| x.1.cmp(&y.1));
    let mut ranks: Vec<u32> = vec![NO_RANK; g.n];
    let mut distinct: Vec<String> = Vec::with_capacity(names.len());
    for (p, n) in names {
        if distinct.last() != Some(&n) {
            distinct.push(n);
        }
        if let Some(r) = ranks.get_mut(p as usize) {
            *r = (distinct.len() - 1) as u32;
        }
    }
    let rank = |p: u32| ranks.get(p as usize).copied().filter(|&r| r != NO_RANK);
    let mut ranked: Vec<(u32, u32, u32, u32)> = edges
        .iter()
        .filter_map(|&(gt, f, t)| Some((gt, rank(t)?, rank(f)?, t)))
        .collect();
    ranked.sort_unstable();
    ranked.dedup_by_key(|e| (e.0, e.1, e.2));
    let retained = |t: u32| g.retained.get(t as usize).copied().unwrap_or(0);
    let aliases = aliases(a);
    let aliases_of = |same: &[(u32, u32, u32, u32)], own: &str| {
        let mut v: Vec<String> = same
            .iter()
            .flat_map(|e| aliases.get(&e.3).into_iter().flatten())
            .filter(|n| *n != own)
            .cloned()
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut out: HashMap<usize, (Vec<String>, Vec<Entered>)> = HashMap::new();
    for group in ranked.chunk_by(|x, y| x.0 == y.0) {
        // The referrers, sorted by name: the crate's `entry_points`.
        let mut from: Vec<u32> = group.iter().map(|e| e.2).collect();
        from.sort_unstable();
        from.dedup();
        let entered = group
            .chunk_by(|x, y| x.1 == y.1)
            .map(|same| Entered {
                aliases: aliases_of(same, &distinct[same[0].1 as usize]),
                symbol: distinct[same[0].1 as usize].clone(),
                // Two local symbols of one name are one entry.
                retained: same.iter().map(|e| retained(e.3)).max().unwrap_or(0),
                from: same
                    .iter()
                    .filter_map(|e| from.binary_search(&e.2).ok().map(|i| i as u32))
                    .collect(),
            })
            .collect();
        let points = from.iter().map(|&r| distinct[r as usize].clone()).collect();
        out.insert(group[0].0 as usize, (points, entered));
    }
    out
}

/// The name of each piece at either end of `edges`, in the order of the names in the file:
/// without LTO's numbers (`fmt.1425`), as the
/// gate compares these names across builds.
fn piece_names(
    a: &Attributed,
    g: &build::Analysis,
    edges: &[Edge],
    file: (&[u8], super::decode::Done),
) -> Vec<(u32, String)> {
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
    // Each piece named once, in the order of the names in the file: read front to back, and
    // let go of behind (a fault maps the 64 KiB around a name: read in the pieces' order, a
    // few dozen names made the whole symbol table resident, at the top of `inspect`'s peak
    // memory).
    let (bytes, done) = file;
    let at = |f: u32| match a.layout.pieces[f as usize].owner {
        Owner::Symbol { name, .. } => (name.as_ptr() as usize)
            .checked_sub(bytes.as_ptr() as usize)
            .filter(|&o| o < bytes.len()),
        _ => None,
    };
    let mut pieces: Vec<u32> = edges.iter().flat_map(|&(_, f, t)| [f, t]).collect();
    pieces.sort_unstable();
    pieces.dedup();
    pieces.sort_by_key(|&p| at(p));
    // A run of them per CPU: each name is demangled (about 1 us each; 12,063 names on the
    // tool's own binary), and a run lets go of what it has read as it goes.
    crate::threads::runs_in_order(&pieces, NAMES_IN_RUNS_FROM, |run| {
        let mut read_from = run.first().and_then(|&p| at(p)).unwrap_or(0);
        let mut names = Vec::with_capacity(run.len());
        for &p in run {
            if let Some(o) = at(p)
                && o >= read_from + LET_GO_EVERY
            {
                done(read_from..o);
                read_from = o;
            }
            names.push((p, name(p)));
        }
        names
    })
}

/// The other names of each piece that has some (a few thousand of glibc's, at most).
fn aliases(a: &Attributed) -> HashMap<u32, Vec<String>> {
    let mut aliases: HashMap<u32, Vec<String>> = HashMap::new();
    for &(p, raw) in &a.layout.aliases {
        let n = crate::attribute::demangle::display_name(raw);
        let n = crate::attribute::normal::without_local_number(&n).to_string();
        aliases.entry(p).or_default().push(n);
    }
    aliases
}

/// Entries (crate group, source) whose source is a constant the compiler named
/// (`anon.<hash>.<n>.llvm.<n>`) are entries of the named symbols that refer to the constant
/// instead, through other such constants and bytes without a symbol: the name's hash is its
/// codegen unit's, which changes whenever any code of that unit does, so the gate took the
/// same constants, renamed, for new entry points (QA m: five into std after an edit of bore's
/// `main.rs`). A referrer of the entered crate's own is none; a constant that no named symbol
/// refers to is `[constant of <its crate>]`.
fn through_constants(a: &Attributed, g: &build::Analysis, pairs: &mut Vec<Edge>) {
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
    for &(gt, f, t) in pairs.iter() {
        if !made_up(f) {
            out.push((gt, f, t));
            continue;
        }
        let k = found.partition_point(|b| b.0 < f);
        let referrers = found[k..].iter().take_while(|b| b.0 == f).map(|b| b.1);
        let before = out.len();
        out.extend(referrers.map(|u| (gt, u, t)));
        if out.len() == before {
            out.push((gt, f, t));
        }
    }
    // A referrer inside the entered crate enters nothing.
    out.retain(|&(gt, u, _)| g.group.get(u as usize) != Some(&gt));
    out.sort_unstable();
    out.dedup();
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
    item_reached(plain, t, in_group, item).is_some()
}

/// The item [`leads_into`] finds.
fn item_reached(
    plain: &dom::Csr,
    t: u32,
    in_group: impl Fn(u32) -> bool,
    item: impl Fn(u32) -> bool,
) -> Option<u32> {
    let mut seen = vec![t];
    let mut next = vec![t];
    while let Some(v) = next.pop() {
        if item(v) {
            return Some(v);
        }
        for &u in plain.succ(v) {
            if in_group(u) && !seen.contains(&u) && seen.len() < LEAD_ON {
                seen.push(u);
                next.push(u);
            }
        }
    }
    None
}
