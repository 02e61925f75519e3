//! Whether `inspect` builds a binary's reference graph: only where it can name what it finds.
//! Its retained sizes, entry points and chains are given by crate, and its names for bytes
//! without a symbol go to crates; a binary with no Rust symbol (a C or C++ program or library,
//! a stripped binary) has no crate to give them to, and decoding its code is most of the time
//! of inspecting it: on the ELF files of `/usr/bin` and `/usr/lib/x86_64-linux-gnu`, 13x the
//! time of `nm -S --size-sort` with the graph (`benches/inspect.sh`). `--graph` and `--why`
//! build it anyway, and so does a static glibc binary, whose C runtime is named from this
//! machine's archives. The `inspect FILE` entry points are here too: they decide it.

use object::{Object as _, ObjectSymbol as _};

use std::path::Path;

use super::{Input, analyse};
use crate::attribute::CrateIndex;
use crate::attribute::coverage::Layout;
use crate::attribute::{Attributed, Attribution};
use crate::compile::link::Listings;
use crate::error::Result;
use crate::inspect::Mapped;
use crate::options::SizeOptions;
use crate::report::Binary;
use crate::report::{LinkMode, Linkage};

/// Said in the report when the graph is left out: the binary has symbols, none of them Rust's.
pub const NO_RUST: &str =
    "no Rust symbol in the binary: no crate for retained sizes and chains (`--graph` builds it)";

/// Said when the binary has no `.symtab` and its `.dynsym` names no Rust symbol either.
pub const STRIPPED: &str = "the binary is stripped (no .symtab): no crate for retained sizes \
                            and chains (`--graph` builds it)";

/// Said when the code is another machine's: read as x86-64 it gave no edges, and `main` read
/// as unreachable (QA dn F1: aarch64, i386 and ppc64).
pub const OTHER_ARCH: &str = "the code is not x86-64, the only machine code the graph \
                              decodes: no reachability, retained sizes or chains";

/// Said of a PE or Mach-O file given `--graph` or `--why`.
pub const NOT_ELF: &str = "not an ELF file: the graph and the crate table are built of ELF \
                           files alone";

/// Why `inspect` leaves the graph of `bytes` out, or `None` to build it: never of another
/// machine's code; with `--graph` or `--why`, with the C runtime named (`c_runtime`), or with a Rust symbol in `.symtab` or
/// `.dynsym`.
///
/// A file whose `.comment` names its compilers and not rustc has no Rust object in it: its
/// symbols are not read one by one (a C++ library's, as libLLVM's, were a tenth of the time of
/// inspecting `/usr/lib`).
pub fn skipped(
    bytes: &[u8],
    b: &Binary,
    c_runtime: bool,
    settings: &SizeOptions,
) -> Option<&'static str> {
    if b.arch != "x86_64" || b.format != "elf" {
        return Some(OTHER_ARCH);
    }
    if settings.graph || settings.why.is_some() || c_runtime {
        return None;
    }
    let why = || match b.sections.iter().any(|s| s.name == ".symtab") {
        true => NO_RUST,
        false => STRIPPED,
    };
    if !b.comment.is_empty() && !b.is_rust_built() {
        return Some(why());
    }
    let Ok(file) = object::File::parse(bytes) else {
        return None;
    };
    let rust = |s: object::Symbol| {
        s.name_bytes()
            .is_ok_and(crate::attribute::demangle::is_rust)
    };
    if file.symbols().any(rust) || file.dynamic_symbols().any(rust) {
        return None;
    }
    Some(why())
}

/// The attribution of `layout` without a graph: each piece's crate from its symbol alone.
pub fn attribute_only(
    input: &Input,
    layout: Layout,
    binary: &mut Binary,
    settings: &SizeOptions,
    why: &str,
) {
    let crates = Attributed::crates_of(&layout, None, settings);
    input.let_go();
    let a = Attributed::with(layout, crates);
    fill(binary, a.finish(settings), &a, input);
    binary.graph_skipped = Some(why.to_string());
}

/// Put `attribution` (of `a`, read from `input`) into `binary`.
pub fn fill(binary: &mut Binary, attribution: Attribution, a: &Attributed, input: &Input) {
    binary.crates = attribution.crates;
    binary.symbols = attribution.symbols;
    binary.symbols_of = attribution.symbols_of;
    binary.crate_symbols = attribution.crate_symbols;
    binary.coverage = Some(attribution.coverage);
    if let Some(c) = binary
        .coverage
        .as_mut()
        .filter(|_| a.layout.symbols_borrowed)
    {
        c.symbols_from = input.analysis_path.map(|p| p.display().to_string());
    }
}

/// `inspect FILE`: attribute and graph one binary's bytes (its own relocations, else decoded).
pub fn inspect_file(
    path: &Path,
    file: &Mapped,
    binary: &mut Binary,
    (settings, listings): (&SizeOptions, &Listings),
) -> Result<()> {
    // PE and Mach-O: no crate table and no graph, said when one was asked for (QA do F4:
    // `--graph` of a PE went without a word).
    if binary.format != "elf" {
        if settings.graph || settings.why.is_some() {
            binary.graph_skipped = Some(NOT_ELF.to_string());
        }
        return Ok(());
    }
    // A build of this tool's main command left its analysis link (the same build id) beside
    // it: its relocations are the exact edges, as the main command's are, and a stripped
    // build's symbols name the crates (QA bm F8: `inspect` of the shipped `btm` named none;
    // QA cj F1: an unstripped copy got the graph decoded from its code, "lower confidence").
    let analysis_path = binary
        .build_id
        .as_deref()
        .and_then(|id| analysis_link_of(path, id, (settings, listings)));
    let analysis_map = analysis_path.as_deref().and_then(|p| Mapped::open(p).ok());
    let mut input = Input {
        bytes: file.bytes(),
        analysis: analysis_map.as_ref().map(Mapped::bytes),
        analysis_path: analysis_map.as_ref().and(analysis_path.as_deref()),
        mapped: Some(file),
        analysis_mapped: analysis_map.as_ref(),
        skip: None,
    };
    // A static glibc binary with symbols, built for this machine's architecture: this
    // machine's C library and compiler runtime (and C++ library, when the binary carries
    // C++ code) name its `[libc]`, `[libgcc]` (and `[libstdc++]`) code (heuristic: see
    // `CrateIndex::c_runtime_by_name`). Indexed once a run, on a thread of its own while the
    // code is decoded and laid out, and only when such a binary comes.
    // A static build whose link line ended with a shared object has `DT_NEEDED` and no
    // interpreter (AOT012): its linkage reads dynamic, but glibc is linked in all the same.
    let no_loader =
        matches!(binary.linkage, Linkage::Static | Linkage::StaticPie) || binary.stranded();
    let static_glibc = no_loader
        && binary.arch == std::env::consts::ARCH
        && (binary.symtab_size.is_some_and(|n| n > 0) || input.analysis.is_some())
        && crate::inspect::elf::static_glibc(binary);
    // A stripped build's symbols are its analysis link's (QA cx F1: ouch's C++ runtime went to
    // `ouch`, the stripped file's own having no `.symtab` to find it in).
    let cxx = static_glibc && crate::attribute::carries_cxx(input.analysis.unwrap_or(input.bytes));
    // The build dir of the analysis link holds the archives its build scripts left: the C code
    // of `-sys` crates is theirs, as in the main command's table (QA cx F4). The build dir is
    // the folder above the link's (`<build dir>/graph/<link>`).
    let mut own = analysis_path
        .as_deref()
        .and_then(|p| p.parent()?.parent())
        .and_then(|dir| CrateIndex::of_build_dir(dir, path, no_loader));
    if let Some(i) = own.as_mut().filter(|_| static_glibc) {
        i.add_c_runtime_by_name(cxx);
    } else if static_glibc {
        CrateIndex::index_c_runtime_ahead(cxx);
    }
    let index = || {
        own.as_ref().or_else(|| {
            static_glibc
                .then(|| CrateIndex::c_runtime_by_name(cxx))
                .flatten()
        })
    };
    // A binary with its analysis link is a Rust build of this tool's: never skipped as foreign
    // (QA cf F2: a stripped dynamic build's `.dynsym` names no Rust symbol).
    if input.analysis.is_none() {
        input.skip = skipped(input.bytes, binary, static_glibc, settings);
    }
    analyse(path, &input, binary, &index, settings, false)?;
    looked_in(binary, settings, analysis_path.is_none());
    // A build of this tool's: its files embedded by `include_bytes!` are named as the main
    // command names them, from the build's dep-info (QA de F10).
    if let Some(link) = analysis_path.as_deref() {
        let embedded = crate::attribute::embedded::Embedded::of_link(link);
        super::why_notes::name_embedded(&embedded, binary, (path, Some(link)), settings.symbols);
    }
    Ok(())
}

/// QA cv F2: a stripped binary whose link is not under the `--target-dir DIR` given says that
/// DIR was searched, and where, rather than to give it.
/// Without `--target-dir`, the nearest target dir where `cargo aotcheck` built (one with an
/// `aotcheck` folder) is the one said (QA ds F6: `inspect target/release/btm` in its project
/// pointed at a link that could not be there, as if it were).
fn looked_in(binary: &mut Binary, settings: &SizeOptions, not_found: bool) {
    let nearest = || {
        project_targets()
            .into_iter()
            .find(|t| t.join("aotcheck").is_dir())
    };
    let looked = settings
        .target_dir
        .clone()
        .or_else(nearest)
        .filter(|_| not_found)
        .zip(binary.build_id.clone());
    if let Some((dir, id)) = looked {
        let dir = dir.display().to_string();
        if let Some(c) = binary
            .coverage
            .as_mut()
            .filter(|c| matches!(c.symbol_table.as_deref(), None | Some(".dynsym")))
        {
            c.symbols_looked_in = Some(dir.clone());
        }
        if let Some(w) = binary.why.as_mut().filter(|w| w.needs_symbols()) {
            w.note = Some(crate::report::needs_symbols_under(&dir, &id));
        }
    }
}

/// The analysis link the main command kept for the build of `path` (`<build dir>/graph/
/// <name>-<hash>.<build id>`, the build dir two or three folders above the binary: `<build
/// dir>/<target>/<profile>/NAME`), when there is one with `build_id`. A copy of the binary
/// elsewhere (a release's artifacts, QA br F3) finds it in the build dirs of the project
/// `inspect` runs in: `$CARGO_TARGET_DIR/aotcheck/` or a `target/aotcheck/` of the working
/// directory or a folder above it; or in `inspect --target-dir DIR`'s (QA bs F2: a build
/// made with `--target-dir` is in `DIR/static`); `advise`'s in `advise/cargo` of them.
fn analysis_link_of(
    path: &Path,
    build_id: &str,
    (settings, listings): (&SizeOptions, &Listings),
) -> Option<std::path::PathBuf> {
    let found = |dir: &Path| listings.analysis_file(&crate::compile::analysis_dir(dir), build_id);
    // `advise`'s kept variants (`<aotcheck>/advise/release/SELECTION/VARIANT/BIN/NAME`) are
    // linked in `<aotcheck>/advise/cargo` (QA cb F3: its stripped best variant named no crate).
    if let Some(p) = path
        .ancestors()
        .skip(1)
        .take(5)
        .find_map(|d| found(d).or_else(|| found(&d.join("cargo"))))
    {
        return Some(p);
    }
    let modes = |d: std::path::PathBuf| ["static", "dynamic", "advise/cargo"].map(|m| d.join(m));
    // The main command's `--target-dir DIR`, or cargo's target dir, or the one found from the
    // working directory; or the build dir itself, `DIR/static` (QA ct F4: one level too deep
    // found nothing). `DIR/graph` itself is taken too (QA cv F2).
    let under = |d: &Path| {
        listings.analysis_file(d, build_id).or_else(|| {
            std::iter::once(d.to_path_buf())
                .chain(modes(d.to_path_buf()))
                .chain(modes(d.join("aotcheck")))
                .find_map(|d| found(&d))
        })
    };
    // The given one first, then the project's, as before it.
    let given = settings.target_dir.clone();
    given
        .into_iter()
        .chain(project_targets())
        .find_map(|t| under(&t))
}

/// The target dirs `inspect` looks in without `--target-dir`: `$CARGO_TARGET_DIR`, and the
/// `target` of the working directory and of the four folders above it.
fn project_targets() -> Vec<std::path::PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(cwd.ancestors().take(5).map(|d| d.join("target")))
        .collect()
}

/// [`inspect_file`] on bytes that are not a mapped file (the fuzz target's input, tests):
/// nothing is let go of.
pub fn inspect_bytes(
    path: &Path,
    bytes: &[u8],
    binary: &mut Binary,
    settings: &SizeOptions,
) -> Result<()> {
    let input = Input {
        bytes,
        analysis: None,
        analysis_path: None,
        mapped: None,
        analysis_mapped: None,
        skip: None,
    };
    analyse(path, &input, binary, &|| None, settings, false).map(|_| ())
}

/// One binary of a build the tool made, attributed with its graph (the analysis link's
/// relocations, `analysis`, where there is one): the main command's crate table, and what
/// `advise` compares features by, so that a crate leaving weighs its row (QA r: regex_syntax
/// read 270 KB of 859 KB without the graph). `index` holds the build's crates; C++ code
/// linked statically adds the C++ runtime to it once (see `add_cxx_runtime`), with a warning
/// in `warnings` for an archive it cannot read. `keep`: the graph is returned.
pub fn attribute_built(
    path: &Path,
    analysis: Option<&Path>,
    binary: &mut Binary,
    (index, warnings): (&mut CrateIndex, &mut Vec<String>),
    link: LinkMode,
    settings: &SizeOptions,
    keep: bool,
) -> Result<Option<super::Graph>> {
    let file = Mapped::open(path)?;
    let extra = analysis.and_then(|p| Mapped::open(p).ok());
    let input = Input {
        bytes: file.bytes(),
        analysis: extra.as_ref().map(Mapped::bytes),
        analysis_path: analysis,
        mapped: Some(&file),
        analysis_mapped: extra.as_ref(),
        skip: None,
    };
    let symbols = input.analysis.unwrap_or(input.bytes);
    if link == LinkMode::Static
        && !index.has_crate(crate::attribute::LIBSTDCXX)
        && crate::attribute::carries_cxx(symbols)
    {
        index.add_cxx_runtime(warnings);
    }
    let index = &*index;
    analyse(path, &input, binary, &|| Some(index), settings, keep)
}
