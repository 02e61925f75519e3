//! The byte map summed up: crates over the allocated sections, and the rows of `--symbols`.

use std::collections::HashMap;

use super::coverage::{Layout, Owner, Piece};
use super::{Attr, Interner, NO_SYMBOL, NONE, UNKNOWN, demangle};
use crate::inspect::elf::is_debug_section;
use crate::options::{SizeOptions, SymbolCount};
use crate::report::{Confidence, ConfidenceBreakdown, CrateSize, SymbolRow, Unnamed};

/// The crate a piece counts for, and whether that is a crate by name (not `[no symbol]` or
/// `[unknown]`); `None` outside the allocated sections, which no crate counts.
pub(super) fn crate_of<'n>(
    l: &Layout,
    p: &Piece,
    a: &Attr,
    names: &'n Interner,
) -> Option<(&'n str, bool)> {
    let alloc = match p.owner {
        Owner::Symbol { section, .. } => l.sections.get(section as usize).is_some_and(|s| s.alloc),
        Owner::Section(section) => l.sections.get(section).is_some_and(|s| s.alloc),
        _ => false,
    };
    alloc.then(|| match (p.owner, a.krate) {
        (Owner::Section(_), NONE) => (NO_SYMBOL, false),
        (_, NONE) => (UNKNOWN, false),
        (_, k) => (names.shown(k), true),
    })
}

/// Crates over the allocated sections, largest first; and the allocated and attributed bytes.
pub(super) fn crate_sizes(
    l: &Layout,
    attrs: &[Attr],
    names: &Interner,
) -> (Vec<CrateSize>, u64, u64) {
    let mut by_name: HashMap<&str, CrateSize> = HashMap::new();
    let mut allocated = 0u64;
    let mut attributed = 0u64;
    for (p, a) in l.pieces.iter().zip(attrs) {
        let Some((name, named)) = crate_of(l, p, a, names) else {
            continue;
        };
        allocated += p.vm;
        if named {
            attributed += p.vm;
        }
        let c = by_name.entry(name).or_insert_with(|| CrateSize {
            name: name.to_string(),
            file_size: 0,
            vm_size: 0,
            confidence: ConfidenceBreakdown::default(),
            instantiated_elsewhere: 0,
            retained: None,
            entry_points: Vec::new(),
            entered: Vec::new(),
            std_copy_unknown: names.names_only && demangle::is_std_dependency(name),
        });
        c.file_size += p.file;
        c.vm_size += p.vm;
        c.confidence.add(a.confidence, p.vm);
        if a.inst != NONE && names.shown(a.inst) != c.name {
            c.instantiated_elsewhere += p.vm;
        }
    }
    let mut crates: Vec<CrateSize> = by_name.into_values().collect();
    crates.sort_by(|a, b| b.vm_size.cmp(&a.vm_size).then(a.name.cmp(&b.name)));
    (crates, allocated, attributed)
}

/// Rows: all of them, or the largest symbols (or, of the `--filter` crate, the largest rows);
/// only these are demangled. With all rows or a filter, the pieces without a symbol are one
/// row per section, crate and confidence. Returned with the piece of each row that is one piece.
pub(super) fn symbol_rows(
    l: &Layout,
    attrs: &[Attr],
    names: &Interner,
    s: &SizeOptions,
) -> (Vec<SymbolRow>, Vec<Option<usize>>) {
    // `--filter` takes the crate table's labels too: `[no symbol]` (then the bytes without a
    // symbol are rows whatever `--symbols` says) and `[unknown]`.
    let keep = |p: &Piece, a: &Attr| match &s.filter {
        None => true,
        Some(f) if f == NO_SYMBOL || f == UNKNOWN => {
            a.krate == NONE && crate_of(l, p, a, names).is_some_and(|(name, _)| name == f)
        }
        Some(f) => {
            a.krate != NONE && {
                let (shown, raw) = &names.names[a.krate as usize];
                shown == f || raw == f || raw.replace('_', "-") == *f
            }
        }
    };
    let all = s.symbols == SymbolCount::All || s.filter.as_deref() == Some(NO_SYMBOL);
    // A crate's bytes without a symbol (its constants, unwind tables, relocations) are its
    // rows too: under `--filter` they compete for the N largest as its symbols do (QA aa:
    // std's 20 KiB of `.eh_frame`, its largest row with `--symbols all`, was not among `-n 8`).
    let sections = all || s.filter.is_some();
    // Pieces without a symbol, folded: the first of each (section, crate, confidence) stands
    // for the others, whose bytes it sums.
    let mut folded: HashMap<(usize, u32, Confidence), usize> = HashMap::new();
    let mut sums: HashMap<usize, (u64, u64)> = HashMap::new();
    let mut chosen: Vec<usize> = Vec::new();
    for (i, p) in l.pieces.iter().enumerate() {
        let symbol = matches!(p.owner, Owner::Symbol { .. });
        if !keep(p, &attrs[i]) || !symbol && !sections {
            continue;
        }
        if let Owner::Section(sec) = p.owner {
            let first = *folded
                .entry((sec, attrs[i].krate, attrs[i].confidence))
                .or_insert(i);
            let sum = sums.entry(first).or_default();
            sum.0 += p.file;
            sum.1 += p.vm;
            if first != i {
                continue;
            }
        }
        chosen.push(i);
    }
    let bytes = |i: usize| {
        sums.get(&i)
            .copied()
            .unwrap_or((l.pieces[i].file, l.pieces[i].vm))
    };
    let size_key = |i: &usize| {
        let (file, vm) = bytes(*i);
        std::cmp::Reverse((vm.max(file), vm))
    };
    if let SymbolCount::Top(n) = s.symbols
        && chosen.len() > n
    {
        if n > 0 {
            chosen.select_nth_unstable_by_key(n - 1, size_key);
        }
        chosen.truncate(n);
    }
    chosen.sort_by_key(size_key);
    let copies = copies_of(l, attrs, &chosen);
    chosen
        .into_iter()
        .map(|i| {
            let mut r = row(l, &l.pieces[i], &attrs[i], names);
            (r.file_size, r.vm_size) = bytes(i);
            match copies.get(&i) {
                Some(Copy::Numbered(k)) => r.copy = Some(*k),
                Some(Copy::From(file)) => r.source_file = Some(file.clone()),
                None => {}
            }
            let one = matches!(l.pieces[i].owner, Owner::Symbol { .. });
            (r, one.then_some(i))
        })
        .unzip()
}

/// For each symbol piece of `chosen` whose name, crate and section other symbols of the
/// binary share (instantiations of one generic function, LLVM's `.llvm.N` copies): its number
/// among them in address order, and how many there are, whatever rows are shown (QA ao F1:
/// "copy 1 of 5" with `-n 5` of ten copies, the largest numbered 1 here and 6 in `--why`,
/// which numbers them the same way).
/// Symbols of one name from C source files of their own each (QA bu F4: oniguruma's five
/// `wordlist.1`, of `unicode.c`, `unicode_unfold_key.c`, ...) are told apart by their file, not
/// numbered as one function's copies.
fn copies_of(l: &Layout, attrs: &[Attr], chosen: &[usize]) -> HashMap<usize, Copy> {
    let key = |i: usize| match l.pieces[i].owner {
        Owner::Symbol { name, section, .. } => {
            Some((demangle::without_hash(name), section, attrs[i].krate))
        }
        _ => None,
    };
    let wanted: std::collections::HashSet<_> = chosen.iter().filter_map(|&i| key(i)).collect();
    // The names' lengths first, searched in a sorted list: hashing every symbol's name was a
    // twentieth of the time of inspecting `/usr/lib` (a C++ library's names are long and the
    // rows few).
    let mut shapes: Vec<_> = wanted.iter().map(|k| (k.0.len(), k.1, k.2)).collect();
    shapes.sort_unstable();
    let mut groups: HashMap<_, Vec<usize>> = HashMap::new();
    for i in 0..l.pieces.len() {
        let wanted = |k: &(&[u8], _, _)| {
            shapes.binary_search(&(k.0.len(), k.1, k.2)).is_ok() && wanted.contains(k)
        };
        if let Some(k) = key(i).filter(wanted) {
            groups.entry(k).or_default().push(i);
        }
    }
    // The C source file a piece's `STT_FILE` names, without its directory.
    let source = |i: usize| match l.pieces[i].owner {
        Owner::Symbol { file, .. } => {
            let f = l.files.get(file as usize)?;
            let base = f.rsplit(|&b| b == b'/').next()?;
            matches!(demangle::origin(f), Some(demangle::Origin::Source(_)))
                .then(|| String::from_utf8_lossy(base).into_owned())
        }
        _ => None,
    };
    let mut out = HashMap::new();
    for &i in chosen {
        let Some(group) = key(i).and_then(|k| groups.get(&k)).filter(|g| g.len() > 1) else {
            continue;
        };
        let files: Vec<Option<String>> = group.iter().map(|&j| source(j)).collect();
        let distinct: std::collections::HashSet<&Option<String>> = files.iter().collect();
        if let Some(n) = group.iter().position(|&j| j == i) {
            let copy = match &files[n] {
                Some(file) if distinct.len() == group.len() => Copy::From(file.clone()),
                _ => Copy::Numbered([n as u32 + 1, group.len() as u32]),
            };
            out.insert(i, copy);
        }
    }
    out
}

/// How a row is told from the other symbols of its name ([`copies_of`]).
enum Copy {
    /// `[k, n]`: the k-th of n, in address order.
    Numbered([u32; 2]),
    /// Its C source file, one of its own.
    From(String),
}

/// The name a row of a piece with this owner shows: a symbol demangled, else a label.
pub(super) fn label(l: &Layout, owner: Owner) -> String {
    match owner {
        Owner::Symbol { name, .. } => demangle::display_name(name),
        Owner::Section(i) => {
            let sec = l.sections.get(i).map_or("", |s| &s.name);
            let loaded = l.sections.get(i).is_some_and(|s| s.alloc);
            if is_debug_section(sec) && !loaded {
                "[debug info]".to_string()
            } else if sec == ".symtab" || sec == ".strtab" {
                "[symbol table]".to_string()
            } else {
                format!("[section {sec}]")
            }
        }
        Owner::ElfHeader => "[ELF headers]".into(),
        Owner::ProgramHeaders => "[program headers]".into(),
        Owner::SectionHeaders => "[section headers]".into(),
        Owner::Unmapped => "[unmapped]".into(),
    }
}

pub(super) fn row(l: &Layout, p: &Piece, a: &Attr, names: &Interner) -> SymbolRow {
    let section_name = |i: usize| l.sections.get(i).map_or("", |s| &s.name).to_string();
    let krate = (a.krate != NONE).then(|| names.shown(a.krate).to_string());
    let inst = (a.inst != NONE)
        .then(|| names.shown(a.inst).to_string())
        .filter(|i| Some(i) != krate.as_ref());
    let (name, mangled, section) = match p.owner {
        Owner::Symbol { name, section, .. } => {
            let shown = demangle::display_name(name);
            let raw = String::from_utf8_lossy(name);
            let mangled = (raw != shown).then(|| raw.into_owned());
            (shown, mangled, section_name(section as usize))
        }
        Owner::Section(i) => (label(l, p.owner), None, section_name(i)),
        owner => (label(l, owner), None, String::new()),
    };
    let content = match p.owner {
        Owner::Symbol { name, section, .. } if demangle::is_anonymous_constant(name) => {
            l.sections.get(section as usize).and_then(|s| {
                let start = s.offset? + p.addr.checked_sub(s.addr)?;
                let start = usize::try_from(start).ok()?;
                let end = start.saturating_add(p.file.min(64) as usize);
                let bytes = l.data.get(start..end)?;
                if !s.alloc || s.exec {
                    return None;
                }
                // Data the loader fixes up (a static-pie's `.data.rel.ro`) holds addresses:
                // its bytes in the file are no signature or text (QA bo F8: regex_syntax's
                // 67.5 KiB case-folding table said nothing).
                if s.name.starts_with(".data.rel.ro") {
                    return Some(super::content::ADDRESSES.to_string());
                }
                super::content::describe(bytes, p.vm)
            })
        }
        _ => None,
    };
    let crate_row = match krate {
        None => crate_of(l, p, a, names).map(|(row, _)| row.to_string()),
        Some(_) => None,
    };
    SymbolRow {
        name,
        mangled,
        krate,
        crate_row,
        section,
        file_size: p.file,
        vm_size: p.vm,
        confidence: a.confidence,
        instantiated_in: inst,
        retained_size: None,
        copy: None,
        source_file: None,
        content,
    }
}

impl super::Attributed<'_> {
    /// The stretches of loaded data that no symbol covers and that have a crate, neighbours of
    /// one crate and confidence joined (see [`Unnamed`]).
    pub fn unnamed(&self) -> Unnamed {
        let l = &self.layout;
        let data = |s: usize| {
            l.sections
                .get(s)
                .is_some_and(|s| s.alloc && !s.exec && s.offset.is_some())
        };
        let mut out = Unnamed::default();
        let mut index: HashMap<u32, u32> = HashMap::new();
        let mut stretches: Vec<(u64, u64, u32, Confidence)> = Vec::new();
        for (p, a) in l.pieces.iter().zip(&self.attrs) {
            if !matches!(p.owner, Owner::Section(s) if data(s))
                || a.krate == NONE
                || p.end <= p.addr
            {
                continue;
            }
            let k = *index.entry(a.krate).or_insert_with(|| {
                out.crates.push(self.names.shown(a.krate).to_string());
                (out.crates.len() - 1) as u32
            });
            stretches.push((p.addr, p.end, k, a.confidence));
        }
        stretches.sort_unstable_by_key(|s| s.0);
        for s in stretches {
            match out.stretches.last_mut() {
                Some(last) if last.1 == s.0 && (last.2, last.3) == (s.2, s.3) => last.1 = s.1,
                _ => out.stretches.push(s),
            }
        }
        out
    }
}
