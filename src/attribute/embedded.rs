//! A constant that is a file a crate embeds (`include_bytes!`, `include_str!`), named by that
//! file: rustc lists every file a crate's build read in the dep-info it writes beside the
//! crate's output, and a symbol whose bytes equal one of them, byte for byte, is that file
//! (QA bu F3: git-delta's largest row, 989 KiB, read `anon.3518…41`; it is bat's
//! `assets/syntaxes.bin`).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

use super::embedded_rows::Owner;
use crate::report::{Binary, SymbolRow};

/// Files smaller than this are not looked for: a few bytes equal to a file say little.
const MIN_SIZE: u64 = 64;

/// The addresses and sizes of a file's symbols.
type Covered = Vec<(u64, u64)>;

/// Files smaller than this are not looked for where no symbol is: each is a search of the
/// whole binary.
const UNNAMED_MIN: u64 = 4096;

/// An embedded file that a symbol's bytes are, byte for byte.
#[derive(Debug, Clone)]
pub struct FileSymbol {
    /// The symbol's raw name.
    pub symbol: String,
    /// `file PATH`, as a row's content says it.
    pub label: String,
    pub size: u64,
    /// The crate whose dep-info listed the file.
    pub owner: Option<String>,
}

/// The files the build's crates embed (other than Rust sources), by size.
#[derive(Debug, Default)]
pub struct Embedded {
    by_size: HashMap<u64, Vec<PathBuf>>,
    /// The crate whose dep-info listed each file (`bat` of `deps/bat-HASH.d`), as the crate
    /// table names it.
    owner: HashMap<PathBuf, String>,
    /// Where relative paths of a dep-info file start (cargo runs rustc in the workspace root),
    /// and what a shown path is made relative to.
    root: PathBuf,
}

impl Embedded {
    /// The files listed by the dep-info of each crate `built` compiled for the target.
    pub fn of(built: &crate::compile::Built, root: &Path) -> Self {
        let mut dep_infos: Vec<PathBuf> = built
            .libraries
            .iter()
            .flat_map(|l| &l.filenames)
            .filter_map(|f| library_dep_info(f))
            .collect();
        dep_infos.extend(built.binaries.iter().map(|b| {
            let mut p = b.path.clone().into_os_string();
            p.push(".d");
            PathBuf::from(p)
        }));
        Self::from_dep_infos(&dep_infos, root)
    }

    /// For `inspect` of a binary whose analysis link `link` (`<build dir>/graph/NAME-HASH.ID`)
    /// was found (QA de F10: the main command named bat's `syntaxes.bin`, `inspect` of the same
    /// binary did not): the dep-info files of the build's `deps` folder, which holds
    /// `NAME-HASH.d`, the binary's crate's. Relative paths in them are the workspace's; its
    /// root is where a cargo-written dep-info beside the binaries (absolute paths) has the
    /// binary's crate's first relative source. Without one, relative paths are not looked for.
    pub fn of_link(link: &Path) -> Self {
        let found = || -> Option<(Vec<PathBuf>, PathBuf)> {
            let stem = link.file_stem()?.to_str()?;
            let build_dir = link.parent()?.parent()?;
            let own = deps_dirs(build_dir)
                .into_iter()
                .map(|d| d.join(format!("{stem}.d")))
                .find(|d| d.is_file())?;
            let deps = own.parent()?;
            let mut dep_infos: Vec<PathBuf> = dep_files(deps);
            // The binary's own crate first: a file two crates list is the first's.
            dep_infos.retain(|d| *d != own);
            dep_infos.insert(0, own.clone());
            let text = std::fs::read_to_string(&own).ok()?;
            let krate = stem.rsplit_once('-').map_or(stem, |(k, _)| k);
            let root = listed(&text)
                .into_iter()
                .find(|f| f.is_relative())
                .and_then(|rel| root_of(&rel, (deps.parent()?, krate)))
                .unwrap_or_default();
            Some((dep_infos, root))
        };
        match found() {
            Some((dep_infos, root)) => Self::from_dep_infos(&dep_infos, &root),
            None => Embedded::default(),
        }
    }

    fn from_dep_infos(dep_infos: &[PathBuf], root: &Path) -> Self {
        let mut e = Embedded {
            root: root.to_path_buf(),
            ..Embedded::default()
        };
        let mut seen = std::collections::HashSet::new();
        for d in dep_infos {
            let Ok(text) = std::fs::read_to_string(d) else {
                continue;
            };
            let stem = d.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            // `deps/NAME-HASH.d` of a library; a binary's `NAME.d` has no hash.
            let owner = match stem.rsplit_once('-') {
                Some((name, hash))
                    if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    name
                }
                _ => stem,
            };
            let owner = owner.replace('-', "_");
            for file in listed(&text) {
                // Relative to a root not known (`inspect`): not looked for.
                let unrooted = file.is_relative() && root.as_os_str().is_empty();
                if file.extension().is_some_and(|x| x == "rs") || unrooted {
                    continue;
                }
                let file = normal(&root.join(file));
                let size =
                    std::fs::metadata(&file).map_or(0, |m| if m.is_file() { m.len() } else { 0 });
                if size >= MIN_SIZE && seen.insert(file.clone()) {
                    e.owner.insert(file.clone(), owner.clone());
                    e.by_size.entry(size).or_default().push(file);
                }
            }
        }
        e
    }

    /// Give each row of `binary` whose symbol is an embedded file, byte for byte, that file as
    /// its content. The symbols are read from the binary `elf`, else (stripped) from its
    /// analysis link. `top`: how many rows the list of the largest holds (`-n`), `None` for
    /// every row. Returns every file a symbol is, listed or not (`--why` of a file's name).
    pub fn name_rows(
        &self,
        binary: &mut Binary,
        (elf, analysis): (&Path, Option<&Path>),
        top: Option<usize>,
    ) -> Vec<FileSymbol> {
        if self.by_size.is_empty() {
            return Vec::new();
        }
        // Mapped, as the attribution maps it: a large binary is not read into memory again.
        // The bytes searched where no symbol lies are those of the file whose symbols are read:
        // an analysis link lays its sections out in another order (QA cp F1: a symbol of its
        // `.gcc_except_table` lay where the binary's `.rodata` held `syntaxes.bin`).
        let mut searched = std::iter::once(elf).chain(analysis).enumerate();
        let Some((files, unnamed, in_elf)) = searched.find_map(|(i, elf)| {
            let mapped = crate::inspect::Mapped::open(elf).ok()?;
            let (files, covered) = self.files_in(mapped.bytes())?;
            let named: Vec<&String> = files.values().map(|f| &f.label).collect();
            let unnamed = self.unnamed(mapped.bytes(), &covered, &named);
            Some((files, unnamed, i == 0))
        }) else {
            return Vec::new();
        };
        let crate_rows = binary.crate_symbols.iter_mut().flat_map(|c| &mut c.symbols);
        for row in binary.symbols.iter_mut().chain(crate_rows) {
            if let Some(f) = files.get(raw_name(row)) {
                row.content = Some(f.label.clone());
            }
        }
        // Where the graph stage gave the file's bytes to a crate, they are that crate's, as
        // its row and its split count them (QA dm F2: racket's `highlights.scm`, which
        // difftastic's code refers to, had no row, its crate's split 42% `heuristic`); the
        // addresses are the binary's, so not where the file was found in its analysis link.
        let stretches = std::mem::take(&mut binary.unnamed);
        for (section, addr, len, owner, label) in unnamed {
            let holder = stretches.holder(addr, len).filter(|_| in_elf);
            let owner = holder.map_or(Owner::Listed(&owner), |(k, c)| Owner::Holder(k, c));
            super::embedded_rows::carve(binary, (&section, len, owner), &label, top);
        }
        files.into_values().collect()
    }

    /// The files no symbol is, found byte for byte where no symbol of `covered` lies in an
    /// allocated data section of `data` (fat LTO with one codegen unit leaves a crate's
    /// constants without symbols: QA cm F1, bat's `syntaxes.bin`): each with its section,
    /// address, size, the crate whose dep-info listed it, and its label. Files under [`UNNAMED_MIN`]
    /// are not looked for.
    fn unnamed(
        &self,
        data: &[u8],
        covered: &[(u64, u64)],
        named: &[&String],
    ) -> Vec<(String, u64, u64, String, String)> {
        let Ok(obj) = object::File::parse(data) else {
            return Vec::new();
        };
        // Searched section by section: not the debug info or the symbol table, which a large
        // unstripped link has hundreds of megabytes of.
        let sections: Vec<(String, u64, u64, u64)> = obj
            .sections()
            .filter(|s| {
                use SectionKind::{Data, ReadOnlyData, ReadOnlyDataWithRel, ReadOnlyString};
                matches!(
                    s.kind(),
                    ReadOnlyData | ReadOnlyString | ReadOnlyDataWithRel | Data
                )
            })
            .filter_map(|s| {
                let (offset, size) = s.file_range()?;
                Some((s.name().ok()?.to_string(), s.address(), offset, size))
            })
            .collect();
        let mut out = Vec::new();
        // In path order: the rows they are carved from come out the same from run to run.
        let mut files: Vec<(u64, &PathBuf)> = self
            .by_size
            .iter()
            .filter(|(s, _)| **s >= UNNAMED_MIN)
            .flat_map(|(&s, fs)| fs.iter().map(move |f| (s, f)))
            .collect();
        files.sort_by_key(|(_, f)| *f);
        for (size, file) in files {
            let label = format!("file {}", self.shown(file));
            if named.contains(&&label) {
                continue;
            }
            let Ok(bytes) = std::fs::read(file) else {
                continue;
            };
            let finder = memchr::memmem::Finder::new(&bytes);
            let Some((name, addr)) = sections.iter().find_map(|(n, a, off, len)| {
                let s = data.get(usize::try_from(*off).ok()?..usize::try_from(off + len).ok()?)?;
                Some((n, a + finder.find(s)? as u64))
            }) else {
                continue;
            };
            let overlaps = covered
                .iter()
                .any(|&(s, l)| s < addr + size && addr < s + l);
            let owner = self.owner.get(file).cloned().unwrap_or_default();
            if !overlaps && !owner.is_empty() {
                out.push((name.clone(), addr, size, owner, label));
            }
        }
        out
    }

    /// Raw symbol name → `file <path>`, for every data symbol of `data` that is a file, and
    /// the addresses every symbol with a size covers; `None` when `data` has no symbol table.
    fn files_in(&self, data: &[u8]) -> Option<(HashMap<String, FileSymbol>, Covered)> {
        let mut found = HashMap::new();
        let obj = object::File::parse(data).ok()?;
        obj.symbols().next()?;
        let covered: Vec<(u64, u64)> = obj
            .symbols()
            .filter(|s| s.size() > 0)
            .map(|s| (s.address(), s.size()))
            .collect();
        let mut contents: HashMap<PathBuf, Option<Vec<u8>>> = HashMap::new();
        for sym in obj.symbols() {
            let Some(candidates) = self.by_size.get(&sym.size()) else {
                continue;
            };
            let Some(bytes) = symbol_bytes(&obj, &sym, data) else {
                continue;
            };
            let same = candidates.iter().find(|f| {
                let c = contents
                    .entry(f.to_path_buf())
                    .or_insert_with(|| std::fs::read(f).ok());
                c.as_deref() == Some(bytes)
            });
            if let (Some(file), Ok(name)) = (same, sym.name()) {
                let f = FileSymbol {
                    symbol: name.to_string(),
                    label: format!("file {}", self.shown(file)),
                    size: sym.size(),
                    owner: self.owner.get(file).cloned(),
                };
                found.insert(name.to_string(), f);
            }
        }
        Some((found, covered))
    }

    /// A registry crate's file from its package folder (`bat-0.26.1/assets/syntaxes.bin`), a
    /// git checkout's likewise, a build script's output from its `OUT_DIR` (`$OUT_DIR/_procs`,
    /// not `.../build/procs-HASH/out/_procs`: QA cp F8), a workspace file from the workspace
    /// root, another whole.
    fn shown(&self, file: &Path) -> String {
        let parts: Vec<&str> = file.iter().filter_map(|c| c.to_str()).collect();
        let after = |a: &str, b: &str, skip: usize| {
            parts
                .windows(2)
                .position(|w| w == [a, b])
                .map(|i| parts[i + 2 + skip..].join("/"))
        };
        let out_dir = parts
            .windows(3)
            .rposition(|w| w[0] == "build" && w[2] == "out")
            .filter(|&i| i + 3 < parts.len())
            .map(|i| format!("$OUT_DIR/{}", parts[i + 3..].join("/")));
        out_dir
            .or_else(|| after("registry", "src", 1))
            .or_else(|| after("git", "checkouts", 0))
            .or_else(|| {
                let rel = file.strip_prefix(&self.root).ok()?;
                Some(rel.display().to_string())
            })
            .unwrap_or_else(|| file.display().to_string())
    }
}

/// The symbol's bytes in the file, when it lies in a data section that has them.
fn symbol_bytes<'d>(
    obj: &object::File<'d>,
    sym: &object::Symbol<'d, '_>,
    data: &'d [u8],
) -> Option<&'d [u8]> {
    let section = obj.section_by_index(sym.section_index()?).ok()?;
    if matches!(
        section.kind(),
        SectionKind::Text | SectionKind::UninitializedData | SectionKind::UninitializedTls
    ) {
        return None;
    }
    let (offset, len) = section.file_range()?;
    let inside = sym.address().checked_sub(section.address())?;
    if inside.checked_add(sym.size())? > len {
        return None;
    }
    let start = usize::try_from(offset + inside).ok()?;
    data.get(start..start.checked_add(usize::try_from(sym.size()).ok()?)?)
}

/// The name a row's symbol has in the symbol table.
fn raw_name(row: &SymbolRow) -> &str {
    row.mangled.as_deref().unwrap_or(&row.name)
}

/// `deps/libNAME-HASH.rlib` → `deps/NAME-HASH.d`.
fn library_dep_info(lib: &Path) -> Option<PathBuf> {
    let stem = lib.file_stem()?.to_str()?;
    let stem = stem.strip_prefix("lib").unwrap_or(stem);
    Some(lib.with_file_name(format!("{stem}.d")))
}

/// The `deps` folders of a build dir: `<build dir>/<profile>/deps` and
/// `<build dir>/<target>/<profile>/deps`.
fn deps_dirs(build_dir: &Path) -> Vec<PathBuf> {
    use super::build_dir::subdirs;
    let one = subdirs(build_dir);
    let two = one.iter().flat_map(|d| subdirs(d));
    one.iter()
        .cloned()
        .chain(two)
        .map(|d| d.join("deps"))
        .filter(|d| d.is_dir())
        .collect()
}

/// The dep-info files (`*.d`) of the folder `dir`, in name order.
fn dep_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "d"))
        .collect();
    v.sort();
    v
}

/// The workspace root that the relative source `rel` of a rustc dep-info of the crate `krate`
/// starts from: where a cargo-written dep-info of the folder `profile_dir` of a binary of that
/// crate (`<profile>/NAME.d`, absolute paths; `-` in NAME is `_` in the crate) lists a file
/// that ends with it. Another binary's would be another workspace's (a shared target dir).
fn root_of(rel: &Path, (profile_dir, krate): (&Path, &str)) -> Option<PathBuf> {
    let rel = normal(rel);
    let of_crate = |d: &PathBuf| {
        d.file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.replace('-', "_") == krate)
    };
    dep_files(profile_dir)
        .into_iter()
        .filter(of_crate)
        .find_map(|d| {
            let text = std::fs::read_to_string(d).ok()?;
            listed(&text).into_iter().find_map(|abs| {
                let abs = normal(&abs);
                let n = rel.components().count();
                let total = abs.components().count();
                (abs.is_absolute() && total > n && abs.ends_with(&rel))
                    .then(|| abs.components().take(total - n).collect())
            })
        })
}

/// The files a dep-info file lists for its first target (`\ ` is a space in a name).
fn listed(text: &str) -> Vec<PathBuf> {
    let Some((_, deps)) = text.lines().next().and_then(|l| l.split_once(": ")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = deps.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => cur.push('\\'),
            },
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(PathBuf::from(std::mem::take(&mut cur)));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(PathBuf::from(cur));
    }
    out
}

/// `a/src/../assets/x` → `a/assets/x`, without reading the file system.
pub fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "embedded_tests.rs"]
mod tests;
