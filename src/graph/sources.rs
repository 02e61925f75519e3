//! Where the graph's references come from: the binary's own static relocations (linked with
//! `--emit-relocs`), the analysis link's moved onto the binary, or the code decoded; with
//! relocations, the instructions that have none are decoded too.

use std::collections::HashMap;

use object::Endianness;
use object::read::elf::FileHeader;

use super::{Input, cuts, decode, refs};
use crate::attribute::unwind;
use crate::report::EdgeSource;

/// The references of the binary and where they came from, in parts (the halves of decoded
/// code; more are pushed after): joined, they would be copied as they grow. The parts from
/// the first of the second value on are decoded from the code (their GOT loads name the slot).
pub(super) fn references<H: FileHeader<Endian = Endianness>>(
    input: &Input,
) -> (Vec<Vec<refs::Ref>>, usize, EdgeSource) {
    if let Some(r) = super::relocs::static_relocations::<H>(input.bytes, &|r| input.let_go_of(r)) {
        return (with_unrelocated::<H>(input, r), 1, EdgeSource::Relocations);
    }
    if let Some(extra) = input.analysis
        && let Some(t) = refs::Translation::between::<H>(extra, input.bytes)
        && let Some(mut r) =
            super::relocs::static_relocations::<H>(extra, &|r| input.let_go_of_link(r))
    {
        // The link's pages read (its relocations, the code bytes at each site, its symbols)
        // go before the binary's code is decoded.
        input.let_go();
        r.retain_mut(|x| match (t.map(x.from), t.map(x.to)) {
            (Some(f), Some(to)) => {
                (x.from, x.to) = (f, to);
                true
            }
            _ => false,
        });
        return (with_unrelocated::<H>(input, r), 1, EdgeSource::AnalysisLink);
    }
    (
        decode::decoded::<H>(input.bytes, &|r| input.let_go_of(r)).unwrap_or_default(),
        0,
        EdgeSource::Decoded,
    )
}

/// The static relocations `r` of the code in `input`, then the references of its instructions
/// that have none (see [`decode::unrelocated`]).
fn with_unrelocated<H: FileHeader<Endian = Endianness>>(
    input: &Input,
    r: Vec<refs::Ref>,
) -> Vec<Vec<refs::Ref>> {
    let mut sites: Vec<u64> = r.iter().map(|x| x.from).collect();
    sites.sort_unstable();
    let mut parts = vec![r];
    let done = |r| input.let_go_of(r);
    parts.extend(decode::unrelocated::<H>(input.bytes, &sites, &done).unwrap_or_default());
    parts
}

/// What the graph is wired from, read from the file before its layout: the references (see
/// [`references`]) with the dynamic relocations last, the roots, the GOT slots, and the
/// bytes the unwind tables and the slots describe, sorted.
pub(super) struct Gathered {
    pub refs: Vec<Vec<refs::Ref>>,
    pub roots: Vec<refs::Root>,
    pub slots: Vec<u64>,
    pub described: Vec<unwind::Described>,
    pub source: EdgeSource,
}

/// Read [`Gathered`] from `input`.
pub(super) fn gathered<H: FileHeader<Endian = Endianness>>(input: &Input) -> Gathered {
    let bytes = input.bytes;
    let (mut refs, decoded_from, source) = references::<H>(input);
    // After each pass over the file: the code or the relocations here, the unwind tables
    // before the layout, the symbol table after it (6 MiB of ripgrep's peak in all).
    input.let_go();
    let mut roots = Vec::new();
    refs::roots::<H>(bytes, &mut roots);
    let mut dynamic = Vec::new();
    refs::dynamic_relocations::<H>(bytes, &mut dynamic, &mut roots);
    // Static relocations name a GOT load's symbol already; decoded code names the slot.
    let slots = refs::through_got::<H>(bytes, &mut refs[decoded_from..], &dynamic);
    refs.push(dynamic);
    let mut personalities = Vec::new();
    let mut described = unwind::described_with::<H>(bytes, &mut personalities);
    // An FDE refers to its CIE's personality routine, which the unwinder calls for the
    // function the FDE describes: reachable when that function is (see `described_with`).
    refs.push(
        personalities
            .into_iter()
            .map(|(from, to)| refs::Ref {
                from,
                to,
                kind: crate::report::RefKind::Data,
            })
            .collect(),
    );
    // A GOT slot is the indirection cell of what it holds: its bytes (and its relocation's)
    // go with that symbol.
    let holds: HashMap<u64, u64> = cuts::dynamic_targets(&refs, &slots);
    described.extend(slots.iter().filter_map(|&at| {
        holds
            .get(&at)
            .map(|&owner| unwind::Described { start: at, owner })
    }));
    described.sort_unstable();
    Gathered {
        refs,
        roots,
        slots,
        described,
        source,
    }
}
