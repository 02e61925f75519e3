//! Which crate defines a symbol, exactly: the archive symbol indexes of the build's rlibs, of
//! the static archives `-sys` crates' build scripts made, and of the sysroot's rlibs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object as _, ObjectSymbol as _};

use crate::compile::linked::{self, link_lib};
use crate::compile::{Built, crate_of};
use crate::error::{Error, Result};
use crate::inspect::Mapped;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedCrate {
    /// The crate name as rustc spells it (`libz_sys`).
    pub name: String,
    /// One of the toolchain's own crates (std, core, their dependencies).
    pub sysroot: bool,
}

/// Symbol name → the crate whose archive defines it. The first archive to define a name wins:
/// the build's crates are added before the sysroot.
#[derive(Debug, Default)]
pub struct CrateIndex {
    crates: Vec<IndexedCrate>,
    symbols: HashMap<Box<[u8]>, u32>,
    /// Member stems of C archives (`deflate` for `0123abcd-deflate.o`) → the crates whose
    /// archives have such a member, in the order added, for the local symbols of C code, which
    /// archive indexes do not list.
    sources: HashMap<String, Vec<u32>>,
    /// Local (static) symbols of C archives' members → crate: a name match, not a proof;
    /// [`AMBIGUOUS`] for a name two crates' archives define (`init`, `buffer_free`).
    locals: HashMap<Box<[u8]>, u32>,
    /// The archives are not the ones the binary was linked from (`inspect FILE`): a name
    /// found here names its crate with `heuristic` confidence, not `exact`.
    names_only: bool,
    /// The v0 crate roots (`Cs<disambiguator>_6memchr`, see `demangle::v0_crate_root`) of the
    /// sysroot's archives' symbols: a local symbol of std's own copy of a crate, which no
    /// archive index lists, is told from the build's crate of the same name by it.
    sysroot_roots: std::collections::HashSet<Box<[u8]>>,
    /// The v0 crate roots of the build's own archives' symbols (none where the build mangles
    /// the legacy way, rustc's default).
    build_roots: std::collections::HashSet<Box<[u8]>>,
    /// Names a sysroot crate's archive and a C archive both define (compiler_builtins' and
    /// libgcc's `__addtf3`), with the C archive's crate and its definition's size. Which copy
    /// the linker took depends on who referred to it first (glibc's `strtof128` takes
    /// libgcc's); the sizes tell them apart (QA v: 9 KiB of libgcc read as std's, exactly).
    contested: HashMap<Box<[u8]>, (u32, u64)>,
    /// Each crate name → whether only the sysroot has a crate of that name, for
    /// [`Self::is_sysroot_crate`], which the attribution asks once per symbol.
    sysroot_only: HashMap<String, bool>,
    /// Which crates of the build depend on which (the main command's, from cargo's resolve).
    dependencies: Option<super::deps::Dependencies>,
}

impl CrateIndex {
    /// An index of archives the binary was not linked from, see [`Self::is_names_only`].
    pub(super) fn names_only() -> Self {
        CrateIndex {
            names_only: true,
            ..CrateIndex::default()
        }
    }

    /// Whether the index holds a crate (or pseudo-crate) of this name.
    pub fn has_crate(&self, name: &str) -> bool {
        self.sysroot_only.contains_key(name)
    }

    /// Which crates of the build depend on which, as [`Self::set_dependencies`] gave it.
    pub fn dependencies(&self) -> Option<&super::deps::Dependencies> {
        self.dependencies.as_ref()
    }

    pub fn set_dependencies(&mut self, d: super::deps::Dependencies) {
        self.dependencies = Some(d);
    }

    /// Whether a name found here is a name match only (see `names_only`).
    pub fn is_names_only(&self) -> bool {
        self.names_only
    }

    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    pub fn lookup(&self, symbol: &[u8]) -> Option<&IndexedCrate> {
        let i = *self.symbols.get(symbol)?;
        self.crates.get(i as usize)
    }

    /// [`Self::lookup`] of a symbol of `size` bytes in the binary: a name that a C archive
    /// defines too is that archive's crate when the sizes are equal (see `contested`).
    pub fn lookup_sized(&self, symbol: &[u8], size: u64) -> Option<&IndexedCrate> {
        match self.contested.get(symbol) {
            Some(&(c, c_size)) if c_size == size => self.crates.get(c as usize),
            _ => self.lookup(symbol),
        }
    }

    /// The crate whose C archive defines a local (static) symbol of this name, when only one
    /// crate's does.
    pub fn lookup_local(&self, symbol: &[u8]) -> Option<&IndexedCrate> {
        let i = *self.locals.get(symbol)?;
        self.crates.get(i as usize)
    }

    /// Whether more than one crate's C archive defines a local symbol of this name: then its
    /// source file cannot decide either (objects without `STT_FILE` symbols, such as
    /// libgcc's, inherit a neighbour's), and it names no crate.
    pub fn local_is_ambiguous(&self, symbol: &[u8]) -> bool {
        self.locals.get(symbol) == Some(&AMBIGUOUS)
    }

    /// Is `name` a crate of the sysroot and of nothing the build made?
    pub fn is_sysroot_crate(&self, name: &str) -> bool {
        self.sysroot_only.get(name) == Some(&true)
    }

    /// The crate whose C archive has a member compiled from a source file of this stem, when
    /// only one crate's does (grammar-a's and grammar-b's `parser.c` name neither: which was
    /// added first varied from run to run).
    pub fn lookup_source(&self, stem: &str) -> Option<&IndexedCrate> {
        match self.sources.get(stem)?.as_slice() {
            [i] => self.crates.get(*i as usize),
            _ => None,
        }
    }

    /// Whether one of crate `krate`'s C archives has a member compiled from a source file of
    /// this stem (whatever other crates' have: grammar-a's and grammar-b's `parser.c`).
    pub fn has_source(&self, stem: &str, krate: &IndexedCrate) -> bool {
        self.sources.get(stem).is_some_and(|v| {
            v.iter()
                .filter_map(|&i| self.crates.get(i as usize))
                .any(|c| c.name == krate.name && c.sysroot == krate.sysroot)
        })
    }

    fn crate_id(&mut self, name: &str, sysroot: bool) -> u32 {
        if let Some(i) = self
            .crates
            .iter()
            .position(|c| c.name == name && c.sysroot == sysroot)
        {
            return i as u32;
        }
        self.crates.push(IndexedCrate {
            name: name.to_string(),
            sysroot,
        });
        *self.sysroot_only.entry(name.to_string()).or_insert(sysroot) &= sysroot;
        (self.crates.len() - 1) as u32
    }

    /// Add the defined symbols listed in the archive symbol index of `path` (an rlib or `.a`).
    /// Returns how many names were listed.
    /// With `sources`, also the stems of its members, for the local symbols of C code.
    pub fn add_archive(
        &mut self,
        path: &Path,
        krate: &str,
        sysroot: bool,
        sources: bool,
    ) -> Result<usize> {
        let mapped = Mapped::open(path)?;
        let bytes = mapped.bytes();
        let archive = object::read::archive::ArchiveFile::parse(bytes)
            .map_err(|e| Error::malformed(path, format!("not a readable archive: {e}")))?;
        let id = self.crate_id(krate, sysroot);
        if sources {
            for m in archive.members().flatten() {
                if let Some(stem) = member_stem(m.name()) {
                    let crates = self.sources.entry(stem.to_string()).or_default();
                    if !crates.contains(&id) {
                        crates.push(id);
                    }
                }
                let Ok(data) = m.data(bytes) else { continue };
                let Ok(obj) = object::File::parse(data) else {
                    continue;
                };
                for sym in obj.symbols().filter(|s| s.is_definition()) {
                    let Ok(name) = sym.name_bytes() else { continue };
                    if sym.is_local() {
                        add_local(&mut self.locals, name, id);
                    } else if let Some(&had) = self.symbols.get(name)
                        && self.crates.get(had as usize).is_some_and(|c| c.sysroot)
                    {
                        self.contested.insert(name.into(), (id, sym.size()));
                    }
                }
            }
        }
        let Some(symbols) = archive
            .symbols()
            .map_err(|e| Error::malformed(path, format!("bad archive symbol index: {e}")))?
        else {
            return Ok(0);
        };
        let mut n = 0;
        for sym in symbols {
            let sym =
                sym.map_err(|e| Error::malformed(path, format!("bad archive symbol: {e}")))?;
            n += 1;
            if let Some(root) = super::demangle::v0_crate_root(sym.name()) {
                match sysroot {
                    true => self.sysroot_roots.insert(root.into()),
                    false => self.build_roots.insert(root.into()),
                };
            }
            self.symbols.entry(sym.name().into()).or_insert(id);
        }
        Ok(n)
    }

    /// Whether `symbol` is v0-mangled under the crate root of a sysroot archive's symbols:
    /// std's own copy of the crate (local symbols are in no archive index).
    pub fn is_sysroot_v0(&self, symbol: &[u8]) -> bool {
        super::demangle::v0_crate_root(symbol).is_some_and(|r| self.sysroot_roots.contains(r))
    }

    /// Whether `symbol` is v0-mangled under the crate root of one of the build's own archives'
    /// symbols.
    pub fn is_build_v0(&self, symbol: &[u8]) -> bool {
        super::demangle::v0_crate_root(symbol).is_some_and(|r| self.build_roots.contains(r))
    }

    /// Whether the sysroot's archives were read (their crate roots are known).
    pub fn knows_sysroot(&self) -> bool {
        !self.sysroot_roots.is_empty()
    }

    /// The index of one build: its library artifacts, the archives its build scripts left in
    /// their `out_dir` for `static=` (or plain) link libraries, else those the linker finds
    /// for them in the scripts' search paths and the system's (in a static build, or for
    /// `static=`), then the sysroot (`libdir`).
    /// Archives that cannot be read are skipped with a warning.
    /// For a static build, the C library's `libc.a` too (pseudo-crate [`LIBC`](super::LIBC)).
    pub fn for_build(
        built: &Built,
        target: &str,
        sysroot_libdir: Option<&Path>,
    ) -> (Self, Vec<String>) {
        let mut index = CrateIndex::default();
        let mut warnings = Vec::new();
        let mut add = |index: &mut CrateIndex, path: &Path, krate: &str, sysroot: bool, c: bool| {
            // A C library may be a linker script that names the archives (glibc's `libm.a`).
            let archives = match c {
                true => linked::archives_of(path),
                false => vec![path.to_path_buf()],
            };
            for a in archives {
                if let Err(e) = index.add_archive(&a, krate, sysroot, c) {
                    warnings.push(format!("crate attribution skips an archive: {e}"));
                }
            }
        };
        for lib in &built.libraries {
            for f in &lib.filenames {
                if f.extension().is_some_and(|e| e == "rlib" || e == "a") {
                    add(&mut index, f, &lib.crate_name, false, false);
                }
            }
        }
        for run in &built.build_scripts {
            // The package's library; else its one binary (QA az F3: difftastic, which has
            // no library, showed its build script's grammars as a crate `difftastic` beside
            // its binary's `difft`, a crate no code of the binary is); else its name.
            let mut bins = built
                .binaries
                .iter()
                .filter(|b| b.package_id == run.package_id);
            let only_bin = match (bins.next(), bins.next()) {
                (Some(b), None) => Some(b.name.replace('-', "_")),
                _ => None,
            };
            let krate = built
                .libraries
                .iter()
                .find(|l| l.package_id == run.package_id)
                .map(|l| l.crate_name.clone())
                .or(only_bin)
                .unwrap_or_else(|| {
                    let full = crate_of(&run.package_id);
                    let name = full.split('@').next().unwrap_or(&full);
                    name.replace('-', "_")
                });
            // Built elsewhere or the system's (`rustc-link-lib=crypto` from libssl-dev): the
            // archive the linker takes from the script's search paths, then its own.
            let dirs = linked::search_dirs([run], target);
            let static_build = built.link == crate::report::LinkMode::Static;
            for a in script_archives(&run.linked_libs, &run.out_dir, &dirs, static_build) {
                add(&mut index, &a, &krate, false, true);
            }
        }
        if let Some(dir) = sysroot_libdir {
            for (path, krate) in sysroot_rlibs(dir) {
                add(&mut index, &path, &krate, true, false);
            }
        }
        if built.link == crate::report::LinkMode::Static {
            index.add_c_runtime(target, sysroot_libdir, &mut warnings);
        }
        (index, warnings)
    }

    /// Add the defined symbols of the object file `path` (a C start file): its global ones
    /// exactly, its local ones as a name match (see [`CrateIndex::lookup_local`]).
    pub fn add_object(&mut self, path: &Path, krate: &str) -> Result<()> {
        let mapped = Mapped::open(path)?;
        let obj = object::File::parse(mapped.bytes())
            .map_err(|e| Error::malformed(path, format!("not a readable object file: {e}")))?;
        let id = self.crate_id(krate, false);
        for sym in obj.symbols().filter(|s| s.is_definition()) {
            let Ok(name) = sym.name_bytes() else { continue };
            if sym.is_local() {
                add_local(&mut self.locals, name, id);
            } else {
                self.symbols.entry(name.into()).or_insert(id);
            }
        }
        Ok(())
    }
}

/// A local name of more than one crate: it names none (the source file may).
const AMBIGUOUS: u32 = u32::MAX;

fn add_local(locals: &mut HashMap<Box<[u8]>, u32>, name: &[u8], id: u32) {
    let e = locals.entry(name.into()).or_insert(id);
    if *e != id {
        *e = AMBIGUOUS;
    }
}

/// `0123456789abcdef-deflate.o` (cc's naming) or `deflate.o` → `deflate`.
fn member_stem(name: &[u8]) -> Option<&str> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let stem = name
        .strip_suffix(".o")
        .or_else(|| name.strip_suffix(".obj"))?;
    match stem.split_once('-') {
        Some((hash, rest)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(rest)
        }
        _ => Some(stem),
    }
}

/// The native archives a build script links: for each of its `rustc-link-lib` values `libs`,
/// the `lib<name>.a` in its `out_dir`, else the one the linker takes from `dirs` (the script's
/// search paths, then the system's; any archive in a `static_build`, else only for `static=`).
pub(super) fn script_archives(
    libs: &[String],
    out_dir: &Path,
    dirs: &[PathBuf],
    static_build: bool,
) -> Vec<PathBuf> {
    let mut libs: Vec<(&str, bool)> = libs.iter().filter_map(|l| link_lib(l)).collect();
    libs.sort_unstable();
    libs.dedup_by_key(|l| l.0);
    let mut out = Vec::new();
    let mut found: Vec<&str> = Vec::new();
    for a in archives_under(out_dir, 4) {
        let file = a.file_name().and_then(|f| f.to_str());
        if let Some(&(name, _)) = libs
            .iter()
            .find(|(n, _)| file.is_some_and(|f| f == format!("lib{n}.a")))
        {
            found.push(name);
            out.push(a);
        }
    }
    for &(name, is_static) in libs.iter().filter(|(n, _)| !found.contains(n)) {
        out.extend(linked::find_archive(name, dirs, is_static || static_build));
    }
    out
}

/// `.a` files under `dir`, `depth` levels deep at most, at most 256 of them.
fn archives_under(dir: &Path, depth: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, level)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() && level < depth {
                stack.push((p, level + 1));
            } else if t.is_file() && p.extension().is_some_and(|x| x == "a") && out.len() < 256 {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The rlibs of the sysroot's target libdir with their crate names
/// (`libstd-0123abcd.rlib` → `std`).
pub fn sysroot_rlibs(libdir: &Path) -> Vec<(PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(libdir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, String)> = entries
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| {
            let file = p.file_name()?.to_str()?;
            let stem = file.strip_prefix("lib")?.strip_suffix(".rlib")?;
            let name = stem.rsplit_once('-').map_or(stem, |(n, _)| n).to_string();
            Some((p, name))
        })
        .collect();
    out.sort();
    out
}

/// `rustc --print target-libdir --target <target>`: where the sysroot's rlibs are.
pub fn sysroot_libdir(rustc: &Path, target: &str) -> Option<PathBuf> {
    let out = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", target])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
#[path = "crates_tests.rs"]
mod tests;
