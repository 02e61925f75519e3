//! The deployable closure: the interpreter and every shared library a binary needs, found the
//! way glibc's loader finds them (`DT_RPATH` when there is no `DT_RUNPATH`, `LD_LIBRARY_PATH`,
//! `DT_RUNPATH`, `/etc/ld.so.cache`, the default directories), recursively.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

use goblin::elf::Elf;

use crate::report::ClosureEntry;

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

/// Where the search happens: the environment and the cache, injectable for tests.
pub struct Environment {
    pub ld_library_path: Vec<String>,
    pub cache: Vec<(String, PathBuf)>,
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
        Environment {
            ld_library_path,
            cache,
        }
    }
}

/// Resolve the closure of the ELF at `path`. Returns the entries (first come, first listed; a
/// library reached twice is listed once) and the total size: the binary plus each file found.
pub fn resolve(
    path: &Path,
    elf: &Elf,
    file_size: u64,
    env: &Environment,
) -> (Vec<ClosureEntry>, u64) {
    let class = (elf.is_64, elf.header.e_machine);
    let exe = Object {
        label: path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        origin: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split(&elf.rpaths),
        runpath: split(&elf.runpaths),
    };
    let exe_rpath = if exe.runpath.is_empty() {
        exe.rpath.clone()
    } else {
        Vec::new()
    };

    let mut entries = Vec::new();
    let mut seen_names: HashSet<String> = HashSet::new();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut total = file_size;

    if let Some(interp) = elf.interpreter {
        seen_names.insert(interp.to_string());
        let found = std::fs::canonicalize(interp).ok();
        let size = found
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len());
        if let Some(c) = &found {
            seen_files.insert(c.clone());
            total += size.unwrap_or(0);
        }
        entries.push(ClosureEntry {
            name: interp.to_string(),
            path: found.as_ref().map(|_| interp.to_string()),
            size,
            needed_by: exe.label.clone(),
        });
    }

    let mut queue: VecDeque<Object> = VecDeque::from([exe]);
    while let Some(obj) = queue.pop_front() {
        for name in &obj.needed {
            if !seen_names.insert(name.clone()) {
                continue;
            }
            let found = find(name, &obj, &exe_rpath, env, class);
            let canonical = found.as_ref().and_then(|p| std::fs::canonicalize(p).ok());
            if let Some(c) = &canonical
                && !seen_files.insert(c.clone())
            {
                // Same file under another name (e.g. the interpreter): already counted.
                continue;
            }
            let size = canonical
                .as_ref()
                .and_then(|p| std::fs::metadata(p).ok())
                .map(|m| m.len());
            total += size.unwrap_or(0);
            entries.push(ClosureEntry {
                name: name.clone(),
                path: found.as_ref().map(|p| p.display().to_string()),
                size,
                needed_by: obj.label.clone(),
            });
            if let Some(p) = found
                && let Some(child) = load_object(&p, name)
            {
                queue.push_back(child);
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

fn load_object(path: &Path, name: &str) -> Option<Object> {
    // Mapped, not read: only the pages of the headers and the dynamic section are touched
    // (a needed libLLVM is 190 MiB).
    let mapped = super::Mapped::open(path).ok()?;
    let elf = Elf::parse(mapped.bytes()).ok()?;
    Some(Object {
        label: name.to_string(),
        origin: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        needed: elf.libraries.iter().map(|s| s.to_string()).collect(),
        rpath: split(&elf.rpaths),
        runpath: split(&elf.runpaths),
    })
}

fn expand(dir: &str, origin: &Path) -> PathBuf {
    let o = origin.to_string_lossy();
    PathBuf::from(dir.replace("${ORIGIN}", &o).replace("$ORIGIN", &o))
}

fn find(
    name: &str,
    obj: &Object,
    exe_rpath: &[String],
    env: &Environment,
    class: (bool, u16),
) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return compatible(&p, class).then_some(p);
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if obj.runpath.is_empty() {
        dirs.extend(obj.rpath.iter().map(|d| expand(d, &obj.origin)));
        dirs.extend(exe_rpath.iter().map(|d| PathBuf::from(d.as_str())));
    }
    dirs.extend(env.ld_library_path.iter().map(PathBuf::from));
    dirs.extend(obj.runpath.iter().map(|d| expand(d, &obj.origin)));
    if let Some(p) = dirs
        .iter()
        .map(|d| d.join(name))
        .find(|p| compatible(p, class))
    {
        return Some(p);
    }
    if let Some(p) = env
        .cache
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, p)| p.clone())
        .find(|p| compatible(p, class))
    {
        return Some(p);
    }
    DEFAULT_DIRS
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| compatible(p, class))
}

/// The loader skips files of another class or machine; so do we.
fn compatible(path: &Path, (is_64, machine): (bool, u16)) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    if f.read_exact(&mut head).is_err() {
        return false;
    }
    match Elf::parse_header(&head) {
        Ok(h) => h.e_machine == machine && (h.e_ident[4] == 2) == is_64,
        Err(_) => false,
    }
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
