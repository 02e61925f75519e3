//! What is kept of one binary's analysis for the audit, `--why` and the gate: entry points into
//! each crate, the graph with raw names (demangled when shown), and the aliases of a symbol.

use std::collections::HashMap;

use object::Endianness;
use object::read::elf::FileHeader;

use super::{Graph, build};
use crate::attribute::Attributed;
use crate::attribute::coverage::Owner;

/// Per crate group, the names of the symbols of other crates that refer into it.
pub(super) fn entry_points(a: &Attributed, g: &build::Analysis) -> HashMap<usize, Vec<String>> {
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for f in 0..g.n as u32 {
        let gf = g.group[f as usize];
        if !matches!(a.layout.pieces[f as usize].owner, Owner::Symbol { .. }) {
            continue;
        }
        for &t in g.plain.succ(f) {
            let gt = g
                .group
                .get(t as usize)
                .copied()
                .unwrap_or(crate::attribute::NO_GROUP);
            if gt != crate::attribute::NO_GROUP && gt != gf {
                pairs.push((gt, f));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    // Each symbol demangled once, however many crates it enters.
    let mut from: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    from.sort_unstable();
    from.dedup();
    let names: HashMap<u32, String> = from.into_iter().map(|f| (f, a.name(f as usize))).collect();
    let mut out: HashMap<usize, Vec<String>> = HashMap::new();
    for (gt, f) in pairs {
        if let Some(name) = names.get(&f) {
            out.entry(gt as usize).or_default().push(name.clone());
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out
}

/// Names of symbols that share their address with the symbol whose piece it is (glibc's
/// `getpwuid_r` is a weak alias of `__getpwuid_r`): found by those names too.
pub(super) fn aliases<H: FileHeader<Endian = Endianness>>(
    bytes: &[u8],
    a: &Attributed,
    raw: &mut HashMap<String, u32>,
) {
    use object::elf;
    use object::read::elf::Sym as _;
    let at: HashMap<u64, u32> = a
        .layout
        .pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.owner, Owner::Symbol { .. }))
        .map(|(i, p)| (p.addr, i as u32))
        .collect();
    let Some((_, endian, sections)) = crate::attribute::elf_parts::<H>(bytes) else {
        return;
    };
    let Ok(table) = sections.symbols(endian, bytes, elf::SHT_SYMTAB) else {
        return;
    };
    let strings = table.strings();
    for s in table.iter() {
        if s.st_shndx(endian).is_special() || s.st_type() == elf::STT_SECTION {
            continue;
        }
        let value: u64 = s.st_value(endian).into();
        if let (Some(&piece), Ok(name)) = (at.get(&value), s.name(endian, strings))
            && !name.is_empty()
        {
            // Most names are the pieces' own, already there: no copy of those.
            let name = String::from_utf8_lossy(name);
            if !raw.contains_key(name.as_ref()) {
                raw.insert(name.into_owned(), piece);
            }
        }
    }
}

/// What is kept of the graph for the audit and `--why`: names and paths, not the bytes.
pub(super) fn kept(a: &Attributed, g: build::Analysis, has_symbols: bool) -> Graph {
    let pieces = &a.layout.pieces[..g.n];
    let mut raw = HashMap::new();
    let mut texts = Vec::new();
    // The label of the pieces without a symbol, by owner (section), computed once.
    let mut labels: HashMap<(u8, usize), u32> = HashMap::new();
    let mut text = Vec::with_capacity(g.n);
    for (i, p) in pieces.iter().enumerate() {
        let key = match p.owner {
            Owner::Symbol { name, .. } => {
                let name = String::from_utf8_lossy(name).into_owned();
                raw.insert(name.clone(), i as u32);
                texts.push(name);
                text.push((texts.len() - 1) as u32);
                continue;
            }
            Owner::Section(s) => (0, s),
            Owner::ElfHeader => (1, 0),
            Owner::ProgramHeaders => (2, 0),
            Owner::SectionHeaders => (3, 0),
            Owner::Unmapped => (4, 0),
        };
        let t = *labels.entry(key).or_insert_with(|| {
            texts.push(a.name(i));
            (texts.len() - 1) as u32
        });
        text.push(t);
    }
    Graph {
        root: g.root,
        parent: g.parent,
        plain: g.plain,
        symbol: pieces
            .iter()
            .map(|p| matches!(p.owner, Owner::Symbol { .. }))
            .collect(),
        text,
        texts,
        raw,
        group: g.group,
        group_names: g.group_names,
        reachable: g.reachable,
        has_symbols,
    }
}
