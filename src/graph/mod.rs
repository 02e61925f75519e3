//! Why is it in my binary: the reference graph of an ELF binary, retained sizes, and the chain
//! of references that keeps code alive.
//!
//! Nodes are the attribution's pieces (symbols, and the bytes no symbol covers, cut where code
//! refers into them), so the graph covers every loaded byte. Edges come, by preference, from
//! the binary's own static relocations (`--emit-relocs`), from those of the analysis link that
//! `compile` makes beside our own builds, or from decoding the code (see [`EdgeSource`](crate::report::EdgeSource)); the
//! dynamic relocations add every address stored in data. The graph gives the pieces without a
//! symbol their crates (issue 13, item 6), so this stage does the attribution: it reads the
//! byte map from `attribute` and sums it up once the graph has spoken.

mod adopt;
mod biased;
mod build;
mod copies;
mod cuts;
mod decode;
pub mod dom;
mod entries;
mod keep;
mod lookup;
mod merged;
mod pcrel;
mod refs;
mod relocs;
mod sources;
mod tables;
mod via;
mod wanted;
mod why;
mod why_filter;
mod why_notes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use object::Endianness;
use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::FileHeader;

use crate::attribute::coverage::{self, Owner};
use crate::attribute::{Attributed, CrateIndex};
use crate::error::{Error, Result};
use crate::inspect::Mapped;
use crate::options::SizeOptions;
use crate::plan::Plan;
use crate::report::{Binary, GraphSummary, Report, Step};

use cuts::cuts_of;
use entries::entry_points;
pub use keep::{Constructor, Without};
use keep::{aliases, kept};
pub use refs::Translation;
pub use via::MadeFor;
pub use wanted::{attribute_built, inspect_bytes, inspect_file};
pub use why::unmatched;
pub use why_filter::unmatched_filter;

/// What the audit and `--why` read of one binary's graph after the stage.
pub struct Graph {
    root: u32,
    parent: Vec<(u32, u8)>,
    plain: dom::Csr,
    /// `plain` turned around, made once when first asked for (see [`Graph::preds`]).
    preds: std::sync::OnceLock<dom::Csr>,
    /// The symbols that share a name, made once when a chain first needs them (see
    /// [`Graph::copy_of`]).
    copies: std::sync::OnceLock<copies::Copies>,
    /// Per piece, its text in `texts`: a symbol's raw name (demangled when shown, see
    /// [`Graph::name`]), else its label (one per section, shared). Demangling every symbol
    /// up front cost more than the rest of the graph.
    text: Vec<u32>,
    texts: keep::Texts,
    /// The symbols' pieces sorted by name, of one name the last piece first: found by binary
    /// search, not a second copy of every name in a map.
    by_name: Vec<u32>,
    /// Names of other symbols at a piece's address (see [`keep::aliases`]).
    aliases: HashMap<String, u32>,
    /// Whether each piece is a symbol (not bytes without one).
    symbol: Vec<bool>,
    /// Each piece's first address (a chain's step says where it is).
    addr: Vec<u64>,
    /// Each symbol piece's section (`u16::MAX` for other pieces): copies are numbered within
    /// a section, as the symbol rows number them.
    section: Vec<u16>,
    group: Vec<u32>,
    group_names: Vec<String>,
    /// The crate a piece of std's code was instantiated in (generic code compiled into
    /// another crate's), for the pieces that have one.
    inst: HashMap<u32, String>,
    /// The crate another crate's generic code was instantiated in, for the pieces of crates
    /// outside std that have one, as its group (see [`Graph::callers_made_for`]).
    made_for: HashMap<u32, u32>,
    reachable: Vec<bool>,
    has_symbols: bool,
    /// The pieces in `.init_array` and `.preinit_array` (see [`Graph::constructors`]).
    constructor_slots: Vec<u32>,
    /// Per piece, the bytes that would become unreachable without it (its retained size).
    retained: Vec<u64>,
}

impl Graph {
    /// Display name of piece `v` (a symbol demangled, else its label).
    fn name(&self, v: u32) -> String {
        let t = self.raw_name(v);
        if self.symbol.get(v as usize) == Some(&true) {
            crate::attribute::demangle::display_name(t.as_bytes())
        } else {
            t.to_string()
        }
    }

    fn crate_of(&self, v: u32) -> Option<&str> {
        let k = *self.group.get(v as usize)?;
        self.group_names.get(k as usize).map(String::as_str)
    }

    /// The crate whose code piece `v` runs: its own, or for std's generic code compiled into
    /// another crate (`core`'s `call_mut` with that crate's closure inlined), that crate
    /// (QA k: sysinfo's group lookups were std's).
    fn code_crate_of(&self, v: u32) -> Option<&str> {
        self.inst
            .get(&v)
            .map(String::as_str)
            .or_else(|| self.crate_of(v))
    }

    /// The piece of the symbol named `raw` (as in the symbol table).
    pub fn symbol(&self, raw: &str) -> Option<u32> {
        self.own_symbol(raw)
            .or_else(|| self.aliases.get(raw).copied())
    }

    /// The piece whose own symbol is named `raw`.
    /// Of several, the last (see `by_name`).
    fn own_symbol(&self, raw: &str) -> Option<u32> {
        let k = self.by_name.partition_point(|&p| self.raw_name(p) < raw);
        self.by_name
            .get(k)
            .copied()
            .filter(|&p| self.raw_name(p) == raw)
    }

    /// The raw name of a symbol's piece (a label for other pieces).
    fn raw_name(&self, v: u32) -> &str {
        self.text
            .get(v as usize)
            .and_then(|&t| self.texts.get(t))
            .unwrap_or("")
    }

    /// Every name a symbol is found by, with its piece: the pieces' own, then the aliases.
    fn raw_names(&self) -> impl Iterator<Item = (&str, u32)> {
        let own = self.by_name.iter().map(|&p| (self.raw_name(p), p));
        own.chain(self.aliases.iter().map(|(n, &p)| (n.as_str(), p)))
    }

    pub fn has_symbols(&self) -> bool {
        self.has_symbols
    }

    /// Whether a root reaches `v`, and the chain when one does.
    pub fn reach(&self, v: u32) -> (bool, Vec<Step>) {
        let r = self.is_reachable(v);
        (r, if r { self.chain(v) } else { Vec::new() })
    }

    /// Whether a root reaches `v` (no chain made).
    pub fn is_reachable(&self, v: u32) -> bool {
        self.reachable.get(v as usize).copied().unwrap_or(false)
    }

    /// The crate group named `name` (`-` and `_` alike).
    fn group_named(&self, name: &str) -> Option<u32> {
        self.group_names
            .iter()
            .position(|g| crate::format::same_crate(g, name))
            .map(|k| k as u32)
    }

    /// Whether crate `name` has code of its own in the binary (a piece the attribution gives
    /// it): under LTO a small crate's functions are inlined into their callers, and none is.
    pub fn has_crate(&self, name: &str) -> bool {
        self.group_named(name).is_some()
    }

    /// Whether crate `name` is reachable, and the chain to its nearest entry.
    pub fn reach_crate(&self, name: &str) -> Option<(bool, Vec<Step>)> {
        let k = self.group_named(name)?;
        let first = *self.entries(k).first()?;
        Some(self.reach(first))
    }
}

/// The graphs of a `check` run, by artifact index.
#[derive(Default)]
pub struct Graphs {
    pub by_artifact: HashMap<usize, Graph>,
}

/// The graph stage of `check`: every artifact attributed with its graph (the analysis link's
/// relocations where `compile` made one), `--why` answered. A binary that cannot be read gets
/// a warning, not a failed run.
pub fn check(plan: &Plan, builds: &[crate::compile::Built], report: &mut Report) -> Result<Graphs> {
    crate::inspect::unchanged(report)?;
    let (rustc, target, settings) = (&plan.toolchain.rustc, plan.target.as_str(), &plan.size);
    let libdir = crate::attribute::crates::sysroot_libdir(rustc, target);
    if libdir.is_none() {
        report.warnings.push(format!(
            "`rustc --print target-libdir --target {target}` failed: std's symbols are \
             attributed by their names only"
        ));
    }
    let mut graphs = Graphs::default();
    let dependencies = crate::attribute::deps::Dependencies::of(&plan.workspace.metadata);
    for built in builds {
        let (mut index, mut warnings) = CrateIndex::for_build(built, target, libdir.as_deref());
        // Once, though `--compare` builds the binary twice.
        let said = |w: &String| report.warnings.contains(w);
        let named = crate::compile::collision::same_named(built);
        warnings.extend(named.into_iter().filter(|w| !said(w)));
        index.set_dependencies(dependencies.clone());
        let embedded = crate::attribute::embedded::Embedded::of(built, plan.workspace.root());
        let dir = crate::compile::analysis_dir(plan.dirs.build(built.link));
        for (i, a) in report.artifacts.iter_mut().enumerate() {
            if a.link_mode != Some(built.link) || a.binary.format != "elf" {
                continue;
            }
            let analysis = analysis_file(&dir, a.binary.build_id.as_deref());
            let path = PathBuf::from(&a.path);
            let result = attribute_built(
                &path,
                analysis.as_deref(),
                &mut a.binary,
                (&mut index, &mut warnings),
                built.link,
                settings,
                true,
            );
            if let Some(w) = a.binary.why.as_mut() {
                why::note_dependency(w, &dependencies, &a.name);
            }
            why_notes::note_inlined_into(&mut a.binary, &dependencies);
            if result.is_ok() {
                let files = (path.as_path(), analysis.as_deref());
                why_notes::name_embedded(&embedded, &mut a.binary, files, settings.symbols);
            }
            match result {
                Ok(Some(g)) => {
                    graphs.by_artifact.insert(i, g);
                }
                Ok(None) => {}
                Err(e) => report.warnings.push(format!("no size attribution: {e}")),
            }
            if a.binary
                .graph
                .as_ref()
                .is_some_and(|g| !g.edges_from.exact())
            {
                let why = match &analysis {
                    Some(link) => format!(
                        "the analysis link {} does not match the binary (an allocated section \
                         is missing or of another size)",
                        link.display()
                    ),
                    None => format!("no analysis link found ({})", dir.display()),
                };
                report.warnings.push(format!(
                    "{}: {why}: the reference graph was decoded from the code, a lower confidence",
                    a.name
                ));
            }
        }
        report.warnings.extend(warnings);
    }
    Ok(graphs)
}

/// The analysis link of the binary with this build id, if `compile` left one.
fn analysis_file(dir: &Path, build_id: Option<&str>) -> Option<PathBuf> {
    crate::compile::link::analysis_file(dir, build_id?)
}

/// The crate index of the binary's archives, asked for when the attribution needs it.
type Index<'a> = &'a (dyn Fn() -> Option<&'a CrateIndex> + Sync);

/// The bytes of the measured binary, and of its analysis link when there is one.
struct Input<'a> {
    bytes: &'a [u8],
    analysis: Option<&'a [u8]>,
    analysis_path: Option<&'a Path>,
    /// Where `bytes` are mapped from, when they are: let go after each pass over them.
    mapped: Option<&'a Mapped>,
    /// Where `analysis` is mapped from, let go with `bytes`.
    analysis_mapped: Option<&'a Mapped>,
    /// Why no graph is built (see [`wanted`]); `None` builds it.
    skip: Option<&'static str>,
}

impl Input<'_> {
    /// Done with the file's pages for now (see [`Mapped::forget`]): what is read again later
    /// (the symbols' names) comes back from the page cache.
    fn let_go(&self) {
        for m in [self.mapped, self.analysis_mapped].into_iter().flatten() {
            m.forget();
        }
    }

    /// Done with `range` of the file's bytes for now (see [`Mapped::forget_part`]).
    fn let_go_of(&self, range: std::ops::Range<usize>) {
        if let Some(m) = self.mapped {
            m.forget_part(range);
        }
    }

    /// As [`Input::let_go_of`], of the analysis link's bytes.
    fn let_go_of_link(&self, range: std::ops::Range<usize>) {
        if let Some(m) = self.analysis_mapped {
            m.forget_part(range);
        }
    }
}

/// Attribute `binary` with its graph; the graph is kept when `keep` (or `--why`) asks.
fn analyse(
    path: &Path,
    input: &Input,
    binary: &mut Binary,
    index: Index,
    settings: &SizeOptions,
    keep: bool,
) -> Result<Option<Graph>> {
    if binary.format != "elf" {
        return Ok(None);
    }
    if input.bytes.get(4) == Some(&2) {
        analyse_as::<FileHeader64<Endianness>>(path, input, binary, index, settings, keep)
    } else {
        analyse_as::<FileHeader32<Endianness>>(path, input, binary, index, settings, keep)
    }
}

fn analyse_as<H: FileHeader<Endian = Endianness>>(
    path: &Path,
    input: &Input,
    binary: &mut Binary,
    index: Index,
    settings: &SizeOptions,
    keep: bool,
) -> Result<Option<Graph>> {
    let bytes = input.bytes;
    // Without section headers (sstrip-style) the byte map has nothing to cut and the graph
    // nothing to name: neither is made, rather than a map of 0 bytes loaded.
    let no_sections = H::parse(bytes)
        .and_then(|h| h.sections(h.endian()?, bytes))
        .is_ok_and(|t| t.is_empty());
    if no_sections {
        return Ok(None);
    }
    if let Some(why) = input.skip {
        // No references were read, so no cuts.
        let layout = read_layout::<H>(path, (bytes, input), &[], None)?;
        wanted::attribute_only(input, layout, binary, settings, why);
        return Ok(None);
    }
    let sources::Gathered {
        refs,
        roots,
        slots,
        described,
        source,
    } = sources::gathered::<H>(input);
    let cuts = cuts_of(&refs, &roots, &slots, &described);
    input.let_go();
    let layout = read_layout::<H>(path, (bytes, input), &cuts, input.analysis)?;
    drop(cuts);
    input.let_go();
    let has_symbols = layout
        .pieces
        .iter()
        .any(|p| matches!(p.owner, Owner::Symbol { .. }));
    // The crates of the pieces read every symbol's name, at scattered places of the symbol
    // table, which is then resident whole: one after the other, not beside the wiring's
    // peak. `inspect` of the tool's own 71 MB static binary with its analysis link, side by
    // side: 138.5 ms (mean of 20 `hyperfine -N` runs) and 30.8 MB peak RSS (median of 5
    // `/usr/bin/time` runs); in turn: 144.8 ms and 29.4 MB (issue 13 asks under 2x of the
    // plain inspect's 12 MB, `benches/graph.sh`). The sums and the entry points do go side
    // by side on a large binary.
    let large = layout.pieces.len() >= PARALLEL_FROM;
    let mut crates = Attributed::crates_of(&layout, index(), settings);
    if let Some((krate, names)) = input
        .analysis_path
        .and_then(crate::compile::link::own_symbols)
    {
        crates.own(&layout, &krate, &names);
    }
    input.let_go();
    let wired = build::wire(&layout, bytes, refs, described, &roots, &|| input.let_go());
    let mut a = Attributed::with(layout, crates);
    let g = build::analyse(&mut a, wired, &|| input.let_go());
    let (attribution, entry_points) = crate::threads::both(
        large,
        || a.finish(settings),
        || entry_points(&a, &g, index(), (bytes, &|r| input.let_go_of(r))),
    );
    // The names were read again: their pages go before the report is filled and written.
    input.let_go();
    fill(binary, attribution, entry_points, (&a, &g), input, source);
    // For the embedded files' rows, which a build of the tool's has (the main command's, or
    // `inspect` of one with its analysis link): not kept for every file of a folder.
    if keep || input.analysis.is_some() {
        binary.unnamed = a.unnamed();
    }
    if !keep && settings.why.is_none() {
        return Ok(None);
    }
    let mut graph = kept(&a, g, has_symbols);
    match input.analysis.filter(|_| a.layout.symbols_borrowed) {
        Some(extra) => {
            let moved = refs::Translation::between::<H>(extra, bytes);
            if moved.is_some() {
                aliases::<H>(extra, moved.as_ref(), &a, &mut graph);
            }
        }
        None => aliases::<H>(bytes, None, &a, &mut graph),
    }
    // The byte map is not needed for the chains: gone before they are searched.
    drop(a);
    if let Some(p) = &settings.why {
        let mut w = why::why(&graph, p);
        why_notes::note_imports(&mut w, bytes);
        binary.why = Some(w);
    }
    Ok(keep.then_some(graph))
}

/// Fill `binary` with the attribution of `a` and what graph `g` says: retained sizes of
/// symbols and crates, each crate's entry points, the reachable bytes and the summary.
fn fill(
    binary: &mut Binary,
    mut attribution: crate::attribute::Attribution,
    mut entry_points: HashMap<usize, (Vec<String>, Vec<crate::report::Entered>)>,
    (a, g): (&Attributed, &build::Analysis),
    input: &Input,
    source: crate::report::EdgeSource,
) {
    let symbol_pieces = std::mem::take(&mut attribution.symbol_pieces);
    wanted::fill(binary, attribution, a, input);
    for (row, piece) in binary.symbols.iter_mut().zip(&symbol_pieces) {
        row.retained_size = piece.map(|p| g.retained[p]);
    }
    for c in &mut binary.crates {
        if let Some(k) = g.group_names.iter().position(|n| *n == c.name) {
            c.retained = Some(g.group_retained[k]);
            (c.entry_points, c.entered) = entry_points.remove(&k).unwrap_or_default();
        }
    }
    let reachable_bytes: u64 = (0..g.n)
        .filter(|&v| g.reachable[v])
        .map(|v| a.layout.pieces[v].vm)
        .sum();
    let loaded = binary.coverage.as_ref().map_or(0, |c| c.allocated_bytes);
    binary.graph = Some(GraphSummary {
        edges_from: source,
        nodes: g.n as u64,
        edges: g.plain.edges() as u64,
        roots: g.roots.clone(),
        reachable_bytes,
        unreachable_bytes: loaded.saturating_sub(reachable_bytes),
    });
}

/// The byte map of `bytes`, cut at `cuts`, its symbols from `analysis` when it is stripped;
/// `input` lets go of its pages once the symbols are read.
fn read_layout<'a, H: FileHeader<Endian = Endianness>>(
    path: &Path,
    (bytes, input): (&'a [u8], &Input),
    cuts: &[coverage::Cut],
    analysis: Option<&'a [u8]>,
) -> Result<coverage::Layout<'a>> {
    coverage::layout_split_with::<H>(bytes, cuts, analysis, &|| input.let_go())
        .map_err(|e| Error::malformed(path, format!("cannot read the ELF layout: {e}")))
}

/// Pieces from which [`both`](crate::threads::both) takes a second thread: below, its start would not pay.
const PARALLEL_FROM: usize = 1 << 14;

#[cfg(test)]
mod tests;
