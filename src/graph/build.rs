//! The graph over the attribution's pieces: references and roots mapped to pieces, the
//! dominator tree, retained sizes, and the crate of each piece without a symbol.
//!
//! Retained size of a symbol: its subtree in the dominator tree. Of a crate "as one node":
//! what is reachable from the roots with the crate and not without any of its pieces (a walk
//! of the graph per crate, see [`crate_retained`]).

use super::dom::{self, Csr, Dominators, NONE};
use super::lookup::Lookup;
use super::refs::{Ref, Root, kind_id};
use super::{adopt, biased};
use crate::attribute::coverage::{Layout, Owner};
use crate::attribute::unwind::Described;
use crate::attribute::{Attributed, NO_GROUP};
use crate::report::RefKind;

/// The graph of one binary, and what its dominator tree says.
pub struct Analysis {
    /// Pieces are nodes `0..n`; `n` is the virtual root that points at every root.
    pub n: usize,
    pub root: u32,
    /// References between pieces (no crate nodes).
    pub plain: Csr,
    /// Per piece its crate group (`NO_GROUP`: none), after the pieces without symbols got theirs.
    pub group: Vec<u32>,
    pub group_names: Vec<String>,
    /// Bytes each piece keeps alive (its dominator subtree; its own size if unreachable).
    pub retained: Vec<u64>,
    /// Bytes each crate group keeps alive.
    pub group_retained: Vec<u64>,
    pub reachable: Vec<bool>,
    /// Root descriptions, deduplicated.
    pub roots: Vec<String>,
}

/// Sections (is an array section, start, end) by index, for [`Lookup`].
fn array_sections(layout: &Layout) -> Vec<(bool, u64, u64)> {
    layout
        .sections
        .iter()
        .map(|s| {
            let (addr, size) = (s.addr, s.size);
            let c_ident = !s.name.is_empty()
                && s.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !s.name.as_bytes()[0].is_ascii_digit();
            (s.alloc && c_ident, addr, addr + size)
        })
        .collect()
}

/// The graph over a layout's pieces, with what the crates of the pieces are not needed for:
/// the shortest paths from the root and the dominator tree.
pub struct Wired {
    n: usize,
    root: u32,
    plain: Csr,
    preds: Csr,
    doms: Dominators,
    root_names: Vec<String>,
}

/// Wire the graph of `layout`'s pieces (read from `bytes`, told to `let_go` of its pages
/// once the last read of them is done). The references and described ranges are dropped once
/// they are edges: on a large binary they are the largest thing held, and the dominators come
/// after them.
pub fn wire(
    layout: &Layout,
    bytes: &[u8],
    refs: Vec<Vec<Ref>>,
    described: Vec<Described>,
    roots: &[Root],
    let_go: &(dyn Fn() + Sync),
) -> Wired {
    let sections = array_sections(layout);
    let pieces = &layout.pieces;
    let n = pieces.len();
    let root = n as u32;
    // A reference into the padding before a symbol is a biased base of it (`lea t-8`): see
    // `biased` for the rule and what it leaves alone. The padding's bytes are read (and let go
    // of) before the look-up is made: the two were together at the top of the peak.
    let pads = biased::paddings(layout, bytes, &refs);
    let_go();
    let look = Lookup::new(pieces, &sections);
    let mut edges = edges_of(&look, refs);
    biased::through_padding(&pads, &mut edges);
    for d in &described {
        if let (Some(o), Some(p)) = (look.at(d.owner), look.at(d.start)) {
            edges.push((o, p, kind_id(RefKind::Describes)));
        }
    }
    falls_through(layout, &described, &mut edges);
    drop(described);
    let mut root_names: Vec<String> = Vec::new();
    for r in roots {
        let before = edges.len();
        match r.end {
            Some(end) => edges.extend(look.within(r.addr, end).map(|p| (root, p, 0))),
            None => edges.extend(look.at(r.addr).map(|p| (root, p, 0))),
        }
        if edges.len() > before && !root_names.iter().any(|x| x == r.why) {
            root_names.push(r.why.to_string());
        }
    }
    // The look-up is as large as the pieces' addresses: gone before the graph's own arrays.
    drop(look);
    let plain = Csr::new(n + 1, edges);
    // The shortest paths (for the chains) are searched only when the graph is kept: see
    // `keep::kept`.
    let preds = plain.reverse();
    let doms = dom::dominators_with(&plain, &preds, root);
    Wired {
        n,
        root,
        plain,
        preds,
        doms,
        root_names,
    }
}

/// Code without a symbol is cut where a jump lands, and the bytes before run on into the
/// bytes after without a reference (a stripped binary's functions are cut so at every branch
/// target): an edge from each such piece of code to the next, unless the next starts a
/// function (the start of code an unwind entry describes), which is reached only by calls.
fn falls_through(layout: &Layout, described: &[Described], edges: &mut Vec<(u32, u32, u8)>) {
    let code = |o: Owner| match o {
        Owner::Section(s) => layout.sections.get(s).filter(|s| s.exec).map(|_| s),
        _ => None,
    };
    let pieces = &layout.pieces;
    let pairs: Vec<usize> = (1..pieces.len())
        .filter(|&i| {
            let (a, b) = (&pieces[i - 1], &pieces[i]);
            a.end == b.addr
                && a.addr < a.end
                && code(a.owner).is_some()
                && code(a.owner) == code(b.owner)
        })
        .collect();
    if pairs.is_empty() {
        return;
    }
    // Only then the function starts, and only those among the pairs' pieces: most described
    // ranges are dynamic relocations, whose owners are data.
    let mut at: Vec<u64> = pairs.iter().map(|&i| pieces[i].addr).collect();
    at.sort_unstable();
    let mut starts: Vec<u64> = described
        .iter()
        .map(|d| d.owner)
        .filter(|o| at.binary_search(o).is_ok())
        .collect();
    starts.sort_unstable();
    for i in pairs {
        if starts.binary_search(&pieces[i].addr).is_err() {
            edges.push((i as u32 - 1, i as u32, kind_id(RefKind::Call)));
        }
    }
}

/// Give the pieces without a symbol their crates (in `a`, the attribution of the layout `w`
/// was wired from), and compute retained sizes; `let_go` once the symbols' names are read.
pub fn analyse(a: &mut Attributed, w: Wired, let_go: &dyn Fn()) -> Analysis {
    let (n, root, doms) = (w.n, w.root, &w.doms);
    let (mut group, group_names, folded) = a.groups_folded();
    adopt::assign(a, &w.preds, doms, (&mut group, &folded), root, let_go);
    drop(w.preds);
    let pieces = &a.layout.pieces;
    let mut retained = doms.retained(pieces.iter().map(|p| p.vm).chain([0]).collect());
    retained.truncate(n);
    let reachable: Vec<bool> = (0..n as u32).map(|v| doms.reachable(v)).collect();
    let size = |v: usize| pieces[v].vm;
    let group_retained =
        crate_retained(&w.plain, root, &group, group_names.len(), size, &reachable);
    Analysis {
        n,
        root,
        group_retained,
        retained,
        group,
        group_names,
        reachable,
        plain: w.plain,
        roots: w.root_names,
    }
}

/// The edges between pieces of `refs`. References come mostly in the order of their sources
/// (the code's order), so the targets of a run of references from one piece are deduplicated
/// together before they join the list: a few times fewer edges to hold and sort. Each part of
/// `refs` is dropped once read, so the edges grow as the references go.
fn edges_of(look: &Lookup, refs: Vec<Vec<Ref>>) -> Vec<(u32, u32, u8)> {
    let mut edges: Vec<(u32, u32, u8)> = Vec::new();
    let mut run: Vec<(u32, u8)> = Vec::new();
    let mut run_from = NONE;
    let mut flush = |from: u32, run: &mut Vec<(u32, u8)>| {
        run.sort_unstable();
        run.dedup_by_key(|e| e.0);
        edges.extend(run.drain(..).map(|(t, k)| (from, t, k)));
    };
    let mut buf = Vec::new();
    for part in refs {
        for r in &part {
            let Some(f) = look.at(r.from) else { continue };
            if f != run_from {
                flush(run_from, &mut run);
                run_from = f;
            }
            look.targets(r.to, &mut buf);
            let k = kind_id(r.kind);
            run.extend(buf.iter().map(|&t| (t, k)));
        }
    }
    flush(run_from, &mut run);
    edges
}

/// Bytes each crate group keeps alive: what is reachable with it and not without it (its
/// pieces taken out of the graph as one). A node per crate that every edge into the crate
/// passes through would also let each of those edges reach every other entry of the crate,
/// so one dominator tree cannot answer this: it is one reachability question per crate,
/// answered for 64 crates at once, a bit per crate in each node's mask ("reached without
/// crate k"), spread from the root until no mask grows.
fn crate_retained(
    g: &Csr,
    root: u32,
    group: &[u32],
    groups: usize,
    size: impl Fn(usize) -> u64,
    reachable: &[bool],
) -> Vec<u64> {
    let mut lost = vec![0u64; groups];
    let mut mask = vec![0u64; g.len()];
    let mut queued = vec![false; g.len()];
    let mut stack = Vec::new();
    for first in (0..groups).step_by(64) {
        let lanes = (groups - first).min(64);
        let all = if lanes == 64 {
            u64::MAX
        } else {
            (1u64 << lanes) - 1
        };
        // The lane of each node's own crate: a crate's pieces are not reached without it.
        let own = |v: usize| match group.get(v) {
            Some(&k) if k != NO_GROUP && (k as usize) >= first && (k as usize) < first + lanes => {
                1u64 << (k as usize - first)
            }
            _ => 0,
        };
        mask.fill(0);
        mask[root as usize] = all & !own(root as usize);
        stack.clear();
        stack.push(root);
        queued[root as usize] = true;
        while let Some(v) = stack.pop() {
            queued[v as usize] = false;
            let m = mask[v as usize];
            for &w in g.succ(v) {
                let wi = w as usize;
                let new = m & !own(wi) & !mask[wi];
                if new != 0 {
                    mask[wi] |= new;
                    if !queued[wi] {
                        queued[wi] = true;
                        stack.push(w);
                    }
                }
            }
        }
        for v in (0..group.len()).filter(|&v| reachable[v]) {
            let mut gone = all & !mask[v];
            while gone != 0 {
                let k = gone.trailing_zeros() as usize;
                lost[first + k] += size(v);
                gone &= gone - 1;
            }
        }
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: one walk of the graph per crate, avoiding the crate's pieces.
    fn walked(g: &Csr, root: u32, group: &[u32], groups: usize, size: &[u64]) -> Vec<u64> {
        let reach = |skip: Option<u32>| {
            let mut seen = vec![false; g.len()];
            let mut stack = vec![root];
            seen[root as usize] = true;
            let mut kept = 0u64;
            while let Some(v) = stack.pop() {
                kept += size[v as usize];
                for &w in g.succ(v) {
                    if !seen[w as usize]
                        && (skip.is_none() || group.get(w as usize) != skip.as_ref())
                    {
                        seen[w as usize] = true;
                        stack.push(w);
                    }
                }
            }
            kept
        };
        let total = reach(None);
        (0..groups as u32).map(|k| total - reach(Some(k))).collect()
    }

    /// The masks agree with a walk per crate, on random graphs with more crates than one
    /// mask holds.
    #[test]
    fn crate_retained_matches_one_walk_per_crate() {
        let mut next = crate::graph::tests::xorshift(0x0123_4567_89ab_cdef_u64);
        for round in 0..300 {
            let n = 2 + round % 40;
            let groups = 1 + (next() % if round % 5 == 0 { 150 } else { 6 }) as usize;
            let m = (next() as usize) % (n * 3);
            let root = n as u32;
            let mut edges: Vec<(u32, u32, u8)> = (0..m)
                .map(|_| ((next() % n as u64) as u32, (next() % n as u64) as u32, 1))
                .collect();
            edges.extend((0..1 + next() % 3).map(|_| (root, (next() % n as u64) as u32, 0)));
            let g = Csr::new(n + 1, edges);
            let group: Vec<u32> = (0..n)
                .map(|_| match next() % (groups as u64 + 1) {
                    0 => NO_GROUP,
                    k => k as u32 - 1,
                })
                .collect();
            let size: Vec<u64> = (0..n).map(|_| next() % 1000).chain([0]).collect();
            let doms = dom::dominators(&g, root);
            let reachable: Vec<bool> = (0..n as u32).map(|v| doms.reachable(v)).collect();
            assert_eq!(
                crate_retained(&g, root, &group, groups, |v| size[v], &reachable),
                walked(&g, root, &group, groups, &size),
                "round {round}"
            );
        }
    }

    /// Regression: one node per crate that every edge into the crate passed through let an
    /// edge into one of its symbols reach all the others (a dead entry looked alive).
    #[test]
    fn crate_retained_counts_only_what_the_crate_keeps() {
        // root 5 → u 0 → c1 1 (crate 0); v 3 (unreachable) → c2 2 (crate 0) → w 4.
        let g = Csr::new(6, vec![(5, 0, 0), (0, 1, 1), (3, 2, 1), (2, 4, 1)]);
        let doms = dom::dominators(&g, 5);
        let reachable: Vec<bool> = (0..5).map(|v| doms.reachable(v)).collect();
        assert_eq!(reachable, vec![true, true, false, false, false]);
        let group = vec![NO_GROUP, 0, 0, NO_GROUP, NO_GROUP];
        let size = [1, 10, 100, 1000, 10_000, 0];
        assert_eq!(
            crate_retained(&g, 5, &group, 1, |v| size[v], &reachable),
            vec![10]
        );
        // Two paths into the crate: it keeps only what both pass through it for.
        let g = Csr::new(
            6,
            vec![
                (5, 0, 0),
                (5, 3, 0),
                (0, 1, 1),
                (3, 2, 1),
                (1, 4, 1),
                (3, 4, 1),
            ],
        );
        let doms = dom::dominators(&g, 5);
        let reachable: Vec<bool> = (0..5).map(|v| doms.reachable(v)).collect();
        assert_eq!(
            crate_retained(&g, 5, &group, 1, |v| size[v], &reachable),
            vec![110]
        );
    }
}
