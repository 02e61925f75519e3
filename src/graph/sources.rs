//! Where the graph's references come from: the binary's own static relocations (linked with
//! `--emit-relocs`), the analysis link's moved onto the binary, or the code decoded; with
//! relocations, the instructions that have none are decoded too.

use object::Endianness;
use object::read::elf::FileHeader;

use super::{Input, decode, refs};
use crate::report::EdgeSource;

/// The references of the binary and where they came from, in parts (the halves of decoded
/// code; more are pushed after): joined, they would be copied as they grow. The parts from
/// the first of the second value on are decoded from the code (their GOT loads name the slot).
pub(super) fn references<H: FileHeader<Endian = Endianness>>(
    input: &Input,
) -> (Vec<Vec<refs::Ref>>, usize, EdgeSource) {
    if let Some(r) = refs::static_relocations::<H>(input.bytes) {
        return (with_unrelocated::<H>(input, r), 1, EdgeSource::Relocations);
    }
    if let Some(extra) = input.analysis
        && let Some(t) = refs::Translation::between::<H>(extra, input.bytes)
        && let Some(mut r) = refs::static_relocations::<H>(extra)
    {
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
