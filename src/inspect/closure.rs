//! The deployable closure: the interpreter and every shared library a binary needs, found the
//! way glibc's loader finds them (`DT_RPATH` when there is no `DT_RUNPATH`, `LD_LIBRARY_PATH`,
//! `DT_RUNPATH`, `/etc/ld.so.cache`, the default directories), recursively.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use goblin::elf::Elf;
use object::Endianness;
use object::elf::{self, DynamicTag, FileHeader32, FileHeader64};
use object::read::elf::{Dyn as _, FileHeader, ProgramHeader as _};

use crate::report::{Binary, ClosureEntry};

const DEFAULT_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// What the loader needs from one object to resolve its own dependencies.
struct Object {
    label: String,
    origin: PathBuf,
    needed: Vec<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
}

/// What the file system says about one path the search looked at.
#[derive(Default)]
struct FileFacts {
    /// `canonicalize` of the path: the file a library name resolves to.
    canonical: Option<PathBuf>,
    /// The length of the canonical file.
    size: Option<u64>,
    /// ELF class and machine (`(is_64, e_machine)`), when the path is an ELF file.
    class: Option<(bool, u16)>,
    /// Its `DT_NEEDED`, `DT_RPATH`, `DT_RUNPATH`, when its dynamic section reads.
    dynamic: Option<Dynamic>,
}

#[derive(Default)]
struct Dynamic {
    needed: Vec<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
}

/// Where the search happens (the environment and the cache, injectable for tests), and what
/// the file system said, remembered for the run: the binaries of a batch share most of their
/// libraries, and each library is read once however many binaries need it. Shared between
/// threads.
pub struct Environment {
    ld_library_path: Vec<String>,
    /// `/etc/ld.so.cache`: library name → its paths, in the cache's order.
    cache: HashMap<String, Vec<PathBuf>>,
    files: Mutex<HashMap<PathBuf, Arc<FileFacts>>>,
    /// musl's library path per architecture (`/etc/ld-musl-<arch>.path`), read once a run.
    musl_paths: Mutex<HashMap<String, Arc<Vec<String>>>>,
}

impl Environment {
    pub fn from_system() -> Self {
        let ld_library_path = std::env::var("LD_LIBRARY_PATH")
            .map(|v| {
                v.split([':', ';'])
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let cache = std::fs::read("/etc/ld.so.cache")
            .map(|b| parse_ld_so_cache(&b))
            .unwrap_or_default();
        Environment::new(ld_library_path, cache)
    }

    /// `LD_LIBRARY_PATH` split into directories, and the (name, path) pairs of a cache.
    pub fn new(ld_library_path: Vec<String>, cache: Vec<(String, PathBuf)>) -> Self {
        let mut by_name: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for (name, path) in cache {
            by_name.entry(name).or_default().push(path);
        }
        Environment {
            ld_library_path,
            cache: by_name,
            files: Mutex::new(HashMap::new()),
            musl_paths: Mutex::new(HashMap::new()),
        }
    }

    /// What `path` is, read once per run.
    fn facts(&self, path: &Path) -> Arc<FileFacts> {
        if let Some(f) = self.lock().get(path) {
            return Arc::clone(f);
        }
        // Read outside the lock: two threads may read the same file once each, never wrongly.
        let facts = Arc::new(read_facts(path));
        self.lock()
            .entry(path.to_path_buf())
            .or_insert(facts)
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<FileFacts>>> {
        // A panic elsewhere while holding the lock leaves a map of complete entries.
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn read_facts(path: &Path) -> FileFacts {
    let Ok(canonical) = std::fs::canonicalize(path) else {
        return FileFacts::default();
    };
    let size = std::fs::metadata(&canonical).ok().map(|m| m.len());
    // Mapped, not read: only the pages of the headers and the dynamic section are touched
    // (a needed libLLVM is 190 MiB).
    let mapped = super::Mapped::open(path).ok();
    let bytes = mapped.as_ref().map_or(&[][..], super::Mapped::bytes);
    let class = bytes
        .get(..64)
        .and_then(|head| Elf::parse_header(head).ok())
        .map(|h| (h.e_ident[4] == 2, h.e_machine));
    let dynamic = class.and_then(|(is_64, _)| {
        if is_64 {
            read_dynamic::<FileHeader64<Endianness>>(bytes)
        } else {
            read_dynamic::<FileHeader32<Endianness>>(bytes)
        }
    });
    FileFacts {
        canonical: Some(canonical),
        size,
        class,
        dynamic,
    }
}

/// The dynamic section's names, read lazily: the first `PT_DYNAMIC` up to `DT_NULL`, its
/// strings from `DT_STRTAB` mapped through the `PT_LOAD` segments, as the loader does.
fn read_dynamic<H: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<Dynamic> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let phdrs = header.program_headers(endian, data).ok()?;
    let Some(segment) = phdrs.iter().find(|ph| ph.p_type(endian) == elf::PT_DYNAMIC) else {
        return Some(Dynamic::default());
    };
    let entries = segment.dynamic(endian, data).ok()??;
    let entries: Vec<(DynamicTag, u64)> = entries
        .iter()
        .map(|d| (d.d_tag(endian), d.d_val(endian).into()))
        .take_while(|&(tag, _)| tag != elf::DT_NULL)
        .collect();
    let value = |tag: DynamicTag| entries.iter().rev().find(|e| e.0 == tag).map(|e| e.1);
    let to_offset = |address: u64| {
        phdrs.iter().find_map(|ph| {
            let vaddr: u64 = ph.p_vaddr(endian).into();
            let memsz: u64 = ph.p_memsz(endian).into();
            let offset: u64 = ph.p_offset(endian).into();
            (ph.p_type(endian) == elf::PT_LOAD && address >= vaddr && address - vaddr < memsz)
                .then(|| offset.checked_add(address - vaddr))
                .flatten()
        })
    };
    let start = usize::try_from(to_offset(value(elf::DT_STRTAB)?)?).ok()?;
    let len = usize::try_from(value(elf::DT_STRSZ).unwrap_or(0)).ok()?;
    let strings = data.get(start..start.checked_add(len)?)?;
    let string = |offset: u64| -> Option<String> {
        let tail = strings.get(usize::try_from(offset).ok()?..)?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        Some(String::from_utf8_lossy(&tail[..end]).into_owned())
    };
    let all = |tag: DynamicTag| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e.0 == tag)
            .filter_map(|e| string(e.1))
            .collect()
    };
    Some(Dynamic {
        needed: all(elf::DT_NEEDED),
        rpath: split_owned(&all(elf::DT_RPATH)),
        runpath: split_owned(&all(elf::DT_RUNPATH)),
    })
}

/// Resolve the closure of the ELF at `path`. Returns the entries (first come, first listed; a
/// library reached twice is listed once) and the total size: the binary plus each file found.
/// A library name musl's dynamic linker takes as itself: `lib{c,pthread,rt,m,dl,util,xnet}.so`
/// with any version suffix (its `ldso/dynlink.c` reserves these names).
fn musl_builtin(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("lib") else {
        return false;
    };
    let Some((base, suffix)) = rest.split_once(".so") else {
        return false;
    };
    ["c", "pthread", "rt", "m", "dl", "util", "xnet"].contains(&base)
        && (suffix.is_empty() || suffix.starts_with('.'))
}

pub fn resolve(
    path: &Path,
    class: (bool, u16),
    binary: &Binary,
    env: &Environment,
) -> (Vec<ClosureEntry>, u64) {
    let exe = Object {
        label: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        origin: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        needed: binary.needed.clone(),
        rpath: binary.rpath.clone(),
        runpath: binary.runpath.clone(),
    };
    let exe_rpath = if exe.runpath.is_empty() {
        exe.rpath.clone()
    } else {
        Vec::new()
    };

    let mut entries = Vec::new();
    let mut seen_names: HashSet<String> = HashSet::new();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut total = binary.file_size;

    if let Some(interp) = binary.interpreter.as_deref() {
        seen_names.insert(interp.to_string());
        let facts = env.facts(Path::new(interp));
        if let Some(c) = &facts.canonical {
            seen_files.insert(c.clone());
            total += facts.size.unwrap_or(0);
        }
        entries.push(ClosureEntry {
            name: interp.to_string(),
            path: facts.canonical.as_ref().map(|_| interp.to_string()),
            size: facts.size,
            needed_by: exe.label.clone(),
        });
    }

    let musl = binary.interpreter.as_deref().and_then(|i| env.musl_path(i));
    let mut queue: VecDeque<Object> = VecDeque::from([exe]);
    while let Some(obj) = queue.pop_front() {
        for name in &obj.needed {
            if !seen_names.insert(name.clone()) {
                continue;
            }
            // musl's loader is its C library, and answers for the names of the libraries
            // glibc splits out of it (QA dn F10: `libc.so` "not found" of a musl program that
            // runs; `ld-musl-x86_64.so.1 --list` maps it to the loader).
            if musl.is_some() && musl_builtin(name) {
                continue;
            }
            let found = if name.contains('/') {
                let p = PathBuf::from(name);
                compatible(env, &p, class).then_some(p)
            } else {
                match &musl {
                    Some(path) => find_musl(name, (&obj, &exe_rpath), env, class, path),
                    None => find(name, &obj, &exe_rpath, env, class),
                }
            };
            let facts = found.as_deref().map(|p| env.facts(p));
            let canonical = facts.as_ref().and_then(|f| f.canonical.as_ref());
            if let Some(c) = canonical
                && !seen_files.insert(c.clone())
            {
                // Same file under another name (e.g. the interpreter): already counted.
                continue;
            }
            let size = facts.as_ref().and_then(|f| f.size);
            total += size.unwrap_or(0);
            entries.push(ClosureEntry {
                name: name.clone(),
                path: found.as_ref().map(|p| p.display().to_string()),
                size,
                needed_by: obj.label.clone(),
            });
            if let (Some(p), Some(d)) = (found, facts.as_ref().and_then(|f| f.dynamic.as_ref())) {
                queue.push_back(Object {
                    label: name.clone(),
                    origin: p.parent().map(Path::to_path_buf).unwrap_or_default(),
                    needed: d.needed.clone(),
                    rpath: d.rpath.clone(),
                    runpath: d.runpath.clone(),
                });
            }
        }
    }
    (entries, total)
}

fn split(list: &[&str]) -> Vec<String> {
    list.iter()
        .flat_map(|s| s.split(':'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_owned(list: &[String]) -> Vec<String> {
    split(&list.iter().map(String::as_str).collect::<Vec<_>>())
}

fn expand(dir: &str, origin: &Path) -> PathBuf {
    let o = origin.to_string_lossy();
    PathBuf::from(dir.replace("${ORIGIN}", &o).replace("$ORIGIN", &o))
}

impl Environment {
    /// The library path of musl's loader `interp` (`/lib/ld-musl-x86_64.so.1`): the lines or
    /// `:`-parts of `/etc/ld-musl-<arch>.path`, else musl's built-in `/lib:/usr/local/lib:
    /// /usr/lib`, read once a run; `None` for another loader.
    fn musl_path(&self, interp: &str) -> Option<Arc<Vec<String>>> {
        let file = Path::new(interp).file_name()?.to_str()?;
        let arch = file.strip_prefix("ld-musl-")?.strip_suffix(".so.1")?;
        let mut known = self
            .musl_paths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = known.entry(arch.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(format!("/etc/ld-musl-{arch}.path"))
                .unwrap_or_else(|_| "/lib:/usr/local/lib:/usr/lib".into());
            Arc::new(
                text.split([':', '\n'])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(String::from)
                    .collect(),
            )
        });
        Some(Arc::clone(path))
    }
}

/// Where musl's loader finds `name` (`ldso/dynlink.c`): `LD_LIBRARY_PATH`, the needing
/// object's and the program's rpath and runpath alike, then its own path (`path`); never
/// glibc's cache or directories (QA do F2: a musl program's `libz.so.1` read as glibc's, which
/// `ld-musl --list` does not load).
fn find_musl(
    name: &str,
    (obj, exe_rpath): (&Object, &[String]),
    env: &Environment,
    class: (bool, u16),
    path: &[String],
) -> Option<PathBuf> {
    let own = obj.rpath.iter().chain(&obj.runpath);
    env.ld_library_path
        .iter()
        .map(PathBuf::from)
        .chain(own.map(|d| expand(d, &obj.origin)))
        .chain(exe_rpath.iter().map(PathBuf::from))
        .chain(path.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| compatible(env, p, class))
}

/// Where glibc's loader finds `name` (no `/` in it): rpath, `LD_LIBRARY_PATH`, runpath, its
/// cache, its default directories.
fn find(
    name: &str,
    obj: &Object,
    exe_rpath: &[String],
    env: &Environment,
    class: (bool, u16),
) -> Option<PathBuf> {
    let compatible = |p: &Path| compatible(env, p, class);
    let mut dirs: Vec<PathBuf> = Vec::new();
    if obj.runpath.is_empty() {
        dirs.extend(obj.rpath.iter().map(|d| expand(d, &obj.origin)));
        dirs.extend(exe_rpath.iter().map(|d| PathBuf::from(d.as_str())));
    }
    dirs.extend(env.ld_library_path.iter().map(PathBuf::from));
    dirs.extend(obj.runpath.iter().map(|d| expand(d, &obj.origin)));
    if let Some(p) = dirs.iter().map(|d| d.join(name)).find(|p| compatible(p)) {
        return Some(p);
    }
    if let Some(p) = env
        .cache
        .get(name)
        .and_then(|paths| paths.iter().find(|p| compatible(p)))
    {
        return Some(p.clone());
    }
    DEFAULT_DIRS
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| compatible(p))
}

/// The loader skips files of another class or machine; so do we.
fn compatible(env: &Environment, path: &Path, class: (bool, u16)) -> bool {
    env.facts(path).class == Some(class)
}

/// Read glibc's `/etc/ld.so.cache` (the `glibc-ld.so.cache1.1` format, alone or after the old
/// `ld.so-1.7.0` table). Returns (library name, path) pairs; an unknown layout gives none.
pub fn parse_ld_so_cache(bytes: &[u8]) -> Vec<(String, PathBuf)> {
    const OLD: &[u8] = b"ld.so-1.7.0";
    const NEW: &[u8] = b"glibc-ld.so.cache1.1";
    let u32_at = |b: &[u8], at: usize| -> Option<usize> {
        let s = b.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let mut start = 0usize;
    if bytes.starts_with(OLD) {
        let Some(n) = u32_at(bytes, 12) else {
            return Vec::new();
        };
        start = n.saturating_mul(12).saturating_add(16).next_multiple_of(8);
    }
    let Some(new) = bytes.get(start..) else {
        return Vec::new();
    };
    if !new.starts_with(NEW) {
        return Vec::new();
    }
    let Some(nlibs) = u32_at(new, 20) else {
        return Vec::new();
    };
    let cstr = |off: usize| -> Option<String> {
        let tail = new.get(off..)?;
        let end = tail.iter().position(|&c| c == 0)?;
        Some(String::from_utf8_lossy(&tail[..end]).into_owned())
    };
    let mut out = Vec::new();
    for i in 0..nlibs.min(new.len() / 24) {
        let at = 48 + i * 24;
        let (Some(key), Some(value)) = (u32_at(new, at + 4), u32_at(new, at + 8)) else {
            break;
        };
        if let (Some(k), Some(v)) = (cstr(key), cstr(value)) {
            out.push((k, PathBuf::from(v)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_cache_knows_libc() {
        // Every glibc system has libc.so.6 in its cache; compare with ldconfig's own listing.
        let Ok(bytes) = std::fs::read("/etc/ld.so.cache") else {
            return;
        };
        let entries = parse_ld_so_cache(&bytes);
        assert!(entries.iter().any(|(n, p)| n == "libc.so.6" && p.exists()));
    }

    #[test]
    fn garbage_cache_gives_nothing() {
        assert!(parse_ld_so_cache(b"glibc-ld.so.cache1.1\xff\xff\xff\xff").is_empty());
        assert!(parse_ld_so_cache(b"ld.so-1.7.0\0\xff\xff\xff\xff").is_empty());
        assert!(parse_ld_so_cache(b"").is_empty());
    }
}
