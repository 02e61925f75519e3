//! What is kept of one binary's analysis for the audit, `--why` and the gate: the graph with
//! raw names (demangled when shown), and the aliases of a symbol. The entry points into each
//! crate are `entries`'.

use std::cmp::Reverse;
use std::collections::HashMap;

use object::Endianness;
use object::read::elf::FileHeader;

use super::entries::leads_into;
use super::{Graph, build, dom};
use crate::attribute::Attributed;
use crate::attribute::coverage::Owner;
use crate::report::Step;

impl Graph {
    /// The steps from a root to piece `v`; empty when no root reaches it.
    pub(super) fn chain(&self, v: u32) -> Vec<Step> {
        self.steps(dom::path(&self.parent, self.root, v))
    }

    /// Piece `p` as a step reached by a reference of kind `k`.
    pub(super) fn step(&self, p: u32, k: u8) -> Step {
        let (copy, hash) = self.copy_of(p).unzip();
        let hash = hash.flatten();
        Step {
            symbol: self.name(p),
            krate: self.crate_of(p).map(str::to_string),
            kind: super::refs::KINDS[k as usize],
            instantiated_in: self.inst.get(&p).cloned(),
            copy,
            hash,
            address: self.addr.get(p as usize).copied(),
        }
    }

    /// A path of [`dom::path`] as the steps shown (the virtual root left out).
    pub(super) fn steps(&self, path: Vec<(u32, u8)>) -> Vec<Step> {
        path.into_iter()
            .skip(1)
            .map(|(p, k)| self.step(p, k))
            .collect()
    }

    /// The shortest chains from a root that pass through no piece of the crates `crates`:
    /// what would still reach a piece if those crates were gone.
    pub fn without(&self, crates: &[&str]) -> Without<'_> {
        let groups: Vec<u32> = crates.iter().filter_map(|c| self.group_named(c)).collect();
        let avoid = |u: u32| {
            self.group
                .get(u as usize)
                .is_some_and(|k| groups.contains(k))
        };
        Without {
            graph: self,
            parent: dom::shortest_paths_avoiding(&self.plain, self.root, avoid),
        }
    }

    /// Who refers to each piece: the graph turned around, once for every chain and entry
    /// search of the binary (a finding's functions, each crate of `--why`).
    pub(super) fn preds(&self) -> &dom::Csr {
        self.preds.get_or_init(|| self.plain.reverse())
    }

    /// The symbols of crate group `k` that something outside it refers to (or a root), the
    /// reachable ones first, the nearest to a root first.
    pub(super) fn entries(&self, k: u32) -> Vec<u32> {
        let preds = self.preds();
        let depth = |v: u32| dom::path(&self.parent, self.root, v).len();
        let mut out: Vec<u32> = (0..self.group.len() as u32)
            .filter(|&v| self.group[v as usize] == k && self.symbol[v as usize])
            // As for the gate's entry points ([`entry_points`]): an anonymous constant
            // that leads to none of the crate's items may be another crate's merged constant.
            .filter(|&v| {
                let item = |u: u32| self.symbol[u as usize] && !self.anonymous(u);
                leads_into(&self.plain, v, |u| self.group[u as usize] == k, item)
            })
            .filter(|&v| {
                preds
                    .succ(v)
                    .iter()
                    .any(|&p| p == self.root || self.group.get(p as usize) != Some(&k))
            })
            .collect();
        // Those that keep the most of the crate alive first: the shortest chains into rustls
        // were its error types' `Debug` impls, through a vtable, which keep next to nothing
        // (QA ay F2).
        out.sort_by_key(|&v| {
            (
                !self.reachable[v as usize],
                std::cmp::Reverse(self.retained(v)),
                depth(v),
            )
        });
        out
    }

    /// What piece `v` retains (bytes in memory); 0 for none.
    pub(super) fn retained(&self, v: u32) -> u64 {
        self.retained.get(v as usize).copied().unwrap_or(0)
    }

    /// The functions `.preinit_array` and `.init_array` hold (run before `main`), each with
    /// its crate where the attribution found one, and the bytes it keeps alive.
    pub fn constructors(&self) -> Vec<Constructor> {
        let mut out: Vec<Constructor> = self
            .constructor_slots
            .iter()
            .flat_map(|&a| held(&self.plain, a))
            .map(|v| Constructor {
                name: self.name(v),
                krate: self.crate_of(v).map(str::to_string),
                retained: self.retained(v),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Piece `v`'s name is one the compiler made up for a constant.
    fn anonymous(&self, v: u32) -> bool {
        crate::attribute::demangle::is_anonymous_constant(self.raw_name(v).as_bytes())
    }
}

/// Names of symbols that share their address with the symbol whose piece it is (glibc's
/// `getpwuid_r` is a weak alias of `__getpwuid_r`): found by those names too. `bytes`: the
/// file whose symbol table the layout read (the analysis link for a stripped binary), its
/// addresses brought to the measured binary's by `moved`.
pub(super) fn aliases<H: FileHeader<Endian = Endianness>>(
    bytes: &[u8],
    moved: Option<&super::refs::Translation>,
    a: &Attributed,
    graph: &mut Graph,
) {
    use object::elf;
    use object::read::elf::Sym as _;
    // The symbols' pieces by address, sorted (a third of a map's memory); of pieces at one
    // address the last, as a map filled in order keeps: first after a sort with the later
    // piece ahead.
    let mut at: Vec<(u64, Reverse<u32>)> = a
        .layout
        .pieces
        .iter()
        .enumerate()
        // Loaded pieces only (see `kept`'s `by_name`): at address 0 sit glibc's
        // `__evoke_link_warning_*`, never loaded.
        .filter(|(_, p)| matches!(p.owner, Owner::Symbol { .. }) && p.vm > 0)
        .map(|(i, p)| (p.addr, Reverse(i as u32)))
        .collect();
    at.sort_unstable();
    at.dedup_by_key(|e| e.0);
    let piece_at = |value: u64| {
        let k = at.binary_search_by_key(&value, |e| e.0).ok()?;
        Some(at[k].1.0)
    };
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
        let value = match moved {
            Some(t) => match t.map(value) {
                Some(v) => v,
                None => continue,
            },
            None => value,
        };
        if let (Some(piece), Ok(name)) = (piece_at(value), s.name(endian, strings))
            && !name.is_empty()
        {
            // Most names are the pieces' own, already there: no copy of those.
            let name = String::from_utf8_lossy(name);
            if graph.symbol(&name).is_none() {
                graph.aliases.insert(name.into_owned(), piece);
            }
        }
    }
}

/// Strings one after the other in one buffer: the ~16k names of a large binary's symbols
/// without a heap block (and its 24-byte `String`) each.
#[derive(Default)]
pub(super) struct Texts {
    all: String,
    /// Where each text ends in `all`.
    ends: Vec<usize>,
}

impl Texts {
    /// Add `s`; its index.
    fn push(&mut self, s: &str) -> u32 {
        self.all.push_str(s);
        self.ends.push(self.all.len());
        (self.ends.len() - 1) as u32
    }

    pub(super) fn get(&self, k: u32) -> Option<&str> {
        let k = k as usize;
        let end = *self.ends.get(k)?;
        let start = k.checked_sub(1).map_or(0, |j| self.ends[j]);
        self.all.get(start..end)
    }
}

/// What constructor slot `a` holds (not the unwind entries that describe it).
fn held(plain: &super::dom::Csr, a: u32) -> impl Iterator<Item = u32> + '_ {
    plain
        .succ_kinds(a)
        .filter(|&(_, k)| k != super::refs::kind_id(crate::report::RefKind::Describes))
        .map(|(v, _)| v)
}

/// A function run before `main` (see [`Graph::constructors`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Constructor {
    /// Its name, demangled.
    pub name: String,
    /// Its crate, where the attribution found one.
    pub krate: Option<String>,
    /// The bytes it keeps alive: its dominator subtree, what would go with it.
    pub retained: u64,
}

/// What is kept of the graph for the audit and `--why`: names and paths, not the bytes.
pub(super) fn kept(a: &Attributed, g: build::Analysis, has_symbols: bool) -> Graph {
    let pieces = &a.layout.pieces[..g.n];
    let (texts, text) = texts_of(a, pieces);
    // By name, and of the pieces with one name the last first (the one a lookup by name
    // takes, as a map filled in order would keep); all of them, as `--why` matches each: 61
    // grammars' `ts_parse_table` were one match (QA az F1). Loaded ones only: `--why 'getpwuid_r$'` matched glibc's `__evoke_link_warning_getpwuid_r`,
    // which is in a `.gnu.warning.*` section that is never loaded (QA al F1).
    let mut by_name: Vec<u32> = (0..pieces.len() as u32)
        .filter(|&i| {
            let p = &pieces[i as usize];
            matches!(p.owner, Owner::Symbol { .. }) && p.vm > 0
        })
        .collect();
    let name = |i: u32| texts.get(text[i as usize]).unwrap_or("");
    by_name.sort_unstable_by(|&x, &y| name(x).cmp(name(y)).then(y.cmp(&x)));
    // std's generic code compiled into another crate's (see `Graph::code_crate_of`).
    let std_crate = crate::attribute::demangle::is_std_crate;
    let inst: HashMap<u32, String> = (0..pieces.len())
        .filter(|&i| {
            g.group
                .get(i)
                .and_then(|&k| g.group_names.get(k as usize))
                .is_some_and(|k| std_crate(k))
        })
        .filter_map(|i| {
            let k = a.instantiated_in(i).filter(|k| !std_crate(k))?;
            Some((i as u32, k.to_string()))
        })
        .collect();
    // Other crates' generic code compiled into another crate's (tokio's `BlockingTask<T>::
    // poll` made for hyper-util's resolver): said where a crate's code is named as the caller
    // of a lookup (see `Graph::callers_made_for`), not taken as the caller's crate. By the
    // crate's group, not a name per piece: a large binary has tens of thousands of them.
    let group_of: HashMap<&str, u32> = (0..g.group_names.len() as u32)
        .map(|k| (g.group_names[k as usize].as_str(), k))
        .collect();
    let made_for: HashMap<u32, u32> = (0..pieces.len())
        .filter(|i| !inst.contains_key(&(*i as u32)))
        .filter_map(|i| Some((i as u32, *group_of.get(a.instantiated_in(i)?)?)))
        .collect();
    let constructor_slots = constructor_slots(a, pieces);
    Graph {
        root: g.root,
        constructor_slots,
        retained: g.retained,
        // Searched here, not with the rest of the graph: only the chains read them, and
        // `inspect` without `--why` keeps no graph.
        parent: dom::shortest_paths(&g.plain, g.root),
        plain: g.plain,
        preds: std::sync::OnceLock::new(),
        copies: std::sync::OnceLock::new(),
        addr: pieces.iter().map(|p| p.addr).collect(),
        symbol: pieces
            .iter()
            .map(|p| matches!(p.owner, Owner::Symbol { .. }))
            .collect(),
        section: pieces
            .iter()
            .map(|p| match p.owner {
                Owner::Symbol { section, .. } => u16::try_from(section).unwrap_or(u16::MAX),
                _ => u16::MAX,
            })
            .collect(),
        text,
        texts,
        by_name,
        aliases: HashMap::new(),
        group: g.group,
        group_names: g.group_names,
        inst,
        made_for,
        reachable: g.reachable,
        has_symbols,
    }
}

/// The names of the pieces: each symbol's, and one label for the pieces of each owner without
/// a symbol (a section), computed once; by piece, the text's index.
fn texts_of(a: &Attributed, pieces: &[crate::attribute::coverage::Piece]) -> (Texts, Vec<u32>) {
    let mut texts = Texts::default();
    // The label of the pieces without a symbol, by owner (section), computed once.
    let mut labels: HashMap<(u8, usize), u32> = HashMap::new();
    let mut text = Vec::with_capacity(pieces.len());
    for (i, p) in pieces.iter().enumerate() {
        let key = match p.owner {
            Owner::Symbol { name, .. } => {
                text.push(texts.push(&String::from_utf8_lossy(name)));
                continue;
            }
            Owner::Section(s) => (0, s),
            Owner::ElfHeader => (1, 0),
            Owner::ProgramHeaders => (2, 0),
            Owner::SectionHeaders => (3, 0),
            Owner::Unmapped => (4, 0),
        };
        let t = *labels.entry(key).or_insert_with(|| texts.push(&a.name(i)));
        text.push(t);
    }
    (texts, text)
}

/// The pieces of the constructors' arrays.
fn constructor_slots(a: &Attributed, pieces: &[crate::attribute::coverage::Piece]) -> Vec<u32> {
    // The pieces of the constructors' arrays: their bytes without a symbol, and the statics
    // Rust code puts there (`#[link_section = ".init_array"]`: curl's `INIT_CTOR`, std's
    // `ARGV_INIT_ARRAY`).
    let arrays = |s: usize| {
        a.layout
            .sections
            .get(s)
            .is_some_and(|s| matches!(&*s.name, ".init_array" | ".preinit_array"))
    };
    (0..pieces.len() as u32)
        .filter(|&i| match pieces[i as usize].owner {
            Owner::Symbol { section, .. } => arrays(section as usize),
            Owner::Section(s) => arrays(s),
            _ => false,
        })
        .collect()
}

/// The graph's chains with some crates taken out (see [`Graph::without`]).
pub struct Without<'g> {
    graph: &'g Graph,
    parent: Vec<(u32, u8)>,
}

impl Without<'_> {
    /// The shortest chain to piece `v` that avoids the crates; none when only they lead to it.
    pub fn chain(&self, v: u32) -> Option<Vec<Step>> {
        let path = dom::path(&self.parent, self.graph.root, v);
        (!path.is_empty()).then(|| self.graph.steps(path))
    }
}

#[cfg(test)]
mod tests {
    use super::Texts;

    #[test]
    fn texts_give_back_what_was_pushed_empty_ones_included() {
        let mut t = Texts::default();
        let words = [
            "_ZN4core3fmt5write17h0123456789abcdefE",
            "",
            "main",
            "ä",
            "",
        ];
        let ks: Vec<u32> = words.iter().map(|w| t.push(w)).collect();
        assert_eq!(ks, [0, 1, 2, 3, 4]);
        for (k, w) in ks.iter().zip(words) {
            assert_eq!(t.get(*k), Some(w));
        }
        assert_eq!(t.get(5), None);
    }
}
