//! The cuts of the byte map that the graph asks for: where a reference, a root, a GOT slot or
//! a described range points, the bytes without a symbol are cut, so that each part can be a
//! node of its own; and what each GOT slot holds, so that it goes with that symbol.

use std::collections::HashMap;

use super::refs;
use crate::attribute::coverage::{Cut, NO_OWNER};
use crate::attribute::unwind;

/// Where the bytes without a symbol are cut (sorted, without duplicates): where a reference,
/// a root or a GOT slot points, and where each described range starts. The addresses alone
/// are sorted (a few hundred thousand on a large binary, most of them repeated), then merged
/// with the described starts: the order of sorting every `Cut` at once, at half the bytes.
pub(super) fn cuts_of(
    refs: &[Vec<refs::Ref>],
    roots: &[refs::Root],
    slots: &[u64],
    described: &[unwind::Described],
) -> Vec<Cut> {
    let count = refs.iter().map(Vec::len).sum::<usize>() + roots.len() + slots.len();
    let mut at: Vec<u64> = Vec::with_capacity(count);
    at.extend(refs.iter().flatten().map(|r| r.to));
    at.extend(roots.iter().map(|r| r.addr));
    at.extend(slots);
    at.sort_unstable();
    at.dedup();
    let mut owned: Vec<Cut> = described
        .iter()
        .map(|d| Cut {
            at: d.start,
            owner: d.owner,
        })
        .collect();
    owned.sort_unstable();
    owned.dedup();
    let mut cuts = Vec::with_capacity(at.len() + owned.len());
    let mut rest = owned.into_iter().peekable();
    for a in at {
        let plain = Cut {
            at: a,
            owner: NO_OWNER,
        };
        while let Some(c) = rest.next_if(|c| *c < plain) {
            cuts.push(c);
        }
        rest.next_if_eq(&plain);
        cuts.push(plain);
    }
    cuts.extend(rest);
    cuts
}

/// What each GOT slot holds, from the dynamic relocations among `refs`. The slots lie
/// together (the GOT): a reference from outside their span is passed over without a search.
pub(super) fn dynamic_targets(refs: &[Vec<refs::Ref>], slots: &[u64]) -> HashMap<u64, u64> {
    let mut slots = slots.to_vec();
    slots.sort_unstable();
    let (Some(&lo), Some(&hi)) = (slots.first(), slots.last()) else {
        return HashMap::new();
    };
    refs.iter()
        .flatten()
        .filter(|r| {
            let from = r.from;
            (lo..=hi).contains(&from)
                && r.kind == crate::report::RefKind::Data
                && slots.binary_search(&from).is_ok()
        })
        .map(|r| (r.from, r.to))
        .collect()
}
